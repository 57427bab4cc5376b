"""Scale benchmark: the project's full job, a pandas notebook and a minimal reference, side by
side on the same files.

For every data shape and scale it generates the raw contract as Parquet into a temporary
folder, then measures, one after the other on the same files:

  generate   `customer-segments generate -n N -f parquet --order-profile SHAPE`
  full job   `customer-segments run` (dbt build with every model and test, then the
             HTML report), stage by stage from dbt's run_results.json; a first run
             (new warehouse, dbt parses the whole project) and then the same command
             again, as a scheduled job runs it (dbt's partial-parse cache, the first
             run's warehouse: history appended, segment ids matched to the stored ones)
  notebook   `python benchmarks/notebook.py` (pandas cleaning and groupby, a KMeans
             sweep over k=2..10, sampled silhouettes, charts, labels written out)
  reference  `python benchmarks/reference.py` (one DuckDB aggregation query to
             per-customer features, one KMeans fit at a fixed k)
  least job  `python benchmarks/least_job.py` (the data-dependent work the contract
             requires, each step its cheapest query, nothing else: the floor's
             data-dependent part)
  floor      at the first detail run: `dbt build` of an empty project

The scale curve runs on the first shape; the detail scale (shown stage by stage) on
every shape. The rooms: measure.py times a command and samples its process tree's
memory, stages.py groups dbt's nodes into stages, floor.py is the empty dbt project,
least_job.py the least job,
results_page.py writes the markdown; this file runs the commands in order.

    python benchmarks/run_benchmark.py        # 1M detail on both shapes, 10k/100k/1M curve
    python benchmarks/run_benchmark.py --customers 10000 --scales 10000   # quick check
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from floor import empty_dbt_build
from measure import BIN, ROOT, measure
from results_page import Run, load, mb, page
from stages import stages_of, tests_by_layer

from customer_segments.generate import ORDER_PROFILES

SHAPES = tuple(ORDER_PROFILES)  # the generator's order profiles (--order-profile)

# Tables the repeat run must reproduce byte for byte (the history tables grow by design).
COMPARED = (
    "marts.customer_segments",
    "marts.segments",
    "marts.segment_centroids",
    "marts.segment_k_selection",
)


def digests(warehouse: Path) -> dict[str, str]:
    """An md5 of every row of each compared table, in a fixed order."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: connection.execute(
                "select md5(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar))) "
                f"from {table} as t"
            ).fetchone()[0]
            for table in COMPARED
        }


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def run_one(shape: str, customers: int, work: Path, args: argparse.Namespace) -> Run:
    """Generate one shape at one scale, then measure the full job, the notebook and the
    reference on its files."""
    name = f"{shape}_{customers}"
    raw_dir, run_dir = work / f"raw_{name}", work / f"run_{name}"
    for folder in (raw_dir, run_dir):
        shutil.rmtree(folder, ignore_errors=True)
    run_dir.mkdir(parents=True)
    cli, tag = str(BIN / "customer-segments"), f"[{shape} {customers:,}]"
    print(f"{tag} generating ...", flush=True)
    options = ["-n", str(customers), "-f", "parquet", "-o", str(raw_dir), "--seed", str(args.seed)]
    generate = measure([cli, "generate", *options, "--order-profile", shape])
    raw_rows = {
        kind: int(count.replace(",", ""))
        for count, kind in re.findall(r"([\d,]+) (customers|orders|order lines)", generate.stdout)
    }
    raw_mb = sum(f.stat().st_size for f in raw_dir.glob("*.parquet")) / 1e6

    env = {
        "SEGMENTS_RAW_DIR": str(raw_dir),
        "SEGMENTS_DUCKDB_PATH": str(run_dir / "warehouse.duckdb"),
        "SEGMENTS_REPORT_PATH": str(run_dir / "segment_report.html"),
        # dbt's artifacts and logs beside the warehouse, not in the repository's target/
        "DBT_TARGET_PATH": str(run_dir / "target"),
        "DBT_LOG_PATH": str(run_dir / "logs"),
    }
    job = [cli, "run", *([] if args.report else ["--no-report"])]
    print(f"{tag} full job ...", flush=True)
    full = measure(job, env)
    build = re.search(r"dbt build finished in ([\d.]+)s", full.stdout)
    report = re.search(r"Report written to .* in ([\d.]+)s", full.stdout)
    report_seconds = float(report.group(1)) if report else 0.0
    stages, slowest = stages_of(full, run_dir / "target", run_dir / "logs", report_seconds)
    tests = tests_by_layer(run_dir / "target")
    first_digests = digests(run_dir / "warehouse.duckdb")
    empty_dbt = None
    if customers == args.customers and shape == args.shapes[0]:
        print(f"{tag} floor: an empty dbt project ...", flush=True)
        empty_dbt = empty_dbt_build(work)
    print(f"{tag} full job again (repeat run) ...", flush=True)
    repeat = measure(job, env)
    changed = [
        table
        for table, digest in digests(run_dir / "warehouse.duckdb").items()
        if first_digests[table] != digest
    ]

    print(f"{tag} pandas notebook ...", flush=True)
    script = str(ROOT / "benchmarks" / "notebook.py")
    notebook = measure(
        [sys.executable, script, str(raw_dir), str(run_dir / "notebook"), "--seed", str(args.seed)]
    )
    print(f"{tag} reference ...", flush=True)
    script = str(ROOT / "benchmarks" / "reference.py")
    reference = measure(
        [sys.executable, script, str(raw_dir), "--k", str(args.k), "--n-init", str(args.n_init)]
    )
    print(f"{tag} least job ...", flush=True)
    script = str(ROOT / "benchmarks" / "least_job.py")
    least = measure([sys.executable, script, str(raw_dir), str(run_dir / "least_job.duckdb")])
    run = Run(
        shape=shape,
        customers=customers,
        raw_rows=raw_rows,
        raw_mb=raw_mb,
        generate=generate,
        full=full,
        repeat=repeat,
        notebook=notebook,
        notebook_figures=last_json(notebook.stdout),
        reference=reference,
        reference_figures=last_json(reference.stdout),
        least=least,
        least_figures=last_json(least.stdout),
        stages=stages,
        slowest=slowest,
        tests=tests,
        changed_by_repeat=changed,
        build_seconds=float(build.group(1)) if build else 0.0,
        report_seconds=report_seconds,
        empty_dbt=empty_dbt,
    )
    print(
        f"{tag} generate {generate.seconds:.1f}s, full {full.seconds:.1f}s "
        f"({mb(full.peak_kb)}), repeat {repeat.seconds:.1f}s, notebook {notebook.seconds:.1f}s "
        f"({mb(notebook.peak_kb)}), reference {reference.seconds:.1f}s "
        f"({mb(reference.peak_kb)}), least job {least.seconds:.1f}s; full / reference {run.time_ratio(full):.2f}x",
        flush=True,
    )
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(raw_dir, ignore_errors=True)
        raw_dir.with_name(raw_dir.name + "_truth.csv").unlink(missing_ok=True)
    return run


