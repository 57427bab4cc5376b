"""`customer-segments`: generate sample data, run the pipeline, render the report.

Exit codes: 0 success; 1 the dbt build failed (a model or a data test); 2 bad input
or settings, nothing was built (the message says what to fix); 3 the report could not
be rendered.

One job, the commands and what they print: their options, progress lines, one-line
errors and exit codes. The work is elsewhere (runner: dbt; sparkfit: the fit on Spark;
report/: the page; generate/: sample data); the file is long because every command's
messages are written here, once.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import duckdb
import typer
import yaml

from customer_segments.paths import Paths
from customer_segments.rawfiles import Problem, diagnose
from customer_segments.runner import DbtEvent, profile_target, run_dbt_events, run_dbt_in_process

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Customer segmentation inside the SQL warehouse (dbt + DuckDB + KMeans).",
)

BUILD_FAILED, BAD_INPUT, REPORT_FAILED = 1, 2, 3

VARS_HELP = (
    "dbt vars for this run, as YAML text or the path of a YAML file (e.g. the raw-file "
    "mapping and segments settings of your export)."
)


def read_vars(value: str | None, paths: Paths) -> str | None:
    """--vars as dbt takes it: YAML text; a path to a YAML file is read. Text that is
    not a YAML mapping, or a var the project does not have (dbt would ignore it),
    stops the command with one line (exit 2)."""
    from customer_segments.settings import (
        SegmentSettings,
        SettingsError,
        project_var,
        project_vars,
        unknown_vars,
    )

    if not value:
        return value
    looks_like_path = "\n" not in value and len(value) < 1024
    if looks_like_path and Path(value).is_file():
        value = Path(value).read_text()
    example = "write a mapping such as {segments: {k: 5}}, or the path of a YAML file"
    try:
        given = yaml.safe_load(value)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "it cannot be read"
        fail(f"--vars is not YAML ({problem}): {example}.", BAD_INPUT)
    if given is None:
        return None
    if not isinstance(given, dict):
        fail(
            f"--vars is {value.strip()!r}, neither a file nor a mapping of vars: {example}.",
            BAD_INPUT,
        )
    unknown = unknown_vars(given, paths.root)
    if unknown:
        verb = "is not a var" if len(unknown) == 1 else "are not vars"
        fail(
            f"--vars sets {', '.join(unknown)}, which {verb} of this project: its vars are "
            f"{', '.join(project_vars(paths.root))} (dbt_project.yml).",
            BAD_INPUT,
        )
    try:  # the settings the fit will read, checked before anything is built
        SegmentSettings.from_mapping(given.get("segments"), project_var("segments", paths.root))
    except SettingsError as error:
        fail(str(error), BAD_INPUT)
    return value


# DuckDB's words for a file it cannot read, or for a mapping expression it cannot
# bind or compute (then rawfiles.diagnose finds which file or expression).
READ_ERROR = re.compile(
    r"Invalid Input Error|IO Error|CSV Error|sniffing|magic bytes"
    r"|Binder Error|Parser Error|Catalog Error|Conversion Error"
)
# The header dbt puts above an error's message: "Compilation Error in operation x (y)".
DBT_ERROR_HEADER = re.compile(r"^\w+ Error\b( in \w+ .*)?$")
# How `check` labels a problem (rawfiles.Problem): by its subject, else its level.
LABELS = {
    "error": "PROBLEM",
    "warning": "WARNING",
    "note": "NOTE",
    "extra_column": "EXTRA",
    "ok": "OK",
}


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


class OrderProfileName(StrEnum):  # the names of customer_segments.generate.ORDER_PROFILES
    standard = "standard"
    dense = "dense"


@app.command()
def generate(
    customers: int = typer.Option(5_000, "--customers", "-n", min=1, help="Customers to create."),
    out: Path = typer.Option(Path("data/generated"), "--out", "-o", help="Raw folder to write."),
    seed: int = typer.Option(42, help="Random seed; the same seed gives identical files."),
    format: Format = typer.Option(Format.csv, "--format", "-f", help="File format."),
    truth: Path | None = typer.Option(None, help="Ground-truth file (default: beside --out)."),
    clean: bool = typer.Option(False, "--clean", help="Leave out the planted dirty rows."),
    order_profile: OrderProfileName = typer.Option(
        OrderProfileName.standard,
        help="How many orders and order lines a customer has: standard (the sample's "
        "shape) or dense (twice the orders, about 40 lines a customer).",
    ),
) -> None:
    """Write sample raw data (customers, orders, order_items) with planted personas."""
    from customer_segments.generate import generate as write_sample

    started = time.perf_counter()
    summary = write_sample(
        customers,
        out,
        seed=seed,
        fmt=format.value,
        truth_path=truth,
        dirt=not clean,
        order_profile=order_profile.value,
    )
    typer.echo(
        f"Wrote {summary.customers:,} customers, {summary.orders:,} orders and "
        f"{summary.order_items:,} order lines to {summary.out_dir} "
        f"in {time.perf_counter() - started:.1f}s; personas in {summary.truth_path}."
    )


# The first line of a Spark error: "[TABLE_OR_VIEW_NOT_FOUND] The table ..."; the plan follows.
SPARK_ERROR = re.compile(r"^\[[A-Z][A-Z0-9_.]*\] ")
# A DuckDB error's line: "Out of Memory Error: could not allocate ..."; DuckDB's advice
# and a documentation link follow it.
DUCKDB_ERROR = re.compile(r"^[A-Z][A-Za-z]*( [A-Za-z]+)* Error: ")
# What to do when DuckDB runs out of memory, after its message.
OUT_OF_MEMORY_FIX = 'raise SEGMENTS_DUCKDB_MEMORY_LIMIT (default 3GB; README "Performance")'


def _last_line(message: str) -> str:
    """The useful line of a dbt node message: a Spark or DuckDB error's first line, a
    Python traceback's final line without its exception class, or the message itself;
    never the macro stack dbt puts below it ("> called by ...") or DuckDB's advice."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    spark = [line for line in lines if SPARK_ERROR.match(line)]
    if spark:
        return spark[0]
    duckdb = [line for line in lines if DUCKDB_ERROR.match(line)]
    if duckdb:
        if duckdb[0].startswith("Out of Memory Error: "):
            return f"{duckdb[0]}: {OUT_OF_MEMORY_FIX}"
        return duckdb[0]
    lines = [line for line in lines if not line.startswith(">")] or lines
    last = lines[-1] if lines else message
    return re.sub(r"^[\w.]+(Error|Exception): ", "", last)


