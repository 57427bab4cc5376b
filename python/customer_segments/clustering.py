"""KMeans segmentation: pure functions, frames and arrays in, frames and arrays out.

The path of one feature value, identical here and in the SQL scoring macro:
    raw value -> impute nulls with the median -> log1p(max(x, 0)) for skewed features
    -> clip to the [q, 1-q] quantiles (winsorising) -> (x - center) / scale.
Every parameter of that path is returned, so the model can be stored in the
warehouse (marts.segment_centroids) and applied in pure SQL.

Frames come in as pandas DataFrames or Arrow tables (what the dbt Python models read
from DuckDB); only the columns a step needs are turned into numpy arrays.

The file is long because it is the one place of the model's mathematics: the
preprocessing path above, the fit, the choice of k (prediction strength, the null
reference) and the stability check all read the same parameters, and keeping them
together keeps the SQL macro's twin in one file to compare against.
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


# --------------------------------------------------------------------------- choosing k
#
# The rule (README "How k is chosen"; benchmarks/k_selection.md has the study behind it):
#   1. every candidate k is fitted on the selection sample (silhouette, Calinski-Harabasz,
#      Davies-Bouldin and inertia are kept as information) and its prediction strength is
#      measured on half-splits of that sample (Tibshirani & Walther 2005);
#   2. a k is eligible when its segments reproduce (prediction strength at least
#      segments.min_prediction_strength) and its smallest segment holds at least
#      segments.min_segment_share of the sample;
#   3. an eligible k shows cluster structure when its silhouette exceeds, by at least
#      STRUCTURE_SILHOUETTE_GAIN, the silhouette KMeans reaches at the same k on a
#      structureless cloud of the same shape (a Gaussian with the sample's covariance);
#      if some eligible k does, the one of them with the highest silhouette wins: the
#      data has groups and this is the reproducible partition that separates them best;
#   4. otherwise the structure is weak (a continuum, as RFM data usually is): the largest
#      eligible k wins, the finest partition that still reproduces;
#   5. when no k is eligible, the most reproducible k wins and the reason says so.
# A k fixed in the settings overrides the rule; its figures are still computed.

# Half-split fits of the prediction strength: fewer restarts than the final fit (each
# half-split is one more draw of the statistic; 3 restarts keep a bad local optimum rare).
SPLIT_N_INIT = 3
# Customers drawn for each half-split (two halves of 5,000): enough for a segment of 5 %
# to hold 250 customers in each half, and half the time of splitting all 20,000.
PREDICTION_STRENGTH_SAMPLE_SIZE = 10_000
# The structureless reference: this many points of a Gaussian with the sample's mean and
# covariance (same scale and elongation, no groups).
REFERENCE_SIZE = 2_000
# Silhouette above the reference's at the same k that counts as cluster structure. Measured
# (benchmarks/k_selection.md): 0.2-0.4 at the planted k of every planted set, at most 0.04
# at any k on the UCI Online Retail RFM features and on structureless clouds.
STRUCTURE_SILHOUETTE_GAIN = 0.10

K_SELECTION_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "prediction_strength",
    "smallest_share",
    "min_prediction_strength",
    "min_segment_share",
    "is_eligible",
    "is_chosen",
    "reason",
    "sample_size",
]


def select_k(matrix: np.ndarray, settings: SegmentSettings) -> pd.DataFrame:
    """Score every candidate k on a bounded sample and choose one by reproducibility.

    One row per candidate k (columns K_SELECTION_COLUMNS), with the reason for or against
    it on every row. The rule is described above; a k fixed in the settings overrides it.
    """
    n = matrix.shape[0]
    candidates = [k for k in settings.k_candidates if k < n]
    if not candidates:
        raise ClusteringError(
            f"Only {n} usable customers: at least {settings.k_candidates[0] + 1} are needed "
            "for the smallest k (lower segments.k_min or add customers)."
        )
    with threadpool_limits(limits=CLUSTERING_THREADS):
        table, gains = _score_k(matrix, candidates, settings)
    return _choose_k(table, gains, settings)


def _score_k(
    matrix: np.ndarray, candidates: list[int], settings: SegmentSettings
) -> tuple[pd.DataFrame, np.ndarray]:
    """The figures of every candidate k, and its silhouette gain over the reference."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import (
        calinski_harabasz_score,
        davies_bouldin_score,
        pairwise_distances,
    )

    n = matrix.shape[0]
    sample = matrix[sample_rows(n, settings.selection_sample_size, settings.seed)]
    silhouette_rows = sample_rows(len(sample), SILHOUETTE_SAMPLE_SIZE, settings.seed)
    # The silhouette sample's distances do not depend on k: computed once for every k
    # (at most 5,000 x 5,000, 200 MB; the reference's 2,000 x 2,000, 32 MB).
    distances = pairwise_distances(sample[silhouette_rows])
    rng = np.random.default_rng(settings.seed)
    # Each half-split draws its two halves from a fresh subsample of at most
    # PREDICTION_STRENGTH_SAMPLE_SIZE customers (two KMeans fits per split and k).
    size = min(len(sample), PREDICTION_STRENGTH_SAMPLE_SIZE)
    splits = [
        rng.permutation(len(sample))[:size] for _ in range(settings.prediction_strength_splits)
    ]
    reference = _reference(sample, rng)
    reference_distances = pairwise_distances(reference)
    rows, gains = [], []
    for k in candidates:
        model = KMeans(n_clusters=k, n_init=settings.n_init, random_state=settings.seed)
        labels = model.fit_predict(sample)
        scored = len(np.unique(labels)) > 1
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": _silhouette(distances, labels[silhouette_rows]),
                "calinski_harabasz": (
                    float(calinski_harabasz_score(sample, labels)) if scored else float("nan")
                ),
                "davies_bouldin": (
                    float(davies_bouldin_score(sample, labels)) if scored else float("nan")
                ),
                "prediction_strength": _prediction_strength(sample, k, splits, settings.seed),
                "smallest_share": float(np.bincount(labels, minlength=k).min() / len(sample)),
            }
        )
        reference_labels = (
            KMeans(n_clusters=k, n_init=SPLIT_N_INIT, random_state=settings.seed).fit_predict(
                reference
            )
            if k < len(reference)
            else np.zeros(len(reference), dtype=int)
        )
        gains.append(rows[-1]["silhouette"] - _silhouette(reference_distances, reference_labels))
    table = pd.DataFrame(rows)
    table["sample_size"] = len(sample)
    return table, np.array(gains, dtype=float)


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import silhouette_score

    if 2 <= len(np.unique(labels)) < len(labels):
        return float(silhouette_score(distances, labels, metric="precomputed"))
    return float("nan")


