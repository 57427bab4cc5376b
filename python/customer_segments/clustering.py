"""KMeans segmentation: pure functions, frames and arrays in, frames and arrays out.

The path of one feature value, identical here and in the SQL scoring macro:
    raw value -> impute nulls with the median -> log1p(max(x, 0)) for skewed features
    -> clip to the [q, 1-q] quantiles (winsorising) -> (x - center) / scale.
Every parameter of that path is returned, so the model can be stored in the
warehouse (marts.segment_centroids) and applied in pure SQL.

Frames come in as pandas DataFrames or Arrow tables (what the dbt Python models read
from DuckDB); only the columns a step needs are turned into numpy arrays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from threadpoolctl import threadpool_limits

from customer_segments.settings import SegmentSettings

# scikit-learn and scipy are imported inside the functions that fit (about 2 s): the
# report only needs the preparation functions of this module.

SILHOUETTE_SAMPLE_SIZE = 5_000
STABILITY_SEEDS = 3
# A new centroid keeps a previous segment's id only if it lies within this distance
# (scaled units) of that segment's previous centroid; otherwise it is a new segment.
MAX_MATCH_DISTANCE = 1.5
# scikit-learn's KMeans starts OpenMP thread teams many times per fit. Inside dbt the
# models run on a worker thread, where every such start is slow (a 20k-customer k
# selection took 20 s instead of 7 s on 2 cores). One thread (OpenMP and BLAS) is
# faster there; DuckDB keeps both cores busy for the SQL. Re-measured at 1M customers
# (benchmarks/README.md): the final fit on 200k rows took 0.75 s on one thread and
# 0.8-1.2 s on two, k selection 1.3 s against 1.7-2.2 s; one thread stays.
CLUSTERING_THREADS = 1

Frame = pd.DataFrame | pa.Table


@dataclass(frozen=True)
class FeatureScaling:
    """How one feature is turned into a column of the clustering matrix."""

    feature: str
    transform: str  # "log1p" or "none"
    impute_value: float
    clip_low: float
    clip_high: float
    center: float
    scale: float


@dataclass(frozen=True)
class Prepared:
    """The clustering matrix of all customers, sorted by customer id."""

    customer_ids: np.ndarray
    matrix: np.ndarray
    scalings: tuple[FeatureScaling, ...]
    imputed: np.ndarray  # bool, one column per kept feature
    dropped: tuple[tuple[str, str], ...]  # (feature, reason) left out of the fit
    values: np.ndarray  # the kept features' own values (NaN where missing), same rows

    @property
    def features(self) -> list[str]:
        return [s.feature for s in self.scalings]


class ClusteringError(ValueError):
    """The data cannot be segmented as configured; the message says why and what to do."""


def column_names(frame: Frame) -> list[str]:
    return list(frame.column_names if isinstance(frame, pa.Table) else frame.columns)


def numeric(frame: Frame, name: str) -> np.ndarray:
    """One column as floats, NaN where missing or not a number."""
    if isinstance(frame, pa.Table):
        column = frame.column(name)
        kind = column.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            return np.asarray(pc.cast(column, pa.float64()).to_numpy(), dtype=float)
        values = column.to_pandas()
    else:
        values = frame[name]
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def customer_ids(frame: Frame) -> np.ndarray:
    if isinstance(frame, pa.Table):
        return frame.column("customer_id").to_numpy(zero_copy_only=False)
    return frame["customer_id"].to_numpy()


def customer_order(ids: np.ndarray) -> np.ndarray | None:
    """Positions that put the customer ids in ascending order (stable sort); None when
    they already are. Text ids sort as fixed-width numpy strings, which compare by code
    point like Python and pandas do, several times faster than sorting objects."""
    if ids.dtype == object and pd.api.types.infer_dtype(ids, skipna=False) == "string":
        ids = ids.astype(str)
    if ids.dtype.kind in "Uiuf" and not (ids.dtype.kind == "f" and np.isnan(ids).any()):
        if len(ids) < 2 or bool((ids[:-1] <= ids[1:]).all()):
            return None
        return np.argsort(ids, kind="stable")
    # mixed or missing ids: pandas' order (missing last)
    return pd.Series(ids).sort_values(kind="stable").index.to_numpy()


def ordered_columns(frame: Frame, names: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The customer ids in ascending order and the named columns as floats, same rows."""
    ids = customer_ids(frame)
    order = customer_order(ids)
    columns = {name: numeric(frame, name) for name in names}
    if order is None:
        return ids, columns
    return ids[order], {name: values[order] for name, values in columns.items()}


