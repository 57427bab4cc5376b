"""Read the warehouse into the report's typed context. Every SQL string of the report
lives here or in affinity.py (the cards' favourites); the rest of the report sees
frozen dataclasses only.

Only these tables are read, through a read-only connection: marts.segments (required),
marts.segment_traits, marts.customer_segments, marts.customer_features,
marts.segment_members,
marts.segment_centroids, marts.segment_k_selection, marts.segment_history,
marts.segment_migration,
marts.segment_category_affinity, marts.segment_product_affinity,
audit.row_reconciliation, audit.rejected_rows, audit.field_issues, and for labels
intermediate.int_feature_labels or reference.feature_labels. A missing optional table
leaves its part of the report out with a note; columns are always named, never taken
by position.

Every value read may be NULL (None, pandas NA, NaN): the functions of values.py turn
each into a Python value or None, and nothing downstream sees pandas' missing markers. Card texts are built from the columns of marts.segment_traits, never
from formatted text such as marts.segments.key_traits.

Large tables are aggregated in DuckDB; the scatter plots get a fixed sample of at
most SAMPLE_SIZE customers chosen in SQL (`order by hash(customer_id)`), so the same
warehouse always gives the same picture and a million customers never reach Python.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePath

import duckdb
import numpy as np
import pandas as pd

from customer_segments.clustering import transform
from customer_segments.contract import raw_contract
from customer_segments.report.affinity import Offers, read_offers
from customer_segments.report.errors import ReportError
from customer_segments.report.formatting import label as words
from customer_segments.report.values import (
    as_bool,
    as_float,
    as_floats,
    as_int,
    as_text,
)
from customer_segments.segmentation import scalings_from

SAMPLE_SIZE = 20_000
# The silhouette in words: Kaufman and Rousseeuw's reading (above 0.70 strong, above
# 0.50 reasonable, above 0.25 weak, else no substantial structure).
SEPARATION_WORDS = (
    (0.7, "strongly separated"),
    (0.5, "reasonably separated"),
    (0.25, "weakly separated"),
)
TOP_REASONS = 12
TOP_VALUES = 3
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# The income / spending score scatter needs this many customers with both values.
MIN_SCATTER_POINTS = 10

SEGMENTS = "marts.segments"
TRAITS = "marts.segment_traits"
CUSTOMER_SEGMENTS = "marts.customer_segments"
CUSTOMER_FEATURES = "marts.customer_features"
SEGMENT_MEMBERS = "marts.segment_members"  # customer_segments x customer_features, a view
RECOMMENDATIONS = "marts.customer_recommendations"
CENTROIDS = "marts.segment_centroids"
K_SELECTION = "marts.segment_k_selection"
HISTORY = "marts.segment_history"
MIGRATION = "marts.segment_migration"
RECONCILIATION = "audit.row_reconciliation"
REJECTED_ROWS = "audit.rejected_rows"
FIELD_ISSUES = "audit.field_issues"
LABEL_TABLES = ("intermediate.int_feature_labels", "reference.feature_labels")
SCHEMAS = ("marts", "audit", "intermediate", "reference")
RAW_TABLES = tuple(raw_contract())  # the raw contract's tables, in order

# What a rule segment's card says instead of traits, by archetype.
RULES = {"no_purchase": "No completed order yet: not clustered"}
DEFAULT_RULE = "Set by a rule, not by the clustering"

RERUN = "run `customer-segments run` (or `dbt build`) first."
NUMERIC_TYPE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$"
)
# The file a raw view reads, in its definition: `'<path>' AS source_file`.
SOURCE_FILE = re.compile(r"'((?:[^']|'')*)'\s+AS\s+\"?source_file\"?", re.IGNORECASE)


# --- the context ------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    warehouse: str
    generated_at: datetime
    run_id: str | None  # the last run recorded in marts.segment_history
    run_started_at: datetime | None
    runs_recorded: int
    run_seconds: float | None


@dataclass(frozen=True)
class SourceRows:
    """One contract table of audit.row_reconciliation, with the file it was read from."""

    source_table: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    is_reconciled: bool
    source_file: str | None = None  # None: unknown, or no file (the table is empty)


@dataclass(frozen=True)
class SourceFile:
    """One raw file, counted once however many tables it feeds. Its rows are those of
    the table that read it line by line (the most rows); the tables built from its
    distinct rows read fewer."""

    path: str
    tables: tuple[str, ...]
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    counted_as: str = ""  # the table whose rows are the file's rows

    @property
    def name(self) -> str:
        return PurePath(self.path).name or self.path


@dataclass(frozen=True)
class ReasonCount:
    source_table: str
    reason: str
    rows: int
    example: str | None  # the smallest key with this reason, to look it up


@dataclass(frozen=True)
class DataQuality:
    sources: tuple[SourceRows, ...]
    rejections: tuple[ReasonCount, ...]  # the most frequent reasons
    rejection_reasons: int  # how many distinct (source, reason) pairs there are
    field_issues: tuple[ReasonCount, ...]
    field_issue_kinds: int
    missing_tables: tuple[str, ...]
    files: tuple[SourceFile, ...] = ()

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def is_reconciled(self) -> bool:
        return all(s.is_reconciled for s in self.sources)

    @property
    def shared_files(self) -> tuple[SourceFile, ...]:
        """Files that feed more than one table."""
        return tuple(f for f in self.files if len(f.tables) > 1)


def source_files(sources: Sequence[SourceRows]) -> tuple[SourceFile, ...]:
    """The raw files behind the tables, each once. A table with no known file is its
    own source; an empty table with no file (an optional file left out) is none."""
    groups: dict[str, list[SourceRows]] = {}
    for source in sources:
        if source.source_file is None and source.rows_read == 0:
            continue
        groups.setdefault(source.source_file or source.source_table, []).append(source)
    files = []
    for path, tables in groups.items():
        # The finest-grained reader: most rows, ties to the later contract table.
        order = {t: i for i, t in enumerate(RAW_TABLES)}
        main = max(tables, key=lambda s: (s.rows_read, order.get(s.source_table, len(order))))
        files.append(
            SourceFile(
                path=path,
                tables=tuple(s.source_table for s in tables),
                rows_read=main.rows_read,
                rows_accepted=main.rows_accepted,
                rows_rejected=main.rows_rejected,
                counted_as=main.source_table,
            )
        )
    return tuple(files)


@dataclass(frozen=True)
class Trait:
    """One material trait of a segment (a row of marts.segment_traits): medians of the
    segment and of every clustered customer, in the feature's own units."""

    feature: str
    label: str
    segment_value: float
    population_value: float
    phrase: str | None  # "recent buyers"
    rank: int | None

    @property
    def word(self) -> str:
        """higher / lower / same, from the numbers themselves."""
        if self.segment_value > self.population_value:
            return "higher"
        if self.segment_value < self.population_value:
            return "lower"
        return "same"


