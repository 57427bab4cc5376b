"""A raw folder is named the way people name folders: quotes, spaces, brackets, stars,
letters beyond ASCII. The build reads exactly that folder (a glob character in its
name is not expanded, so a sibling folder it would match is never read), a name can
never run SQL of its own, and `customer-segments check` and the diagnosis of an
unreadable file name it as it is."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import ROOT, SHAPES, build, cli, mapping, paths_in, query
from customer_segments.contract import raw_contract
from customer_segments.rawfiles import diagnose, glob_escape

pytestmark = pytest.mark.integration

SAMPLE = ROOT / "data" / "sample"
SMALL = ["--vars", "{segments: {k: 2, n_init: 2}}"]
# A quote, spaces, an en dash, umlauts and a glob class: unescaped, "[2024]" matches
# one character of 2, 0, 4, so DuckDB would read the decoy "... 2" instead.
FOLDER = "Kundendaten – Müller's [2024]"
DECOY = "Kundendaten – Müller's 2"


def data_rows(path: Path) -> int:
    """Rows of a CSV file below its header, counted without DuckDB."""
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def sample_with_decoy(folder: Path) -> Path:
    """The bundled sample in folder/FOLDER, and beside it folder/DECOY holding the
    first two rows of each file: reading the decoy changes every count."""
    raw = folder / FOLDER
    shutil.copytree(SAMPLE, raw)
    decoy = folder / DECOY
    decoy.mkdir()
    for file in raw.iterdir():
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        (decoy / file.name).write_text("".join(lines[:3]), encoding="utf-8")
    return raw


def test_the_sample_builds_from_a_folder_with_quotes_brackets_and_umlauts(
    tmp_path: Path,
) -> None:
    raw = sample_with_decoy(tmp_path)
    (tmp_path / "build").mkdir()
    paths = paths_in(tmp_path / "build", raw)
    code, output = build(paths, *SMALL)
    assert code == 0, "\n".join(output[-40:])
    contract = raw_contract()
    read = dict(query(paths, "select source_table, rows_read from audit.row_reconciliation"))
    assert read == {table: data_rows(raw / f"{table}.csv") for table in contract}
    accepted = query(
        paths,
        "select rows_accepted from audit.row_reconciliation where source_table = 'customers'",
    )[0][0]
    assert query(paths, "select count(*) from marts.customer_segments")[0][0] == accepted
    for table, spec in contract.items():
        # The registered views carry the contract (the macros read it from dbt's graph,
        # Python from the yml: the same list) and name the file as it is.
        columns = [row[0] for row in query(paths, f"describe raw.{table}")]
        assert columns == [*spec.columns, *spec.added_columns]
        assert query(paths, f"select distinct source_file from raw.{table}") == [
            (str(raw / f"{table}.csv"),)
        ]
    # The macro escapes the folder for DuckDB's glob as rawfiles.glob_escape does.
    [(definition,)] = query(
        paths,
        "select sql from duckdb_views() where schema_name = 'raw' "
        "and view_name = 'customers__file'",
    )
    assert glob_escape(str(raw)).replace("'", "''") in definition


def test_sql_that_reads_raw_dir_takes_a_folder_with_a_star_literally(tmp_path: Path) -> None:
    # c_marketplace: orders come from a query over '{raw_dir}/...', items from Parquet.
    raw = tmp_path / "it's my data*"
    shutil.copytree(SHAPES / "c_marketplace", raw)
    shutil.copytree(SHAPES / "c_marketplace", tmp_path / "it's my data (old)")  # * matches it
    paths = paths_in(tmp_path, raw)
    dbt_vars = mapping("c_marketplace")
    code, output = build(paths, "--select", "staging", "--vars", dbt_vars)
    assert code == 0, "\n".join(output[-40:])
    original = SHAPES / "c_marketplace"
    orders_sql = yaml.safe_load(dbt_vars)["raw_tables"]["orders"]["from"]
    with duckdb.connect() as connection:
        orders = connection.execute(
            "select count(*) from ("
            + orders_sql.replace("{raw_dir}", glob_escape(str(original)).replace("'", "''"))
            + ")"
        ).fetchone()[0]
        customers = connection.execute(
            "select count(*) from (select distinct customer_unique_id, customer_city, "
            "customer_state from read_csv(?, all_varchar = true))",
            [glob_escape(str(original / "olist_customers_dataset.csv"))],
        ).fetchone()[0]
    items = pq.read_metadata(original / "olist_order_items_dataset.parquet").num_rows
    counts = {
        table: query(paths, f"select count(*) from raw.{table}")[0][0] for table in raw_contract()
    }
    assert counts == {"customers": customers, "orders": orders, "order_items": items}
    [(first, last)] = query(
        paths, "select min(source_row_number), max(source_row_number) from raw.order_items"
    )
    assert (first, last) == (1, items), "one Parquet file, numbered by its reader"


def test_a_folder_name_cannot_run_sql(tmp_path: Path) -> None:
    raw = tmp_path / "data'); create schema pwned; --"
    shutil.copytree(SAMPLE, raw)
    paths = paths_in(tmp_path, raw)
    code, output = build(paths, "--select", "staging")
    assert code == 0, "\n".join(output[-40:])
    schemas = query(paths, "select schema_name from information_schema.schemata")
    assert ("pwned",) not in schemas and ("raw",) in schemas
    assert query(paths, "select count(*) from raw.customers")[0][0] == data_rows(
        raw / "customers.csv"
    )


def test_check_reads_such_a_folder_and_names_it_as_it_is(tmp_path: Path) -> None:
    raw = sample_with_decoy(tmp_path)
    good = cli(raw, tmp_path, "check")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.splitlines()[-1] == "OK: the raw files match the mapping."
    rows = data_rows(raw / "customers.csv")
    assert any(f" of {rows} values cannot be read" in line for line in good.stdout.splitlines())
    bad = cli(
        raw, tmp_path, "check", "--vars", "{raw_tables: {customers: {columns: {email: e_mail}}}}"
    )
    assert bad.returncode == 2, bad.stdout + bad.stderr
    problems = [line for line in bad.stdout.splitlines() if line.startswith("PROBLEM: ")]
    assert problems == [
        f"PROBLEM: Raw file '{raw}/customers.csv' has no column 'e_mail' for customers.email: "
        "map it with var raw_tables.customers.columns.email (the file has: "
        f"{', '.join(header(raw / 'customers.csv'))})."
    ]
    assert "Traceback" not in bad.stdout + bad.stderr


def test_an_unreadable_file_in_such_a_folder_is_named_as_it_is(tmp_path: Path) -> None:
    raw = tmp_path / FOLDER
    raw.mkdir()
    (raw / "customers.csv").write_bytes("customer_id,city\nC1,M\xfcnchen\n".encode("latin-1"))
    decoy = tmp_path / DECOY  # readable: were it read instead, nothing would be found
    decoy.mkdir()
    (decoy / "customers.csv").write_text("customer_id,city\nC1,Berlin\n")
    problems = diagnose(raw, ROOT)
    assert [(p.level, p.message) for p in problems] == [
        (
            "error",
            f"Raw file '{raw}/customers.csv' is not UTF-8 text: set var "
            "raw_tables.customers.csv.encoding (for example latin-1 or utf-16) or re-export "
            "it as UTF-8.",
        )
    ]


def test_the_contract_is_read_from_the_sources_yml() -> None:
    contract = raw_contract()
    assert list(contract) == ["customers", "orders", "order_items"]
    assert contract["customers"].required and not contract["orders"].required
    assert contract["customers"].required_columns == ("customer_id",)
    items = contract["order_items"]
    assert "product_name" in items.columns and "product_name" not in items.required_columns
    assert items.added_columns == ("source_row_number", "source_file")
    assert glob_escape("a*b?[c]") == "a[*]b[?][[]c]"
