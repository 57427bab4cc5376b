"""Bring your own data: real-looking exports segmented through their mapping alone
(tests/fixtures/shapes/*/mapping.yml, every shape there), with no SQL edits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from conftest import SHAPES, build, mapping, paths_in, query
from customer_segments.generate import generate

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).with_name("customer-segments"))
SHAPE_NAMES = sorted(
    folder.name for folder in SHAPES.iterdir() if (folder / "mapping.yml").is_file()
)


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_each_shape_builds_and_segments_through_its_mapping(built_shape, name: str) -> None:
    paths = built_shape(name)
    reconciliation = query(
        paths, "select source_table, is_reconciled from audit.row_reconciliation"
    )
    assert all(ok for _, ok in reconciliation)
    customers = query(paths, "select count(*) from marts.customer_features")[0][0]
    segmented = query(
        paths, "select count(*), count(distinct segment_id) from marts.customer_segments"
    )[0]
    assert customers >= 300 and segmented[0] == customers and segmented[1] >= 2
    if "orders" in yaml.safe_load(mapping(name))["raw_tables"]:  # revenue from transactions
        revenue = query(paths, "select sum(monetary_value) from marts.customer_features")[0][0]
        assert revenue > 0


def test_transaction_lines_without_a_customer_are_rejected_with_a_reason(built_shape) -> None:
    paths = built_shape("b_transaction_lines")
    reasons = dict(
        query(
            paths,
            "select source_table || ':' || rejection_reason, count(*) from audit.rejected_rows "
            "group by all",
        )
    )
    assert reasons.keys() == {
        "customers:missing_customer_id",
        "orders:missing_customer_id",
        "order_items:order_rejected",
    }
    cancelled = query(paths, "select sum(cancel_rate > 0) from marts.customer_features")[0][0]
    assert cancelled > 0, "C-prefixed invoices are cancellations"


def test_lines_without_line_numbers_are_numbered_in_file_order(built_shape) -> None:
    """expressions.line_number numbers each invoice's lines by source_row_number: the
    order of the file (read here by pandas), not an order whose ties can swap."""
    paths = built_shape("b_transaction_lines")
    raw = pd.read_csv(SHAPES / "b_transaction_lines" / "online_retail.csv", dtype=str)
    numbers = raw.groupby("InvoiceNo", sort=False).cumcount() + 1
    expected = {
        row + 1: (invoice, number)
        for row, (invoice, number) in enumerate(zip(raw["InvoiceNo"], numbers, strict=True))
    }  # source_row_number counts the data rows from 1
    staged = query(
        paths, "select source_row_number, order_id, line_number from staging.stg_raw__order_items"
    )
    assert {row: (order, number) for row, order, number in staged} == expected
    assert len(staged) == len(raw)


def test_customers_only_finds_five_groups_and_equals_plain_scikit_learn_kmeans(
    built_shape,
) -> None:
    name = "a_customers_only"
    paths = built_shape(name)
    raw = pd.read_csv(SHAPES / name / "Mall_Customers.csv")
    columns = ["Annual Income (k$)", "Spending Score (1-100)"]
    settings = yaml.safe_load(mapping(name))["segments"]
    assert "k" not in settings and settings["features"] == ["annual_income", "spending_score"]
    chosen = query(paths, "select k from marts.segment_k_selection where is_chosen")
    assert chosen == [(5,)], "five well-separated groups: the automatic k is 5"
    labels = KMeans(n_clusters=5, n_init=10, random_state=42).fit_predict(
        StandardScaler().fit_transform(raw[columns])
    )
    ours = dict(query(paths, "select customer_id, segment_id from marts.customer_segments"))
    segment_ids = [ours[str(customer)] for customer in raw["CustomerID"]]
    assert adjusted_rand_score(labels, segment_ids) == 1.0


def test_decimal_commas_are_read_as_the_table_writes_them(built_shape) -> None:
    """Shape (e) writes "37,99 €" and "50.000,00": read with decimal_separator ",",
    every price and income equals the file's own figure, read here with pandas."""
    paths = built_shape("e_european_shop")
    folder = SHAPES / "e_european_shop"

    def german(path: Path, column: str) -> list[float]:
        text = pd.read_csv(folder / path, sep=";", dtype=str)[column].str.replace(" €", "")
        return text.str.replace(".", "").str.replace(",", ".").astype(float).tolist()

    for staged, path, column, raw in [
        ("stg_raw__order_items", "positionen.csv", "unit_price", "Einzelpreis"),
        ("stg_raw__customers", "kunden.csv", "annual_income", "Jahreseinkommen"),
    ]:
        read = query(paths, f"select {column} from staging.{staged} order by source_row_number")
        expected = german(path, raw)
        assert len(read) == len(expected) > 300
        assert [float(value) for (value,) in read] == pytest.approx(expected, abs=0.005)
        # both marks are there: a thousands point and a decimal comma ("1.245,99")
        assert max(expected) >= 1_000