def _error_message(text: str) -> str:
    """The message of a dbt error raised outside any node: without the header dbt puts
    above it and the macro stack below it ("> in macro ...")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith((">", "in macro", "called by"))]
    if len(lines) > 1 and DBT_ERROR_HEADER.match(lines[0]):
        lines = lines[1:]
    return _last_line(lines[0]) if lines else text.strip()


NODE_KINDS = {"model": "model", "test": "data test", "unit_test": "unit test", "seed": "seed"}


def raw_problems(events: list[DbtEvent]) -> list[Problem]:
    """The problems the raw-file macros logged as data (macro log_raw_problem)."""
    problems = []
    for event in events:
        if event.name != "JinjaLogInfo" or not event.msg.startswith("{"):
            continue
        with contextlib.suppress(ValueError):
            payload = json.loads(event.msg)
            if isinstance(payload, dict) and isinstance(payload.get("raw_problem"), dict):
                problems.append(Problem.from_mapping(payload["raw_problem"]))
    return problems


def node_failures(events: list[DbtEvent]) -> list[str]:
    """One line per failed node (dbt's RunResultError events): its kind, its name and
    the last line of its message."""
    failures = []
    for event in events:
        if event.name == "RunResultError" and event.node.get("unique_id"):
            kind = str(event.node.get("resource_type") or event.node["unique_id"].split(".")[0])
            name = event.node.get("node_name") or event.node["unique_id"].split(".")[2]
            failures.append(f"{NODE_KINDS.get(kind, kind)} {name}: {_last_line(event.msg)}")
    return list(dict.fromkeys(failures))


def run_errors(events: list[DbtEvent]) -> list[str]:
    """The errors dbt raised outside any node (a failed hook or operation, a bad
    project or --vars), else dbt's last lines."""
    errors = [
        _error_message(str(event.data.get("exc") or event.msg))
        for event in events
        # dbt logs the Python traceback of its error as an event of its own
        if event.level == "error" and not event.node and event.name != "MainStackTrace"
    ]
    if errors:
        return list(dict.fromkeys(errors))
    return [line for event in events[-10:] for line in event.lines if line.strip()]


def progress_line(event: DbtEvent) -> tuple[str, str] | None:
    """(status, line) for a node's result event, the line as `run` shows it; None for
    any other event."""
    data = event.data
    if event.name == "LogModelResult":
        failed = data.get("status") == "error"
        status = "ERROR" if failed else "OK"
        what = f"{'creating' if failed else 'created'} {data.get('description', '')}"
    elif event.name == "LogSeedResult":
        status = "ERROR" if data.get("status") == "error" else "OK"
        what = f"loaded seed file {data.get('schema')}.{data.get('relation')}"
    elif event.name == "LogTestResult":
        status = str(data.get("status") or "").upper()
        failures = data.get("num_failures") or 0
        what = str(data.get("name") or "")
        if status in ("FAIL", "WARN") and failures:
            what += f" ({failures} {'row' if failures == 1 else 'rows'})"
    else:
        return None
    total = data.get("total") or data.get("num_models") or "?"
    return status, f"[{data.get('index', '?'):>3}/{total}] {status:<5} {what}"


def warehouse_in_use(path: Path) -> str | None:
    """A one-line message when another process holds the warehouse file, else None."""
    if not path.exists():
        return None
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        holder = re.search(r"\(PID (\d+)\)", str(error))
        who = f"process {holder.group(1)}" if holder else "another process"
        return (
            f"Warehouse '{path}' is in use by {who}: wait for that run to finish, "
            "or set SEGMENTS_DUCKDB_PATH to another file."
        )
    return None


Query = Callable[[str], list[tuple]]


def duckdb_query(path: Path) -> Query:
    """Rows of a query against the DuckDB warehouse (read-only)."""

    def rows(sql: str) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    return rows


def fit_warnings(query: Query) -> list[str]:
    """What the user should know about the fit: features left out of it."""
    dropped = query("select max(dropped_features) from marts.segment_k_selection")
    if dropped and dropped[0][0]:
        return [f"features left out of the fit: {dropped[0][0]} (see segments.features)"]
    return []


def rejection_warnings(query: Query) -> list[str]:
    """A raw table of which more than half the rows were rejected, with its commonest
    reason: the build passed, but the segments stand on what is left (a wrong setting,
    such as a decimal comma read without decimal_separator, looks like this)."""
    rows = query(
        "select reconciliation.source_table, reconciliation.rows_read,"
        " reconciliation.rows_rejected, reasons.rejection_reason, reasons.rows"
        " from audit.row_reconciliation as reconciliation"
        " left join (select source_table, rejection_reason, count(*) as rows,"
        " row_number() over (partition by source_table order by count(*) desc,"
        " rejection_reason) as position"
        " from audit.rejected_rows group by source_table, rejection_reason) as reasons"
        " on reconciliation.source_table = reasons.source_table and reasons.position = 1"
        " where reconciliation.rows_rejected * 2 > reconciliation.rows_read"
        " order by reconciliation.source_table"
    )
    return [
        f"{table}: {rejected:,} of {read:,} rows ({rejected / read:.0%}) were rejected, most "
        f"as {reason} ({count:,}): see audit.rejected_rows, and `customer-segments check` "
        "for the setting to fix."
        for table, read, rejected, reason, count in rows
    ]


def missing_data_notes(query: Query) -> list[str]:
    """What the segments were built without: no orders (or none accepted), no order lines."""
    try:
        rows = query("select source_table, rows_read, rows_accepted from audit.row_reconciliation")
    except Exception:  # a note is never worth a failed run (no table: nothing to say)
        return []
    counts = {table: (read, accepted) for table, read, accepted in rows}
    orders_read, orders_accepted = counts.get("orders", (0, 0))
    items_read, _ = counts.get("order_items", (0, 0))
    if orders_read == 0:
        return [
            "no orders in the raw data: segmenting on customer attributes only; "
            "purchase features are empty."
        ]
    if orders_accepted == 0:
        return [
            f"none of the {orders_read:,} orders was accepted (see audit.rejected_rows): "
            "segmenting on customer attributes only; purchase features are empty."
        ]
    if items_read == 0:
        return [
            "no order_items in the raw data: orders are counted, but what was bought is "
            "unknown: monetary_value, avg_order_value, item_quantity and the derived "
            "spending_score are empty."
        ]
    return []


def import_report_in_background() -> None:
    """Import the report's modules (matplotlib, jinja2: 1.5 s) while dbt builds in its
    own process, so they are loaded when the build ends. Any import error is left to
    the import in render(), which reports it properly. Not a daemon: an exit while it
    imports waits for it instead of tearing down a half-imported module."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module("customer_segments.report")

    threading.Thread(target=load, name="import-report").start()


TARGET_HELP = (
    "The profiles.yml output to build into: dev (DuckDB, the default) or spark "
    '(Apache Spark through dbt-spark; README "Run on Spark").'
)


def build_failed(events: list[DbtEvent], paths: Paths, dbt_vars: str | None) -> None:
    """Exit with what failed: the raw files' problems (BAD_INPUT), else each failed
    node (BUILD_FAILED), else dbt's own error (BAD_INPUT)."""
    problems = [p.message for p in raw_problems(events) if p.level == "error"]
    if problems:
        fail("\n       ".join(problems), BAD_INPUT)
    failures = node_failures(events)
    errors = failures or run_errors(events)
    if any(READ_ERROR.search(error) for error in errors):
        unreadable = [p.message for p in diagnose(paths.raw_dir, paths.root, dbt_vars)]
        errors, failures = (unreadable, []) if unreadable else (errors, failures)
    if failures and built(events, "row_reconciliation"):
        # A model that fails on what is left (no usable feature when every order was
        # rejected) is explained by the rejections, which this build recorded.
        show_warnings(rejection_warnings(duckdb_query(paths.duckdb_path)))
    fail("\n       ".join(errors), BUILD_FAILED if failures else BAD_INPUT)


def built(events: list[DbtEvent], model: str) -> bool:
    """Whether this build created `model` (its LogModelResult succeeded)."""
    return any(
        event.name == "LogModelResult"
        and event.node.get("node_name") == model
        and event.node.get("node_status") == "success"
        for event in events
    )


def show_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)