def prepare(frame: Frame, settings: SegmentSettings) -> Prepared:
    """Impute, transform, clip and scale the configured features of `frame`."""
    present = set(column_names(frame))
    missing = [f for f in settings.features if f not in present]
    if missing:
        raise ClusteringError(
            f"segments.features names {', '.join(missing)}, not a column of "
            "marts.customer_features: fix the var segments.features."
        )
    ids, columns = ordered_columns(frame, list(settings.features))
    scalings, dropped = [], []
    for feature in settings.features:
        values = columns[feature]
        scaling, reason = fit_feature(feature, values, feature in settings.log_features, settings)
        if scaling is None:
            dropped.append((feature, reason))
        else:
            scalings.append(scaling)
    if not scalings:
        raise ClusteringError(
            "No usable feature: every feature in segments.features is constant or empty "
            f"({'; '.join(f'{f}: {r}' for f, r in dropped)})."
        )
    matrix, imputed = scale(columns, scalings)
    return Prepared(
        customer_ids=ids,
        matrix=matrix,
        scalings=tuple(scalings),
        imputed=imputed,
        dropped=tuple(dropped),
        values=np.column_stack([columns[s.feature] for s in scalings]),
    )


def fit_feature(
    feature: str, values: np.ndarray, use_log: bool, settings: SegmentSettings
) -> tuple[FeatureScaling | None, str]:
    """The scaling of one feature, or None and the reason it cannot be used."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return None, "no values"
    impute_value = float(np.median(present))
    column = np.where(np.isnan(values), impute_value, values)
    if use_log:
        column = np.log1p(np.maximum(column, 0.0))
    q = settings.clip_quantile
    clip_low, clip_high = (float(v) for v in np.quantile(column, [q, 1.0 - q]))
    column = np.clip(column, clip_low, clip_high)
    if settings.scaling == "robust":
        q25, center, q75 = np.quantile(column, [0.25, 0.5, 0.75])
        scale = float(q75 - q25) or float(column.std())
    else:
        center, scale = float(column.mean()), float(column.std())
    if not np.isfinite(scale) or scale <= 1e-12:
        return None, "zero variance"
    transform_name = "log1p" if use_log else "none"
    return (
        FeatureScaling(
            feature, transform_name, impute_value, clip_low, clip_high, float(center), scale
        ),
        "",
    )


def transform(
    frame: Frame, scalings: tuple[FeatureScaling, ...] | list[FeatureScaling]
) -> tuple[np.ndarray, np.ndarray]:
    """Apply stored scalings to a frame: the scaled matrix and the imputed-value mask."""
    return scale({s.feature: numeric(frame, s.feature) for s in scalings}, scalings)


def scale(
    values_of: dict[str, np.ndarray], scalings: tuple[FeatureScaling, ...] | list[FeatureScaling]
) -> tuple[np.ndarray, np.ndarray]:
    """Apply stored scalings to float columns: the scaled matrix and the imputed-value mask."""
    columns, imputed = [], []
    for s in scalings:
        values = values_of[s.feature]
        missing = np.isnan(values)
        values = np.where(missing, s.impute_value, values)
        if s.transform == "log1p":
            values = np.log1p(np.maximum(values, 0.0))
        values = np.clip(values, s.clip_low, s.clip_high)
        columns.append((values - s.center) / s.scale)
        imputed.append(missing)
    return np.column_stack(columns), np.column_stack(imputed)


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row positions of a seeded sample (all rows when n <= size)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def select_k(matrix: np.ndarray, settings: SegmentSettings) -> pd.DataFrame:
    """Score every candidate k on a bounded sample and choose one by a vote.

    Four criteria each name their best k: the knee of the inertia curve (Kneedle),
    the highest silhouette, the highest Calinski-Harabasz and the lowest
    Davies-Bouldin index. The k with the most votes wins; a tie goes to the higher
    silhouette. A k fixed in the settings overrides the vote.
    """
    n = matrix.shape[0]
    candidates = [k for k in settings.k_candidates if k < n]
    if not candidates:
        raise ClusteringError(
            f"Only {n} usable customers: at least {settings.k_candidates[0] + 1} are needed "
            "for the smallest k (lower segments.k_min or add customers)."
        )
    with threadpool_limits(limits=CLUSTERING_THREADS):
        return _select_k(matrix, candidates, settings)


def _select_k(matrix: np.ndarray, candidates: list[int], settings: SegmentSettings) -> pd.DataFrame:
    from sklearn.cluster import KMeans
    from sklearn.metrics import (
        calinski_harabasz_score,
        davies_bouldin_score,
        pairwise_distances,
        silhouette_score,
    )

    n = matrix.shape[0]
    sample = matrix[sample_rows(n, settings.selection_sample_size, settings.seed)]
    silhouette_rows = sample_rows(len(sample), SILHOUETTE_SAMPLE_SIZE, settings.seed)
    # The silhouette sample's distances do not depend on k: computed once for every k
    # (at most 5,000 x 5,000, 200 MB).
    distances = pairwise_distances(sample[silhouette_rows])
    rows = []
    for k in candidates:
        model = KMeans(n_clusters=k, n_init=settings.n_init, random_state=settings.seed)
        labels = model.fit_predict(sample)
        row = {"k": k, "inertia": float(model.inertia_)}
        row["silhouette"] = (
            float(silhouette_score(distances, labels[silhouette_rows], metric="precomputed"))
            if 2 <= len(np.unique(labels[silhouette_rows])) < len(silhouette_rows)
            else float("nan")
        )
        scored = len(np.unique(labels)) > 1
        for name, score in (
            ("calinski_harabasz", calinski_harabasz_score),
            ("davies_bouldin", davies_bouldin_score),
        ):
            row[name] = float(score(sample, labels)) if scored else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    table["sample_size"] = len(sample)
    return _vote(table, settings)


def _knee(ks: np.ndarray, inertia: np.ndarray) -> int:
    """Kneedle on a decreasing convex curve: the k farthest below the chord."""
    if len(ks) < 3 or inertia.max() == inertia.min():
        return int(ks[0])
    x = (ks - ks.min()) / (ks.max() - ks.min())
    y = (inertia - inertia.min()) / (inertia.max() - inertia.min())
    return int(ks[np.argmax((1.0 - y) - x)])


def _best_k(table: pd.DataFrame, column: str, largest: bool) -> int:
    """The k a criterion prefers (the smallest k when it could not be computed)."""
    values = table[column]
    if values.isna().all():
        return int(table["k"].iloc[0])
    return int(table.loc[values.idxmax() if largest else values.idxmin(), "k"])


def _vote(table: pd.DataFrame, settings: SegmentSettings) -> pd.DataFrame:
    ks = table["k"].to_numpy()
    picks = {
        "elbow": _knee(ks, table["inertia"].to_numpy()),
        "silhouette": _best_k(table, "silhouette", largest=True),
        "calinski_harabasz": _best_k(table, "calinski_harabasz", largest=True),
        "davies_bouldin": _best_k(table, "davies_bouldin", largest=False),
    }
    table["votes"] = [sum(pick == k for pick in picks.values()) for k in ks]
    table["voted_by"] = [
        ", ".join(name for name, pick in picks.items() if pick == k) or None for k in ks
    ]
    if settings.k is not None:
        chosen = settings.k
        reason = f"k={chosen} fixed by the setting segments.k."
    else:
        best = table.sort_values(
            ["votes", "silhouette", "k"], ascending=[False, False, True], na_position="last"
        ).iloc[0]
        chosen = int(best["k"])
        reason = (
            f"k={chosen} won {int(best['votes'])} of 4 votes ({best['voted_by']}); "
            + "; ".join(f"{name} prefers k={pick}" for name, pick in picks.items())
            + "."
        )
    table["is_chosen"] = table["k"] == chosen
    table["reason"] = np.where(table["is_chosen"], reason, None)
    return table


@dataclass(frozen=True)
class Fit:
    centers: np.ndarray  # scaled units, one row per cluster, in final segment order
    segment_ids: np.ndarray  # stable id of each row of `centers`
    stability_ari: float  # mean agreement of refits with other seeds (1 = identical)


def fit(matrix: np.ndarray, k: int, settings: SegmentSettings) -> tuple[np.ndarray, float]:
    """KMeans centers at k (fitted on a bounded sample), and the seed stability."""
    with threadpool_limits(limits=CLUSTERING_THREADS):
        return _fit(matrix, k, settings)


def _fit(matrix: np.ndarray, k: int, settings: SegmentSettings) -> tuple[np.ndarray, float]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    rows = sample_rows(len(matrix), settings.fit_sample_size, settings.seed)
    sample = matrix[rows]
    model = KMeans(n_clusters=k, n_init=settings.n_init, random_state=settings.seed).fit(sample)
    check = sample[sample_rows(len(sample), settings.selection_sample_size, settings.seed + 1)]
    reference = model.predict(check)
    agreements = [
        adjusted_rand_score(
            reference,
            KMeans(n_clusters=k, n_init=1, random_state=settings.seed + i).fit_predict(check),
        )
        for i in range(1, STABILITY_SEEDS + 1)
    ]
    return model.cluster_centers_, float(np.mean(agreements))


def assign(matrix: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest center of each row (ties to the lower index), its distance, the runner-up's."""
    squared = np.column_stack([((matrix - center) ** 2).sum(axis=1) for center in centers])
    order = np.argsort(squared, axis=1, kind="stable")
    nearest = order[:, 0]
    rows = np.arange(len(matrix))
    d1 = np.sqrt(squared[rows, nearest])
    d2 = (
        np.sqrt(squared[rows, order[:, 1]])
        if centers.shape[0] > 1
        else np.full(len(matrix), np.nan)
    )
    return nearest, d1, d2