def test_check_names_the_decimal_separator_a_comma_file_needs(tmp_path: Path) -> None:
    text = mapping("e_european_shop").replace('    decimal_separator: ","\n', "")
    assert "decimal_separator" not in text.split("raw_tables:")[1]
    result = check(SHAPES / "e_european_shop", text, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [
        line for line in result.stdout.splitlines() if "Einzelpreis" in line or "unit_price" in line
    ]
    assert any(
        line.startswith("PROBLEM: order_items.unit_price: none of the ")
        and "if ',' is its decimal separator, set var raw_tables.order_items.decimal_separator to ','"
        in line
        for line in lines
    ), result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    wrong = check(
        SHAPES / "e_european_shop", mapping("e_european_shop").replace('","', '";"'), tmp_path
    )
    assert wrong.returncode == 2
    assert (
        "PROBLEM: var raw_tables.customers.decimal_separator is \";\": write ',' for numbers "
        "written 1.234,56 (a decimal comma), or leave it out for 1,234.56."
    ) in wrong.stdout.splitlines(), wrong.stdout


def test_a_run_that_rejects_most_lines_says_so(tmp_path: Path) -> None:
    """Without decimal_separator every price of shape (e) is unreadable: the build
    passes on what is left, and run warns with the count and the commonest reason."""
    text = mapping("e_european_shop").replace('    decimal_separator: ","\n', "")
    result = cli(SHAPES / "e_european_shop", text, tmp_path, "run", "--no-report")
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        (lines,) = connection.execute(
            "select rows_read from audit.row_reconciliation where source_table = 'order_items'"
        ).fetchone()
        (prices,) = connection.execute(
            "select count(*) from audit.rejected_rows where source_table = 'order_items'"
            " and rejection_reason = 'unparseable_unit_price'"
        ).fetchone()
    assert (
        f"warning: order_items: {lines:,} of {lines:,} rows (100%) were rejected, most as "
        f"unparseable_unit_price ({prices:,}): see audit.rejected_rows, and "
        "`customer-segments check` for the setting to fix."
    ) in result.stderr.splitlines(), result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("warning: orders")]


def cli(raw_dir: Path, dbt_vars: str, folder: Path, *command: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SEGMENTS_RAW_DIR": str(raw_dir),
        "SEGMENTS_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
    }
    return subprocess.run(
        [CLI, *command, "--vars", dbt_vars], env=env, capture_output=True, text=True, timeout=300
    )


def check(raw_dir: Path, dbt_vars: str, folder: Path) -> subprocess.CompletedProcess:
    return cli(raw_dir, dbt_vars, folder, "check")