# The job builds every model and runs every data test, but not dbt's unit tests unless
# asked (--unit-tests): they check the SQL on fixed inputs, not the data, so they
# cannot fail on one run and pass on the next (dbt's advice: run them in development
# and CI). A plain `dbt build` and the test suite (`make test`) run them. At 1M
# customers they cost 2-3 s a run.
def dbt_build(unit_tests: bool) -> list[str]:
    return ["build", *([] if unit_tests else ["--exclude-resource-type", "unit_test"])]


def build_on_spark(
    paths: Paths,
    target: str,
    show: Callable[[DbtEvent], None],
    dbt_vars: str | None,
    unit_tests: bool,
) -> Query:
    """The build on Spark, in three steps in this process (customer_segments.sparkfit):
    the fit's inputs, the fit, everything else. Exits on any failure."""
    from customer_segments import sparkfit
    from customer_segments.clustering import ClusteringError
    from customer_segments.settings import SettingsError

    # pyspark warns about pandas 3 on import; the fit moves data through Arrow instead.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    # pyspark logs every failed query with Spark's whole plan; dbt reports it in one line.
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    # cautious: a data test runs in the step that builds all of its models (one on
    # customer_segments and customer_features runs after the fit, not before it).
    build = [*dbt_build(unit_tests), "--target", target, "--indirect-selection", "cautious"]
    code, events, result = run_dbt_in_process(
        [*build, "--select", *sparkfit.INPUTS_SELECTOR], paths, show, dbt_vars
    )
    if code != 0:
        build_failed(events, paths, dbt_vars)
    started = time.perf_counter()
    try:
        spark = sparkfit.session()
        fitted = sparkfit.fit(spark, sparkfit.input_relations(result), dbt_vars)
    except (ClusteringError, SettingsError) as error:
        fail(f"the fit failed: {error}", BUILD_FAILED)
    except Exception as error:  # Spark's own (a table it cannot read or write)
        fail(f"the fit failed: {one_line(error)}", BUILD_FAILED)
    typer.echo(
        f"      fit ({fitted.mode}) of {fitted.customers:,} customers: k = {fitted.k}, "
        f"{', '.join(fitted.tables)} written in {time.perf_counter() - started:.1f}s"
    )
    code, events, _ = run_dbt_in_process(
        [*build, "--exclude", *sparkfit.INPUTS_SELECTOR], paths, show, dbt_vars
    )
    if code != 0:
        build_failed(events, paths, dbt_vars)
    return lambda sql: [tuple(row) for row in spark.sql(sql).collect()]


