"""The HTML report. Two halves:

- hand-built contexts (no warehouse, no computing) rendered for every shape a
  successful build can leave: a rule segment, a feature NULL throughout a segment,
  k = 2, customers-only data without revenue, no income, no spending score, missing
  values everywhere; and a small warehouse made by SQL for the NULL-safety of the
  reading code;
- the report of a real dbt build (marked integration): what it shows, what it
  escapes, how it fails and that a failed render never damages the report there.

The same shapes from real builds of small fixtures, opened in Chromium, are in
tests/test_report_edge_cases.py.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import typer

from conftest import ROOT, Build, add_previous_run, plant_script, query
from customer_segments import cli
from customer_segments.paths import Paths
from customer_segments.report import ReportError, render_report, values
from customer_segments.report import charts as report_charts
from customer_segments.report import context as report_context
from customer_segments.report import projection as report_projection
from customer_segments.report import render as report_render
from customer_segments.report.affinity import Favourite, Offers
from customer_segments.report.data_quality import source_files
from customer_segments.report.formatting import fixed, percent, ratio_pair, value_pair
from customer_segments.report.render import render_html
from customer_segments.report.types import (
    DataQuality,
    FeatureProfile,
    FeatureStats,
    KCandidate,
    Model,
    Projection,
    Query,
    ReportContext,
    RunInfo,
    ScaledFeature,
    Scatter,
    Segment,
    SourceRows,
    Trait,
)

SECTIONS = {
    "summary": "Summary",
    "segments": "Segments",
    "charts": "Charts",
    "profile": "Profile table",
    "model": "Model card",
    "data-quality": "Data quality",
    "how-to-query": "How to query",
}
NOT_A_VALUE = re.compile(r"\b(NaN|nan|None|NaT|<NA>|null)\b")
RETIRED_WORDS = re.compile(r"\b(elbow|bends?|votes?|voted)\b", re.IGNORECASE)


# --- reading a page as people see it ------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page (no style, no attributes), and the text per id."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.open: list[tuple[str, str | None]] = []
        self.by_id: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("style", "script", "title"):
            self.skip += 1
        if tag not in ("img", "br", "meta", "link", "input"):
            self.open.append((tag, dict(attrs).get("id")))

    def handle_endtag(self, tag) -> None:
        if tag in ("style", "script", "title"):
            self.skip -= 1
        while self.open:
            opened, _ = self.open.pop()
            if opened == tag:
                break

    def handle_data(self, data) -> None:
        if self.skip:
            return
        self.parts.append(data)
        for _, element_id in self.open:
            if element_id:
                self.by_id.setdefault(element_id, []).append(data)


def read(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def text_of(page: str, element_id: str | None = None) -> str:
    parsed = read(page)
    parts = parsed.parts if element_id is None else parsed.by_id.get(element_id, [])
    return " ".join("".join(parts).split())


# --- hand-built contexts ------------------------------------------------------------


def stats(mean, median=None, std=1.0, quantiles=None) -> FeatureStats:
    if mean is None:
        return FeatureStats(None, None, None, None)
    median = mean if median is None else median
    spread = quantiles or tuple(median + d for d in (-2 * std, -std, 0.0, std, 2 * std))
    return FeatureStats(mean, median, std, spread)


def trait(feature, label, value, population, phrase, rank) -> Trait:
    return Trait(feature, label, value, population, phrase, rank)


def segment(segment_id: int, name: str, customers: int, **fields) -> Segment:
    values = {
        "archetype": None,
        "archetype_label": None,
        "description": None,
        "share_of_customers": customers / 1000,
        "share_of_revenue": None,
        "revenue": None,
        "recommended_action": "Do something sensible.",
    }
    values.update(fields)
    return Segment(segment_id=segment_id, name=name, customer_count=customers, **values)


def candidate(k, strength, share, chosen=False, silhouette=0.4, reason=None, eligible=None):
    eligible = strength >= 0.75 and share >= 0.05 if eligible is None else eligible
    reason = reason or (
        f"Chosen: k={k}." if chosen else f"{'Eligible' if eligible else 'Not eligible'}: k={k}."
    )
    return KCandidate(
        k=k,
        inertia=1000.0 / k,
        silhouette=silhouette,
        calinski_harabasz=500.0,
        davies_bouldin=0.8,
        is_chosen=chosen,
        prediction_strength=strength,
        smallest_share=share,
        is_eligible=eligible,
        reason=reason,
    )


def scaled(feature: str, transform: str = "none") -> ScaledFeature:
    return ScaledFeature(feature, transform, 10.0, 1.0, 100.0, 3.0, 0.5)


def scatter(segment_ids: list[int], x_feature="annual_income", y_feature="spending_score"):
    rng = np.random.default_rng(1)
    ids = np.repeat(segment_ids, 20)
    return Scatter(
        x=rng.normal(50, 10, len(ids)),
        y=rng.normal(50, 10, len(ids)),
        segment_ids=ids,
        x_feature=x_feature,
        y_feature=y_feature,
        sampled=len(ids),
        total=len(ids),
    )


BUYERS = (
    segment(
        1,
        "Recent buyers, frequent",
        400,
        archetype="champions",
        archetype_label="Champions",
        share_of_revenue=0.6,
        revenue=60_000.0,
        traits=(
            trait("recency_days", "Recency (days)", 12.0, 45.0, "recent buyers", 1),
            trait("frequency", "Completed orders", 9.0, 4.0, "frequent", 2),
        ),
    ),
    segment(
        2,
        "Lapsed",
        350,
        archetype="lapsed",
        share_of_revenue=0.3,
        revenue=30_000.0,
        traits=(trait("recency_days", "Recency (days)", 300.0, 45.0, "lapsed", 1),),
    ),
    segment(3, "Average customers", 150, archetype="core", share_of_revenue=0.1, revenue=10_000.0),
)
NO_PURCHASE = segment(
    0,
    "No purchase yet",
    100,
    kind="rule",
    archetype="no_purchase",
    archetype_label="No purchase yet",
    description="Have no completed order.",
    share_of_revenue=0.0,
    revenue=0.0,
)
SOURCES = (
    SourceRows("customers", 1010, 1000, 10, True, "/raw/customers.csv"),
    SourceRows("orders", 5000, 4900, 100, True, "/raw/orders.csv"),
    SourceRows("order_items", 9000, 8800, 200, True, "/raw/order_items.csv"),
)


def profiles_for(segments, features=("age", "recency_days", "frequency", "annual_income")):
    return tuple(
        FeatureProfile(
            feature=feature,
            overall=stats(40.0 + i, std=5.0),
            by_segment={s.segment_id: stats(30.0 + 5 * s.segment_id + i) for s in segments},
        )
        for i, feature in enumerate(features)
    )


def make_context(**changes) -> ReportContext:
    """A context as a build with orders, three clusters and a rule segment leaves it."""
    segments = (NO_PURCHASE, *BUYERS)
    profiles = list(profiles_for(segments))
    # The rule segment has no recency: its customers never completed an order.
    recency = profiles[1]
    profiles[1] = replace(recency, by_segment={**recency.by_segment, 0: stats(None)})
    candidates = (
        candidate(2, 0.95, 0.40),
        candidate(3, 0.90, 0.15, chosen=True, reason="Chosen: k=3 is the best separated."),
        candidate(4, 0.60, 0.08),
    )
    context = ReportContext(
        run=RunInfo(
            warehouse="/data/warehouse.duckdb",
            generated_at=datetime(2026, 1, 2, 3, 4),
            run_id="run-1",
            run_started_at=datetime(2026, 1, 2, 3, 0),
            runs_recorded=1,
            run_seconds=None,
        ),
        segments=segments,
        customers_segmented=1000,
        clustering_features=("age", "recency_days", "frequency"),
        profiles=tuple(profiles),
        model=Model(
            model_id="abc123",
            k=3,
            features=(scaled("age"), scaled("recency_days", "log1p"), scaled("frequency")),
            dropped_features=None,
            stability_ari=0.95,
            reason="Chosen: k=3 is the best separated.",
            candidates=candidates,
            customers_fitted=900,
            selection_sample_size=900,
            min_prediction_strength=0.75,
            min_segment_share=0.05,
        ),
        income_spending=scatter([1, 2, 3]),
        projection=Projection(
            points=scatter([1, 2, 3], "component_1", "component_2"),
            centroids={1: (-1.0, 0.5), 2: (1.0, 0.2), 3: (0.0, -0.8)},
            explained=(0.5, 0.3),
            loadings=((("recency_days", 0.8), ("frequency", -0.5)), (("age", 0.9),)),
        ),
        migration=None,
        data_quality=DataQuality(
            sources=SOURCES,
            rejections=(),
            rejection_reasons=0,
            field_issues=(),
            field_issue_kinds=0,
            missing_tables=(),
            files=source_files(SOURCES),
        ),
        queries=(Query("The segments", "select * from marts.segments;"),),
        has_traits=True,
        feature_labels={
            "recency_days": "Recency (days)",
            "frequency": "Completed orders",
            "annual_income": "Annual income",
        },
    )
    return replace(context, **changes)


def customers_only(**changes) -> ReportContext:
    """A customers-only build: no rule segment, no revenue, no purchase features."""
    segments = tuple(
        replace(s, share_of_revenue=None, revenue=None, traits=s.traits[:0]) for s in BUYERS
    )
    segments = (
        replace(
            segments[0],
            name="High income",
            traits=(trait("annual_income", "Annual income", 88.0, 53.0, "high income", 1),),
        ),
        *segments[1:],
    )
    base = make_context()
    return replace(
        base,
        segments=segments,
        profiles=profiles_for(segments, ("age", "annual_income", "spending_score")),
        clustering_features=("annual_income", "spending_score"),
        model=replace(base.model, features=(scaled("annual_income"), scaled("spending_score"))),
        empty_features=("recency_days", "frequency", "monetary_value"),
        **changes,
    )


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(make_context())


def card(page: str, segment_id: int) -> str:
    return text_of(page, f"segment-{segment_id}")


# --- hand-built: what a marketer reads ----------------------------------------------


def test_every_section_has_its_heading(page: str) -> None:
    for section_id, heading in SECTIONS.items():
        assert re.search(rf'<section id="{section_id}"', page), section_id
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", page), heading


def test_the_rule_segment_card_says_it_is_set_by_a_rule(page: str) -> None:
    text = card(page, 0)
    assert "set by a rule" in text.lower()
    assert "No completed order yet: not clustered" in text
    assert "What sets them apart" not in text
    assert "close to the average" not in text.lower()
    assert not re.search(r"distance|centroid", text, re.IGNORECASE)
    assert 'data-kind="rule"' in page
    summary = text_of(page, "summary")
    assert "1,000 customers fall into 4 segments: 3 found by clustering" in summary
    assert "No purchase yet (100 customers, set by a rule and not clustered)" in summary
    assert "is set by a rule, not clustered, and is not shown" in text_of(page, "chart-projection")


def test_cards_list_material_traits_in_rank_order_with_medians(page: str) -> None:
    text = card(page, 1)
    first = "Recency (days): 12.0 vs 45.0 overall (lower: recent buyers)"
    second = "Completed orders: 9.0 vs 4.0 overall (higher: frequent)"
    assert first in text and second in text
    assert text.index(first) < text.index(second)
    assert "values are medians" in text_of(page, "segments")
    assert "Lapsed" in card(page, 2) and "300 vs 45.0 overall (higher: lapsed)" in card(page, 2)


def test_a_segment_without_material_traits_is_close_to_the_average(page: str) -> None:
    assert "Close to the average customer on every trait." in card(page, 3)
    for other in (0, 1, 2):
        assert "Close to the average" not in card(page, other)


def test_without_segment_traits_no_card_claims_closeness() -> None:
    segments = tuple(replace(s, traits=()) for s in make_context().segments)
    page = render_html(make_context(segments=segments, has_traits=False))
    assert "Close to the average" not in page
    assert "What sets them apart" not in page


def test_trait_words_come_from_the_numbers() -> None:
    # The word is the numbers' (the warehouse's phrase is dropped when it disagrees).
    assert trait("age", "Age", 30.0, 40.0, None, 1).word == "lower"
    assert trait("age", "Age", 50.0, 40.0, None, 1).word == "higher"
    # Different values never read the same.
    assert value_pair(45.43, 45.38, "age") == ("45.43", "45.38")
    assert value_pair(0.1234, 0.1231, "return_rate") == ("12.34%", "12.31%")
    assert value_pair(1200.0, 300.0, "monetary_value") == ("1,200", "300")
    close = (trait("age", "Age", 45.43, 45.38, "older", 1),)
    segments = (replace(BUYERS[0], traits=close), *BUYERS[1:])
    page = render_html(make_context(segments=segments))
    assert "Age: 45.43 vs 45.38 overall (higher: older)" in card(page, 1)


def test_the_shares_beside_a_lift_divide_to_it() -> None:
    # 42% vs 10% would read as 4.2x beside 4.0x: one more decimal each agrees.
    assert ratio_pair(0.42, 0.105, 4.0) == ("42.0%", "10.5%")
    assert ratio_pair(0.0355, 0.008865, 0.0355 / 0.008865) == ("3.55%", "0.89%")
    # Shares that already agree keep the report's usual form.
    assert ratio_pair(1.0, 0.38, 1.0 / 0.38) == ("100%", "38%")
    # On a rounding boundary (1 / 0.1258 = 7.95) no precision agrees: the usual form.
    assert ratio_pair(1.0, 0.12578542869802947, 1 / 0.12578542869802947) == ("100%", "13%")
    products = (
        Favourite("Beauty no. 0249", 0.42, 0.105, 4.0),
        Favourite("Books no. 0486", 0.0355, 0.008865, 0.0355 / 0.008865),
    )
    segments = (replace(BUYERS[0], offers=Offers(products=products)), *BUYERS[1:])
    page = card(render_html(make_context(segments=segments)), 1)
    assert "Beauty no. 0249 4.0× bought by 42.0% of them vs 10.5% of all buyers" in page
    assert "Books no. 0486 4.0× bought by 3.55% of them vs 0.89% of all buyers" in page
    # The card's revenue and customer shares divide to its per-head figure (30% / 12%
    # would read 2.5x beside 2.4x).
    shares = {"share_of_customers": 0.125, "share_of_revenue": 0.3}
    segments = (replace(BUYERS[0], **shares), *BUYERS[1:])
    page = card(render_html(make_context(segments=segments)), 1)
    assert "Customers40012.5% of all Revenue30.0%of all revenue Per head2.4×" in page


def test_a_share_reads_0_or_100_percent_only_when_it_is() -> None:
    shares = [0.0, 0.0004, 0.05, 0.123, 0.994, 0.9996, 1.0]
    assert [percent(share) for share in shares] == [
        "0%",
        "<0.1%",
        "5.0%",
        "12%",
        "99.4%",
        ">99.9%",
        "100%",
    ]


def test_a_scaling_figure_groups_its_thousands() -> None:
    assert [fixed(v) for v in (0.4123, 2695.1844, -1234567.0)] == [
        "0.412",
        "2,695.184",
        "-1,234,567.000",
    ]


def test_a_feature_null_throughout_a_segment() -> None:
    page = render_html(make_context())
    # The profile table shows a dash, the distribution leaves the segment out and says so.
    assert "Left out, without values: No purchase yet." in text_of(
        page, "chart-distribution-recency-days"
    )
    recency = page[page.index('<th scope="row">Recency (days)') :]
    recency = recency[: recency.index("</tr>")]
    assert '<td class="num">–</td>' in recency
    assert "Grey cells: no customer in the segment has a value." in text_of(
        page, "chart-profile-heatmap"
    )
    assert not NOT_A_VALUE.search(text_of(page))


def test_k_2_chosen_the_chart_and_caption_say_why() -> None:
    reason = (
        "Chosen: k=2 is the best separated of the eligible k (prediction strength 0.98 over 10 "
        "half-splits, smallest segment 41.0% of customers)."
    )
    candidates = (
        candidate(2, 0.98, 0.41, chosen=True, reason=reason),
        candidate(3, 0.70, 0.20),
        candidate(4, 0.91, 0.04),
        candidate(5, 0.50, 0.03),
    )
    base = make_context()
    model = replace(base.model, k=2, candidates=candidates, reason=reason)
    page = render_html(make_context(segments=(NO_PURCHASE, *BUYERS[:2]), model=model))
    caption = text_of(page, "chart-k-choice")
    assert reason in caption
    assert "prediction strength at least 0.75 and every segment at least 5.0% of the customers" in (
        caption
    )
    assert 'id="chart-elbow"' not in page
    assert not RETIRED_WORDS.search(text_of(page))
    chosen = re.findall(r'<tr class="chosen">\s*<th scope="row">(\d+)', page)
    assert chosen == ["2"]
    assert "k = 2 found by clustering, chosen from k = 2 to 5" in text_of(page, "model")


def test_thresholds_the_warehouse_does_not_show_are_not_drawn() -> None:
    base = make_context()
    model = replace(base.model, min_prediction_strength=None, min_segment_share=None)
    caption = text_of(render_html(make_context(model=model)), "chart-k-choice")
    assert "the k that meet the rule." in caption
    assert "at least 0.75" not in caption


def test_customers_only_shows_no_revenue() -> None:
    page = render_html(customers_only())
    text = text_of(page)
    assert "Revenue" not in text_of(page, "segments")
    assert "of revenue" not in text and "of all revenue" not in text
    assert "Customers by segment." in text_of(page, "chart-shares")
    assert "No revenue is shown: the data has no completed orders with a value." in text
    assert "The data has no revenue" in text_of(page, "summary")
    assert "Annual income: 88.0 vs 53.0 overall (higher: high income)" in card(page, 1)
    assert (
        "Not in the table, because no customer has a value: Recency (days), Completed orders, "
        "Monetary value." in text_of(page, "empty-features")
    )
    assert not NOT_A_VALUE.search(text)


# Without a model, profiles or scatter plots only two small charts are drawn, so these
# pages render in a few tenths of a second: the template's checks that need no charts.
FEW_CHARTS = {
    "model": None,
    "profiles": (),
    "income_spending": None,
    "projection": None,
    "clustering_features": (),
}


def test_a_hand_built_context_with_a_rule_segment_renders_its_cards() -> None:
    page = render_html(replace(make_context(), **FEW_CHARTS))
    assert text_of(page, "summary").startswith(
        "Summary 1,000 customers fall into 4 segments: 3 found by clustering and No purchase "
        "yet (100 customers, set by a rule and not clustered)."
    )
    assert "No purchase yet set by a rule No completed order yet: not clustered." in card(page, 0)
    assert "Revenue60%of all revenue Per head1.5×the average" in card(page, 1)
    assert "Completed orders: 9.0 vs 4.0 overall (higher: frequent)" in card(page, 1)
    assert "Close to the average customer on every trait." in card(page, 3)
    assert "The segments select * from marts.segments;" in text_of(page, "how-to-query")
    assert not NOT_A_VALUE.search(text_of(page))


def test_a_hand_built_context_without_orders_renders_without_revenue() -> None:
    page = render_html(replace(customers_only(), **FEW_CHARTS))
    assert [s.segment_id for s in customers_only().segments] == [1, 2, 3]
    assert 'id="segment-1"' in page and 'id="segment-0"' not in page
    assert "The data has no revenue" in text_of(page, "summary")
    assert "Revenue" not in text_of(page, "segments")
    assert "Annual income: 88.0 vs 53.0 overall (higher: high income)" in card(page, 1)
    assert not NOT_A_VALUE.search(text_of(page))


@pytest.mark.parametrize(
    "note",
    [
        "No income against spending score chart: the data has no annual income.",
        "No income against spending score chart: the data has no spending score.",
        "No income against spending score chart: every customer has the same annual income (50).",
    ],
)
def test_no_income_or_spending_score_leaves_the_chart_out_and_says_why(note: str) -> None:
    page = render_html(customers_only(income_spending=None, income_spending_note=note))
    assert 'id="chart-income-spending"' not in page
    assert note in text_of(page, "no-income-spending")


def test_missing_values_everywhere_never_read_as_none_or_nan() -> None:
    hollow = tuple(
        replace(
            s,
            archetype=None,
            archetype_label=None,
            description=None,
            recommended_action=None,
        )
        for s in customers_only().segments
    )
    base = customers_only()
    model = replace(
        base.model,
        model_id=None,
        stability_ari=None,
        reason=None,
        customers_fitted=None,
        selection_sample_size=None,
        features=(ScaledFeature("annual_income", None, None, None, None, None, None),),
        candidates=(
            replace(candidate(2, 0.9, 0.4, chosen=True), silhouette=None, reason=None),
            replace(candidate(3, 0.8, 0.3), prediction_strength=None, smallest_share=None),
        ),
    )
    profiles = (
        FeatureProfile("age", stats(None), {s.segment_id: stats(None) for s in hollow}),
        *base.profiles[1:],
    )
    page = render_html(
        replace(
            base,
            segments=hollow,
            model=model,
            profiles=profiles,
            run=replace(base.run, run_started_at=None, run_id=None),
            income_spending=None,
        )
    )
    text = text_of(page)
    assert not NOT_A_VALUE.search(text), NOT_A_VALUE.search(text)
    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    assert not NOT_A_VALUE.search(html.unescape(alts))


def test_a_file_that_feeds_three_tables_is_counted_once() -> None:
    lines = "/exports/online_retail.csv"
    sources = (
        SourceRows("customers", 601, 600, 1, True, lines),
        SourceRows("orders", 4111, 4036, 75, True, lines),
        SourceRows("order_items", 6378, 6244, 134, True, lines),
    )
    files = source_files(sources)
    assert len(files) == 1 and files[0].rows_read == 6378 and files[0].counted_as == "order_items"
    quality = replace(make_context().data_quality, sources=sources, files=files)
    page = render_html(make_context(data_quality=quality))
    summary = text_of(page, "summary")
    assert "read 6,378 raw rows from 1 file, of which 6,244 (98%) were accepted" in summary
    assert "online_retail.csv feeds customers, orders, order_items" in text_of(page)


def test_an_optional_file_left_out_is_not_a_file() -> None:
    sources = (
        SourceRows("customers", 300, 300, 0, True, "/raw/Mall_Customers.csv"),
        SourceRows("orders", 0, 0, 0, True, None),
        SourceRows("order_items", 0, 0, 0, True, None),
    )
    files = source_files(sources)
    assert [(f.name, f.rows_read) for f in files] == [("Mall_Customers.csv", 300)]


def test_how_to_query_uses_what_the_install_provides(tmp_path: Path) -> None:
    warehouse = tmp_path / "it's a warehouse.duckdb"  # a quote in the path, on purpose
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.segments as select 1 as segment_id, 'Champions' as segment_name, "
            "10 as customer_count"
        )
    context = make_context(run=replace(make_context().run, warehouse=str(warehouse)))
    page = render_html(context)
    assert "duckdb -readonly" not in page
    command = html.unescape(text_of(page, "query-command"))
    assert command.startswith(".venv/bin/python -c ")
    result = subprocess.run(
        command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Champions" in result.stdout
    snippet = html.unescape(read(page).by_id["query-python"][0])
    assert "duckdb.connect(" in snippet and ".df()" in snippet


def test_a_chart_that_fails_is_a_report_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("cannot draw this\nsecond line")

    monkeypatch.setattr(report_charts, "k_choice_chart", broken)
    with pytest.raises(ReportError) as error:
        render_html(make_context())
    assert str(error.value) == (
        "The report failed while drawing the chart of choosing k: ValueError: cannot draw this"
    )


@pytest.mark.parametrize(
    "failure",
    [ReportError("Warehouse 'x' has no table marts.segments: run it."), KeyError("segment_id")],
)
def test_the_cli_exits_3_with_one_line_on_any_report_failure(
    failure: Exception, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    from customer_segments import report

    def failing(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(report, "render_report", failing)
    paths = Paths(ROOT, tmp_path, tmp_path / "w.duckdb", tmp_path / "r.html")
    with pytest.raises(typer.Exit) as exit_:
        cli.render(paths)
    assert exit_.value.exit_code == 3
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "Traceback" not in error
    assert error.startswith("error: ")
    if isinstance(failure, KeyError):
        assert error == "error: the report failed: KeyError: 'segment_id'"


# --- a small warehouse made by SQL: reading it is NULL-safe -------------------------


def small_warehouse(path: Path) -> Path:
    """The tables of a build with a rule segment whose recency is NULL throughout, a
    feature NULL for everyone, nullable integers and a corrupt-looking trait row."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create schema audit")
        connection.execute(
            """
            create table marts.segments as select * from (values
                (0, 'No purchase yet', 'rule', 'no_purchase', 'No purchase yet', null, 2,
                 0.2, 0.0, 0.0, null),
                (1, 'Recent buyers', 'cluster', 'new_customers', 'Recent buyers', null, 4,
                 0.4, 0.7, 700.0, 'Onboard them.'),
                (2, 'Lapsed', 'cluster', 'lapsed', 'Lapsed', null, 4, 0.4, 0.3, 300.0, null)
            ) as t(segment_id, segment_name, segment_kind, archetype, archetype_label,
                   description, customer_count, share_of_customers, share_of_revenue, revenue,
                   recommended_action)
            """
        )
        connection.execute(
            """
            create table marts.customer_features as
            select 'c' || i as customer_id,
                20 + i as age,
                case when i < 2 then null else cast(i * 10 as integer) end as recency_days,
                cast(null as double) as avg_order_value,
                case when i < 2 then null else cast(i as integer) end as frequency,
                case when i < 2 then null else 40.0 + i end as spending_score,
                cast(null as double) as annual_income
            from range(10) as r(i)
            """
        )
        connection.execute(
            """
            create table marts.customer_segments as
            select customer_id,
                case when cast(substr(customer_id, 2) as integer) < 2 then 0
                     when cast(substr(customer_id, 2) as integer) < 6 then 1 else 2 end
                    as segment_id,
                'x' as segment_name,
                case when cast(substr(customer_id, 2) as integer) < 2 then 'rule'
                     else 'cluster' end as segment_kind
            from marts.customer_features
            """
        )
        connection.execute(
            "create view marts.segment_members as select customer_segments.segment_id, "
            "customer_segments.segment_kind, customer_features.* from marts.customer_segments "
            "join marts.customer_features using (customer_id)"
        )
        connection.execute(
            """
            create table marts.segment_centroids as
            select segment_id, feature, position as feature_position, 'none' as transform,
                20.0 as impute_value, 0.0 as clip_low, 100.0 as clip_high, 25.0 as center,
                10.0 as scale, 0.1 * segment_id as centroid_scaled,
                20.0 + segment_id as centroid_original, 2 as k, 0.9 as stability_ari,
                cast(null as varchar) as dropped_features, 'm1' as model_id
            from (values (1), (2)) as s(segment_id)
            cross join (values ('age', 1), ('recency_days', 2)) as f(feature, position)
            """
        )
        connection.execute(
            """
            create table marts.segment_traits as select * from (values
                (1, 'recency_days', 'Recency (days)', 20.0, 50.0, 'lower', 0.9, true, 1,
                 'recent buyers'),
                (2, 'recency_days', 'Recency (days)', 80.0, 50.0, 'lower', 0.9, true, 1,
                 'recent buyers'),
                (0, 'recency_days', 'Recency (days)', null, 50.0, null, null, false, null, null),
                (2, 'age', 'Age', null, null, null, null, null, null, null)
            ) as t(segment_id, feature, feature_label, segment_value, population_value,
                   direction, effect_size, is_material, trait_rank, phrase)
            """
        )
        connection.execute(
            """
            create table marts.segment_k_selection as select * from (values
                (2, 0.9, 0.4, true, true, 'Chosen: k=2 is the best separated.', null),
                (3, null, 0.1, false, false, 'Not eligible: too few customers.', null)
            ) as t(k, prediction_strength, smallest_share, is_eligible, is_chosen, reason,
                   silhouette)
            """
        )
        connection.execute(
            """
            create table audit.row_reconciliation as select * from (values
                ('customers', 10, 10, 0, true),
                ('orders', 0, 0, 0, true),
                ('order_items', 0, 0, 0, true)
            ) as t(source_table, rows_read, rows_accepted, rows_rejected, is_reconciled)
            """
        )
    return path


