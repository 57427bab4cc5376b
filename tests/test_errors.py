"""Bad input gets one clear line naming the file, the column and the fix, a non-zero
exit code, and never a Python traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import CLI, cli, environment
from customer_segments.cli import node_failures, progress_line, raw_problems, run_errors
from customer_segments.generate import generate
from customer_segments.rawfiles import Problem
from customer_segments.runner import DbtEvent

pytestmark = pytest.mark.integration

CUSTOMERS = "customer_id,email,gender,birth_date,annual_income,city,country,signup_date\n"


def error_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def raw_folder(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, content in files.items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(raw / name, mode) as handle:
            handle.write(content)
    return raw


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "Raw folder '{raw}' does not exist or is empty: set SEGMENTS_RAW_DIR"),
        ({"orders.csv": "order_id\n"}, "No customers.csv or customers.parquet in raw folder"),
        (
            {"customers.csv": "id,email\nC1,a@b.c\n"},
            "Raw file '{raw}/customers.csv' has no column 'customer_id' for "
            "customers.customer_id: map it with var raw_tables.customers.columns.customer_id "
            "(the file has: id, email).",
        ),
        ({"customers.csv": CUSTOMERS}, "Raw file '{raw}/customers.csv' has no rows"),
        (
            {"customers.xlsx": b"PK\x03\x04"},
            "Raw file '{raw}/customers.xlsx' is neither CSV nor Parquet",
        ),
        (
            {"customers.csv": "customer_id,city\nC1,M\xfcnchen\n".encode("latin-1")},
            "Raw file '{raw}/customers.csv' is not UTF-8 text: set var "
            "raw_tables.customers.csv.encoding",
        ),
        (
            {"customers.parquet": b"not a parquet file"},
            "Raw file '{raw}/customers.parquet' is not a valid Parquet file",
        ),
    ],
    ids=["no-folder", "no-customers", "missing-column", "empty", "xlsx", "encoding", "parquet"],
)
def test_unusable_raw_input_is_one_clear_line(tmp_path: Path, files: dict, expected: str) -> None:
    raw = raw_folder(tmp_path, files) if files else tmp_path / "missing"
    result = cli(raw, tmp_path, "run")
    assert result.returncode == 2
    assert expected.format(raw=raw) in error_line(result)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (  # dbt would ignore the misspelt var and read the dates with the defaults
            "{date_format: ['%m/%d/%Y']}",
            "error: --vars sets date_format, which is not a var of this project: its vars "
            "are raw_dir, raw_tables, ",
        ),
        (
            "{segments: {k: 5}",
            "error: --vars is not YAML (expected ',' or '}', but got '<stream end>'): write a "
            "mapping such as {segments: {k: 5}}, or the path of a YAML file.",
        ),
        (  # a file name with a typo reads as YAML text
            "my_mappng.yml",
            "error: --vars is 'my_mappng.yml', neither a file nor a mapping of vars: write a "
            "mapping such as {segments: {k: 5}}, or the path of a YAML file.",
        ),
    ],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_vars_that_dbt_would_ignore_or_fail_on_are_one_line(
    tmp_path: Path, command: str, given: str, expected: str
) -> None:
    raw = raw_folder(tmp_path, {"customers.csv": CUSTOMERS + "C1,,,,10,,,\n"})
    result = cli(raw, tmp_path, command, "--vars", given)
    assert result.returncode == 2, result.stdout + result.stderr
    assert error_line(result).startswith(expected)
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (  # DuckDB alone names neither the table, the column nor the fix
            "yearly / 12",
            "Binder Error: No function matches the given name and argument types "
            "'/(VARCHAR, INTEGER_LITERAL)': the file's columns are text here (a CSV file's always are), so cast them in the "
            "expression (for example cast(Quantity as double)).",
        ),
        (
            "cast(yearly as double)",
            "Conversion Error: Could not convert string 'n/a' to DOUBLE when casting from source "
            "column yearly: use try_cast, which gives null for a value that does not convert.",
        ),
    ],
    ids=["text", "conversion"],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_a_mapping_expression_that_fails_is_named(
    tmp_path: Path, command: str, expression: str, expected: str
) -> None:
    raw = raw_folder(tmp_path, {"customers.csv": "customer_id,yearly\nC1,52000\nC2,n/a\n"})
    mapping = f"{{raw_tables: {{customers: {{expressions: {{annual_income: '{expression}'}}}}}}}}"
    result = cli(raw, tmp_path, command, "--vars", mapping)
    assert result.returncode == 2, result.stdout + result.stderr
    assert error_line(result) == (
        f"error: var raw_tables.customers.expressions.annual_income ({expression!r}) cannot "
        f"be computed on raw file '{raw}/customers.csv': {expected}"
    )


def test_fewer_customers_than_the_smallest_k(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path, {"customers.csv": CUSTOMERS + "C1,,,,10,,,\nC2,,,,20,,,\n"})
    result = cli(raw, tmp_path, "run")
    assert result.returncode == 1
    assert error_line(result) == (
        "error: model segment_k_selection: Only 2 usable customers: at least 3 are needed "
        "for the smallest k (lower segments.k_min or add customers)."
    )


def test_a_second_run_on_a_busy_warehouse_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(300, raw, seed=1)
    holder = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    holder.execute("create table kept as select 42 as answer")
    try:
        result = cli(raw, tmp_path, "run")
    finally:
        holder.close()
    assert result.returncode == 2
    assert "is in use by process" in error_line(result)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.sql("select answer from kept").fetchall() == [(42,)]


def test_a_killed_run_leaves_nothing_half_written(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(2_000, raw, seed=2)
    first = cli(raw, tmp_path, "run")
    assert first.returncode == 0, first.stderr
    report = (tmp_path / "report.html").read_bytes()
    env = environment(raw, tmp_path)
    second = subprocess.Popen(
        [CLI, "run"], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert second.stdout is not None
    for line in second.stdout:  # kill it in the middle of the dbt build
        if "customer_features" in line:
            break
    time.sleep(1.0)
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    assert (tmp_path / "report.html").read_bytes() == report, "the old report is untouched"
    third = cli(raw, tmp_path, "run")
    assert third.returncode == 0, third.stderr
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        features = connection.execute("select count(*) from marts.customer_features").fetchone()
        segments = connection.execute("select count(*) from marts.customer_segments").fetchone()
    assert features == segments
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("report.html.", ".report"))]


def test_a_warehouse_whose_folder_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path, {"customers.csv": CUSTOMERS})
    (tmp_path / "a_file").write_text("not a folder")
    env = {
        **environment(raw, tmp_path),
        "SEGMENTS_DUCKDB_PATH": str(tmp_path / "a_file" / "w.duckdb"),
    }
    result = subprocess.run(
        [CLI, "run", "--no-report"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 2
    line = error_line(result)
    assert "a_file" in line and "SEGMENTS_DUCKDB_PATH" in line


def test_report_without_a_warehouse_is_one_clear_line(tmp_path: Path) -> None:
    result = cli(tmp_path / "raw", tmp_path, "report")
    assert result.returncode == 3
    line = error_line(result)
    assert str(tmp_path / "warehouse.duckdb") in line
    assert "customer-segments run" in line


def test_dbt_errors_are_read_from_its_json_events() -> None:
    """What `run` and `check` make of dbt's events, on events written by hand in the
    shape `dbt --log-format json` gives them."""
    hook_failed = DbtEvent.from_line(
        json.dumps(
            {
                "info": {"name": "MainEncounteredError", "level": "error", "msg": "..."},
                "data": {
                    "exc": "Compilation Error in operation customer_segments-on-run-start-0 "
                    "(./dbt_project.yml)\n  Raw folder 'x' does not exist or is empty.\n  \n"
                    "  > in macro raw_files (dbt_project/macros/raw_files/register.sql)\n"
                    "  > called by operation customer_segments-on-run-start-0"
                },
            }
        )
    )
    assert run_errors([hook_failed]) == ["Raw folder 'x' does not exist or is empty."]
    # dbt logs its Python traceback as an error event of its own: never shown
    trace = DbtEvent("MainStackTrace", "error", "Traceback (most recent call last):\n  ...")
    assert run_errors([hook_failed, trace]) == ["Raw folder 'x' does not exist or is empty."]
    node = {
        "unique_id": "model.customer_segments.segment_k_selection",
        "resource_type": "model",
        "node_name": "segment_k_selection",
    }
    failed = DbtEvent(
        "RunResultError",
        "error",
        "Runtime Error in model segment_k_selection (x.py)\n  Python model failed:\n"
        "  ValueError: Only 2 usable customers.",
        {"node_info": node},
    )
    assert node_failures([failed, failed]) == [
        "model segment_k_selection: Only 2 usable customers."
    ]
    # DuckDB's own line, not the advice and link it prints below (seen at 1M customers
    # with SEGMENTS_DUCKDB_MEMORY_LIMIT=1500MB), with the setting that fixes it.
    out_of_memory = DbtEvent(
        "RunResultError",
        "error",
        "Runtime Error in model customer_recommendations (x.sql)\n"
        "  Out of Memory Error: could not allocate block of size 256.0 KiB (1.3 GiB/1.3 GiB used)"
        "\n  \n  Possible solutions:\n  * Reducing the number of threads (SET threads=X)\n"
        "  \n  See also https://duckdb.org/docs/current/guides/performance/how_to_tune_workloads",
        {"node_info": {**node, "node_name": "customer_recommendations"}},
    )
    assert node_failures([out_of_memory]) == [
        "model customer_recommendations: Out of Memory Error: could not allocate block of "
        "size 256.0 KiB (1.3 GiB/1.3 GiB used): raise SEGMENTS_DUCKDB_MEMORY_LIMIT "
        '(default 3GB; README "Performance")'
    ]
    assert run_errors([hook_failed, failed]) == ["Raw folder 'x' does not exist or is empty."]
    problem = {"level": "warning", "message": "customers.age: 1 of 3 values ...", "subject": None}
    logged = [
        DbtEvent("JinjaLogInfo", "info", json.dumps({"raw_problem": problem})),
        DbtEvent("JinjaLogInfo", "info", "some other log line"),
        DbtEvent.from_line("not JSON: a library printing to stdout"),
    ]
    assert raw_problems(logged) == [Problem("warning", "customers.age: 1 of 3 values ...")]
    assert logged[2].name == "" and logged[2].msg == "not JSON: a library printing to stdout"
    test_failed = DbtEvent(
        "LogTestResult",
        "error",
        "",
        {"index": 12, "num_models": 97, "status": "fail", "name": "not_null_x", "num_failures": 3},
    )
    assert progress_line(test_failed) == ("FAIL", "[ 12/97] FAIL  not_null_x (3 rows)")


def test_a_file_the_delimiter_does_not_split_is_not_called_an_encoding_problem(
    tmp_path: Path,
) -> None:
    """Columns aligned with runs of spaces (CDNOW's export) under delim ' ': DuckDB's
    sniffing error lists "Encoding: utf-8" among what it tried; the file is plain ASCII."""
    raw = raw_folder(tmp_path, {"customers.csv": "customer_id  city\nC1  Paris\nC22 Rome\n"})
    for command in ("run", "check"):
        result = cli(
            raw, tmp_path, command, "--vars", "{raw_tables: {customers: {csv: {delim: ' '}}}}"
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert error_line(result) == (
            f"error: Raw file '{raw}/customers.csv' cannot be read as CSV with delimiter ' ' "
            "(var raw_tables.customers.csv.delim): its rows do not split into the same "
            "columns, or a quote does not close; for columns aligned with runs of spaces, "
            'read each line as one column (README "Use your own data").'
        )