@dataclass(frozen=True)
class ValueShare:
    value: str
    share: float


@dataclass(frozen=True)
class Segment:
    segment_id: int
    name: str
    archetype: str | None
    archetype_label: str | None
    description: str | None
    customer_count: int
    share_of_customers: float
    share_of_revenue: float | None
    revenue: float | None
    recommended_action: str | None
    kind: str = "cluster"  # 'cluster' (found by KMeans) or 'rule' (set by a rule)
    traits: tuple[Trait, ...] = ()  # material traits, strongest first
    top_cities: tuple[ValueShare, ...] = ()
    top_channels: tuple[ValueShare, ...] = ()
    offers: Offers = field(default_factory=Offers)  # favourite categories and products

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"

    @property
    def rule(self) -> str | None:
        """What puts a customer in a rule segment, in words; None for a cluster."""
        if not self.is_rule:
            return None
        return RULES.get(self.archetype or "", DEFAULT_RULE)

    @property
    def tagline(self) -> str | None:
        """The archetype's label, unless it only repeats the name."""
        text = self.archetype_label or (words(self.archetype) if self.archetype else None)
        return text if text and text.casefold() != self.name.casefold() else None

    @property
    def revenue_index(self) -> float | None:
        """Revenue per customer against the average customer (1.0 = average)."""
        if self.share_of_revenue is None or not self.share_of_customers:
            return None
        return self.share_of_revenue / self.share_of_customers


@dataclass(frozen=True)
class FeatureStats:
    mean: float | None
    median: float | None
    std: float | None
    quantiles: tuple[float, ...] | None  # at QUANTILES, for the clustering features


@dataclass(frozen=True)
class FeatureProfile:
    feature: str
    overall: FeatureStats
    by_segment: Mapping[int, FeatureStats]
    # Who `overall` describes: the clustered customers, the population the traits
    # compare with ("All clustered customers" when a rule segment exists).
    overall_label: str = "All customers"

    @property
    def has_values(self) -> bool:
        return self.overall.mean is not None

    def z(self, segment_id: int) -> float | None:
        """How far the segment's mean lies from the overall mean, in standard deviations."""
        stats = self.by_segment.get(segment_id)
        if stats is None or stats.mean is None or self.overall.mean is None:
            return None
        if not self.overall.std:
            return 0.0
        return (stats.mean - self.overall.mean) / self.overall.std


@dataclass(frozen=True)
class ScaledFeature:
    """How one clustering feature was scaled (marts.segment_centroids), in its own units."""

    feature: str
    transform: str | None
    impute_value: float | None
    clip_low: float | None  # in the feature's own units (log1p undone)
    clip_high: float | None
    center: float | None  # in transformed units
    scale: float | None


@dataclass(frozen=True)
class KCandidate:
    k: int
    inertia: float | None
    silhouette: float | None
    calinski_harabasz: float | None
    davies_bouldin: float | None
    is_chosen: bool
    prediction_strength: float | None = None
    smallest_share: float | None = None
    is_eligible: bool | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Model:
    model_id: str | None
    k: int
    features: tuple[ScaledFeature, ...]
    dropped_features: str | None
    stability_ari: float | None
    reason: str | None
    candidates: tuple[KCandidate, ...]
    customers_fitted: int | None
    selection_sample_size: int | None
    # The rule's thresholds, when the warehouse shows which were used (else None).
    min_prediction_strength: float | None = None
    min_segment_share: float | None = None

    @property
    def chosen(self) -> KCandidate | None:
        return next((c for c in self.candidates if c.is_chosen), None)

    @property
    def silhouette(self) -> float | None:
        return self.chosen.silhouette if self.chosen else None

    @property
    def separation(self) -> str | None:
        """The silhouette in words (SEPARATION_WORDS)."""
        value = self.silhouette
        if value is None:
            return None
        return next((w for level, w in SEPARATION_WORDS if value > level), "not clearly separated")

    @property
    def stability(self) -> str | None:
        """The adjusted Rand index between fits with different seeds, in words."""
        value = self.stability_ari
        if value is None:
            return None
        if value >= 0.9:
            return "stable across seeds"
        if value >= 0.75:
            return "mostly stable across seeds"
        return "unstable across seeds: the segments change with the random start"


@dataclass(frozen=True, eq=False)
class Scatter:
    """Points of one scatter plot; `sampled` of `total` customers were drawn."""

    x: np.ndarray
    y: np.ndarray
    segment_ids: np.ndarray
    x_feature: str
    y_feature: str
    sampled: int
    total: int

    @property
    def shown(self) -> int:
        return len(self.x)


