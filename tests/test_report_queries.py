"""The example queries of the report's "How to query" section are the files of
python/customer_segments/report/queries/: every one runs against a real build and
returns rows with the columns its header promises, and the report shows exactly them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Build, add_previous_run
from customer_segments.report.context import load_context
from customer_segments.report.how_to_query import (
    ExampleQuery,
    example_queries,
    example_segment,
    fill,
    parse,
)
from customer_segments.report.types import ReportContext

EXAMPLES = example_queries()


def test_every_file_is_an_example_with_a_title_and_its_columns() -> None:
    assert len(EXAMPLES) >= 7
    for example in EXAMPLES:
        assert example.title and example.returns and example.sql.endswith(";"), example.name
        filled = example.filled(3, "Champions")
        assert "{{" not in filled.title + filled.sql, example.name
        assert not filled.sql.startswith("--"), example.name


def test_placeholders_are_filled_in_one_pass_and_unknown_ones_fail() -> None:
    assert (
        fill(
            "segment {{ segment_id }} ({{segment_name}})",
            {
                "segment_id": "2",
                "segment_name": "{{ segment_id }}",
            },
        )
        == "segment 2 ({{ segment_id }})"
    )
    with pytest.raises(ValueError, match="unknown placeholder"):
        fill("where segment_id = {{ segment }}", {"segment_id": "2"})
    # A segment's name is for the title only: in SQL it is no placeholder.
    example = parse("x.sql", "-- title: t\n-- returns: a\nselect '{{ segment_name }}' as a;")
    with pytest.raises(ValueError, match="unknown placeholder"):
        example.filled(1, "Champions")


def test_a_file_without_its_header_is_refused() -> None:
    with pytest.raises(ValueError, match="must open with"):
        parse("bare.sql", "select 1;")


@pytest.fixture(scope="module")
def two_runs(built: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built warehouse with an earlier run, so migration has rows too."""
    warehouse = tmp_path_factory.mktemp("queries") / "warehouse.duckdb"
    shutil.copyfile(built.paths.duckdb_path, warehouse)
    add_previous_run(warehouse)
    return warehouse


@pytest.fixture(scope="module")
def context(two_runs: Path) -> ReportContext:
    return load_context(two_runs)


@pytest.mark.integration
def test_the_report_shows_every_example_file_in_order(context: ReportContext) -> None:
    example = example_segment(context.segments)
    assert not example.is_rule
    assert context.queries == tuple(e.filled(example.segment_id, example.name) for e in EXAMPLES)


@pytest.mark.integration
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_each_example_returns_rows_with_the_columns_it_promises(
    example: ExampleQuery, two_runs: Path, context: ReportContext
) -> None:
    segment = example_segment(context.segments)
    sql = example.filled(segment.segment_id, segment.name).sql
    with duckdb.connect(str(two_runs), read_only=True) as connection:
        result = connection.execute(sql)
        columns = tuple(d[0] for d in result.description)
        rows = result.fetchall()
    assert rows, f"{example.name} returned no rows"
    if "select *" in sql:
        assert set(example.returns) <= set(columns), (example.returns, columns)
    else:
        assert columns == example.returns
