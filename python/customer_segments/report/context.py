"""Read the warehouse into the report's typed context. Every SQL string of the report
lives here; the rest of the report sees frozen dataclasses only.

Only these tables are read, through a read-only connection: marts.segments (required),
marts.customer_segments, marts.customer_features, marts.segment_centroids,
marts.segment_k_selection, marts.segment_history, audit.row_reconciliation,
audit.rejected_rows and audit.field_issues. A missing optional table leaves its part
of the report out with a note; columns are always named, never taken by position.

Large tables are aggregated in DuckDB; the scatter plots get a fixed sample of at
most SAMPLE_SIZE customers chosen in SQL (`order by hash(customer_id)`), so the same
warehouse always gives the same picture and a million customers never reach Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_segments.clustering import transform
from customer_segments.report.errors import ReportError
from customer_segments.segmentation import scalings_from

SAMPLE_SIZE = 20_000
TOP_REASONS = 12
TOP_VALUES = 3
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

SEGMENTS = "marts.segments"
CUSTOMER_SEGMENTS = "marts.customer_segments"
CUSTOMER_FEATURES = "marts.customer_features"
CENTROIDS = "marts.segment_centroids"
K_SELECTION = "marts.segment_k_selection"
HISTORY = "marts.segment_history"
RECONCILIATION = "audit.row_reconciliation"
REJECTED_ROWS = "audit.rejected_rows"
FIELD_ISSUES = "audit.field_issues"

RERUN = "run `customer-segments run` (or `dbt build`) first."
NUMERIC_TYPE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$"
)


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
    source_table: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    is_reconciled: bool


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

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sources)

    @property
    def rows_accepted(self) -> int:
        return sum(s.rows_accepted for s in self.sources)

    @property
    def rows_rejected(self) -> int:
        return sum(s.rows_rejected for s in self.sources)

    @property
    def is_reconciled(self) -> bool:
        return all(s.is_reconciled for s in self.sources)


@dataclass(frozen=True)
class Trait:
    """One trait that sets a segment apart, e.g. 'young' / 'age 22.6 vs 45.4 overall'."""

    phrase: str
    detail: str


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
    traits: tuple[Trait, ...]
    recommended_action: str | None
    top_cities: tuple[ValueShare, ...] = ()
    top_channels: tuple[ValueShare, ...] = ()

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
    transform: str
    impute_value: float
    clip_low: float  # in the feature's own units (log1p undone)
    clip_high: float
    center: float  # in transformed units
    scale: float


@dataclass(frozen=True)
class KCandidate:
    k: int
    inertia: float | None
    silhouette: float | None
    calinski_harabasz: float | None
    davies_bouldin: float | None
    votes: int
    voted_by: str | None
    is_chosen: bool


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

    @property
    def chosen(self) -> KCandidate | None:
        return next((c for c in self.candidates if c.is_chosen), None)

    @property
    def silhouette(self) -> float | None:
        return self.chosen.silhouette if self.chosen else None

    @property
    def separation(self) -> str | None:
        """The silhouette in words (Kaufman & Rousseeuw's reading, one step coarser)."""
        value = self.silhouette
        if value is None:
            return None
        if value >= 0.5:
            return "well separated"
        if value >= 0.25:
            return "moderately separated"
        return "weakly separated"

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


@dataclass(frozen=True)
class ReportContext:
    run: RunInfo
    segments: tuple[Segment, ...]
    customers_segmented: int
    clustering_features: tuple[str, ...]
    profiles: tuple[FeatureProfile, ...]
    model: Model | None
    income_spending: Scatter | None
    projection: Projection | None
    migration: Migration | None
    data_quality: DataQuality
    queries: tuple[Query, ...]
    notes: tuple[str, ...] = field(default=())  # parts left out, and why

    def profile(self, feature: str) -> FeatureProfile | None:
        return next((p for p in self.profiles if p.feature == feature), None)


# --- reading ----------------------------------------------------------------------


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Warehouse:
    """A read-only connection that knows which report tables and columns exist."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        rows = connection.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns "
            "where table_schema in ('marts', 'audit') "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
        self.columns: dict[str, dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            self.columns.setdefault(f"{schema}.{table}", {})[column] = data_type

    def has(self, table: str, *columns: str) -> bool:
        present = self.columns.get(table)
        return present is not None and all(c in present for c in columns)

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, parameters or []).fetchall()

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()


def open_warehouse(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    if not duckdb_path.is_file():
        raise ReportError(f"Warehouse '{duckdb_path}' does not exist: {RERUN}")
    try:
        return duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ReportError(f"Warehouse '{duckdb_path}' cannot be opened: {reason}") from error


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
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ReportError(f"Warehouse '{duckdb_path}' could not be read: {reason}") from error


def _read(warehouse: Warehouse, duckdb_path: Path, run_seconds: float | None) -> ReportContext:
    notes: list[str] = []
    segments = read_segments(warehouse)
    if not segments:
        raise ReportError(
            f"Warehouse '{duckdb_path}': {SEGMENTS} is empty, so there is nothing to report: "
            "check that marts.customer_features has customers and rebuild."
        )
    members = warehouse.has(CUSTOMER_SEGMENTS, "customer_id", "segment_id") and warehouse.has(
        CUSTOMER_FEATURES, "customer_id"
    )
    if not members:
        notes.append(
            f"{CUSTOMER_SEGMENTS} or {CUSTOMER_FEATURES} is missing: the profile table, "
            "distributions and scatter plots are left out."
        )
    centroids = read_centroids(warehouse)
    model = read_model(warehouse, centroids)
    clustering = tuple(centroids["feature"].drop_duplicates()) if centroids is not None else ()
    if centroids is None:
        notes.append(f"{CENTROIDS} is missing: the model card and projection are partial.")
    if members:
        segments = with_top_values(warehouse, segments)
        total = warehouse.rows(f"select count(*) from {CUSTOMER_SEGMENTS}")[0][0]
        profiles = read_profiles(warehouse, clustering)
        sample = read_sample(warehouse, clustering)
    else:
        total = sum(s.customer_count for s in segments)
        profiles, sample = (), None
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
        income_spending=income_spending(sample, total),
        projection=projection(sample, centroids, total),
        migration=migration,
        data_quality=read_data_quality(warehouse),
        queries=queries(segments),
        notes=tuple(notes),
    )


def _float(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else number


def parse_traits(text: str | None) -> tuple[Trait, ...]:
    """'young: age 22.6 vs 45.4 overall; ...' (marts.segments.key_traits) as traits."""
    traits = []
    for part in (text or "").split(";"):
        phrase, _, detail = part.strip().partition(": ")
        if phrase:
            traits.append(Trait(phrase=phrase, detail=detail))
    return tuple(traits)


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
        "key_traits",
        "recommended_action",
    ]
    present = warehouse.columns[SEGMENTS]
    if "segment_id" not in present:
        raise ReportError(f"{SEGMENTS} has no column segment_id: rebuild the warehouse.")
    select = ", ".join(quoted(c) if c in present else f"null as {quoted(c)}" for c in wanted)
    rows = warehouse.rows(f"select segment_id, {select} from {SEGMENTS} order by segment_id")
    return tuple(
        Segment(
            segment_id=int(row[0]),
            name=str(row[1]) if row[1] is not None else f"Segment {row[0]}",
            archetype=row[2],
            archetype_label=row[3],
            description=row[4],
            customer_count=int(row[5] or 0),
            share_of_customers=_float(row[6]) or 0.0,
            share_of_revenue=_float(row[7]),
            revenue=_float(row[8]),
            traits=parse_traits(row[9]),
            recommended_action=row[10],
        )
        for row in rows
    )


def top_values(warehouse: Warehouse, column: str) -> dict[int, tuple[ValueShare, ...]]:
    """The most common values of a customer_features column in each segment."""
    rows = warehouse.rows(
        f"""
        with members as (
            select customer_segments.segment_id, customer_features.{quoted(column)} as value
            from {CUSTOMER_SEGMENTS} as customer_segments
            inner join {CUSTOMER_FEATURES} as customer_features
                on customer_segments.customer_id = customer_features.customer_id
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
        where position <= ? and value is not null
        order by segment_id, position
        """,
        [TOP_VALUES],
    )
    values: dict[int, list[ValueShare]] = {}
    for segment_id, value, share in rows:
        values.setdefault(int(segment_id), []).append(ValueShare(str(value), float(share)))
    return {key: tuple(items) for key, items in values.items()}


def with_top_values(warehouse: Warehouse, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    cities = top_values(warehouse, "city") if warehouse.has(CUSTOMER_FEATURES, "city") else {}
    channels = (
        top_values(warehouse, "preferred_channel")
        if warehouse.has(CUSTOMER_FEATURES, "preferred_channel")
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
    """The numeric columns of customer_features, in table order, without ids."""
    return [
        column
        for column, data_type in warehouse.columns.get(CUSTOMER_FEATURES, {}).items()
        if NUMERIC_TYPE.match(data_type.upper()) and not column.endswith("_id")
    ]


def read_profiles(warehouse: Warehouse, clustering: tuple[str, ...]) -> tuple[FeatureProfile, ...]:
    """Mean, median and spread of every numeric feature per segment and overall.

    One scan with grouping sets; quantiles (for the distribution charts) only for the
    clustering features.
    """
    features = numeric_features(warehouse)
    features = [f for f in clustering if f in features] + [
        f for f in features if f not in clustering
    ]
    if not features:
        return ()
    aggregates = []
    for i, feature in enumerate(features):
        value = f"cast(customer_features.{quoted(feature)} as double)"
        aggregates += [f"avg({value}) as mean_{i}", f"median({value}) as median_{i}"]
        aggregates.append(f"stddev_pop({value}) as std_{i}")
        if feature in clustering:
            levels = ", ".join(str(q) for q in QUANTILES)
            aggregates.append(f"quantile_cont({value}, [{levels}]) as quantiles_{i}")
    frame = warehouse.frame(
        f"""
        select customer_segments.segment_id, {", ".join(aggregates)}
        from {CUSTOMER_SEGMENTS} as customer_segments
        inner join {CUSTOMER_FEATURES} as customer_features
            on customer_segments.customer_id = customer_features.customer_id
        group by grouping sets ((customer_segments.segment_id), ())
        """
    )
    overall_row = frame[frame["segment_id"].isna()]
    segment_rows = frame[frame["segment_id"].notna()]

    def stats(row: pd.Series, i: int) -> FeatureStats:
        quantiles = row.get(f"quantiles_{i}")
        has_quantiles = quantiles is not None and not (
            isinstance(quantiles, float) and np.isnan(quantiles)
        )
        return FeatureStats(
            mean=_float(row[f"mean_{i}"]),
            median=_float(row[f"median_{i}"]),
            std=_float(row[f"std_{i}"]),
            quantiles=tuple(float(q) for q in quantiles) if has_quantiles else None,
        )

    profiles = []
    for i, feature in enumerate(features):
        profiles.append(
            FeatureProfile(
                feature=feature,
                overall=stats(overall_row.iloc[0], i),
                by_segment={
                    int(row["segment_id"]): stats(row, i) for _, row in segment_rows.iterrows()
                },
            )
        )
    return tuple(profiles)


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
        "order by segment_id, feature_position"
    )
    return frame if not frame.empty else None


def _original(value: float, transform_name: str) -> float:
    return float(np.expm1(value)) if transform_name == "log1p" else float(value)


def read_model(warehouse: Warehouse, centroids: pd.DataFrame | None) -> Model | None:
    candidates: tuple[KCandidate, ...] = ()
    reason = customers = sample_size = None
    if warehouse.has(K_SELECTION, "k", "is_chosen"):
        present = warehouse.columns[K_SELECTION]
        wanted = [
            "inertia",
            "silhouette",
            "calinski_harabasz",
            "davies_bouldin",
            "votes",
            "voted_by",
            "reason",
            "customers",
            "sample_size",
        ]
        select = ", ".join(quoted(c) if c in present else f"null as {quoted(c)}" for c in wanted)
        rows = warehouse.rows(f"select k, is_chosen, {select} from {K_SELECTION} order by k")
        candidates = tuple(
            KCandidate(
                k=int(r[0]),
                inertia=_float(r[2]),
                silhouette=_float(r[3]),
                calinski_harabasz=_float(r[4]),
                davies_bouldin=_float(r[5]),
                votes=int(r[6] or 0),
                voted_by=r[7],
                is_chosen=bool(r[1]),
            )
            for r in rows
        )
        chosen = [r for r in rows if r[1]]
        if chosen:
            reason, customers, sample_size = chosen[0][8], chosen[0][9], chosen[0][10]
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
                feature=row.feature,
                transform=row.transform,
                impute_value=float(row.impute_value),
                clip_low=_original(row.clip_low, row.transform),
                clip_high=_original(row.clip_high, row.transform),
                center=float(row.center),
                scale=float(row.scale),
            )
            for row in per_feature.itertuples()
        )
        k = int(first["k"]) if "k" in centroids else centroids["segment_id"].nunique()
        model_id = first.get("model_id")
        dropped = first.get("dropped_features")
        dropped = None if dropped is None or pd.isna(dropped) else str(dropped)
        stability = _float(first.get("stability_ari"))
    return Model(
        model_id=model_id,
        k=k,
        features=features,
        dropped_features=dropped,
        stability_ari=stability,
        reason=reason,
        candidates=candidates,
        customers_fitted=int(customers) if customers is not None else None,
        selection_sample_size=int(sample_size) if sample_size is not None else None,
    )


def read_sample(warehouse: Warehouse, clustering: tuple[str, ...]) -> pd.DataFrame:
    """A fixed sample of at most SAMPLE_SIZE customers: the same ones every time."""
    wanted = [
        c
        for c in dict.fromkeys(("annual_income", "spending_score", *clustering))
        if warehouse.has(CUSTOMER_FEATURES, c)
    ]
    select = "".join(f", customer_features.{quoted(c)}" for c in wanted)
    return warehouse.frame(
        f"""
        select customer_segments.customer_id, customer_segments.segment_id{select}
        from {CUSTOMER_SEGMENTS} as customer_segments
        inner join {CUSTOMER_FEATURES} as customer_features
            on customer_segments.customer_id = customer_features.customer_id
        order by hash(customer_segments.customer_id), customer_segments.customer_id
        limit ?
        """,
        [SAMPLE_SIZE],
    )


def income_spending(sample: pd.DataFrame | None, total: int) -> Scatter | None:
    """The classic mall-customers view, where both columns exist and have values."""
    if sample is None or not {"annual_income", "spending_score"} <= set(sample.columns):
        return None
    shown = sample.dropna(subset=["annual_income", "spending_score"])
    if shown.empty:
        return None
    return Scatter(
        x=shown["annual_income"].to_numpy(dtype=float),
        y=shown["spending_score"].to_numpy(dtype=float),
        segment_ids=shown["segment_id"].to_numpy(dtype=int),
        x_feature="annual_income",
        y_feature="spending_score",
        sampled=len(sample),
        total=int(total),
    )


def projection(
    sample: pd.DataFrame | None, centroids: pd.DataFrame | None, total: int
) -> Projection | None:
    """PCA (numpy SVD) of the customers' scaled features, as the model saw them.

    The scaled matrix is rebuilt from the stored scalings with the package's own
    `transform`, so the picture is the clustering space itself; centroids are
    projected onto the same axes.
    """
    if sample is None or centroids is None:
        return None
    scalings = scalings_from(centroids)
    names = [s.feature for s in scalings]
    if len(names) < 2 or len(sample) < 3 or not set(names) <= set(sample.columns):
        return None
    matrix, _ = transform(sample, scalings)
    mean = matrix.mean(axis=0)
    _, singular, vt = np.linalg.svd(matrix - mean, full_matrices=False)
    components = vt[:2]
    # Fix the sign of each axis (its strongest loading positive) so it never flips.
    strongest = np.abs(components).argmax(axis=1)
    components = components * np.sign(components[np.arange(2), strongest])[:, None]
    variance = singular**2 / max(float((singular**2).sum()), 1e-12)
    points = (matrix - mean) @ components.T
    wide = centroids.pivot(index="segment_id", columns="feature", values="centroid_scaled")[names]
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
    """The last run in marts.segment_history, and movement since the run before it."""
    runs: list[tuple] = []
    if warehouse.has(HISTORY, "run_id", "run_started_at", "customer_id", "segment_id"):
        model = "any_value(model_id)" if warehouse.has(HISTORY, "model_id") else "null"
        runs = warehouse.rows(
            f"""
            select run_id, max(run_started_at) as run_started_at, {model} as model_id,
                count(*) over () as runs
            from {HISTORY}
            group by run_id
            order by run_started_at desc, run_id desc
            limit 2
            """
        )
    run = RunInfo(
        warehouse=str(duckdb_path),
        generated_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        run_id=runs[0][0] if runs else None,
        run_started_at=runs[0][1] if runs else None,
        runs_recorded=int(runs[0][3]) if runs else 0,
        run_seconds=run_seconds,
    )
    if len(runs) < 2:
        return run, None
    current, previous = runs
    cells = warehouse.rows(
        f"""
        with previous as (
            select customer_id, segment_id from {HISTORY} where run_id = ?
        ),
        current as (
            select customer_id, segment_id from {HISTORY} where run_id = ?
        )
        select previous.segment_id as from_id, current.segment_id as to_id, count(*)
        from previous
        full outer join current
            on previous.customer_id = current.customer_id
        group by all
        order by all
        """,
        [previous[0], current[0]],
    )
    names: dict[str, dict[int, str]] = {previous[0]: {}, current[0]: {}}
    if warehouse.has(HISTORY, "segment_name"):
        for run_id, segment_id, name in warehouse.rows(
            f"select run_id, segment_id, any_value(segment_name) from {HISTORY} "
            "where run_id in (?, ?) group by all",
            [previous[0], current[0]],
        ):
            names[run_id][int(segment_id)] = str(name)
    return run, Migration(
        previous_run_id=previous[0],
        previous_at=previous[1],
        current_run_id=current[0],
        current_at=current[1],
        previous_names=names[previous[0]],
        current_names=names[current[0]],
        cells=tuple(
            MigrationCell(
                from_id=None if a is None else int(a),
                to_id=None if b is None else int(b),
                customers=int(n),
            )
            for a, b, n in cells
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
        ReasonCount(source_table=str(r[0]), reason=str(r[1]), rows=int(r[2]), example=r[3])
        for r in rows
    )
    return counts, int(rows[0][4]) if rows else 0


def read_data_quality(warehouse: Warehouse) -> DataQuality:
    sources: tuple[SourceRows, ...] = ()
    columns = ("source_table", "rows_read", "rows_accepted", "rows_rejected", "is_reconciled")
    if warehouse.has(RECONCILIATION, *columns):
        sources = tuple(
            SourceRows(str(r[0]), int(r[1]), int(r[2]), int(r[3]), bool(r[4]))
            for r in warehouse.rows(
                f"select {', '.join(columns)} from {RECONCILIATION} "
                "order by case source_table when 'customers' then 1 when 'orders' then 2 "
                "when 'order_items' then 3 else 4 end, source_table"
            )
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
    )


def queries(segments: tuple[Segment, ...]) -> tuple[Query, ...]:
    """SQL an analyst can paste into `duckdb -readonly <warehouse>` as it stands."""
    example_id = segments[0].segment_id
    return (
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
        ),
        Query(
            "The segments at a glance",
            """select segment_id, segment_name, customer_count, share_of_customers,
    share_of_revenue, key_traits, recommended_action
from marts.segments
order by segment_id;""",
        ),
        Query(
            f"One segment's customers with their features (here segment {example_id})",
            f"""select customer_features.*
from marts.customer_features
inner join marts.customer_segments
    on customer_features.customer_id = customer_segments.customer_id
where customer_segments.segment_id = {example_id};""",
        ),
        Query(
            "Movement between the last two runs",
            """with runs as (
    select run_id, max(run_started_at) as run_started_at
    from marts.segment_history
    group by run_id
    order by run_started_at desc
    limit 2
),
previous as (
    select customer_id, segment_id from marts.segment_history
    where run_id = (select run_id from runs order by run_started_at limit 1)
),
latest as (
    select customer_id, segment_id from marts.segment_history
    where run_id = (select run_id from runs order by run_started_at desc limit 1)
)
select previous.segment_id as from_segment, latest.segment_id as to_segment, count(*) as customers
from previous
inner join latest
    on previous.customer_id = latest.customer_id
group by all
order by all;""",
        ),
    )