@app.command()
def run(
    report: bool = typer.Option(True, help="Render the report after the build."),
    dbt_vars: str | None = typer.Option(None, "--vars", help=VARS_HELP),
    target: str | None = typer.Option(None, "--target", "-t", help=TARGET_HELP),
    unit_tests: bool = typer.Option(
        False, help="Also run dbt's unit tests (the SQL on fixed inputs; for development and CI)."
    ),
) -> None:
    """dbt build (every model and data test), then the HTML report, with progress."""
    paths = user_paths()
    dbt_vars = read_vars(dbt_vars, paths)
    try:
        target_name, output = profile_target(paths, target)
    except ValueError as error:
        fail(str(error), BAD_INPUT)
    on_spark = output.get("type") == "spark"
    if on_spark:
        typer.echo(
            f"Raw data:  {paths.raw_dir}\n"
            f"Warehouse: Spark at {spark_master(output, BAD_INPUT)} (target {target_name})"
        )
    else:
        typer.echo(f"Raw data:  {paths.raw_dir}\nWarehouse: {paths.duckdb_path}")
        busy = warehouse_in_use(paths.duckdb_path)
        if busy:
            fail(busy, BAD_INPUT)
        try:  # DuckDB makes no folders
            paths.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            fail(
                f"Warehouse '{paths.duckdb_path}': its folder cannot be made ({error.strerror}): "
                "set SEGMENTS_DUCKDB_PATH to a file in a folder you can write.",
                BAD_INPUT,
            )
    started = time.perf_counter()
    passed_tests = 0

    def show(event: DbtEvent) -> None:
        nonlocal passed_tests
        progress = progress_line(event)
        if progress is None:
            return
        status, line = progress
        if status == "PASS":
            passed_tests += 1
        else:
            typer.echo(line)

    if on_spark:
        query = build_on_spark(paths, target_name, show, dbt_vars, unit_tests)
    else:
        if report:
            import_report_in_background()
        build = [*dbt_build(unit_tests), *(["--target", target] if target else [])]
        code, events = run_dbt_events(build, paths, show, dbt_vars)
        if code != 0:
            build_failed(events, paths, dbt_vars)
        query = duckdb_query(paths.duckdb_path)
    show_warnings([*rejection_warnings(query), *fit_warnings(query)])
    for note in missing_data_notes(query):
        typer.echo(f"note: {note}")
    seconds = time.perf_counter() - started
    typer.echo(
        f"dbt build finished in {seconds:.1f}s: every model built, {passed_tests} data tests passed."
    )
    if report:
        render(paths, seconds, target)


