"""Read the warehouse into the report's typed context (types.py): load_context opens it
through warehouse.py and calls one reader per part of the page.

segments.py      the cards: segments, traits, labels, top cities and channels
affinity.py      the cards' favourite categories and products
profiles.py      the profile table and distributions
model_card.py    how k was chosen and how the features were scaled
projection.py    the scatter plots (a fixed sample, income / spending, PCA)
runs.py          the last run and the migration since the one before
data_quality.py  rows read, accepted and rejected per raw file
how_to_query.py  the example queries (files in queries/)

Every value read may be NULL (None, pandas NA, NaN): the functions of values.py turn
each into a Python value or None, and nothing downstream sees pandas' missing markers.
A missing optional table leaves its part of the report out with a note; columns are
always named, never taken by position. Large tables are aggregated in the warehouse.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from customer_segments.report.affinity import Offers, read_offers
from customer_segments.report.data_quality import read_data_quality
from customer_segments.report.errors import ReportError
from customer_segments.report.how_to_query import queries
from customer_segments.report.model_card import read_centroids, read_model
from customer_segments.report.profiles import read_profiles
from customer_segments.report.projection import income_spending, projection, read_sample
from customer_segments.report.runs import read_runs
from customer_segments.report.segments import (
    read_labels,
    read_segments,
    with_top_values,
    with_traits,
)
from customer_segments.report.types import ReportContext
from customer_segments.report.warehouse import (
    CENTROIDS,
    CUSTOMER_SEGMENTS,
    HISTORY,
    RERUN,
    SEGMENT_MEMBERS,
    SEGMENTS,
    TRAITS,
    SparkTarget,
    Warehouse,
    open_warehouse,
)


def load_context(source: Path | SparkTarget, run_seconds: float | None = None) -> ReportContext:
    """Everything the report shows, read from the warehouse `source` names (a DuckDB
    file, or a Spark target)."""
    with open_warehouse(source) as warehouse:
        if not warehouse.has(SEGMENTS):
            raise ReportError(f"Warehouse '{warehouse.name}' has no table {SEGMENTS}: {RERUN}")
        return _read(warehouse, run_seconds)


def _read(warehouse: Warehouse, run_seconds: float | None) -> ReportContext:
    notes: list[str] = []
    labels = read_labels(warehouse)
    segments = read_segments(warehouse)
    if not segments:
        raise ReportError(
            f"Warehouse '{warehouse.name}': {SEGMENTS} is empty, so there is nothing to report: "
            "check that marts.customer_features has customers and rebuild."
        )
    has_traits = warehouse.has(TRAITS, "segment_id", "feature")
    if has_traits:
        segments, trait_labels = with_traits(warehouse, segments)
        labels = {**labels, **trait_labels}
    else:
        notes.append(f"{TRAITS} is missing: the segment cards list no traits.")
    members = warehouse.has(SEGMENT_MEMBERS, "customer_id", "segment_id")
    if not members:
        notes.append(
            f"{SEGMENT_MEMBERS} is missing: the profile table, distributions and scatter "
            "plots are left out."
        )
    centroids = read_centroids(warehouse)
    model = read_model(warehouse, centroids)
    clustering = (
        tuple(str(f) for f in centroids["feature"].drop_duplicates())
        if centroids is not None
        else ()
    )
    if centroids is None:
        notes.append(f"{CENTROIDS} is missing: the model card and projection are partial.")
    offers = read_offers(warehouse.rows, warehouse.has)
    segments = tuple(replace(s, offers=offers.get(s.segment_id, Offers())) for s in segments)
    rule_ids = {s.segment_id for s in segments if s.is_rule}
    scatter = scatter_note = None
    empty: tuple[str, ...] = ()
    if members:
        segments = with_top_values(warehouse, segments)
        total = int(warehouse.rows(f"select count(*) from {CUSTOMER_SEGMENTS}")[0][0])
        profiles, empty = read_profiles(warehouse, clustering)
        sample = read_sample(warehouse, clustering)
        scatter, scatter_note = income_spending(warehouse, sample, total)
        clustered = total - sum(s.customer_count for s in segments if s.is_rule)
        space = projection(
            sample[~sample["segment_id"].isin(rule_ids)], centroids, max(clustered, 0)
        )
    else:
        total = sum(s.customer_count for s in segments)
        profiles, space = (), None
    run, migration = read_runs(warehouse, run_seconds)
    if not warehouse.has(HISTORY, "run_id"):
        notes.append(f"{HISTORY} is missing: no migration between runs is shown.")
    return ReportContext(
        run=run,
        segments=segments,
        customers_segmented=int(total),
        clustering_features=clustering,
        profiles=profiles,
        model=model,
        income_spending=scatter,
        projection=space,
        migration=migration,
        data_quality=read_data_quality(warehouse),
        queries=queries(warehouse, segments),
        notes=tuple(notes),
        has_traits=has_traits,
        feature_labels=labels,
        empty_features=empty,
        income_spending_note=scatter_note,
    )
