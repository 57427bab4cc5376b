"""The benchmark's results page (markdown), from the measured runs.

`Run` is everything the page shows about one data shape at one scale; `page` writes, in
this order: the machine; at the detail scale, for every shape, the project's full job,
the pandas notebook, the minimal reference and the least job side by side with the
issue's targets; the floor under the targets; the stages of the full job for every
shape; the scale curve of the first shape with the marginal cost; the exact commands.
Long because the page is long: every function is one section of it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from measure import ROOT, Measured
from stages import STAGES

# The targets (2 cores, 1M customers, on every data shape): the full job takes at most
# FULL_VS_REFERENCE times the reference's time and at most RSS_VS_REFERENCE times its
# peak memory, the notebook at least NOTEBOOK_VS_FULL times the full job's time; between
# the curve's two largest scales the full job's added time is at most
# MARGINAL_VS_REFERENCE times the reference's added time.
FULL_VS_REFERENCE = 3.0
NOTEBOOK_VS_FULL = 2.5
RSS_VS_REFERENCE = 1.5
MARGINAL_VS_REFERENCE = 2.0


@dataclass
class Run:
    """One data shape at one scale: every measured command and what the full job did."""

    shape: str  # the generator's order profile
    customers: int
    raw_rows: dict[str, int]  # customers / orders / order lines, as the generator wrote them
    raw_mb: float
    generate: Measured
    full: Measured  # first run: fresh warehouse and target folder
    repeat: Measured  # the same command again
    notebook: Measured
    notebook_figures: dict  # the notebook's JSON line
    reference: Measured
    reference_figures: dict  # the reference's JSON line
    least: Measured  # least_job.py: the floor's data-dependent part
    least_figures: dict  # the least job's JSON line
    stages: dict[str, tuple[float, int]]  # stage -> (seconds, peak tree KiB)
    slowest: list[tuple[str, float, int]]  # node, seconds, peak tree KiB
    tests: dict[str, tuple[int, float]]  # tested layer -> (tests, seconds)
    changed_by_repeat: list[str]  # compared tables whose rows differ after the repeat run
    build_seconds: float  # dbt build, as the CLI reports it
    report_seconds: float  # the report, as the CLI reports it
    empty_dbt: Measured | None  # the floor's empty dbt build, at the first detail run only

    def time_ratio(self, job: Measured) -> float:
        return job.seconds / self.reference.seconds

    def rss_ratio(self, job: Measured) -> float:
        return job.peak_kb / max(self.reference.peak_kb, 1)

    def notebook_ratio(self, job: Measured) -> float:
        return self.notebook.seconds / job.seconds


# --------------------------------------------------------------------------- formats


def mb(kb: int) -> str:
    """KiB as decimal megabytes (10^6 bytes)."""
    return f"{kb * 1024 / 1e6:,.0f} MB"


def both(first: bool, repeat: bool) -> str:
    return {(True, True): "yes", (False, False): "no"}.get(
        (first, repeat), "repeat run only" if repeat else "first run only"
    )


def load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------- sections


def machine() -> list[str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        total_kb = int(info.readline().split()[1])
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    status = [*git, "status", "--porcelain", "--untracked-files=no"]
    dirty = [
        line[3:]
        for line in subprocess.run(status, capture_output=True, text=True).stdout.splitlines()
    ]
    return [
        "## Machine",
        "",
        f"- CPU: {os.cpu_count()} cores (`nproc` {len(os.sched_getaffinity(0))}), {cpu}",
        f"- Memory: {total_kb / 1024**2:.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, duckdb {version('duckdb')}, "
        f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
        f"scikit-learn {version('scikit-learn')}, pandas {version('pandas')}, "
        f"pyarrow {version('pyarrow')}, numpy {version('numpy')}",
        f"- Commit: {commit or 'not a git checkout'}"
        + (f", with uncommitted changes in {', '.join(dirty)}" if dirty else ""),
        f"- Load average when the results were written: {load(os.getloadavg())}",
    ]


def side_by_side(run: Run, compared: tuple[str, ...]) -> list[str]:
    """The jobs on one shape's files, and the targets they are held to."""
    ref, nb = run.reference_figures, run.notebook_figures
    lines = [
        "",
        f"## {run.customers:,} customers, {run.shape} shape: project, notebook and reference",
        "",
        f"Raw data: {run.raw_rows.get('customers', 0):,} customers, "
        f"{run.raw_rows.get('orders', 0):,} orders, "
        f"{run.raw_rows.get('order lines', 0):,} order lines "
        f"({run.raw_mb:,.0f} MB of Parquet, with planted dirty rows; "
        f"`customer-segments generate --order-profile {run.shape}`).",
        "",
        "| | wall time | peak RSS (process tree) | largest process | load before -> after |",
        "|---|---:|---:|---:|---|",
    ]
    for label, measured in (
        ("generate (raw Parquet)", run.generate),
        ("full job, first run (`customer-segments run`)", run.full),
        ("full job, repeat run (same command again)", run.repeat),
        ("pandas notebook (`benchmarks/notebook.py`)", run.notebook),
        ("minimal reference (`benchmarks/reference.py`)", run.reference),
        ("least job (`benchmarks/least_job.py`), for the floor below", run.least),
    ):
        lines.append(
            f"| {label} | {measured.seconds:.1f} s | {mb(measured.peak_tree_kb)} | "
            f"{mb(measured.max_process_kb)} | {load(measured.load_before)} -> "
            f"{load(measured.load_after)} |"
        )
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in nb["seconds"].items())
    lines += [
        "",
        f"The notebook clustered {nb['customers_clustered']:,} buyers and chose k={nb['k']} "
        f"by silhouette: {steps}; the rest is Python start-up and imports.",
        f"The reference ran KMeans with n_init={ref['n_init']} (the project's setting) at "
        f"k={ref['k']} on all {ref['customers']:,} customers: query "
        f"{ref['query_seconds']:.1f} s, fit {ref['fit_seconds']:.1f} s "
        f"({ref['iterations']} iterations), the rest is Python start-up and imports.",
        "",
        "The repeat run is the same command on the same folders right after the first: "
        "dbt reuses its partial-parse cache in the target folder, and the warehouse "
        "already holds the previous model, so segment ids are matched to it and the "
        "history grows. "
        + (
            f"It left {', '.join(f'`{t}`' for t in compared)} identical, byte for byte "
            "(md5 of every row)."
            if not run.changed_by_repeat
            else "It changed the rows of "
            + ", ".join(f"`{t}`" for t in run.changed_by_repeat)
            + " (md5 of every row): the same input did not give the same output."
        ),
        "",
        "Targets, against this run (full job's first run / repeat run):",
        "",
        "| target | reached | met |",
        "|---|---:|:---:|",
    ]
    full, repeat = run.full, run.repeat
    rows = (
        (
            f"full job within {FULL_VS_REFERENCE:g}x the reference's time",
            f"{run.time_ratio(full):.2f}x / {run.time_ratio(repeat):.2f}x",
            both(
                run.time_ratio(full) <= FULL_VS_REFERENCE,
                run.time_ratio(repeat) <= FULL_VS_REFERENCE,
            ),
        ),
        (
            f"notebook at least {NOTEBOOK_VS_FULL:g}x the full job's time",
            f"{run.notebook_ratio(full):.2f}x / {run.notebook_ratio(repeat):.2f}x",
            both(
                run.notebook_ratio(full) >= NOTEBOOK_VS_FULL,
                run.notebook_ratio(repeat) >= NOTEBOOK_VS_FULL,
            ),
        ),
        (
            f"full job's peak RSS within {RSS_VS_REFERENCE:g}x the reference's",
            f"{run.rss_ratio(full):.2f}x / {run.rss_ratio(repeat):.2f}x",
            both(
                run.rss_ratio(full) <= RSS_VS_REFERENCE,
                run.rss_ratio(repeat) <= RSS_VS_REFERENCE,
            ),
        ),
    )
    lines += [f"| {name} | {value} | {met} |" for name, value, met in rows]
    return lines