def _reference(sample: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Points of a Gaussian with the sample's mean and covariance: its shape, no groups."""
    center = sample.mean(axis=0)
    _, singular, axes = np.linalg.svd(sample - center, full_matrices=False)
    spread = singular / np.sqrt(len(sample))
    return center + (rng.standard_normal((REFERENCE_SIZE, len(spread))) * spread) @ axes


def _prediction_strength(sample: np.ndarray, k: int, splits: list[np.ndarray], seed: int) -> float:
    """Tibshirani & Walther's prediction strength, averaged over half-splits, both ways.

    Each split cuts the sample into halves A and B and clusters both. For every cluster
    of B, the share of its pairs of points that A's centroids also put in one cluster; the
    prediction strength of the split is the smallest of these shares (the least
    reproducible segment), computed from A to B and from B to A. NaN when a half has
    fewer than k points.
    """
    from sklearn.cluster import KMeans

    half = len(splits[0]) // 2 if splits else 0
    if half < k:
        return float("nan")
    values = []
    for i, order in enumerate(splits):
        a, b = sample[order[:half]], sample[order[half : 2 * half]]
        model_a = KMeans(n_clusters=k, n_init=SPLIT_N_INIT, random_state=seed + 2 * i + 1).fit(a)
        model_b = KMeans(n_clusters=k, n_init=SPLIT_N_INIT, random_state=seed + 2 * i + 2).fit(b)
        values.append(_co_membership(model_b.labels_, model_a.predict(b), k))
        values.append(_co_membership(model_a.labels_, model_b.predict(a), k))
    values = [v for v in values if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def _co_membership(own: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Smallest share, over the clusters of `own` with two or more points, of their pairs
    of points that `predicted` also puts together."""
    counts = np.bincount(own * k + predicted, minlength=k * k).reshape(k, k).astype(float)
    sizes = counts.sum(axis=1)
    together = (counts * (counts - 1)).sum(axis=1)
    kept = sizes >= 2
    if not kept.any():
        return float("nan")
    return float((together[kept] / (sizes[kept] * (sizes[kept] - 1))).min())


def _choose_k(table: pd.DataFrame, gains: np.ndarray, settings: SegmentSettings) -> pd.DataFrame:
    """Mark the eligible k and the chosen one, with the reason on every row."""
    ks = table["k"].to_numpy()
    strength = table["prediction_strength"].to_numpy()
    share = table["smallest_share"].to_numpy()
    silhouette = np.nan_to_num(table["silhouette"].to_numpy(), nan=-np.inf)
    reproducible = np.nan_to_num(strength, nan=-1.0) >= settings.min_prediction_strength
    large_enough = share >= settings.min_segment_share
    eligible = reproducible & large_enough
    structured = eligible & (np.nan_to_num(gains, nan=-np.inf) >= STRUCTURE_SILHOUETTE_GAIN)
    figures = [
        _figures(row, gain, settings) for row, gain in zip(table.itertuples(), gains, strict=True)
    ]

    if settings.k is not None:
        chosen, case = 0, "fixed"
    elif structured.any():
        chosen, case = int(np.flatnonzero(structured)[np.argmax(silhouette[structured])]), "clear"
    elif eligible.any():
        chosen, case = int(np.flatnonzero(eligible)[-1]), "weak"
    else:
        pool = np.flatnonzero(large_enough) if large_enough.any() else np.arange(len(ks))
        chosen = int(pool[np.argmax(np.nan_to_num(strength[pool], nan=-1.0))])
        case = "none"

    best = ks[chosen]
    best_gain = float(np.nan_to_num(gains, nan=-np.inf)[eligible].max()) if eligible.any() else 0.0
    reproducible_ks = [int(k) for k in ks[reproducible]]
    reasons = []
    for i in range(len(ks)):
        failures = _failures(strength[i], share[i], settings)
        if i == chosen:
            reasons.append(
                _chosen_reason(case, best, figures[i], failures, best_gain, reproducible_ks)
            )
        elif not eligible[i]:
            reasons.append(f"Not eligible: {'; '.join(failures)} ({figures[i]}).")
        elif case == "clear" and structured[i]:
            reasons.append(
                f"Eligible, not chosen: less well separated than k={best} (silhouette "
                f"{silhouette[i]:.2f} against {silhouette[chosen]:.2f}; {figures[i]})."
            )
        elif case == "clear":
            reasons.append(
                "Eligible, not chosen: it shows no cluster structure beyond the shape of the "
                f"data (silhouette gain {gains[i]:.2f} < {STRUCTURE_SILHOUETTE_GAIN:.2f}), "
                f"k={best} does ({figures[i]})."
            )
        else:
            reasons.append(
                f"Eligible, not chosen: structure is weak, so the largest eligible k (k={best}) "
                f"is used ({figures[i]})."
            )
    # The thresholds the rule applied, with its figures (the report draws them).
    table["min_prediction_strength"] = settings.min_prediction_strength
    table["min_segment_share"] = settings.min_segment_share
    table["is_eligible"] = eligible
    table["is_chosen"] = np.arange(len(ks)) == chosen
    table["reason"] = reasons
    return table[K_SELECTION_COLUMNS]


def _figures(row, gain: float, settings: SegmentSettings) -> str:
    strength = (
        "not measured"
        if np.isnan(row.prediction_strength)
        else f"{row.prediction_strength:.2f} over {settings.prediction_strength_splits} half-splits"
    )
    return (
        f"prediction strength {strength}, smallest segment "
        f"{row.smallest_share:.1%} of customers, silhouette {row.silhouette:.2f}, "
        f"{gain:.2f} above the structureless reference"
    )


def _failures(strength: float, share: float, settings: SegmentSettings) -> list[str]:
    """Why a k is not eligible (empty when it is)."""
    failures = []
    if np.isnan(strength):
        failures.append("too few customers in a half sample to measure prediction strength")
    elif strength < settings.min_prediction_strength:
        failures.append(
            f"its segments do not reproduce on half samples (prediction strength "
            f"{strength:.2f} < {settings.min_prediction_strength:.2f})"
        )
    if share < settings.min_segment_share:
        failures.append(
            f"its smallest segment holds {share:.1%} of customers "
            f"(< {settings.min_segment_share:.1%})"
        )
    return failures


def _chosen_reason(
    case: str,
    k: int,
    figures: str,
    failures: list[str],
    best_gain: float,
    reproducible_ks: list[int],
) -> str:
    """The reason on the chosen row: `best_gain` is the largest silhouette gain of an
    eligible k, `reproducible_ks` the k that reach the prediction strength threshold."""
    if case == "fixed":
        verdict = (
            "it meets the automatic rule's conditions"
            if not failures
            else f"the automatic rule would not accept it: {'; '.join(failures)}"
        )
        return f"Chosen: k={k} is fixed by the setting segments.k ({figures}); {verdict}."
    if case == "clear":
        return (
            f"Chosen: k={k} has the highest silhouette of the eligible k that show cluster "
            f"structure ({figures}). Cluster structure found: its silhouette exceeds that "
            "of a structureless cloud of the same shape by at least "
            f"{STRUCTURE_SILHOUETTE_GAIN:.2f}."
        )
    if case == "weak":
        return (
            f"Chosen: k={k} is the largest eligible k ({figures}). Structure is weak: no "
            "eligible k separates the customers much better than a structureless cloud of "
            f"the same shape (silhouette gain at most {best_gain:.2f} < "
            f"{STRUCTURE_SILHOUETTE_GAIN:.2f}), so the segments cut a continuum and the "
            "finest cut that still reproduces is used."
        )
    if reproducible_ks:
        why = (
            f"The segments of k={', '.join(map(str, reproducible_ks))} reproduce but one of "
            "them is under the minimum share: a small distinct group, better served by a rule "
            "segment (or lower segments.min_segment_share)"
        )
    else:
        why = (
            "Structure is weak: the customers form no groups that reproduce on half samples; "
            "treat the segments with caution or fix segments.k"
        )
    return (
        f"Chosen although not eligible ({'; '.join(failures)}): no k is eligible, so the "
        f"most reproducible k is used ({figures}). {why}."
    )


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