@dataclass(frozen=True, eq=False)
class Projection:
    """The clustering space (scaled features) on its first two principal components."""

    points: Scatter
    centroids: Mapping[int, tuple[float, float]]
    explained: tuple[float, float]  # share of variance per axis
    loadings: tuple[tuple[tuple[str, float], ...], ...]  # per axis, strongest first


@dataclass(frozen=True)
class MigrationCell:
    from_id: int | None  # None: a customer new in the last run
    to_id: int | None  # None: a customer no longer segmented
    customers: int


@dataclass(frozen=True)
class Migration:
    previous_run_id: str
    previous_at: datetime | None
    current_run_id: str
    current_at: datetime | None
    previous_names: Mapping[int, str]
    current_names: Mapping[int, str]
    cells: tuple[MigrationCell, ...]
    model_changed: bool

    @property
    def compared(self) -> int:
        return sum(c.customers for c in self.cells if c.from_id is not None and c.to_id is not None)

    @property
    def stayed(self) -> int:
        return sum(
            c.customers for c in self.cells if c.from_id is not None and c.from_id == c.to_id
        )

    @property
    def new(self) -> int:
        return sum(c.customers for c in self.cells if c.from_id is None)

    @property
    def gone(self) -> int:
        return sum(c.customers for c in self.cells if c.to_id is None)

    @property
    def stayed_share(self) -> float | None:
        return self.stayed / self.compared if self.compared else None


@dataclass(frozen=True)
class Query:
    title: str
    sql: str


EXAMPLE_SQL = (
    "select segment_id, segment_name, customer_count from marts.segments order by segment_id"
)
PYTHON = ".venv/bin/python"  # the project's virtual environment (README, Makefile)


def shell_command(warehouse: str, sql: str = EXAMPLE_SQL) -> str:
    """A command that prints a query's result, with only what the install provides:
    the venv's Python and its duckdb package (there is no duckdb CLI)."""
    script = (
        "import sys, duckdb; print(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]))"
    )
    return " ".join(shlex.quote(part) for part in (PYTHON, "-c", script, warehouse, sql))


def python_snippet(warehouse: str, sql: str = EXAMPLE_SQL) -> str:
    """The same from Python, with the result as a pandas DataFrame."""
    return (
        "import duckdb\n\n"
        f"connection = duckdb.connect({warehouse!r}, read_only=True)\n"
        f"print(connection.sql({sql!r}))\n"
        f"frame = connection.sql({sql!r}).df()  # a pandas DataFrame"
    )


@dataclass(frozen=True)
class ReportContext:
    run: RunInfo
    segments: tuple[Segment, ...]
    customers_segmented: int
    clustering_features: tuple[str, ...]
    profiles: tuple[FeatureProfile, ...]  # features with values, clustering ones first
    model: Model | None
    income_spending: Scatter | None
    projection: Projection | None
    migration: Migration | None
    data_quality: DataQuality
    queries: tuple[Query, ...]
    notes: tuple[str, ...] = field(default=())  # parts left out, and why
    has_traits: bool = False  # marts.segment_traits was read: the cards can say "close to"
    feature_labels: Mapping[str, str] = field(default_factory=dict)
    empty_features: tuple[str, ...] = ()  # numeric features without a single value
    income_spending_note: str | None = None  # why there is no income / spending view

    @property
    def population_label(self) -> str:
        """Who the profiles' "overall" figures describe (FeatureProfile.overall_label)."""
        return self.profiles[0].overall_label if self.profiles else "All customers"

    def profile(self, feature: str) -> FeatureProfile | None:
        return next((p for p in self.profiles if p.feature == feature), None)

    @property
    def shell_command(self) -> str:
        return shell_command(self.run.warehouse)

    @property
    def python_snippet(self) -> str:
        return python_snippet(self.run.warehouse)

    def label(self, feature: str) -> str:
        """A feature as people read it: 'Recency (days)', 'Spend on wine'."""
        return self.feature_labels.get(feature) or words(feature)

    @property
    def cluster_segments(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if not s.is_rule)

    @property
    def rule_segments(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.is_rule)

    @property
    def has_offers(self) -> bool:
        """The export has products or categories: some segment has favourites."""
        return any(s.offers.any for s in self.segments)

    @property
    def has_revenue(self) -> bool:
        """Whether revenue shares mean anything: some segment has revenue above zero."""
        return any(s.share_of_revenue is not None for s in self.segments) and any(
            (s.revenue or 0) > 0 or (s.share_of_revenue or 0) > 0 for s in self.segments
        )

    @property
    def top_segment(self) -> Segment | None:
        """The segment with the largest share of revenue, when there is revenue."""
        if not self.has_revenue:
            return None
        return max(self.segments, key=lambda s: s.share_of_revenue or 0.0)


