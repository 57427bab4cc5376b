"""`customer-segments`: generate sample data, run the pipeline, render the report.

Exit codes: 0 success; 1 the dbt build failed (a model or a data test); 2 bad input
or settings (the message says what to fix); 3 the report could not be rendered.
"""

from __future__ import annotations

import re
import time
from enum import StrEnum
from pathlib import Path

import typer

from customer_segments.paths import Paths
from customer_segments.runner import run_dbt

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Customer segmentation inside the SQL warehouse (dbt + DuckDB + KMeans).",
)

BUILD_FAILED, BAD_INPUT, REPORT_FAILED = 1, 2, 3

# dbt progress lines: "12 of 97 OK created sql table model marts.customer_features ..."
PROGRESS = re.compile(r"^\S*\s*(\d+) of (\d+) (OK|PASS|ERROR|FAIL|WARN|SKIP)\b\s*(.*?)\s*\.*\s*\[")
ERROR_LINE = re.compile(r"(Compilation Error|Runtime Error|Parsing Error|Database Error|Error:)")


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"


def fail(message: str, code: int) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def user_paths() -> Paths:
    try:
        return Paths.from_env()
    except FileNotFoundError as error:
        fail(str(error), BAD_INPUT)
        raise  # unreachable: fail() exits


@app.command()
def generate(
    customers: int = typer.Option(5_000, "--customers", "-n", min=1, help="Customers to create."),
    out: Path = typer.Option(Path("data/generated"), "--out", "-o", help="Raw folder to write."),
    seed: int = typer.Option(42, help="Random seed; the same seed gives identical files."),
    format: Format = typer.Option(Format.csv, "--format", "-f", help="File format."),
    truth: Path | None = typer.Option(None, help="Ground-truth file (default: beside --out)."),
    clean: bool = typer.Option(False, "--clean", help="Leave out the planted dirty rows."),
) -> None:
    """Write sample raw data (customers, orders, order_items) with planted personas."""
    from customer_segments.generate import generate as write_sample

    started = time.perf_counter()
    summary = write_sample(
        customers, out, seed=seed, fmt=format.value, truth_path=truth, dirt=not clean
    )
    typer.echo(
        f"Wrote {summary.customers:,} customers, {summary.orders:,} orders and "
        f"{summary.order_items:,} order lines to {summary.out_dir} "
        f"in {time.perf_counter() - started:.1f}s; personas in {summary.truth_path}."
    )


def build_errors(lines: list[str]) -> list[str]:
    """The lines of dbt's output that say what went wrong, without tracebacks."""
    messages, keep = [], False
    for line in lines:
        text = re.sub(r"^\S*\d\d:\d\d:\d\d\s+", "", line).rstrip()
        if ERROR_LINE.search(text) or re.match(r"^(Failure|Error) in ", text):
            keep = True
        if keep and text.strip() and not re.match(r"^\s*(Traceback|File \"|\^|~)", text):
            if "compiled code at" in text or text.startswith("Done."):
                keep = False
                continue
            messages.append(text.strip())
    return list(dict.fromkeys(messages))[:20]


@app.command()
def run(
    report: bool = typer.Option(True, help="Render the report after the build."),
) -> None:
    """dbt build (every model and test), then the HTML report, with progress."""
    paths = user_paths()
    typer.echo(f"Raw data:  {paths.raw_dir}\nWarehouse: {paths.duckdb_path}")
    started = time.perf_counter()

    def show(line: str) -> None:
        match = PROGRESS.search(line)
        if match and match.group(3) != "SKIP":
            done, total, status, what = match.groups()
            typer.echo(f"[{int(done):>3}/{total}] {status:<5} {what}")

    code, lines = run_dbt(["build"], paths, show)
    if code != 0:
        errors = build_errors(lines) or lines[-15:]
        fail("dbt build failed:\n  " + "\n  ".join(errors), BUILD_FAILED)
    seconds = time.perf_counter() - started
    typer.echo(f"dbt build finished in {seconds:.1f}s.")
    if report:
        render(paths, seconds)


def render(paths: Paths, run_seconds: float | None = None) -> None:
    from customer_segments.report import ReportError, render_report

    started = time.perf_counter()
    try:
        path = render_report(paths.duckdb_path, paths.report_path, run_seconds=run_seconds)
    except ReportError as error:
        fail(str(error), REPORT_FAILED)
    else:
        typer.echo(f"Report written to {path} in {time.perf_counter() - started:.1f}s.")


@app.command("report")
def report_command() -> None:
    """Render the HTML report from the warehouse alone (no rebuild)."""
    render(user_paths())


if __name__ == "__main__":
    app()
