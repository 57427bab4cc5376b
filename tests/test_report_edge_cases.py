"""The report of every shape a successful build can leave, from real `dbt build`s of
small fixtures, opened in headless Chromium: what a marketer sees.

- generated data (orders included): customers without a completed order form the
  rule segment, whose recency is NULL throughout;
- tests/fixtures/shapes/a_customers_only (the mall-customers export): customers only,
  with income and a spending score; no purchase features, no revenue;
- tests/fixtures/customers_no_income (a membership list): customers only, no income
  and no spending score, two clear groups (k = 2);
- tests/fixtures/shapes/b_transaction_lines: one file feeds all three tables;
- broken warehouses: a missing table and a corrupted one exit 3 with one line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import build, paths_in, query
from customer_segments.generate import generate
from customer_segments.paths import Paths
from test_report_browser import Watched

pytestmark = [pytest.mark.browser, pytest.mark.integration]

FIXTURES = Path(__file__).parent / "fixtures"
CLI = str(Path(sys.executable).with_name("customer-segments"))
NOT_A_VALUE = re.compile(r"\b(NaN|nan|None|NaT|<NA>|null)\b")
RETIRED_WORDS = re.compile(r"\b(elbow|bends?|votes?|voted)\b", re.IGNORECASE)
TRAIT = re.compile(r"^(?P<label>.+): (?P<value>[-\d.,]+%?) vs (?P<population>[-\d.,]+%?) overall")


# --- builds ---------------------------------------------------------------------------


def built(folder: Path, raw_dir: Path, mapping: str | None = None) -> Paths:
    paths = paths_in(folder, raw_dir)
    code, output = build(paths, *(["--vars", mapping] if mapping else []))
    assert code == 0, "\n".join(output[-40:])
    return paths


def report_command(paths: Paths) -> subprocess.CompletedProcess:
    """`customer-segments report` as a user runs it, against these paths."""
    env = {
        **os.environ,
        "SEGMENTS_DUCKDB_PATH": str(paths.duckdb_path),
        "SEGMENTS_REPORT_PATH": str(paths.report_path),
    }
    return subprocess.run(
        [CLI, "report"], env=env, capture_output=True, text=True, timeout=300, cwd=paths.root
    )


def rendered(paths: Paths) -> Paths:
    result = report_command(paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Report written to ")
    return paths


@pytest.fixture(scope="module")
def with_orders(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Generated customers, orders and lines: some customers have no completed order."""
    folder = tmp_path_factory.mktemp("with_orders")
    generate(1_200, folder / "raw", seed=11)
    return rendered(built(folder, folder / "raw"))