def floor(main: Run, smallest: Run, empty_dbt: Measured | None) -> list[str]:
    """The parts of the full job that no implementation with the same guarantees can
    skip, each measured, against 3x the reference."""
    if empty_dbt is None:
        return []
    steps = main.least_figures["steps"]
    rows = [
        (
            "dbt itself: start-up, parse and one `select 1` model of an empty project "
            "(fresh target folder)",
            empty_dbt.seconds,
        ),
        # The least job's own start-up is left out: inside the job, dbt's stands for it.
        *((f"least job: {step}", seconds) for step, seconds in steps.items()),
    ]
    if smallest.customers < main.customers:
        at = f"at {smallest.customers:,} customers, where there is almost no data"
        rows += [
            (
                f"the {sum(n for n, _ in smallest.tests.values())} data tests, {at}",
                smallest.stages["data tests"][0],
            ),
            (
                f"k selection (scikit-learn's import, a fit per candidate k), {at}",
                smallest.stages["k selection"][0],
            ),
            (f"the report, {at}", smallest.stages["report"][0]),
        ]
    total = sum(seconds for _, seconds in rows)
    limit = FULL_VS_REFERENCE * main.reference.seconds
    verdict = (
        f"{FULL_VS_REFERENCE:g}x the reference is {limit:.1f} s, which leaves {limit - total:.1f} s"
        if total < limit
        else f"Together they take {total - limit:.1f} s more than {FULL_VS_REFERENCE:g}x the "
        f"reference ({limit:.1f} s), with nothing left"
    )
    return [
        "",
        f"## The floor under the targets: {main.customers:,} customers, {main.shape} shape",
        "",
        "Parts of the full job that faster SQL or Python cannot remove without dropping "
        "what the issues require, each measured in this run: dbt (`benchmarks/floor.py`); "
        "the least job (`benchmarks/least_job.py`: every output that grows with the data, "
        "stored in its least form, each step the cheapest query found for it, with no "
        "typing beyond the reference's safe casts, no check but the duplicate checks, no "
        "fit); and the parts that do not grow with the data (every data test, an "
        "explained choice of k, the report). The least job's own Python start-up "
        f"({main.least.seconds - main.least_figures['total_seconds']:.1f} s) is left out: "
        "in the job, dbt's start-up stands for it.",
        "",
        "| part | seconds |",
        "|---|---:|",
        *(f"| {what} | {seconds:.1f} |" for what, seconds in rows),
        f"| **together** | **{total:.1f}** |",
        "",
        verdict + " for everything the floor leaves out: this project's parse beyond an "
        "empty one's; reading and typing the text columns; the other checks and the "
        "audit's reasons and original values; the fit; the affinity's lift and names; "
        "dbt's work around every model.",
    ]


