"""The report's typed context: the frozen dataclasses the templates and charts read.
Nothing here reads the warehouse; the readers fill these in, and tests build them by
hand. It stays long because it is the whole vocabulary of the page (runs, data
quality, segments and their traits, profiles, the model card, the scatter plots,
migration), each a small dataclass with the properties the template asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

import numpy as np

from customer_segments.report.affinity import Offers
from customer_segments.report.formatting import label as words
from customer_segments.report.how_to_query import Query, python_snippet, shell_command

# The silhouette in words: Kaufman and Rousseeuw's reading (above 0.70 strong, above
# 0.50 reasonable, above 0.25 weak, else no substantial structure).
SEPARATION_WORDS = (
    (0.7, "strongly separated"),
    (0.5, "reasonably separated"),
    (0.25, "weakly separated"),
)


# What a rule segment's card says instead of traits, by archetype.
RULES = {"no_purchase": "No completed order yet: not clustered"}
DEFAULT_RULE = "Set by a rule, not by the clustering"


@dataclass(frozen=True)
class RunInfo:
    warehouse: str
    generated_at: datetime
    run_id: str | None  # the last run recorded in marts.segment_history
    run_started_at: datetime | None
    runs_recorded: int
    run_seconds: float | None
    engine: str = "duckdb"  # what holds the warehouse: 'duckdb' (a file) or 'spark'


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
        return shell_command(self.run.warehouse, engine=self.run.engine)

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