@pytest.fixture(scope="module")
def customers_only(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    shape = FIXTURES / "shapes" / "a_customers_only"
    folder = tmp_path_factory.mktemp("customers_only")
    return rendered(built(folder, shape, (shape / "mapping.yml").read_text()))


@pytest.fixture(scope="module")
def no_income(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    fixture = FIXTURES / "customers_no_income"
    folder = tmp_path_factory.mktemp("no_income")
    return rendered(built(folder, fixture, (fixture / "mapping.yml").read_text()))


@pytest.fixture(scope="module")
def transaction_lines(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    shape = FIXTURES / "shapes" / "b_transaction_lines"
    folder = tmp_path_factory.mktemp("transaction_lines")
    return rendered(built(folder, shape, (shape / "mapping.yml").read_text()))


class Seen:
    """The report in Chromium: its visible text, per element too."""

    def __init__(self, browser, paths: Paths) -> None:
        self.watched = Watched(browser, paths.report_path, width=1280)
        self.page = self.watched.page
        self.text = self.page.inner_text("body")

    def of(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def has(self, selector: str) -> bool:
        return self.page.locator(selector).count() > 0

    def close(self) -> None:
        self.watched.close()
        assert self.watched.blocked == [] and self.watched.errors == []


@pytest.fixture
def seen(browser):
    opened: list[Seen] = []

    def open_report(paths: Paths) -> Seen:
        opened.append(Seen(browser, paths))
        return opened[-1]

    yield open_report
    for report in opened:
        report.close()


def number(text: str) -> float:
    value = float(text.rstrip("%").replace(",", ""))
    return value / 100 if text.endswith("%") else value


def assert_trait_words_match_their_numbers(report: Seen) -> int:
    """Every trait line of every card: 'lower' when the segment's value is the smaller."""
    items = report.page.locator("section#segments ul.traits li")
    for i in range(items.count()):
        line = items.nth(i).inner_text()
        match = TRAIT.match(line)
        assert match, line
        value, population = number(match["value"]), number(match["population"])
        word = "higher" if value > population else "lower"
        assert value != population and f"({word}" in line, line
        assert items.nth(i).get_attribute("data-word") == word
    return items.count()


def assert_reads_clean(report: Seen) -> None:
    assert not NOT_A_VALUE.search(report.text), NOT_A_VALUE.search(report.text)
    assert not RETIRED_WORDS.search(report.text), RETIRED_WORDS.search(report.text)
    alts = report.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.alt).join(' ')")
    assert not NOT_A_VALUE.search(alts)


# --- what a marketer sees ---------------------------------------------------------------


def test_rule_segment_card(browser, seen, with_orders: Paths) -> None:
    rule = query(
        with_orders,
        "select segment_id, segment_name, customer_count from marts.segments "
        "where segment_kind = 'rule'",
    )
    assert rule, "the generated data has customers without a completed order"
    segment_id, name, customers = rule[0]
    report = seen(with_orders)
    card = report.of(f"#segment-{segment_id}")
    assert name in card
    assert "set by a rule" in card.lower()
    assert "No completed order yet: not clustered" in card
    assert f"{customers:,}" in card
    assert "What sets them apart" not in card.upper() and "WHAT SETS THEM APART" not in card
    assert not re.search(r"distance|centroid", card, re.IGNORECASE)
    assert "close to the average" not in card.lower()
    assert "set by a rule and not clustered" in report.of("#summary")
    assert "not shown" in report.of("#chart-projection figcaption")
    assert_reads_clean(report)


def test_a_feature_null_throughout_a_segment(browser, seen, with_orders: Paths) -> None:
    ((segment_id, name),) = query(
        with_orders,
        "select segment_id, segment_name from marts.segments where segment_kind = 'rule'",
    )
    nulls = query(
        with_orders,
        f"select count(recency_days) from marts.customer_features join marts.customer_segments "
        f"using (customer_id) where segment_id = {segment_id}",
    )
    assert nulls == [(0,)], "the rule segment's recency is NULL throughout"
    report = seen(with_orders)
    caption = report.of("#chart-distribution-recency-days figcaption")
    assert f"Left out, without values: {name}." in caption
    row = report.page.locator("table.profile tr", has_text="Recency (days)").first
    cells = row.locator("td").all_inner_texts()
    position = [
        s for (s,) in query(with_orders, "select segment_id from marts.segments order by 1")
    ]
    assert cells[1 + position.index(segment_id)].strip() == "–"
    assert "Grey cells: no customer in the segment has a value." in report.of(
        "#chart-profile-heatmap figcaption"
    )
    assert_reads_clean(report)


def test_cards_are_the_material_traits_of_segment_traits(browser, seen, with_orders: Paths) -> None:
    report = seen(with_orders)
    assert assert_trait_words_match_their_numbers(report) > 0
    for segment_id, labels in query(
        with_orders,
        "select segment_id, list(feature_label order by trait_rank) from marts.segment_traits "
        "where is_material group by all",
    ):
        lines = report.page.locator(f"#segment-{segment_id} ul.traits li").all_inner_texts()
        assert [line.split(":")[0] for line in lines] == labels
    clustered = query(
        with_orders,
        "select segment_id from marts.segments s where segment_kind = 'cluster' and not exists "
        "(select 1 from marts.segment_traits t where t.segment_id = s.segment_id and is_material)",
    )
    for (segment_id,) in clustered:
        assert "Close to the average customer on every trait." in report.of(
            f"#segment-{segment_id}"
        )
    assert "values are medians" in report.of("section#segments .section-intro")


def test_customers_only_has_no_revenue(browser, seen, customers_only: Paths) -> None:
    assert query(customers_only, "select count(share_of_revenue) from marts.segments") == [(0,)]
    report = seen(customers_only)
    assert "Revenue" not in report.of("section#segments")
    assert "of revenue" not in report.text and "of all revenue" not in report.text
    assert "Customers by segment." in report.of("#chart-shares figcaption")
    assert "Recency (days)" in report.of("#empty-features")
    # Income and spending score vary: the scatter is drawn, and not flat.
    assert report.has("#chart-income-spending img")
    spread = query(
        customers_only,
        "select min(annual_income) < max(annual_income) and "
        "min(spending_score) < max(spending_score) from marts.customer_features",
    )
    assert spread == [(True,)]
    assert_trait_words_match_their_numbers(report)
    assert_reads_clean(report)


def test_no_income_and_k_2(browser, seen, no_income: Paths) -> None:
    ((k, reason),) = query(
        no_income, "select k, reason from marts.segment_k_selection where is_chosen"
    )
    assert k == 2
    report = seen(no_income)
    assert not report.has("#chart-income-spending")
    assert (
        "No income against spending score chart: the data has neither an annual income nor a "
        "spending score." in report.text
    )
    caption = report.of("#chart-k-choice figcaption")
    assert reason in caption
    assert report.page.locator("table.k-table tr.chosen th").inner_text().startswith("2")
    assert "k = 2 found by clustering" in report.of("section#model")
    assert "Revenue" not in report.of("section#segments")
    assert assert_trait_words_match_their_numbers(report) > 0
    assert "Loyalty points" in report.of("section#segments")
    assert_reads_clean(report)


def test_the_summary_counts_each_file_once(browser, seen, transaction_lines: Paths) -> None:
    """One file of transaction lines feeds customers, orders and order_items: its rows
    are read once, not three times."""
    tables = dict(
        query(transaction_lines, "select source_table, rows_read from audit.row_reconciliation")
    )
    lines = (FIXTURES / "shapes" / "b_transaction_lines" / "online_retail.csv").read_text()
    rows = len(lines.splitlines()) - 1
    assert tables["order_items"] == rows and tables["customers"] < rows
    report = seen(transaction_lines)
    assert f"read {rows:,} raw rows from 1 file" in report.of("#summary")
    assert f"{rows:,}" in report.of("#summary .tiles")
    assert f"{sum(tables.values()):,}" not in report.text
    files = report.page.locator("section#data-quality td.file").all_inner_texts()
    assert files == ["online_retail.csv"] * 3
    assert "online_retail.csv feeds customers, orders, order_items" in report.of("#data-quality")


# --- a report that cannot be made exits 3, in one line ----------------------------------


def broken_copy(source: Paths, folder: Path, *statements: str) -> Paths:
    folder.mkdir(parents=True, exist_ok=True)
    paths = Paths(source.root, source.raw_dir, folder / "warehouse.duckdb", folder / "r.html")
    shutil.copyfile(source.duckdb_path, paths.duckdb_path)
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        for statement in statements:
            connection.execute(statement)
    return paths


def assert_exit_3(paths: Paths) -> str:
    result = report_command(paths)
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not paths.report_path.exists()
    return lines[0]


def test_a_missing_table_exits_3(no_income: Paths, tmp_path: Path) -> None:
    paths = broken_copy(no_income, tmp_path, "drop table marts.segments")
    line = assert_exit_3(paths)
    assert "has no table marts.segments" in line


def test_a_corrupted_table_exits_3(no_income: Paths, tmp_path: Path) -> None:
    paths = broken_copy(
        no_income,
        tmp_path,
        "create or replace table marts.segment_traits as "
        "select 'one' as segment_id, * exclude (segment_id) from marts.segment_traits",
    )
    line = assert_exit_3(paths)
    assert "The report failed while reading the warehouse" in line
    assert "ValueError" in line


def test_a_corrupted_file_exits_3(no_income: Paths, tmp_path: Path) -> None:
    paths = broken_copy(no_income, tmp_path)
    with paths.duckdb_path.open("r+b") as file:
        file.seek(0)
        file.write(b"this is not a duckdb file" * 200)
    line = assert_exit_3(paths)
    assert "cannot be opened" in line


def test_the_mapping_of_the_no_income_fixture_has_no_income() -> None:
    mapping = yaml.safe_load((FIXTURES / "customers_no_income" / "mapping.yml").read_text())
    columns = mapping["raw_tables"]["customers"]["columns"]
    assert "annual_income" not in columns and "spending_score" not in columns
    header = (FIXTURES / "customers_no_income" / "members.csv").read_text().splitlines()[0]
    assert "income" not in header.lower() and "score" not in header.lower()
