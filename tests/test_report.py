"""The HTML report rendered from a real dbt build: what it shows, what it escapes, how it
fails and that a failed render never damages the report already there."""

from __future__ import annotations

import html
import os
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from conftest import Build, plant_script, query
from customer_segments.report import ReportError, render_report
from customer_segments.report import charts as report_charts
from customer_segments.report import context as report_context
from customer_segments.report import render as report_render

pytestmark = pytest.mark.integration

SECTIONS = {
    "summary": "Summary",
    "segments": "Segments",
    "charts": "Charts",
    "profile": "Profile table",
    "model": "Model card",
    "data-quality": "Data quality",
    "how-to-query": "How to query",
}


def copy_warehouse(built: Build, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copyfile(built.paths.duckdb_path, target)
    return target


def add_previous_run(warehouse: Path) -> None:
    """A second, earlier run in segment_history where every tenth customer sat elsewhere."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            """
            insert into marts.segment_history
                (run_id, run_started_at, customer_id, segment_id, segment_name, model_id)
            select
                'an-earlier-run',
                run_started_at - interval 1 day,
                customer_id,
                case
                    when hash(customer_id) % 10 = 0
                        then segment_id % (select max(segment_id) from marts.segments) + 1
                    else segment_id
                end,
                segment_name,
                model_id
            from marts.segment_history
            """
        )


@pytest.fixture(scope="module")
def report(built: Build) -> str:
    path = render_report(built.paths.duckdb_path, built.paths.report_path, run_seconds=12.5)
    assert path == built.paths.report_path
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def planted_report(built: Build, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("planted")
    warehouse = copy_warehouse(built, folder)
    plant_script(warehouse)
    add_previous_run(warehouse)
    return render_report(warehouse, folder / "report.html").read_text(encoding="utf-8")


def test_every_section_has_its_heading(report: str) -> None:
    for section_id, heading in SECTIONS.items():
        assert re.search(rf'<section id="{section_id}"', report), section_id
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", report), heading


def test_one_card_per_segment(built: Build, report: str) -> None:
    segments = query(built.paths, "select segment_id, segment_name from marts.segments")
    cards = re.findall(r'<article class="card" id="segment-(\d+)"', report)
    assert sorted(int(c) for c in cards) == sorted(segment_id for segment_id, _ in segments)
    for _, name in segments:
        assert f"<h3>{name}</h3>" in report


def test_summary_states_the_warehouse_figures(built: Build, report: str) -> None:
    customers = query(built.paths, "select count(*) from marts.customer_segments")[0][0]
    read, accepted = query(
        built.paths, "select sum(rows_read), sum(rows_accepted) from audit.row_reconciliation"
    )[0]
    summary = report[report.index('<section id="summary"') : report.index('<section id="segments"')]
    assert f"{customers:,} customers fall into" in summary
    assert f"read {read:,} raw rows" in summary
    assert f"{accepted:,}" in summary
    assert re.search(r"(well|moderately|weakly) separated", summary)
    assert "across seeds" in summary
    assert "12.5 s" in report  # run_seconds reaches the model card


def test_the_report_loads_nothing_from_outside(report: str) -> None:
    links = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', report)
    assert links, "the report embeds its charts"
    assert all(link.startswith(("data:", "#")) for link in links), [
        link[:60] for link in links if not link.startswith(("data:", "#"))
    ]
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//", report)
    assert "<script" not in report.lower()
    assert "@import" not in report and "url(http" not in report


def test_every_chart_is_an_image_with_alt_text(report: str) -> None:
    images = re.findall(r"<img [^>]*>", report)
    expected = {"chart-shares", "chart-income-spending", "chart-projection", "chart-elbow"}
    figures = set(re.findall(r'<figure class="chart[^"]*" id="([^"]+)"', report))
    assert expected | {"chart-profile-heatmap", "chart-silhouette"} <= figures
    assert any(f.startswith("chart-distribution-") for f in figures)
    assert len(images) == len(figures)
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and len(alt.group(1)) > 20, image[:120]


def test_profile_table_has_mean_and_median_for_every_segment(built: Build, report: str) -> None:
    segments = query(built.paths, "select count(*) from marts.segments")[0][0]
    table = report[report.index('<table class="profile">') :]
    table = table[: table.index("</table>")]
    age = table[table.index('<th scope="row">Age') :]
    age = age[: age.index("</tr>")]
    assert age.count("<td") == segments + 1  # every segment and all customers
    assert age.count("<small>") == segments + 1  # each with its median


def test_query_section_shows_runnable_sql(built: Build, report: str) -> None:
    section = report[report.index('<section id="how-to-query"') :]
    blocks = re.findall(r'<pre><code class="language-sql">(.*?)</code></pre>', section, re.S)
    assert blocks
    with duckdb.connect(str(built.paths.duckdb_path), read_only=True) as connection:
        for block in blocks:
            connection.sql(html.unescape(block)).fetchall()  # every query runs as printed


def test_one_run_shows_first_run(report: str) -> None:
    assert "First run" in report
    assert 'id="chart-migration"' not in report


def test_two_runs_show_a_migration_matrix(planted_report: str) -> None:
    assert 'id="chart-migration"' in planted_report
    assert "kept their segment" in planted_report
    assert "First run" not in planted_report


def test_values_from_data_are_escaped(planted_report: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in planted_report
    assert "<script>alert(1)" not in planted_report
    assert "<script" not in planted_report.lower()


def test_large_data_is_sampled_and_the_caption_says_so(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_context, "SAMPLE_SIZE", 500)
    page = render_report(built.paths.duckdb_path, tmp_path / "report.html").read_text()
    total = query(built.paths, "select count(*) from marts.customer_segments")[0][0]
    assert f"Showing 500 of {total:,} customers: a fixed sample" in page


def test_a_warehouse_without_segments_gives_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ReportError) as error:
        render_report(empty, tmp_path / "report.html")
    message = str(error.value)
    assert message == (
        f"Warehouse '{empty}' has no table marts.segments: "
        "run `customer-segments run` (or `dbt build`) first."
    )
    assert not (tmp_path / "report.html").exists()


def test_a_missing_or_broken_warehouse_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        render_report(tmp_path / "nowhere.duckdb", tmp_path / "report.html")
    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database")
    with pytest.raises(ReportError, match="cannot be opened") as error:
        render_report(broken, tmp_path / "report.html")
    assert "\n" not in str(error.value)


def test_optional_tables_may_be_missing(built: Build, tmp_path: Path) -> None:
    warehouse = copy_warehouse(built, tmp_path)
    with duckdb.connect(str(warehouse)) as connection:
        for table in ("marts.segment_history", "audit.rejected_rows", "audit.field_issues"):
            connection.execute(f"drop table {table}")
    page = render_report(warehouse, tmp_path / "report.html").read_text()
    assert "marts.segment_history is missing" in page
    assert "audit.rejected_rows is missing" in page
    assert "First run" in page


def test_a_failed_render_leaves_the_old_report(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "segment_report.html"
    target.write_text("the previous report")

    def broken_chart(*args: object, **kwargs: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(report_charts, "elbow_chart", broken_chart)
    with pytest.raises(RuntimeError, match="chart failed"):
        render_report(built.paths.duckdb_path, target)
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_report.html"]


def test_a_failed_write_leaves_the_old_report_and_no_temp_file(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "segment_report.html"
    target.write_text("the previous report")

    def full_disk(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_render.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        render_report(built.paths.duckdb_path, target)
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_report.html"]


def test_a_new_report_folder_is_created(built: Build, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "nested" / "segment_report.html"
    assert render_report(built.paths.duckdb_path, target) == target
    assert target.read_text().startswith("<!doctype html>")
    umask = os.umask(0)
    os.umask(umask)
    # Like any file the user writes (not the private mode of a temporary file).
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