def stable_ids(
    centers: np.ndarray, sizes: np.ndarray, previous: dict[int, np.ndarray] | None
) -> np.ndarray:
    """Segment ids for `centers`.

    With no previous run: 1..k by size (largest first; ties by center coordinates).
    With a previous run: Hungarian matching on centroid distance; a match within
    MAX_MATCH_DISTANCE keeps the previous id; any other center is a new segment and
    gets the next unused id.
    """
    k = len(centers)
    if not previous:
        order = sorted(range(k), key=lambda i: (-int(sizes[i]), tuple(np.round(centers[i], 9))))
        ids = np.empty(k, dtype=int)
        ids[order] = np.arange(1, k + 1)
        return ids
    from scipy.optimize import linear_sum_assignment

    previous_ids = np.array(sorted(previous))
    previous_centers = np.stack([previous[i] for i in previous_ids])
    cost = np.sqrt(((centers[:, None, :] - previous_centers[None, :, :]) ** 2).sum(axis=2))
    new_rows, old_rows = linear_sum_assignment(cost)
    ids = np.zeros(k, dtype=int)
    for new, old in zip(new_rows, old_rows, strict=True):
        if cost[new, old] <= MAX_MATCH_DISTANCE:
            ids[new] = previous_ids[old]
    next_id = int(previous_ids.max()) + 1
    unmatched = [i for i in range(k) if ids[i] == 0]
    for i in sorted(unmatched, key=lambda i: (-int(sizes[i]), tuple(np.round(centers[i], 9)))):
        ids[i] = next_id
        next_id += 1
    return ids


def fingerprint(prepared: Prepared, settings: SegmentSettings) -> str:
    """A short id of the fit: the same data and settings always give the same id."""
    digest = hashlib.sha256(settings.to_json().encode())
    digest.update(np.ascontiguousarray(prepared.matrix).tobytes())
    digest.update("\x1f".join(map(str, prepared.customer_ids)).encode())
    return digest.hexdigest()[:16]
