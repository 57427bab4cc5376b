"""Every raw row accounted for, on a hand-made raw folder holding every kind of dirt."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Build, build, paths_in, query

pytestmark = pytest.mark.integration

DIRTY = Path(__file__).parent / "fixtures" / "dirty"
SMALL = ["--vars", "{segments: {k: 2, n_init: 2}}"]

CUSTOMER_REASONS = {"missing_customer_id", "duplicate_customer_id"}
ORDER_REASONS = {
    "missing_order_id",
    "duplicate_order_id",
    "missing_order_date",
    "unparseable_order_date",
    "order_date_out_of_range",
    "unrecognised_status",
    "unknown_customer",
}
ITEM_REASONS = {
    "unknown_order",
    "order_rejected",
    "missing_line_number",
    "duplicate_order_line",
    "unparseable_quantity",
    "unparseable_unit_price",
    "non_positive_quantity",
    "negative_unit_price",
}
FIELD_ISSUES = {
    "birth_date_unparseable",
    "birth_date_out_of_range",
    "age_unparseable",
    "age_out_of_range",
    "income_unparseable",
    "income_negative",
    "signup_date_unparseable",
    "signup_date_in_future",
    "gender_unrecognised",
}


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder = tmp_path_factory.mktemp("dirty")
    paths = paths_in(folder, DIRTY)
    code, output = build(paths, *SMALL)
    assert code == 0, "\n".join(output[-60:])
    return Build(paths, DIRTY, code, output)


def test_reconciliation_holds_for_every_raw_table(dirty: Build) -> None:
    rows = query(
        dirty.paths,
        "select source_table, rows_read, rows_accepted, rows_rejected, is_reconciled "
        "from audit.row_reconciliation order by 1",
    )
    assert rows == [
        ("customers", 11, 9, 2, True),
        ("order_items", 18, 10, 8, True),
        ("orders", 16, 8, 8, True),
    ]


def test_every_reason_appears_in_the_audit(dirty: Build) -> None:
    found = {
        (table, reason)
        for table, reason in query(
            dirty.paths, "select distinct source_table, rejection_reason from audit.rejected_rows"
        )
    }
    expected = (
        {("customers", r) for r in CUSTOMER_REASONS}
        | {("orders", r) for r in ORDER_REASONS}
        | {("order_items", r) for r in ITEM_REASONS}
    )
    assert found == expected
    issues = {
        issue for (issue,) in query(dirty.paths, "select distinct issue from audit.field_issues")
    }
    assert issues == FIELD_ISSUES


def test_rejected_rows_keep_their_original_values(dirty: Build) -> None:
    rows = query(
        dirty.paths,
        "select source_row_number, record_key, raw_values from audit.rejected_rows "
        "where source_table = 'customers' and rejection_reason = 'duplicate_customer_id'",
    )
    assert len(rows) == 1
    row_number, key, values = rows[0]
    assert (row_number, key) == (2, "C2"), "the earlier C2 row loses; the last one survives"
    assert '"email":"b@example.com"' in values.replace(" ", "")


def test_survivors_and_cleaned_values(dirty: Build) -> None:
    rows = dict(
        (r[0], r[1:])
        for r in query(
            dirty.paths,
            "select customer_id, email, gender, annual_income, age from marts.customer_features",
        )
    )
    assert rows["C1"][:3] == ("ann@example.com", "female", 54000.0)
    assert rows["C2"][0] == "b.new@example.com"
    assert rows["C4"][2] is None and rows["C5"][2] is None, "negative / unreadable income"
    assert rows["C8"][3] is None and rows["C9"][3] == 33


def test_cancelled_and_returned_orders_are_never_revenue(dirty: Build) -> None:
    rows = query(
        dirty.paths,
        "select customer_id, frequency, monetary_value, return_rate, cancel_rate "
        "from marts.customer_features where customer_id in ('C1', 'C2') order by 1",
    )
    # C1: O1 (2 x 10.00 + 5.50) + O2 (10.00); O3 returned and O4 cancelled never count.
    # C2: O5 (10.00 + the surviving line 2 at 4.00) + O6 (10.00).
    assert rows == [("C1", 2, 35.5, pytest.approx(1 / 3), 0.25), ("C2", 2, 24.0, 0.0, 0.0)]


def test_a_broken_reconciliation_fails_the_build(dirty: Build, tmp_path: Path) -> None:
    broken = paths_in(tmp_path, DIRTY)
    shutil.copy(dirty.paths.duckdb_path, broken.duckdb_path)
    with duckdb.connect(str(broken.duckdb_path)) as connection:
        connection.execute("delete from audit.rejected_rows where source_table = 'orders'")
    code, output = build(broken, "--select", "row_reconciliation", *SMALL)
    log = "\n".join(output)
    assert code != 0
    assert "FAIL 1 every_raw_row_is_accounted_for" in log


def test_source_row_number_is_the_position_in_every_kind_of_file(tmp_path: Path) -> None:
    """1 for the first data row of the file, whichever reader numbers it: a single
    Parquet file (its reader, even when the file has its own file_row_number column),
    a CSV file and a glob of several Parquet files (row_number in file order)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select 'C' || i as customer_id, 100 + i as file_row_number "
            f"from range(1, 2001) as r(i)) to '{raw}/customers.parquet'"
        )
        connection.execute(
            f"copy (select 'O' || i as order_id, 'C' || i as customer_id, '2024-01-01' "
            f"as order_date, 'completed' as status from range(1, 1001) as r(i)) "
            f"to '{raw}/orders.csv' (header)"
        )
        for part, first in (("a", 1), ("b", 501)):
            connection.execute(
                f"copy (select 'O' || i as order_id, 1 as line_number, 1 as quantity, "
                f"2.5 as unit_price from range({first}, {first + 500}) as r(i)) "
                f"to '{raw}/items_{part}.parquet'"
            )
    paths = paths_in(tmp_path, raw)
    mapping = "{raw_tables: {order_items: {file: 'items_*.parquet'}}}"
    code, output = build(paths, "--select", "staging", "--vars", mapping)
    assert code == 0, "\n".join(output[-40:])
    for table, key in (
        ("customers", "customer_id"),
        ("orders", "order_id"),
        ("order_items", "order_id"),
    ):
        [(rows, misnumbered)] = query(
            paths,
            f"select count(*), count(*) filter (where source_row_number <> "
            f"cast(substr({key}, 2) as integer)) from raw.{table}",
        )
        assert (rows, misnumbered) == ({"customers": 2000}.get(table, 1000), 0), table