def stage_tables(run: Run) -> list[str]:
    lines = [
        "",
        f"## Where the time goes: {run.customers:,} customers, {run.shape} shape (first run)",
        "",
        f"dbt build {run.build_seconds:.1f} s as the CLI reports it, then the report "
        f"{run.report_seconds:.1f} s. Stage = dbt nodes grouped by their `meta.stage` (from "
        "`target/run_results.json`); the peak is the process tree's RSS sampled while "
        "the stage's nodes ran.",
        "",
        "| stage | seconds | share | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for stage, (seconds, peak) in run.stages.items():
        lines.append(f"| {stage} | {seconds:.1f} | {seconds / run.full.seconds:.0%} | {mb(peak)} |")
    lines += ["", "The slowest nodes:", "", "| node | seconds | peak RSS |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {sec:.1f} | {mb(peak)} |" for name, sec, peak in run.slowest]
    lines += [
        "",
        "Tests by the layer they test (a test on a view recomputes the view; on a table "
        "it reads the stored rows):",
        "",
        "| tests | count | seconds |",
        "|---|---:|---:|",
    ]
    lines += [f"| {layer} | {n} | {sec:.1f} |" for layer, (n, sec) in run.tests.items()]
    return lines


def marginal(curve: list[Run]) -> list[str]:
    """The full job's added time between the curve's two largest scales, against the
    reference's."""
    if len(curve) < 2:
        return ["", "The marginal cost needs two scales in the curve (`--scales`)."]
    low, high = curve[-2], curve[-1]
    added = high.reference.seconds - low.reference.seconds
    first = high.full.seconds - low.full.seconds
    repeat = high.repeat.seconds - low.repeat.seconds
    least = high.least.seconds - low.least.seconds
    said = (
        f"Marginal cost from {low.customers:,} to {high.customers:,} customers: the full job "
        f"adds {first:.1f} s (repeat run {repeat:.1f} s), the reference {added:.1f} s, the "
        f"least job {least:.1f} s."
    )
    if added <= 0:
        return ["", said + " The reference took no longer at the larger scale: no ratio."]
    first, repeat = first / added, repeat / added
    floor_ratio = least / added
    reach = (
        "even the least job misses the target"
        if floor_ratio > MARGINAL_VS_REFERENCE
        else "within the target"
    )
    return [
        "",
        said,
        f"The least job alone adds {floor_ratio:.2f}x the reference's: {reach}.",
        "",
        "| target | reached | met |",
        "|---|---:|:---:|",
        f"| full job's marginal cost within {MARGINAL_VS_REFERENCE:g}x the reference's | "
        f"{first:.2f}x / {repeat:.2f}x | "
        f"{both(0 <= first <= MARGINAL_VS_REFERENCE, 0 <= repeat <= MARGINAL_VS_REFERENCE)} |",
    ]


def scale_curve(curve: list[Run]) -> list[str]:
    lines = [
        "",
        f"## Scale curve ({curve[0].shape} shape)",
        "",
        "| customers | order lines | generate | full job | full job RSS | repeat run "
        "| notebook | notebook RSS | reference | reference RSS | least job | full / reference "
        "| notebook / full | full job µs per order line | repeat gave the same segments |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in curve:
        order_lines = r.raw_rows.get("order lines", 0)
        same = "no: " + ", ".join(r.changed_by_repeat) if r.changed_by_repeat else "yes"
        lines.append(
            f"| {r.raw_rows.get('customers', r.customers):,} | {order_lines:,} | "
            f"{r.generate.seconds:.1f} s | {r.full.seconds:.1f} s | {mb(r.full.peak_kb)} | "
            f"{r.repeat.seconds:.1f} s | {r.notebook.seconds:.1f} s | {mb(r.notebook.peak_kb)} | "
            f"{r.reference.seconds:.1f} s | {mb(r.reference.peak_kb)} | "
            f"{r.least.seconds:.1f} s | {r.time_ratio(r.full):.2f}x | {r.notebook_ratio(r.full):.2f}x | "
            f"{1e6 * r.full.seconds / max(order_lines, 1):.1f} | {same} |"
        )
    lines += marginal(curve)
    lines += [
        "",
        "Stage seconds by scale:",
        "",
        "| stage | " + " | ".join(f"{r.customers:,}" for r in curve) + " |",
        "|---|" + "---:|" * len(curve),
    ]
    for stage in STAGES:
        lines.append(
            f"| {stage} | " + " | ".join(f"{r.stages[stage][0]:.1f}" for r in curve) + " |"
        )
    return lines


def commands(runs: list[Run], work: Path) -> list[str]:
    lines = [
        "",
        "## Exact commands",
        "",
        "Run from the repository root with the project's virtualenv; `$WORK` is the "
        "temporary folder the benchmark made.",
        "",
        "```sh",
    ]
    for r in runs:
        measured = [r.generate, r.full, r.repeat, r.notebook, r.reference, r.least]
        for one in [*measured, *([r.empty_dbt] if r.empty_dbt else [])]:
            lines.append(one.shell().replace(str(work), "$WORK"))
    return [*lines, "```", ""]


def page(
    runs: list[Run], customers: int, argv: list[str], work: Path, compared: tuple[str, ...]
) -> str:
    """The whole page. `runs` in the order they ran; the detail is every shape at
    `customers`, the scale curve is the first shape's runs."""
    details = [r for r in runs if r.customers == customers]
    curve = sorted((r for r in runs if r.shape == runs[0].shape), key=lambda r: r.customers)
    command = shlex.join(["python", "benchmarks/run_benchmark.py", *argv])
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. "
        "Other sessions share this machine: the load average (1 / 5 / 15 min) is "
        "recorded before and after every measured command.",
        "",
        *machine(),
    ]
    for run in details:
        lines += side_by_side(run, compared)
    for run in details:
        lines += floor(run, curve[0], details[0].empty_dbt)
    for run in details:
        lines += stage_tables(run)
    lines += scale_curve(curve)
    lines += commands(runs, work)
    return "\n".join(lines)