def test_reading_a_warehouse_full_of_nulls(tmp_path: Path) -> None:
    warehouse = small_warehouse(tmp_path / "warehouse.duckdb")
    context = report_context.load_context(warehouse)
    rule, first, second = context.segments
    assert (
        rule.is_rule and rule.traits == () and rule.rule == "No completed order yet: not clustered"
    )
    assert [(t.label, t.word, t.phrase) for t in first.traits] == [
        ("Recency (days)", "lower", "recent buyers")
    ]
    # The table said 'lower' for 80 vs 50: the word follows the numbers, the phrase is dropped.
    assert [(t.word, t.phrase) for t in second.traits] == [("higher", None)]
    recency = context.profile("recency_days")
    assert recency.by_segment[0] == FeatureStats(None, None, None, None)
    assert recency.by_segment[1].quantiles is not None
    assert "avg_order_value" in context.empty_features and "annual_income" in context.empty_features
    assert context.income_spending is None
    assert context.income_spending_note == (
        "No income against spending score chart: the data has no annual income."
    )
    assert context.projection is not None and set(
        np.unique(context.projection.points.segment_ids)
    ) == {1, 2}
    assert context.model.k == 2 and context.model.chosen.prediction_strength == 0.9
    page = render_report(warehouse, tmp_path / "report.html").read_text()
    assert not NOT_A_VALUE.search(text_of(page))
    assert "No completed order yet: not clustered" in card(page, 0)