def test_check_passes_on_a_good_mapping(tmp_path: Path) -> None:
    result = check(SHAPES / "a_customers_only", mapping("a_customers_only"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: the raw files match the mapping." in result.stdout


def test_check_catches_a_misspelt_column(tmp_path: Path) -> None:
    text = mapping("a_customers_only").replace('"Annual Income (k$)"', '"Annual Incom (k$)"')
    result = check(SHAPES / "a_customers_only", text, tmp_path)
    assert result.returncode == 2
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM: ")]
    assert problems == [
        f"PROBLEM: Raw file '{SHAPES}/a_customers_only/Mall_Customers.csv' has no column "
        "'Annual Incom (k$)' for customers.annual_income: map it with var "
        "raw_tables.customers.columns.annual_income (the file has: CustomerID, Genre, Age, "
        "Annual Income (k$), Spending Score (1-100))."
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_check_catches_a_missing_file(tmp_path: Path) -> None:
    text = mapping("c_marketplace").replace(
        "olist_order_items_dataset.parquet", "olist_items.parquet"
    )
    result = check(SHAPES / "c_marketplace", text, tmp_path)
    assert result.returncode == 2
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM: ")]
    assert problems == [
        "PROBLEM: No file matches 'olist_items.parquet' (var raw_tables.order_items.file) in "
        f"raw folder '{SHAPES}/c_marketplace': fix the file name in the mapping or add the file."
    ]


def test_check_stops_a_row_number_in_a_distinct_table(tmp_path: Path) -> None:
    """A distinct table's rows are numbered after the distinct: an expression there
    cannot use source_row_number, and check says so in one line."""
    text = mapping("b_transaction_lines").replace(
        "channel: \"'web'\"", 'channel: "cast(source_row_number as string)"'
    )
    assert "source_row_number as string" in text
    result = check(SHAPES / "b_transaction_lines", text, tmp_path)
    assert result.returncode == 2
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM: ")]
    assert problems == [
        "PROBLEM: var raw_tables.orders.expressions uses source_row_number, which a distinct "
        "table does not have (its rows are numbered after the distinct): order by the "
        "file's columns instead."
    ]


def test_extra_numeric_attributes_can_be_features(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(400, tmp_path / "generated", seed=4, dirt=False)
    raw.mkdir()
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select *, cast(hash(customer_id) % 1000 as varchar) as "Loyalty Points"
                from read_csv('{tmp_path}/generated/customers.csv', all_varchar = true)
            ) to '{raw}/customers.csv' (header)
            """
        )
    dbt_vars = (
        "{raw_tables: {customers: {extra_columns: ['Loyalty Points']}}, "
        "segments: {features: [loyalty_points, annual_income], log_features: [annual_income]}}"
    )
    paths = paths_in(tmp_path, raw)
    code, output = build(paths, "--vars", dbt_vars)
    assert code == 0, "\n".join(output[-40:])
    points = query(
        paths, "select count(loyalty_points), max(loyalty_points) from marts.customer_features"
    )
    assert points[0][0] == 400 and 0 < points[0][1] < 1000
    features = query(paths, "select distinct feature from marts.segment_centroids order by 1")
    assert features == [("annual_income",), ("loyalty_points",)]


def test_typed_and_iso_8601_order_times_are_read(tmp_path: Path) -> None:
    """A database export writes order times as typed Parquet timestamps with fractions
    of a second, a web shop's API as ISO 8601 text with a zone: no order is rejected
    for its date, and each is read to the second as written."""
    generate(300, tmp_path / "generated", seed=5, dirt=False)
    raw = tmp_path / "raw"
    raw.mkdir()
    zones = ["Z", "+01:00", "-0500", ".250Z", ".5", "+00"]
    cases = " ".join(
        f"when {i} then strftime(ordered, '%Y-%m-%dT%H:%M:%S') || '{zone}'"
        for i, zone in enumerate(zones)
    )
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            create table orders as
            select * replace (strptime(order_date, '%Y-%m-%d %H:%M:%S') as order_date)
            from read_csv('{tmp_path}/generated/orders.csv', all_varchar = true)
            """
        )
        connection.execute(
            f"""
            copy (
                select * replace (order_date + interval 123456 microseconds as order_date)
                from orders
            ) to '{raw}/orders.parquet'
            """
        )
        connection.execute(
            f"""
            copy (
                select * replace (case hash(order_id) % {len(zones)} {cases} end as order_date)
                from (select *, order_date as ordered from orders)
            ) to '{raw}/iso_orders.csv' (header)
            """
        )
        truth = dict(connection.execute("select order_id, order_date from orders").fetchall())
    for name in ("customers.csv", "order_items.csv"):
        (raw / name).write_bytes((tmp_path / "generated" / name).read_bytes())
    for orders, folder in (("orders.parquet", "typed"), ("iso_orders.csv", "iso")):
        dbt_vars = f"{{raw_tables: {{orders: {{file: '{orders}'}}}}}}"
        paths = paths_in(tmp_path / folder, raw)
        code, output = build(paths, "--vars", dbt_vars)
        assert code == 0, "\n".join(output[-40:])
        rejected = query(
            paths,
            "select count(*) from audit.rejected_rows where rejection_reason in "
            "('unparseable_order_date', 'missing_order_date')",
        )
        assert rejected == [(0,)], folder
        read = dict(query(paths, "select order_id, ordered_at from staging.stg_raw__orders"))
        assert read == truth, folder


def test_ids_written_as_floats_match_their_whole_numbers(tmp_path: Path) -> None:
    """pandas writes an integer id column with a gap as floats ("17850.0"): orders
    and lines exported that way still find their customers and orders."""
    generate(300, tmp_path / "generated", seed=6, dirt=False)
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as connection:
        # Each id as its whole number (C0000042 -> 42), followed by `suffix`.
        for name, suffixes in (
            ("customers", {"customer_id": ""}),
            ("orders", {"customer_id": ".0", "order_id": ".0"}),
            ("order_items", {"order_id": ".00"}),
        ):
            replaced = ", ".join(
                f"cast(cast(regexp_extract({column}, '[0-9]+') as bigint) as varchar) "
                f"|| '{suffix}' as {column}"
                for column, suffix in suffixes.items()
            )
            connection.execute(
                f"copy (select * replace ({replaced}) from read_csv("
                f"'{tmp_path}/generated/{name}.csv', all_varchar = true)) "
                f"to '{raw}/{name}.csv' (header)"
            )
    paths = paths_in(tmp_path / "run", raw)
    code, output = build(paths)
    assert code == 0, "\n".join(output[-40:])
    reasons = query(paths, "select distinct rejection_reason from audit.rejected_rows")
    assert ("unknown_customer",) not in reasons and ("unknown_order",) not in reasons
    accepted = query(
        paths,
        "select rows_read, rows_accepted from audit.row_reconciliation "
        "where source_table = 'order_items'",
    )
    assert accepted[0][0] == accepted[0][1] > 0