# --- reading ----------------------------------------------------------------------


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Warehouse:
    """A read-only connection that knows which report tables and columns exist."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
        rows = connection.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns "
            f"where table_schema in ({schemas}) "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
        self.columns: dict[str, dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            self.columns.setdefault(f"{schema}.{table}", {})[column] = data_type

    def has(self, table: str, *columns: str) -> bool:
        present = self.columns.get(table)
        return present is not None and all(c in present for c in columns)

    def select(self, table: str, columns: Sequence[str]) -> str:
        """A select list of `columns`, NULL for those the table lacks."""
        present = self.columns.get(table, {})
        return ", ".join(quoted(c) if c in present else f"null as {quoted(c)}" for c in columns)

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, parameters or []).fetchall()

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def open_warehouse(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    if not duckdb_path.is_file():
        raise ReportError(f"Warehouse '{duckdb_path}' does not exist: {RERUN}")
    try:
        return duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        raise ReportError(
            f"Warehouse '{duckdb_path}' cannot be opened: {_first_line(error)}"
        ) from error


def load_context(duckdb_path: Path, run_seconds: float | None = None) -> ReportContext:
    """Everything the report shows, read from the warehouse at `duckdb_path`."""
    duckdb_path = Path(duckdb_path)
    with open_warehouse(duckdb_path) as connection:
        warehouse = Warehouse(connection)
        if not warehouse.has(SEGMENTS):
            raise ReportError(f"Warehouse '{duckdb_path}' has no table {SEGMENTS}: {RERUN}")
        try:
            return _read(warehouse, duckdb_path, run_seconds)
        except duckdb.Error as error:
            raise ReportError(
                f"Warehouse '{duckdb_path}' could not be read: {_first_line(error)}"
            ) from error


def _read(warehouse: Warehouse, duckdb_path: Path, run_seconds: float | None) -> ReportContext:
    notes: list[str] = []
    labels = read_labels(warehouse)
    segments = read_segments(warehouse)
    if not segments:
        raise ReportError(
            f"Warehouse '{duckdb_path}': {SEGMENTS} is empty, so there is nothing to report: "
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
    run, migration = read_runs(warehouse, duckdb_path, run_seconds)
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


def read_labels(warehouse: Warehouse) -> dict[str, str]:
    """Feature labels for people: the build's own (mapping labels of extra columns
    included), else the seed's."""
    labels: dict[str, str] = {}
    for table in reversed(LABEL_TABLES):
        if warehouse.has(table, "feature", "feature_label"):
            for feature, text in warehouse.rows(f"select feature, feature_label from {table}"):
                if as_text(feature) and as_text(text):
                    labels[str(feature)] = str(text)
    return labels


def read_segments(warehouse: Warehouse) -> tuple[Segment, ...]:
    wanted = [
        "segment_name",
        "archetype",
        "archetype_label",
        "description",
        "customer_count",
        "share_of_customers",
        "share_of_revenue",
        "revenue",
        "recommended_action",
        "segment_kind",
    ]
    if "segment_id" not in warehouse.columns[SEGMENTS]:
        raise ReportError(f"{SEGMENTS} has no column segment_id: rebuild the warehouse.")
    rows = warehouse.rows(
        f"select segment_id, {warehouse.select(SEGMENTS, wanted)} from {SEGMENTS} "
        "where segment_id is not null order by segment_id"
    )
    segments = []
    for row in rows:
        segment_id = as_int(row[0])
        if segment_id is None:
            raise ReportError(f"{SEGMENTS} has a segment_id that is not a number: {row[0]!r}.")
        segments.append(
            Segment(
                segment_id=segment_id,
                name=as_text(row[1]) or f"Segment {segment_id}",
                archetype=as_text(row[2]),
                archetype_label=as_text(row[3]),
                description=as_text(row[4]),
                customer_count=as_int(row[5]) or 0,
                share_of_customers=as_float(row[6]) or 0.0,
                share_of_revenue=as_float(row[7]),
                revenue=as_float(row[8]),
                recommended_action=as_text(row[9]),
                kind="rule" if as_text(row[10]) == "rule" else "cluster",
            )
        )
    return tuple(segments)


def with_traits(
    warehouse: Warehouse, segments: tuple[Segment, ...]
) -> tuple[tuple[Segment, ...], dict[str, str]]:
    """Each segment's material traits from marts.segment_traits, strongest first, and
    the feature labels the table carries.

    A trait is shown when the table marks it material and both medians are known and
    differ; its direction word is taken from the two numbers, and its phrase is kept only
    when the table's direction agrees with them.
    """
    columns = [
        "feature_label",
        "segment_value",
        "population_value",
        "direction",
        "is_material",
        "trait_rank",
        "phrase",
        "feature_position",
    ]
    rows = warehouse.rows(
        f"select segment_id, feature, {warehouse.select(TRAITS, columns)} from {TRAITS} "
        "where segment_id is not null and feature is not null "
        "order by segment_id, trait_rank nulls last, feature_position nulls last, feature"
    )
    labels: dict[str, str] = {}
    traits: dict[int, list[Trait]] = {}
    for segment_id, feature, text, value, population, direction, material, rank, phrase, _ in rows:
        feature = str(feature)
        if as_text(text):
            labels[feature] = str(text).strip()
        value, population = as_float(value), as_float(population)
        if not as_bool(material) or value is None or population is None or value == population:
            continue
        trait = Trait(
            feature=feature,
            label=as_text(text) or words(feature),
            segment_value=value,
            population_value=population,
            phrase=None,
            rank=as_int(rank),
        )
        if as_text(direction) == trait.word:
            trait = replace(trait, phrase=as_text(phrase))
        traits.setdefault(int(segment_id), []).append(trait)
    updated = tuple(
        replace(s, traits=tuple(traits.get(s.segment_id, ())) if not s.is_rule else ())
        for s in segments
    )
    return updated, labels


def top_values(warehouse: Warehouse, column: str) -> dict[int, tuple[ValueShare, ...]]:
    """The most common values of a customer_features column in each segment."""
    rows = warehouse.rows(
        f"""
        with members as (
            select segment_id, {quoted(column)} as value from {SEGMENT_MEMBERS}
        ),
        counted as (
            select segment_id, cast(value as varchar) as value, count(*) as customers
            from members
            group by all
        ),
        ranked as (
            select
                segment_id,
                value,
                customers / sum(customers) over (partition by segment_id) as share,
                row_number() over (
                    partition by segment_id
                    order by (value is null), customers desc, value
                ) as position
            from counted
        )
        select segment_id, value, share
        from ranked
        where position <= ? and value is not null and segment_id is not null
        order by segment_id, position
        """,
        [TOP_VALUES],
    )
    values: dict[int, list[ValueShare]] = {}
    for segment_id, value, share in rows:
        text, fraction = as_text(value), as_float(share)
        if text is not None and fraction is not None:
            values.setdefault(int(segment_id), []).append(ValueShare(text, fraction))
    return {key: tuple(items) for key, items in values.items()}