def test_list_values_that_are_null_are_no_quantiles() -> None:
    # pandas gives a NULL DuckDB list as pd.NA: the crash of a marketplace export.
    assert values.as_floats(pd.NA) is None
    assert values.as_floats(None) is None
    assert values.as_floats([1.0, None]) is None
    assert values.as_floats(np.array([1.0, 2.0])) == (1.0, 2.0)
    assert values.as_float(pd.NA) is None and values.as_int(pd.NA) is None
    assert values.as_text(float("nan")) is None


# --- a real build --------------------------------------------------------------------


def copy_warehouse(built: Build, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copyfile(built.paths.duckdb_path, target)
    return target


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


@pytest.mark.integration
def test_one_card_per_segment(built: Build, report: str) -> None:
    segments = query(built.paths, "select segment_id, segment_name from marts.segments")
    cards = re.findall(r'<article class="card[^"]*" id="segment-(\d+)"', report)
    assert sorted(int(c) for c in cards) == sorted(segment_id for segment_id, _ in segments)
    for _, name in segments:
        assert f"<h3>{name}</h3>" in report


@pytest.mark.integration
def test_cards_show_the_material_traits_of_segment_traits(built: Build, report: str) -> None:
    rows = query(
        built.paths,
        "select segment_id, feature_label from marts.segment_traits "
        "where is_material order by segment_id, trait_rank",
    )
    for segment_id in {s for s, _ in rows}:
        labels = [label for s, label in rows if s == segment_id]
        text = card(report, segment_id)
        positions = [text.index(f"{label}:") for label in labels]
        assert positions == sorted(positions), (segment_id, labels)


@pytest.mark.integration
def test_summary_states_the_warehouse_figures(built: Build, report: str) -> None:
    customers = query(built.paths, "select count(*) from marts.customer_segments")[0][0]
    read_rows, accepted = query(
        built.paths, "select sum(rows_read), sum(rows_accepted) from audit.row_reconciliation"
    )[0]
    summary = report[report.index('<section id="summary"') : report.index('<section id="segments"')]
    assert f"{customers:,} customers fall into" in summary
    # The generated data has one file per table, so the sums are the files' rows.
    assert f"read {read_rows:,} raw rows from 3 files" in summary
    assert f"{accepted:,}" in summary
    assert re.search(r"(strongly|reasonably|weakly|not clearly) separated", summary)
    assert "across seeds" in summary
    assert "12.5 s" in report  # run_seconds reaches the model card


@pytest.mark.integration
def test_the_report_loads_nothing_from_outside(report: str) -> None:
    links = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', report)
    assert links, "the report embeds its charts"
    assert all(link.startswith(("data:", "#")) for link in links), [
        link[:60] for link in links if not link.startswith(("data:", "#"))
    ]
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//", report)
    assert "<script" not in report.lower()
    assert "@import" not in report and "url(http" not in report


@pytest.mark.integration
def test_every_chart_is_an_image_with_alt_text(report: str) -> None:
    images = re.findall(r"<img [^>]*>", report)
    expected = {"chart-shares", "chart-income-spending", "chart-projection", "chart-k-choice"}
    figures = set(re.findall(r'<figure class="chart[^"]*" id="([^"]+)"', report))
    assert expected | {"chart-profile-heatmap", "chart-silhouette"} <= figures
    assert any(f.startswith("chart-distribution-") for f in figures)
    assert len(images) == len(figures)
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and len(alt.group(1)) > 20, image[:120]
    assert not RETIRED_WORDS.search(text_of(report))
    assert not NOT_A_VALUE.search(text_of(report))


@pytest.mark.integration
def test_the_k_caption_is_the_warehouse_reason(built: Build, report: str) -> None:
    reason = query(built.paths, "select reason from marts.segment_k_selection where is_chosen")
    assert html.unescape(reason[0][0]) in html.unescape(text_of(report, "chart-k-choice"))


@pytest.mark.integration
def test_profile_table_has_mean_and_median_for_every_segment(built: Build, report: str) -> None:
    segments = query(built.paths, "select count(*) from marts.segments")[0][0]
    table = report[report.index('<table class="profile">') :]
    table = table[: table.index("</table>")]
    age = table[table.index('<th scope="row">Age') :]
    age = age[: age.index("</tr>")]
    assert age.count("<td") == segments + 1  # every segment and all customers
    assert age.count("<small>") == segments + 1  # each with its median


@pytest.mark.integration
def test_query_section_shows_runnable_sql(built: Build, report: str) -> None:
    section = report[report.index('<section id="how-to-query"') :]
    blocks = re.findall(r'<pre><code class="language-sql">(.*?)</code></pre>', section, re.S)
    assert blocks
    with duckdb.connect(str(built.paths.duckdb_path), read_only=True) as connection:
        for block in blocks:
            connection.sql(html.unescape(block)).fetchall()  # every query runs as printed


@pytest.mark.integration
def test_one_run_shows_first_run(report: str) -> None:
    assert "First run" in report
    assert 'id="chart-migration"' not in report


@pytest.mark.integration
def test_two_runs_show_a_migration_matrix(planted_report: str) -> None:
    assert 'id="chart-migration"' in planted_report
    assert "kept their segment" in planted_report
    assert "First run" not in planted_report


@pytest.mark.integration
def test_values_from_data_are_escaped(planted_report: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in planted_report
    assert "<script>alert(1)" not in planted_report
    assert "<script" not in planted_report.lower()


@pytest.mark.integration
def test_large_data_is_sampled_and_the_caption_says_so(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_projection, "SAMPLE_SIZE", 500)
    page = render_report(built.paths.duckdb_path, tmp_path / "report.html").read_text()
    total, clustered = query(
        built.paths,
        "select count(*), count(*) filter (segment_kind = 'cluster') from marts.customer_segments",
    )[0]
    # Of the 500 drawn, those without an income or a spending score (the rule segment's)
    # are left out of the income view; the projection has the clustered customers only.
    shown = re.findall(r"Showing ([\d,]+) of ([\d,]+) customers: a fixed sample", page)
    assert [of for _, of in shown] == [f"{total:,}", f"{clustered:,}"]
    assert all(int(n.replace(",", "")) <= 500 for n, _ in shown)


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


@pytest.mark.integration
def test_optional_tables_may_be_missing(built: Build, tmp_path: Path) -> None:
    warehouse = copy_warehouse(built, tmp_path)
    with duckdb.connect(str(warehouse)) as connection:
        for table in (
            "marts.segment_history",
            "marts.segment_traits",
            "audit.rejected_rows",
            "audit.field_issues",
        ):
            connection.execute(f"drop table {table}")
    page = render_report(warehouse, tmp_path / "report.html").read_text()
    assert "marts.segment_history is missing" in page
    assert "marts.segment_traits is missing: the segment cards list no traits." in page
    assert "Close to the average" not in page
    assert "audit.rejected_rows is missing" in page
    assert "First run" in page


@pytest.mark.integration
def test_a_failed_render_leaves_the_old_report(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "segment_report.html"
    target.write_text("the previous report")

    def broken_chart(*args: object, **kwargs: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(report_charts, "k_choice_chart", broken_chart)
    with pytest.raises(ReportError, match="drawing the chart of choosing k: RuntimeError"):
        render_report(built.paths.duckdb_path, target)
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_report.html"]


@pytest.mark.integration
def test_a_failed_write_leaves_the_old_report_and_no_temp_file(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "segment_report.html"
    target.write_text("the previous report")

    def full_disk(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_render.os, "replace", full_disk)
    with pytest.raises(ReportError, match=f"writing '{target}': OSError: .*No space left"):
        render_report(built.paths.duckdb_path, target)
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_report.html"]


@pytest.mark.integration
def test_a_new_report_folder_is_created(built: Build, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "nested" / "segment_report.html"
    assert render_report(built.paths.duckdb_path, target) == target
    assert target.read_text().startswith("<!doctype html>")
    umask = os.umask(0)
    os.umask(umask)
    # Like any file the user writes (not the private mode of a temporary file).
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
