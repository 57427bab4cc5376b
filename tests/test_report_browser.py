"""The rendered report opened in a real browser (Debian's Chromium, driven by Playwright):
it loads nothing from outside, raises no error, shows every section and chart, renders
hostile data as text, and fits a phone. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SCRIPT, Build, add_previous_run, plant_script
from customer_segments.report import render_report

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ARTIFACTS = ROOT / "test-artifacts"
SECTIONS = ("summary", "segments", "charts", "profile", "model", "data-quality", "how-to-query")


@pytest.fixture(scope="module")
def report_file(built: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the built warehouse with a hostile segment name and city planted,
    and an earlier run in segment_history so the migration matrix is drawn too."""
    folder = tmp_path_factory.mktemp("browser")
    warehouse = folder / "warehouse.duckdb"
    shutil.copyfile(built.paths.duckdb_path, warehouse)
    plant_script(warehouse)
    add_previous_run(warehouse)
    return render_report(warehouse, folder / "segment_report.html", run_seconds=42.0)


class Watched:
    """A page with every outside request blocked and recorded, errors and dialogs kept."""

    def __init__(self, browser, report: Path, width: int, height: int = 900) -> None:
        self.url = report.resolve().as_uri()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.route("**/*", self._guard)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url, wait_until="load")

    def _guard(self, route) -> None:
        url = route.request.url
        if url == self.url or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self.page.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_report_in_a_real_browser(browser, report_file: Path) -> None:
    watched = Watched(browser, report_file, width=1280)
    page = watched.page
    try:
        for section in SECTIONS:
            assert page.locator(f"section#{section}").count() == 1, section
            assert page.locator(f"section#{section} h2").is_visible(), section

        images = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => ({alt: i.alt, loaded: i.complete, w: i.naturalWidth}))"
        )
        assert len(images) >= 8
        for image in images:
            assert image["loaded"] and image["w"] > 0, image["alt"][:60]
            assert image["alt"].strip(), "every chart has alt text"
        charts = page.locator("figure.chart img, figure.chart svg")
        assert charts.count() == len(images)
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, i
        assert page.locator("#chart-migration img").count() == 1

        text = page.inner_text("body")
        assert SCRIPT in text, "the planted segment name is shown as text"
        assert page.locator("section#segments article.card").count() >= 2
        assert page.evaluate("document.querySelectorAll('script').length") == 0

        path = screenshot(page, "segment_report.png")
        assert path.stat().st_size > 50_000
    finally:
        watched.close()
    assert watched.blocked == [], "the report must not load anything from outside"
    assert watched.errors == []
    assert watched.dialogs == [], "a planted <script> ran"


def test_report_fits_a_phone(browser, report_file: Path) -> None:
    watched = Watched(browser, report_file, width=390, height=844)
    page = watched.page
    try:
        # Nothing makes the page itself scroll sideways; wide tables scroll in their box.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow}px wider than a phone"
        card = page.locator("section#segments article.card").first.bounding_box()
        assert card and card["width"] <= 390
        screenshot(page, "segment_report_phone.png")
    finally:
        watched.close()
    assert watched.blocked == []
    assert watched.errors == []
    assert watched.dialogs == []


def test_report_prints(browser, report_file: Path, tmp_path: Path) -> None:
    watched = Watched(browser, report_file, width=1280)
    try:
        watched.page.emulate_media(media="print")
        assert watched.page.locator("nav.toc").is_hidden(), "navigation is left off paper"
        pdf = tmp_path / "segment_report.pdf"
        watched.page.pdf(path=str(pdf), format="A4")
        assert pdf.stat().st_size > 50_000
    finally:
        watched.close()
    assert watched.errors == []


def test_cards_show_each_segments_favourites_and_lifts(
    browser, report_file: Path, built: Build
) -> None:
    """Each cluster card lists its top categories by lift, as marts.segment_category_affinity
    ranks them, and the rule card the best sellers; the action names the first favourites."""
    with duckdb.connect(str(built.paths.duckdb_path), read_only=True) as connection:
        top = connection.sql(
            "select segment_id, category, lift from marts.segment_category_affinity "
            "where affinity_rank <= 3 and lift > 1 order by segment_id, affinity_rank"
        ).fetchall()
        sellers = connection.sql(
            "select segment_id, coalesce(product_name, product_id) "
            "from marts.segment_product_affinity where basis = 'best_seller' "
            "and affinity_rank <= 3 and segment_id in "
            "(select segment_id from marts.segments where segment_kind = 'rule') "
            "order by segment_id, affinity_rank"
        ).fetchall()
    assert top and sellers
    watched = Watched(browser, report_file, width=1280)
    page = watched.page
    try:
        for segment_id in sorted({row[0] for row in top}):
            card = page.locator(f"article#segment-{segment_id}")
            shown = card.locator("ul.offers[data-offer=category] li").all_inner_texts()
            expected = [(c, lift) for s, c, lift in top if s == segment_id]
            assert len(shown) == len(expected), (segment_id, shown)
            for text, (category, lift) in zip(shown, expected, strict=True):
                assert text.startswith(f"{category[:1].upper()}{category[1:]} {lift:.1f}×"), text
            action = card.locator("p.action").inner_text()
            assert f"{expected[0][0][:1].upper()}{expected[0][0][1:]} ({expected[0][1]:.1f}x)" in (
                action
            )
        for segment_id in sorted({row[0] for row in sellers}):
            shown = page.locator(
                f"article#segment-{segment_id} ul.offers[data-offer=best_seller] li strong"
            ).all_inner_texts()
            assert shown == [name for s, name in sellers if s == segment_id]
    finally:
        watched.close()
    assert watched.errors == []
