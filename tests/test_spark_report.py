"""The report read through the Spark target: `customer-segments report --target spark`
renders the bundled sample's Spark build (by `customer-segments run --target spark` on
a local standalone cluster) as the same report as the DuckDB build of the same data:
the same segment names, sizes, shares and k, the same text on every part of the page
but the how-to-query section (which names the engine) and the render time and place.

Needs Java and the spark extra: without them the tests are skipped with the reason,
and fail under CI=true (conftest's spark_master fixture).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.integration]

# The how-to-query section shows commands for the engine, so it differs by design.
HOW_TO_QUERY = re.compile(r'<section id="how-to-query".*?</section>', re.DOTALL)
# What differs between any two renders: when the page was rendered and the run built,
# how long the build took, and which warehouse it was rendered from (the line after
# "... from").
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
BUILD_TIME = re.compile(r"(?:\d+ min )?\d+(?:\.\d+)? s(?= for the build|\.$)")


class VisibleText(HTMLParser):
    """The page's text as a reader sees it: one entry per text node, whitespace
    collapsed, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.lines.append(" ".join(data.split()))


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(HOW_TO_QUERY.sub("", page))
    lines = [BUILD_TIME.sub("<seconds>", TIMESTAMP.sub("<time>", line)) for line in parser.lines]
    # The warehouse the page was rendered from: a file path, or "Spark at ...".
    at = next(i for i, line in enumerate(lines) if line.endswith("by customer-segments from"))
    return [*lines[: at + 1], "<warehouse>", *lines[at + 2 :]]


@pytest.fixture(scope="module")
def reports(sample_on_spark_and_duckdb):
    """The reports that `customer-segments run` rendered after the sample's Spark and
    DuckDB builds (conftest builds both once per session): the two pages, the Spark
    run's output and the DuckDB build's warehouse file."""
    runs = sample_on_spark_and_duckdb
    pages = {
        engine: Path(run.env["SEGMENTS_REPORT_PATH"]).read_text(encoding="utf-8")
        for engine, run in runs.items()
    }
    return pages, runs["spark"].output, Path(runs["duckdb"].env["SEGMENTS_DUCKDB_PATH"])


def test_the_spark_report_reads_the_spark_target(reports) -> None:
    pages, output, _ = reports
    assert "Report written to" in output
    assert "Spark at spark://127.0.0.1:" in html.unescape(pages["spark"])


def test_the_same_segments_sizes_shares_and_k_as_on_duckdb(reports) -> None:
    pages, _, warehouse = reports
    with duckdb.connect(str(warehouse), read_only=True) as db:
        segments = db.sql(
            "select segment_name, customer_count from marts.segments order by segment_id"
        ).fetchall()
        k = db.sql("select k from marts.segment_k_selection where is_chosen").fetchall()
    spark_text = "\n".join(visible_text(pages["spark"]))
    assert len(segments) >= 2 and len(k) == 1
    for name, customers in segments:
        assert html.escape(name) in pages["spark"] and name in spark_text, name
        assert f"{customers:,}" in spark_text, (name, customers)
    assert f"k = {k[0][0]} found by clustering" in spark_text


def test_every_part_of_the_page_reads_the_same_as_on_duckdb(reports) -> None:
    pages, _, _ = reports
    spark, duck = visible_text(pages["spark"]), visible_text(pages["duckdb"])
    assert len(duck) > 200  # the whole page, not an error page
    differing = [
        f"line {i}: {a!r} on Spark, {b!r} on DuckDB"
        for i, (a, b) in enumerate(zip(spark, duck, strict=False))
        if a != b
    ]
    assert len(spark) == len(duck) and not differing, "\n".join(differing[:20]) or (
        f"{len(spark)} text lines on Spark, {len(duck)} on DuckDB"
    )


def test_the_spark_report_opens_in_the_browser(reports, browser) -> None:
    pages, _, _ = reports
    errors: list[str] = []
    page = browser.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(pages["spark"], wait_until="load")
    shown = page.inner_text("body")
    page.close()
    assert not errors, errors
    assert "Segments" in shown and "Spark at spark://" in shown