def one_line(error: BaseException) -> str:
    """An unexpected error as one line: its class and the first line of its message."""
    detail = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def spark_master(output: dict, code: int) -> str | None:
    """The master of a Spark target (profiles.yml output), once Spark is known to be
    usable here (the extra, Java, a master that answers); otherwise exit `code` with
    the one-line reason."""
    from customer_segments.sparkfit import master_of, spark_unavailable

    master = master_of(output)
    unavailable = spark_unavailable(master)
    if unavailable:
        fail(unavailable, code)
    return master


def render(paths: Paths, run_seconds: float | None = None, target: str | None = None) -> None:
    """Render the report from the warehouse of `target` (profiles.yml; None: its
    default); any failure of it exits REPORT_FAILED with one line naming the part that
    failed (never a traceback)."""

    started = time.perf_counter()
    try:
        from customer_segments.report import ReportError, render_report
        from customer_segments.report.warehouse import SparkTarget, spark_session
    except Exception as error:  # a missing or broken matplotlib / jinja2
        fail(f"the report could not be loaded: {one_line(error)}", REPORT_FAILED)
    try:
        target_name, output = profile_target(paths, target)
    except ValueError as error:
        fail(str(error), BAD_INPUT)
    source: Path | SparkTarget = paths.duckdb_path
    if output.get("type") == "spark":
        master = spark_master(output, REPORT_FAILED)
        # pyspark warns about pandas 3 on import; the report reads Spark through Arrow.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        parameters = {k: str(v) for k, v in (output.get("server_side_parameters") or {}).items()}
        # On `run --target spark` this is the session dbt started in this process.
        source = SparkTarget(f"Spark at {master} (target {target_name})", spark_session(parameters))
    try:
        path = render_report(source, paths.report_path, run_seconds=run_seconds)
    except ReportError as error:
        fail(" ".join(str(error).split()), REPORT_FAILED)
    except Exception as error:
        fail(f"the report failed: {one_line(error)}", REPORT_FAILED)
    else:
        typer.echo(f"Report written to {path} in {time.perf_counter() - started:.1f}s.")


