"""`customer-segments check` and the start of `run` are honest about the mapping: extra
columns get snake-case names (shown by check), segments.features must name columns
the build will have, a column in which nothing parses is a problem, and a run without
orders says so. Tiny fixtures: each test is one dbt run-operation or one small build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import ROOT, cli

pytestmark = pytest.mark.integration

EXTRAS = {  # source column -> the name it gets
    "MntWines": "mnt_wines",
    "NumWebPurchases": "num_web_purchases",
    "Annual Income (k$)": "annual_income_k",
    "HTTPCode": "http_code",
    "Z_CostContact": "z_cost_contact",
    "2ndPhone": "c_2nd_phone",
}
EXTRA_VARS = (
    "raw_tables: {customers: {extra_columns: ["
    '{column: MntWines, label: "Spend on wine"}, NumWebPurchases, "Annual Income (k$)", '
    "HTTPCode, Z_CostContact, 2ndPhone]}}\n"
)


def date_formats() -> list[str]:
    return yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]["date_formats"]


def customers_csv(folder: Path, text: str) -> Path:
    raw = folder / "raw"
    raw.mkdir()
    (raw / "customers.csv").write_text(text)
    return raw


def extras_fixture(folder: Path, customers: int = 4) -> Path:
    """Customers with the extra columns of EXTRAS, two plain groups of wine buyers."""
    lines = ["customer_id," + ",".join(f'"{c}"' if " " in c else c for c in EXTRAS)]
    for index in range(customers):
        wine = 800 + index if index % 2 else 10 + index
        lines.append(f"C{index},{wine},{index % 7},{40 + index},200,3,{index % 3}")
    return customers_csv(folder, "\n".join(lines) + "\n")


def found(result: subprocess.CompletedProcess, kind: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"{kind}: ")]


def test_check_names_extra_columns_in_snake_case(tmp_path: Path) -> None:
    # segments without features: the Python defaults apply, which is valid.
    result = cli(
        extras_fixture(tmp_path), tmp_path, "check", "--vars", EXTRA_VARS + "segments: {k: 3}"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    labels = {"mnt_wines": "Spend on wine"}
    assert found(result, "EXTRA") == [
        f"EXTRA: '{column}' -> {name}, label '{labels.get(name, name.replace('_', ' ').capitalize())}'"
        for column, name in EXTRAS.items()
    ]
    assert found(result, "OK") == ["OK: the raw files match the mapping."]


def test_check_rejects_unknown_features_and_clashing_extra_columns(tmp_path: Path) -> None:
    raw = customers_csv(tmp_path, "customer_id,MntWines,Mnt Wines,Frequency\nC1,1,2,3\n")
    dbt_vars = (
        "raw_tables: {customers: {extra_columns: [MntWines, Mnt Wines, Frequency]}}\n"
        "segments: {features: [annual_income, mnt_wine], log_features: [annual_income]}\n"
    )
    result = cli(raw, tmp_path, "check", "--vars", dbt_vars)
    assert result.returncode == 2
    problems = found(result, "PROBLEM")
    assert problems[0].startswith(
        "PROBLEM: var segments.features names mnt_wine, not a numeric column of "
        "marts.customer_features: use some of age, annual_income, "
    )
    assert "monetary_value" in problems[0] and ", mnt_wines " in problems[0]
    assert problems[1:] == [
        "PROBLEM: var raw_tables.customers.extra_columns: 'MntWines' and 'Mnt Wines' both "
        "become the column mnt_wines: leave one of them out.",
        "PROBLEM: var raw_tables.customers.extra_columns: 'Frequency' becomes the column "
        "frequency, which is already a column of marts.customer_features: leave it out of "
        "extra_columns.",
    ]
    assert not found(result, "OK") and "Traceback" not in result.stdout + result.stderr


def test_run_with_an_unknown_feature_stops_before_building(tmp_path: Path) -> None:
    raw = extras_fixture(tmp_path)
    dbt_vars = EXTRA_VARS + "segments: {features: [mnt_wines, monetary_valu], log_features: []}"
    result = cli(raw, tmp_path, "run", "--vars", dbt_vars)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(
        "error: var segments.features names monetary_valu, not a numeric column of "
        "marts.customer_features: use some of age, annual_income, "
    )
    assert "mnt_wines, num_web_purchases, annual_income_k" in errors[0]
    assert "created sql" not in result.stdout, "no model ran"
    warehouse = tmp_path / "warehouse.duckdb"
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            tables = connection.execute("select count(*) from duckdb_tables()").fetchone()
        assert tables == (0,)


SETTINGS = (
    "file, format, csv, columns, expressions, distinct, from, relation, decimal_separator, "
    "extra_columns"
)
CUSTOMER_COLUMNS = (
    "customer_id, email, gender, birth_date, age, annual_income, city, country, "
    "signup_date, spending_score"
)


@pytest.mark.parametrize(
    ("raw_tables", "problems"),
    [
        (  # a misspelt setting would be ignored and the numbers misread
            "{customers: {decimal_seperator: ','}}",
            [
                "var raw_tables.customers has the key 'decimal_seperator', which is not a "
                f"setting: the settings are {SETTINGS}."
            ],
        ),
        (  # the table names the export's, not the contract's
            "{order_lines: {file: lines.csv}}",
            [
                "var raw_tables has the table 'order_lines', which is not a raw table: the "
                "tables are customers, orders, order_items."
            ],
        ),
        (  # a mapping to a column the contract lacks would leave annual_income empty
            "{customers: {columns: {income: Income}, extra_columns: MntWines}}",
            [
                "var raw_tables.customers.columns names 'income', which is not a column of "
                f"customers: the columns are {CUSTOMER_COLUMNS} (more numeric columns go in "
                "extra_columns).",
                'var raw_tables.customers.extra_columns is "MntWines", not a list: write '
                '["MntWines"], one item per column.',
            ],
        ),
        (
            "{customers: kunden.csv, orders: {extra_columns: [x]}}",
            [
                'var raw_tables.customers is "kunden.csv", not a mapping of settings: write '
                '{file: "kunden.csv"} to name its file.',
                "var raw_tables.orders.extra_columns is a setting of customers only: remove "
                "it from orders.",
            ],
        ),
    ],
)
def test_check_stops_a_mapping_of_the_wrong_shape(
    tmp_path: Path, raw_tables: str, problems: list[str]
) -> None:
    result = cli(extras_fixture(tmp_path), tmp_path, "check", "--vars", f"raw_tables: {raw_tables}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [f"PROBLEM: {problem}" for problem in problems]
    assert "Traceback" not in result.stdout + result.stderr


def test_run_stops_a_misspelt_setting_before_building(tmp_path: Path) -> None:
    raw_tables = "raw_tables: {customers: {extra_column: [MntWines]}}"
    result = cli(extras_fixture(tmp_path), tmp_path, "run", "--vars", raw_tables)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == [
        "error: var raw_tables.customers has the key 'extra_column', which is not a setting: "
        f"the settings are {SETTINGS}."
    ]
    assert "created sql" not in result.stdout, "no model ran"


def test_check_says_a_column_where_nothing_parses_is_a_problem(tmp_path: Path) -> None:
    raw = customers_csv(
        tmp_path,
        "customer_id,signup_date,birth_date\n"
        "C1,04-09-2012,1990-01-01\nC2,21-08-2013,not a date\nC3,,1985-02-03\n",
    )
    result = cli(raw, tmp_path, "check", "--vars", "{date_formats: ['%Y-%m-%d']}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        "PROBLEM: customers.signup_date: none of the 2 non-empty values can be read as a date "
        "(for example '04-09-2012'): add their format to the var date_formats (strptime "
        "codes; it has: %Y-%m-%d); '%d-%m-%Y' reads every one of them."  # 21-08: day first
    ]
    assert found(result, "WARNING") == [  # some values parse: a warning, as before
        "WARNING: customers.birth_date: 1 of 3 values cannot be read as a date (for example "
        "'not a date'); they will be rejected or set to null and logged."
    ]
    assert not found(result, "OK")


def test_run_names_extra_columns_and_notes_it_has_no_orders(tmp_path: Path) -> None:
    raw = extras_fixture(tmp_path, customers=30)
    labelled = EXTRA_VARS.replace(
        " NumWebPurchases,", ' {column: NumWebPurchases, label: "Web purchases (count)"},'
    )
    dbt_vars = labelled + (
        "segments: {features: [mnt_wines, annual_income_k], log_features: [mnt_wines], k: 2}"
    )
    result = cli(raw, tmp_path, "run", "--no-report", "--vars", dbt_vars)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "note: no orders in the raw data: segmenting on customer attributes only; "
        "purchase features are empty."
    ) in result.stdout.splitlines()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        columns = [
            row[0] for row in connection.execute("describe marts.customer_features").fetchall()
        ]
        wine = connection.execute("select max(mnt_wines) from marts.customer_features").fetchone()
        phrases = connection.execute(
            "select feature_label, higher_phrase, lower_phrase from intermediate.int_feature_labels"
            " where feature = 'num_web_purchases'"
        ).fetchall()
    # a trait leaves the label's unit out: "high web purchases", not "... (count)"
    assert phrases == [("Web purchases (count)", "high web purchases", "low web purchases")]
    assert [column for column in columns if column in EXTRAS.values()] == list(EXTRAS.values())
    assert wine == (829.0,)
    # `run` builds every model and data test and leaves dbt's unit tests out (--unit-tests)
    ran = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    kinds = {result["unique_id"].split(".")[0] for result in ran}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds, kinds


def test_dbt_alone_lists_the_same_problems_for_people(tmp_path: Path) -> None:
    """`dbt run-operation check_raw_files` without the CLI (dbt's text log): the same
    labelled lines, so a dbt user reads what `check` prints."""
    raw = customers_csv(tmp_path, "customer_id,signup_date\nC1,04-09-2012\n")
    env = {
        **os.environ,
        "SEGMENTS_RAW_DIR": str(raw),
        "SEGMENTS_DUCKDB_PATH": ":memory:",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "run-operation",
            "check_raw_files",
            "--project-dir",
            str(ROOT),
            "--profiles-dir",
            str(ROOT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    lines = [line.split("  ", 1)[-1] for line in result.stdout.splitlines()]
    assert (
        "PROBLEM: customers.signup_date: none of the 1 non-empty values can be read as a date "
        "(for example '04-09-2012'): add their format to the var date_formats (strptime codes; "
        "it has: " + ", ".join(date_formats()) + "); '%d-%m-%Y' and '%m-%d-%Y' each read "
        "every one of them: add the one your export writes."
    ) in lines
    assert f"NOTE: No orders file in '{raw}': segmenting without it." in lines


def test_check_names_the_date_format_that_reads_a_us_export(tmp_path: Path) -> None:
    """Online Retail's own export writes '12/1/2010 8:26': the check names the format
    that reads every value, or each of two that do when the order is ambiguous."""
    raw = customers_csv(tmp_path, "customer_id,signup_date\nC1,12/1/2010\nC2,1/5/2011\n")
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\n"
        "O1,C1,12/1/2010 8:26,completed\nO2,C2,12/13/2010 17:05,completed\n"
    )
    result = cli(raw, tmp_path, "check")
    assert result.returncode == 2, result.stdout + result.stderr
    problems = found(result, "PROBLEM")
    assert len(problems) == 2, result.stdout
    assert problems[0].startswith("PROBLEM: customers.signup_date: none of the 2 ")
    assert problems[0].endswith(
        "; '%m/%d/%Y' and '%d/%m/%Y' each read every one of them: add the one your export writes."
    )
    assert problems[1].startswith("PROBLEM: orders.order_date: none of the 2 ")
    assert "add their format to the var timestamp_formats" in problems[1]
    assert problems[1].endswith("; '%m/%d/%Y %H:%M' reads every one of them."), problems[1]
    fixed = cli(
        raw,
        tmp_path,
        "check",
        "--vars",
        "{date_formats: ['%m/%d/%Y'], timestamp_formats: ['%m/%d/%Y %H:%M']}",
    )
    assert not found(fixed, "PROBLEM"), fixed.stdout


def test_check_says_what_stands_in_for_a_missing_status_or_quantity(tmp_path: Path) -> None:
    """Many exports have no order status (every order is a sale) or no quantity (a line
    per unit): the problem names the expression that stands in, and it works."""
    raw = customers_csv(tmp_path, "customer_id\nC1\n")
    (raw / "orders.csv").write_text("order_id,customer_id,order_date\nO1,C1,2020-01-01\n")
    (raw / "order_items.csv").write_text("order_id,unit_price\nO1,2.50\n")
    result = cli(raw, tmp_path, "check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        f"PROBLEM: Raw file '{raw}/orders.csv' has no column 'status' for orders.status: map "
        "it with var raw_tables.orders.columns.status or, when every order is a purchase, set "
        "var raw_tables.orders.expressions.status to \"'completed'\" (the file has: order_id, "
        "customer_id, order_date).",
        f"PROBLEM: Raw file '{raw}/order_items.csv' has no column 'quantity' for "
        "order_items.quantity: map it with var raw_tables.order_items.columns.quantity or, "
        "when each line is one unit, set var raw_tables.order_items.expressions.quantity to "
        '"1" (the file has: order_id, unit_price).',
    ]
    fixed = cli(
        raw,
        tmp_path,
        "check",
        "--vars",
        "raw_tables: {orders: {expressions: {status: \"'completed'\"}}, "
        'order_items: {expressions: {quantity: "1"}}}',
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert found(fixed, "OK") == ["OK: the raw files match the mapping."]


def test_the_readme_lists_every_mapping_setting() -> None:
    """The README's table of raw_tables keys names exactly the settings that check
    accepts (macro raw_table_settings, whose list the problem message prints)."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| key | meaning |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    keys = [row.split("`")[1] for row in table.splitlines()]
    assert ", ".join(keys) == SETTINGS


def cdnow_fixture(folder: Path) -> Path:
    """CDNOW's shape (a real export of 1997-98): the dates of a decade before 2000."""
    raw = customers_csv(folder, "customer_id\n" + "".join(f"C{i}\n" for i in range(1, 5)))
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\n"
        "O1,C1,1997-01-01,completed\nO2,C2,1997-03-15,completed\n"
        "O3,C3,1998-06-30,completed\nO4,C4,1998-02-02,completed\n"
    )
    return raw


def test_check_names_order_dates_that_validation_will_refuse(tmp_path: Path) -> None:
    """Dates of the 1990s are orders like any others by default (only the placeholders
    before 1970-01-02 are refused); with a later min_order_date every order would be
    rejected, and check says so, with the date that keeps them, before any build."""
    raw = cdnow_fixture(tmp_path)
    assert found(cli(raw, tmp_path, "check"), "OK") == ["OK: the raw files match the mapping."]
    result = cli(raw, tmp_path, "check", "--vars", "{min_order_date: '2000-01-01'}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        "PROBLEM: orders.order_date: 4 of 4 dates are before var min_order_date (2000-01-01) "
        "or in the future (they run from 1997-01-01 to 1998-06-30); they will be rejected as "
        "order_date_out_of_range; if they are real, set var min_order_date to a date before "
        "1997-01-01."
    ]
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\n"
        "O1,C1,2021-01-01,completed\nO2,C2,1970-01-01,completed\nO3,C3,2091-01-01,completed\n"
    )
    some = cli(raw, tmp_path, "check")
    assert some.returncode == 0, some.stdout + some.stderr
    assert found(some, "WARNING") == [  # a placeholder and a future date: dirt, a warning
        "WARNING: orders.order_date: 2 of 3 dates are before var min_order_date (1970-01-02) "
        "or in the future (they run from 1970-01-01 to 2091-01-01); they will be rejected as "
        "order_date_out_of_range; if they are real, set var min_order_date to a date before "
        "1970-01-01."
    ]


def test_a_failed_run_shows_the_rejections_that_explain_it(tmp_path: Path) -> None:
    """Every order rejected leaves nothing to cluster on: the run fails in the fit, and
    says first what this build rejected, so the error is not a riddle."""
    raw = cdnow_fixture(tmp_path)
    result = cli(raw, tmp_path, "run", "--no-report", "--vars", "{min_order_date: '2000-01-01'}")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    warning = (
        "warning: orders: 4 of 4 rows (100%) were rejected, most as order_date_out_of_range "
        "(4): see audit.rejected_rows, and `customer-segments check` for the setting to fix."
    )
    assert warning in lines, result.stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: model segment_k_selection: "), lines
    assert lines.index(warning) < lines.index(errors[0])


def test_check_names_the_format_of_compact_dates(tmp_path: Path) -> None:
    """CDNOW writes 19970315: check names '%Y%m%d', which reads it on both engines."""
    raw = cdnow_fixture(tmp_path)
    orders = (raw / "orders.csv").read_text()
    (raw / "orders.csv").write_text(orders.replace("-", ""))
    result = cli(raw, tmp_path, "check")
    problems = found(result, "PROBLEM")
    assert len(problems) == 1 and problems[0].startswith("PROBLEM: orders.order_date: none "), (
        result.stdout
    )
    assert problems[0].endswith("; '%Y%m%d' reads every one of them."), problems[0]
    fixed = cli(raw, tmp_path, "check", "--vars", "{timestamp_formats: ['%Y%m%d']}")
    assert found(fixed, "OK") == ["OK: the raw files match the mapping."], fixed.stdout


@pytest.mark.parametrize("command", ["check", "run"])
def test_settings_the_fit_would_refuse_stop_before_any_build(tmp_path: Path, command: str) -> None:
    raw = extras_fixture(tmp_path)
    dbt_vars = EXTRA_VARS + "segments: {features: [mnt_wines], log_features: [annual_income_k]}"
    result = cli(raw, tmp_path, command, "--vars", dbt_vars)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "error: segments.log_features names annual_income_k, not in segments.features."
    ]
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_check_names_ids_that_match_no_row_of_the_table_they_point_to(tmp_path: Path) -> None:
    """A CRM and a shop system write the same customer differently ('C0001' and '1'):
    every order would be rejected as unknown_customer. The check stops on it, naming
    both spellings and the setting that aligns them; a line whose order matches a
    minority of the orders' ids is a warning; and with the expression, check is clean."""
    raw = customers_csv(tmp_path, "customer_id\nC0001\nC0002\nC0003\n")
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\n"
        "O1,1,2020-01-01,completed\nO2,2,2020-01-02,completed\nO3,3,2020-01-03,completed\n"
    )
    (raw / "order_items.csv").write_text(
        "order_id,line_number,quantity,unit_price\nO1,1,1,2.50\n1,1,1,2.50\nO3-X,1,1,2.50\n"
    )
    result = cli(raw, tmp_path, "check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        "PROBLEM: orders.customer_id: none of the 3 ids matches a customers.customer_id "
        "(orders write '1', customers 'C0001'): map the column that holds the same id, or "
        "write it as customers do with var raw_tables.orders.expressions.customer_id; else "
        "every row is rejected."
    ]
    assert found(result, "WARNING") == [
        "WARNING: order_items.order_id: 2 of 3 ids match no orders.order_id (for example "
        "'1'); they will be rejected."
    ]
    fixed = cli(
        raw,
        tmp_path,
        "check",
        "--vars",
        "raw_tables: {orders: {expressions: {customer_id: \"'C000' || customer_id\"}}}",
    )
    assert not found(fixed, "PROBLEM"), fixed.stdout
    assert found(fixed, "OK") == ["OK: the raw files match the mapping."]


def test_check_notes_that_an_export_without_line_numbers_gets_them_in_file_order(
    tmp_path: Path,
) -> None:
    """Most exports have no line numbers (Online Retail, Instacart's order_products
    without its add_to_cart_order, CDNOW). Without a line_number column or mapping each
    order's lines are numbered in file order, where before every line was rejected as
    missing_line_number while check said OK; check notes it. The numbering itself is
    held to the file through a build in test_own_data (shape b has no line numbers)."""
    raw = customers_csv(tmp_path, "customer_id\nC1\nC2\n")
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\n"
        "O1,C1,2020-01-01,completed\nO2,C2,2020-01-02,completed\n"
    )
    (raw / "order_items.csv").write_text(
        "order_id,product_id,quantity,unit_price\nO1,P1,1,2.50\nO2,P1,1,3.00\nO1,P1,2,2.50\n"
    )
    result = cli(raw, tmp_path, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert found(result, "NOTE") == [
        "NOTE: order_items has no line_number: the rows of each order_id are numbered in "
        "file order (map var raw_tables.order_items.columns.line_number if the file has them)."
    ]
    mapped = cli(
        raw,
        tmp_path,
        "check",
        "--vars",
        "raw_tables: {order_items: {expressions: {line_number: \"'1'\"}}}",
    )
    assert not found(mapped, "NOTE"), mapped.stdout


def test_orders_without_order_lines_leave_what_was_bought_unknown(tmp_path: Path) -> None:
    """An export of order headers only: orders are counted, but nothing says what was
    bought. Monetary value, average order value, units and the derived spending score
    are null, not zero (before: every customer's spend was 0.00 and its percentile of
    spend 100), and the report renders without them."""
    raw = customers_csv(tmp_path, "customer_id\n" + "".join(f"C{index}\n" for index in range(30)))
    orders = ["order_id,customer_id,order_date,status"]
    for index in range(30):
        for number in range(1 + index % 3 * 4):  # 1, 5 or 9 orders
            orders.append(
                f"O{index}-{number},C{index},2020-01-{1 + number + index % 5:02d},completed"
            )
    (raw / "orders.csv").write_text("\n".join(orders) + "\n")
    result = cli(raw, tmp_path, "run", "--vars", "segments: {k: 2}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "note: no order_items in the raw data: orders are counted, but what was bought is "
        "unknown: monetary_value, avg_order_value, item_quantity and the derived "
        "spending_score are empty."
    ) in result.stdout.splitlines()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        counts = connection.execute(
            "select count(*), count(frequency), sum(frequency), count(monetary_value), "
            "count(avg_order_value), count(item_quantity), count(spending_score) "
            "from marts.customer_features"
        ).fetchone()
        revenue = connection.execute("select count(revenue) from marts.segments").fetchone()
    assert counts == (30, 30, 10 * (1 + 5 + 9), 0, 0, 0, 0)
    assert revenue == (0,)
    assert (tmp_path / "report.html").is_file()


def test_check_says_how_to_go_on_with_an_export_without_prices(tmp_path: Path) -> None:
    """Order lines without prices (Instacart's order_products): nothing stands in for a
    price, so the problem says to leave the lines out, which counts the orders and
    leaves spend unknown (test_orders_without_order_lines_leave_what_was_bought_unknown)."""
    raw = customers_csv(tmp_path, "customer_id\nC1\n")
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,status\nO1,C1,2020-01-01,completed\n"
    )
    (raw / "order_items.csv").write_text("order_id,product_id,quantity\nO1,P1,1\n")
    result = cli(raw, tmp_path, "check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        f"PROBLEM: Raw file '{raw}/order_items.csv' has no column 'unit_price' for "
        "order_items.unit_price: map it with var raw_tables.order_items.columns.unit_price "
        "or, for an export without prices, leave order_items out (no mapping for it and no "
        "order_items file): the orders are still counted, and what was bought stays unknown "
        "(the file has: order_id, product_id, quantity)."
    ]
    (raw / "order_items.csv").unlink()
    fixed = cli(raw, tmp_path, "check")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert found(fixed, "OK") == ["OK: the raw files match the mapping."]


def test_check_names_order_states_that_validation_will_not_read(tmp_path: Path) -> None:
    """A shop system's own order states (Olist's 'invoiced', a German 'offen') reject
    their orders as unrecognised_status, while check said OK: some unread is a warning
    with the commonest values and the spellings that are read, none read a problem."""
    raw = customers_csv(tmp_path, "customer_id\nC1\nC2\n")
    orders = raw / "orders.csv"
    orders.write_text(
        "order_id,customer_id,order_date,order_status\nO1,C1,2020-01-01,delivered\n"
        "O2,C2,2020-01-02,invoiced\nO3,C2,2020-01-03,invoiced\nO4,C1,2020-01-04,\n"
    )
    mapping = "raw_tables: {orders: {columns: {status: order_status}}}"
    read = (
        "it reads completed, complete, delivered, paid, shipped as completed; cancelled, "
        "canceled as cancelled; returned, refunded as returned)"
    )
    fix = (
        "map them with var raw_tables.orders.expressions.status, for example "
        "\"case order_status when '...' then 'completed' ... end\""
    )
    result = cli(raw, tmp_path, "check", "--vars", mapping)
    assert result.returncode == 0, result.stdout + result.stderr
    assert found(result, "WARNING") == [
        "WARNING: orders.status: 3 of 4 values are not an order state this project reads "
        f"(for example 'invoiced' (2); {read}: they will be rejected as unrecognised_status; "
        f"to keep them, {fix}."
    ]
    orders.write_text(
        "order_id,customer_id,order_date,order_status\nO1,C1,2020-01-01,offen\n"
        "O2,C2,2020-01-02,abgeschlossen\n"
    )
    result = cli(raw, tmp_path, "check", "--vars", mapping)
    assert result.returncode == 2, result.stdout + result.stderr
    assert found(result, "PROBLEM") == [
        "PROBLEM: orders.status: none of the 2 values is an order state this project reads "
        f"(for example 'abgeschlossen' (1), 'offen' (1); {read}: {fix}; else every order is "
        "rejected."
    ]