def with_top_values(warehouse: Warehouse, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    cities = top_values(warehouse, "city") if warehouse.has(SEGMENT_MEMBERS, "city") else {}
    channels = (
        top_values(warehouse, "preferred_channel")
        if warehouse.has(SEGMENT_MEMBERS, "preferred_channel")
        else {}
    )
    return tuple(
        replace(
            s,
            top_cities=cities.get(s.segment_id, ()),
            top_channels=channels.get(s.segment_id, ()),
        )
        for s in segments
    )


def numeric_features(warehouse: Warehouse) -> list[str]:
    """The numeric columns of customer_features (as marts.segment_members has them), in
    table order, without ids."""
    return [
        column
        for column, data_type in warehouse.columns.get(SEGMENT_MEMBERS, {}).items()
        if NUMERIC_TYPE.match(data_type.upper()) and not column.endswith("_id")
    ]


def read_profiles(
    warehouse: Warehouse, clustering: tuple[str, ...]
) -> tuple[tuple[FeatureProfile, ...], tuple[str, ...]]:
    """Mean, median and spread of every numeric feature per segment and overall, and
    the features without a single value (left out of the profiles).

    One scan with grouping sets; quantiles (for the distribution charts) only for the
    clustering features. A segment whose customers all lack a feature has None stats.
    "Overall" is the clustered customers, as in marts.segment_traits: a rule segment
    (customers without a completed order) is shown but not part of the population.
    """
    features = numeric_features(warehouse)
    features = [f for f in clustering if f in features] + [
        f for f in features if f not in clustering
    ]
    if not features:
        return (), ()
    aggregates = []
    for i, feature in enumerate(features):
        value = f"cast({quoted(feature)} as double)"
        aggregates += [f"avg({value}) as mean_{i}", f"median({value}) as median_{i}"]
        aggregates.append(f"stddev_pop({value}) as std_{i}")
        if feature in clustering:
            levels = ", ".join(str(q) for q in QUANTILES)
            aggregates.append(f"quantile_cont({value}, [{levels}]) as quantiles_{i}")
    clustered = (
        "segment_kind = 'cluster'" if warehouse.has(SEGMENT_MEMBERS, "segment_kind") else "true"
    )
    rows = warehouse.connection.execute(
        f"""
        select segment_id, grouping(segment_id) as level,
            {clustered} as is_clustered, {", ".join(aggregates)}
        from {SEGMENT_MEMBERS}
        group by grouping sets ((segment_id, is_clustered), (is_clustered))
        """
    )
    names = [d[0] for d in rows.description]
    records = [dict(zip(names, r, strict=True)) for r in rows.fetchall()]
    overall_rows = [r for r in records if r["level"] and r["is_clustered"]]
    has_rule = any(r["level"] and not r["is_clustered"] for r in records)
    overall_label = "All clustered customers" if has_rule else "All customers"
    segment_rows = [r for r in records if not r["level"] and as_int(r["segment_id"]) is not None]

    def stats(row: Mapping[str, object] | None, i: int) -> FeatureStats:
        if row is None:
            return FeatureStats(None, None, None, None)
        return FeatureStats(
            mean=as_float(row[f"mean_{i}"]),
            median=as_float(row[f"median_{i}"]),
            std=as_float(row[f"std_{i}"]),
            quantiles=as_floats(row.get(f"quantiles_{i}")),
        )

    profiles, empty = [], []
    for i, feature in enumerate(features):
        profile = FeatureProfile(
            feature=feature,
            overall=stats(overall_rows[0] if overall_rows else None, i),
            by_segment={int(as_int(r["segment_id"])): stats(r, i) for r in segment_rows},
            overall_label=overall_label,
        )
        if profile.has_values:
            profiles.append(profile)
        else:
            empty.append(feature)
    return tuple(profiles), tuple(empty)


def read_centroids(warehouse: Warehouse) -> pd.DataFrame | None:
    columns = [
        "segment_id",
        "feature",
        "feature_position",
        "transform",
        "impute_value",
        "clip_low",
        "clip_high",
        "center",
        "scale",
        "centroid_scaled",
        "centroid_original",
    ]
    if not warehouse.has(CENTROIDS, *columns):
        return None
    optional = [
        c
        for c in ("k", "stability_ari", "dropped_features", "model_id")
        if warehouse.has(CENTROIDS, c)
    ]
    frame = warehouse.frame(
        f"select {', '.join(map(quoted, columns + optional))} from {CENTROIDS} "
        "where segment_id is not null and feature is not null "
        "order by segment_id, feature_position"
    )
    return frame if not frame.empty else None


def _original(value: object, transform_name: str | None) -> float | None:
    number = as_float(value)
    if number is None:
        return None
    return as_float(np.expm1(number)) if transform_name == "log1p" else number


def read_model(warehouse: Warehouse, centroids: pd.DataFrame | None) -> Model | None:
    candidates: tuple[KCandidate, ...] = ()
    reason = customers = sample_size = None
    strength_threshold = share_threshold = None
    if warehouse.has(K_SELECTION, "k", "is_chosen"):
        wanted = [
            "inertia",
            "silhouette",
            "calinski_harabasz",
            "davies_bouldin",
            "prediction_strength",
            "smallest_share",
            "is_eligible",
            "reason",
            "customers",
            "sample_size",
            "min_prediction_strength",
            "min_segment_share",
        ]
        rows = warehouse.rows(
            f"select k, is_chosen, {warehouse.select(K_SELECTION, wanted)} from {K_SELECTION} "
            "where k is not null order by k"
        )
        built = []
        for r in rows:
            k = as_int(r[0])
            if k is None:
                raise ReportError(f"{K_SELECTION} has a k that is not a number: {r[0]!r}.")
            built.append(
                KCandidate(
                    k=k,
                    is_chosen=bool(as_bool(r[1])),
                    inertia=as_float(r[2]),
                    silhouette=as_float(r[3]),
                    calinski_harabasz=as_float(r[4]),
                    davies_bouldin=as_float(r[5]),
                    prediction_strength=as_float(r[6]),
                    smallest_share=as_float(r[7]),
                    is_eligible=as_bool(r[8]),
                    reason=as_text(r[9]),
                )
            )
        candidates = tuple(built)
        chosen = [r for r in rows if as_bool(r[1])]
        if chosen:
            reason, customers, sample_size = as_text(chosen[0][9]), chosen[0][10], chosen[0][11]
        # The thresholds the build applied, as it recorded them (none: no lines drawn).
        if rows:
            strength_threshold, share_threshold = as_float(rows[0][12]), as_float(rows[0][13])
    if centroids is None and not candidates:
        return None
    features: tuple[ScaledFeature, ...] = ()
    k = next((c.k for c in candidates if c.is_chosen), 0)
    model_id = dropped = stability = None
    if centroids is not None:
        first = centroids.iloc[0]
        per_feature = centroids.drop_duplicates("feature").sort_values("feature_position")
        features = tuple(
            ScaledFeature(
                feature=str(row.feature),
                transform=as_text(row.transform),
                impute_value=as_float(row.impute_value),
                clip_low=_original(row.clip_low, as_text(row.transform)),
                clip_high=_original(row.clip_high, as_text(row.transform)),
                center=as_float(row.center),
                scale=as_float(row.scale),
            )
            for row in per_feature.itertuples()
        )
        k = as_int(first["k"]) if "k" in centroids else None
        k = k or int(centroids["segment_id"].nunique())
        model_id = as_text(first.get("model_id"))
        dropped = as_text(first.get("dropped_features"))
        stability = as_float(first.get("stability_ari"))
    return Model(
        model_id=model_id,
        k=k,
        features=features,
        dropped_features=dropped,
        stability_ari=stability,
        reason=reason,
        candidates=candidates,
        customers_fitted=as_int(customers),
        selection_sample_size=as_int(sample_size),
        min_prediction_strength=strength_threshold,
        min_segment_share=share_threshold,
    )


def read_sample(warehouse: Warehouse, clustering: tuple[str, ...]) -> pd.DataFrame:
    """A fixed sample of at most SAMPLE_SIZE customers: the same ones every time.

    Every feature comes as float64 (NULL as NaN), so nothing downstream meets pandas NA.
    """
    wanted = [
        c
        for c in dict.fromkeys(("annual_income", "spending_score", *clustering))
        if warehouse.has(SEGMENT_MEMBERS, c)
    ]
    select = "".join(f", cast({quoted(c)} as double) as {quoted(c)}" for c in wanted)
    frame = warehouse.frame(
        f"""
        select customer_id, segment_id{select}
        from {SEGMENT_MEMBERS}
        where segment_id is not null
        order by hash(customer_id), customer_id
        limit ?
        """,
        [SAMPLE_SIZE],
    )
    frame["segment_id"] = frame["segment_id"].astype("int64")
    for column in wanted:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def income_spending(
    warehouse: Warehouse, sample: pd.DataFrame, total: int
) -> tuple[Scatter | None, str | None]:
    """The classic mall-customers view, or why it is left out.

    It is drawn only when customers have both an income and a spending score, and
    both vary: a scatter of a constant is a flat line that says nothing.
    """
    x, y = "annual_income", "spending_score"
    present = [c for c in (x, y) if warehouse.has(CUSTOMER_FEATURES, c)]
    figures = {c: (0, None, None) for c in (x, y)}
    if present:
        aggregates = ", ".join(
            f"count({quoted(c)}), min(cast({quoted(c)} as double)), "
            f"max(cast({quoted(c)} as double))"
            for c in present
        )
        row = warehouse.rows(f"select {aggregates} from {CUSTOMER_FEATURES}")[0]
        for i, column in enumerate(present):
            figures[column] = (
                as_int(row[3 * i]) or 0,
                as_float(row[3 * i + 1]),
                as_float(row[3 * i + 2]),
            )
    lead = "No income against spending score chart: "
    counts = {c: figures[c][0] for c in (x, y)}
    if not counts[x] and not counts[y]:
        return None, lead + "the data has neither an annual income nor a spending score."
    if not counts[x]:
        return None, lead + "the data has no annual income."
    if not counts[y]:
        return None, lead + "the data has no spending score."
    for column, what in ((x, "annual income"), (y, "spending score")):
        _, low, high = figures[column]
        if low is not None and low == high:
            return None, lead + f"every customer has the same {what} ({low:g})."
    shown = sample.dropna(subset=[x, y]) if {x, y} <= set(sample.columns) else sample.iloc[:0]
    if len(shown) < MIN_SCATTER_POINTS or shown[x].nunique() < 2 or shown[y].nunique() < 2:
        return None, lead + (
            f"only {len(shown):,} of the customers drawn have both an annual income and a "
            "spending score."
        )
    return (
        Scatter(
            x=shown[x].to_numpy(dtype=float),
            y=shown[y].to_numpy(dtype=float),
            segment_ids=shown["segment_id"].to_numpy(dtype=int),
            x_feature=x,
            y_feature=y,
            sampled=len(sample),
            total=int(total),
        ),
        None,
    )


def projection(
    sample: pd.DataFrame | None, centroids: pd.DataFrame | None, total: int
) -> Projection | None:
    """PCA (numpy SVD) of the customers' scaled features, as the model saw them.

    The scaled matrix is rebuilt from the stored scalings with the package's own
    `transform`, so the picture is the clustering space itself; centroids are
    projected onto the same axes. Only customers of cluster segments belong here.
    """
    if sample is None or centroids is None:
        return None
    scaling_columns = ["transform", "impute_value", "clip_low", "clip_high", "center", "scale"]
    per_feature = centroids.drop_duplicates("feature")
    if per_feature[scaling_columns[1:]].isna().to_numpy().any():
        return None
    if (per_feature["scale"].astype(float) == 0).any():
        return None
    scalings = scalings_from(centroids)
    names = [s.feature for s in scalings]
    if len(names) < 2 or len(sample) < 3 or not set(names) <= set(sample.columns):
        return None
    matrix, _ = transform(sample, scalings)
    matrix = np.asarray(matrix, dtype=float)
    if not np.isfinite(matrix).all():
        return None
    mean = matrix.mean(axis=0)
    _, singular, vt = np.linalg.svd(matrix - mean, full_matrices=False)
    if len(singular) < 2 or float((singular**2).sum()) <= 0:
        return None
    components = vt[:2]
    # Fix the sign of each axis (its strongest loading positive) so it never flips.
    strongest = np.abs(components).argmax(axis=1)
    components = components * np.sign(components[np.arange(2), strongest])[:, None]
    variance = singular**2 / float((singular**2).sum())
    points = (matrix - mean) @ components.T
    wide = centroids.pivot(index="segment_id", columns="feature", values="centroid_scaled")[names]
    wide = wide.astype(float).dropna()
    centres = (wide.to_numpy(dtype=float) - mean) @ components.T
    loadings = tuple(
        tuple(
            (names[i], float(axis[i]))
            for i in sorted(range(len(names)), key=lambda i: -abs(axis[i]))
        )
        for axis in components
    )
    return Projection(
        points=Scatter(
            x=points[:, 0],
            y=points[:, 1],
            segment_ids=sample["segment_id"].to_numpy(dtype=int),
            x_feature="component_1",
            y_feature="component_2",
            sampled=len(sample),
            total=int(total),
        ),
        centroids={
            int(segment_id): (float(x), float(y))
            for segment_id, (x, y) in zip(wide.index, centres, strict=True)
        },
        explained=(float(variance[0]), float(variance[1])),
        loadings=loadings,
    )


def read_runs(
    warehouse: Warehouse, duckdb_path: Path, run_seconds: float | None
) -> tuple[RunInfo, Migration | None]:
    """The last run in marts.segment_history, and movement since the run before it
    (marts.segment_migration, when it compares those two runs)."""
    runs: list[tuple] = []
    if warehouse.has(HISTORY, "run_id", "run_started_at", "customer_id", "segment_id"):
        model = "any_value(model_id)" if warehouse.has(HISTORY, "model_id") else "null"
        runs = warehouse.rows(
            f"""
            select run_id, max(run_started_at) as run_started_at, {model} as model_id,
                count(*) over () as runs
            from {HISTORY}
            where run_id is not null
            group by run_id
            order by run_started_at desc nulls last, run_id desc
            limit 2
            """
        )
    run = RunInfo(
        warehouse=str(duckdb_path),
        generated_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        run_id=str(runs[0][0]) if runs else None,
        run_started_at=runs[0][1] if runs and isinstance(runs[0][1], datetime) else None,
        runs_recorded=as_int(runs[0][3]) or 0 if runs else 0,
        run_seconds=as_float(run_seconds),
    )
    if len(runs) < 2 or not warehouse.has(
        MIGRATION, "previous_run_id", "from_segment_id", "to_segment_id", "customers"
    ):
        return run, None
    current, previous = runs
    cells = warehouse.rows(
        f"""
        select from_segment_id, from_segment_name, to_segment_id, to_segment_name, customers
        from {MIGRATION}
        where run_id = ? and previous_run_id = ?
        order by from_segment_id nulls last, to_segment_id nulls last
        """,
        [current[0], previous[0]],
    )
    if not cells:
        return run, None
    names: dict[str, dict[int, str]] = {"from": {}, "to": {}}
    for from_id, from_name, to_id, to_name, _ in cells:
        for side, segment_id, name in (("from", from_id, from_name), ("to", to_id, to_name)):
            if as_int(segment_id) is not None and as_text(name):
                names[side][int(segment_id)] = str(name)
    return run, Migration(
        previous_run_id=str(previous[0]),
        previous_at=previous[1] if isinstance(previous[1], datetime) else None,
        current_run_id=str(current[0]),
        current_at=current[1] if isinstance(current[1], datetime) else None,
        previous_names=names["from"],
        current_names=names["to"],
        cells=tuple(
            MigrationCell(from_id=as_int(a), to_id=as_int(b), customers=as_int(n) or 0)
            for a, _, b, _, n in cells
        ),
        model_changed=previous[2] != current[2],
    )


def _reason_counts(
    warehouse: Warehouse, table: str, reason: str, key: str
) -> tuple[tuple[ReasonCount, ...], int]:
    if not warehouse.has(table, "source_table", reason):
        return (), 0
    example = f"min(cast({quoted(key)} as varchar))" if warehouse.has(table, key) else "null"
    rows = warehouse.rows(
        f"""
        select source_table, {quoted(reason)}, count(*) as row_count, {example},
            count(*) over () as kinds
        from {table}
        group by all
        order by row_count desc, source_table, {quoted(reason)}
        limit ?
        """,
        [TOP_REASONS],
    )
    counts = tuple(
        ReasonCount(
            source_table=as_text(r[0]) or "unknown",
            reason=as_text(r[1]) or "unknown",
            rows=as_int(r[2]) or 0,
            example=as_text(r[3]),
        )
        for r in rows
    )
    return counts, as_int(rows[0][4]) or 0 if rows else 0


def raw_files(warehouse: Warehouse) -> dict[str, str]:
    """The file each raw table was read from, from the build's raw views (their
    definitions only: no file is read). Empty when the views are not there."""
    try:
        rows = warehouse.rows(
            "select view_name, sql from duckdb_views() "
            "where schema_name = 'raw' and database_name = current_database()"
        )
    except duckdb.Error:
        return {}
    files = {}
    for view, sql in rows:
        match = SOURCE_FILE.search(str(sql or ""))
        if view in RAW_TABLES and match:
            files[str(view)] = match.group(1).replace("''", "'")
    return files


def read_data_quality(warehouse: Warehouse) -> DataQuality:
    sources: tuple[SourceRows, ...] = ()
    columns = ("source_table", "rows_read", "rows_accepted", "rows_rejected", "is_reconciled")
    if warehouse.has(RECONCILIATION, *columns):
        files = {} if warehouse.has(RECONCILIATION, "source_file") else raw_files(warehouse)
        select = warehouse.select(RECONCILIATION, [*columns, "source_file"])
        rows = warehouse.rows(
            f"select {select} from {RECONCILIATION} "
            "order by case source_table when 'customers' then 1 when 'orders' then 2 "
            "when 'order_items' then 3 else 4 end, source_table"
        )
        sources = tuple(
            SourceRows(
                source_table=as_text(r[0]) or "unknown",
                rows_read=as_int(r[1]) or 0,
                rows_accepted=as_int(r[2]) or 0,
                rows_rejected=as_int(r[3]) or 0,
                is_reconciled=bool(as_bool(r[4])),
                source_file=as_text(r[5]) or files.get(as_text(r[0]) or ""),
            )
            for r in rows
        )
    rejections, reasons = _reason_counts(warehouse, REJECTED_ROWS, "rejection_reason", "record_key")
    issues, kinds = _reason_counts(warehouse, FIELD_ISSUES, "issue", "customer_id")
    missing = tuple(
        t for t in (RECONCILIATION, REJECTED_ROWS, FIELD_ISSUES) if t not in warehouse.columns
    )
    return DataQuality(
        sources=sources,
        rejections=rejections,
        rejection_reasons=reasons,
        field_issues=issues,
        field_issue_kinds=kinds,
        missing_tables=missing,
        files=source_files(sources),
    )


def queries(warehouse: Warehouse, segments: tuple[Segment, ...]) -> tuple[Query, ...]:
    """SQL an analyst can run against the warehouse as it stands: only over tables and
    columns this warehouse has."""
    example = next((s for s in segments if not s.is_rule), segments[0])
    found: list[Query] = []
    if warehouse.has(CUSTOMER_SEGMENTS, "customer_id", "segment_id", "segment_name") and (
        warehouse.has(SEGMENTS, "recommended_action")
    ):
        found.append(
            Query(
                "Every customer's segment and what to do with it",
                """select
    customer_segments.customer_id,
    customer_segments.segment_id,
    customer_segments.segment_name,
    segments.recommended_action
from marts.customer_segments
inner join marts.segments
    on customer_segments.segment_id = segments.segment_id
order by customer_segments.customer_id;""",
            )
        )
    glance = [
        c
        for c in (
            "segment_id",
            "segment_name",
            "segment_kind",
            "customer_count",
            "share_of_customers",
            "share_of_revenue",
            "recommended_action",
        )
        if warehouse.has(SEGMENTS, c)
    ]
    found.append(
        Query(
            "The segments at a glance",
            f"select {', '.join(glance)}\nfrom marts.segments\norder by segment_id;",
        )
    )
    trait_columns = ("segment_id", "segment_name", "feature_label", "segment_value")
    if warehouse.has(TRAITS, *trait_columns, "population_value", "is_material", "trait_rank"):
        found.append(
            Query(
                "What sets each segment apart (medians against all clustered customers)",
                """select segment_id, segment_name, trait_rank, feature_label,
    segment_value, population_value, direction, phrase
from marts.segment_traits
where is_material
order by segment_id, trait_rank;""",
            )
        )
    if warehouse.has(SEGMENT_MEMBERS, "customer_id", "segment_id"):
        found.append(
            Query(
                f"One segment's customers with their features (here segment "
                f"{example.segment_id}, {example.name})",
                f"select *\nfrom marts.segment_members\nwhere segment_id = {example.segment_id};",
            )
        )
    if warehouse.has(RECOMMENDATIONS, "customer_id", "recommendation_rank"):
        found.append(
            Query(
                f"The products to offer each customer of segment {example.segment_id}, "
                "best first, with why",
                f"""select customer_id, recommendation_rank, product_id, product_name, score, reason
from marts.customer_recommendations
where segment_id = {example.segment_id}
order by customer_id, recommendation_rank;""",
            )
        )
    k_columns = [
        c
        for c in (
            "k",
            "prediction_strength",
            "smallest_share",
            "silhouette",
            "is_eligible",
            "is_chosen",
            "reason",
        )
        if warehouse.has(K_SELECTION, c)
    ]
    if "k" in k_columns:
        found.append(
            Query(
                "Why this number of segments",
                f"select {', '.join(k_columns)}\nfrom marts.segment_k_selection\norder by k;",
            )
        )
    if warehouse.has(MIGRATION, "from_segment_id", "to_segment_id", "customers"):
        found.append(
            Query(
                "Movement between the last two runs (no from segment: new customers; no to segment: gone)",
                """select from_segment_id, from_segment_name, to_segment_id, to_segment_name,
    customers
from marts.segment_migration
order by from_segment_id nulls first, to_segment_id nulls first;""",
            )
        )
    return tuple(found)