CHECK_TARGET_HELP = (
    "The profiles.yml output to check on: dev (DuckDB in memory, the default) or spark "
    "(the raw files as Spark reads them)."
)


@app.command()
def check(
    dbt_vars: str | None = typer.Option(None, "--vars", help=VARS_HELP),
    target: str | None = typer.Option(None, "--target", "-t", help=CHECK_TARGET_HELP),
) -> None:
    """Check the raw files and settings against the mapping before any build: every
    missing file or column, unknown feature, column where nothing parses, id that
    matches none of the table it points to or order status of which no value is read
    (problems, exit 2), every value that will not parse or be read and ids that mostly
    match nothing (warnings), the names of extra columns."""
    paths = user_paths()
    dbt_vars = read_vars(dbt_vars, paths)
    try:
        _, output = profile_target(paths, target)
    except ValueError as error:
        fail(str(error), BAD_INPUT)
    on_spark = output.get("type") == "spark"
    typer.echo(f"Raw data:  {paths.raw_dir}")
    if on_spark:
        spark_master(output, BAD_INPUT)
    code, events = run_dbt_events(
        ["run-operation", "check_raw_files", *(["--target", target] if target else [])],
        # On DuckDB an in-memory database: checking never touches the warehouse file.
        paths if on_spark else replace(paths, duckdb_path=Path(":memory:")),
        dbt_vars=dbt_vars,
    )
    problems = raw_problems(events)
    for problem in problems:
        label = LABELS.get(problem.subject or problem.level, problem.level.upper())
        typer.echo(f"{label}: {problem.message}")
    if code != 0:
        if not any(problem.level == "error" for problem in problems):
            # rawfiles.diagnose reads the files with DuckDB: on Spark, dbt's error alone.
            diagnosed = [] if on_spark else diagnose(paths.raw_dir, paths.root, dbt_vars)
            unreadable = [p.message for p in diagnosed]
            fail("\n       ".join(unreadable or run_errors(events)), BAD_INPUT)
        raise typer.Exit(BAD_INPUT)


REPORT_TARGET_HELP = (
    "The profiles.yml output to read: dev (the DuckDB file, the default) or spark "
    "(the Spark catalog of that target)."
)


@app.command("report")
def report_command(
    target: str | None = typer.Option(None, "--target", "-t", help=REPORT_TARGET_HELP),
) -> None:
    """Render the HTML report from the warehouse alone (no rebuild)."""
    render(user_paths(), target=target)


if __name__ == "__main__":
    app()