def shapes(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in SHAPES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown shape {', '.join(unknown) or '(none)'}: use {', '.join(SHAPES)}"
        )
    return chosen


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="Scale of the detail.")
    parser.add_argument(
        "--scales", default="10000,100000,1000000", help="Comma-separated scale curve."
    )
    parser.add_argument(
        "--shapes",
        type=shapes,
        default=SHAPES,
        help="Comma-separated order profiles: the curve runs on the first, the detail on "
        f"each (default {','.join(SHAPES)}).",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    parser.add_argument("--work", type=Path, default=None, help="Work folder (default: a temp).")
    parser.add_argument("--keep", action="store_true", help="Keep the raw files and warehouses.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--k", type=int, default=5, help="The reference's fixed k.")
    parser.add_argument("--n-init", type=int, default=10, help="The reference's KMeans n_init.")
    parser.add_argument(
        "--no-report", dest="report", action="store_false", help="Run with --no-report."
    )
    args = parser.parse_args(argv)
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()} | {args.customers})
    plan = [(args.shapes[0], n) for n in scales]
    plan += [(shape, args.customers) for shape in args.shapes[1:]]
    made = args.work is None
    args.work = Path(tempfile.mkdtemp(prefix="segments-bench-")) if made else args.work
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {args.work}; load {load(os.getloadavg())}", flush=True)
    try:
        runs = [run_one(shape, n, args.work, args) for shape, n in plan]
    finally:
        if made and not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    args.out.write_text(page(runs, args.customers, argv, args.work, COMPARED))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
