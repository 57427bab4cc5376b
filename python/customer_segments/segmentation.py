"""The three steps the dbt Python models run, each a frame in and a frame out.

    k_selection_table      customer_features -> marts.segment_k_selection
    centroids_table        customer_features + k selection (+ the previous run's
                           centroids, for stable ids) -> marts.segment_centroids
    customer_segments_table customer_features + centroids -> marts.customer_segments

The dbt models read the refs (read_features) and write what these return. The feature
mart comes in as an Arrow table (or a pandas DataFrame); every step works on numpy
columns of the features it needs, never row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_segments.clustering import (
    ClusteringError,
    FeatureScaling,
    Frame,
    assign,
    fingerprint,
    fit,
    ordered_columns,
    prepare,
    scale,
    select_k,
    stable_ids,
)
from customer_segments.naming import archetype, segment_names, trait_phrase
from customer_segments.settings import SegmentSettings

SCALING_COLUMNS = ["transform", "impute_value", "clip_low", "clip_high", "center", "scale"]


def dropped_text(dropped: tuple[tuple[str, str], ...]) -> str | None:
    """Features left out of the fit, as 'feature (reason)'; None when all were used."""
    return "; ".join(f"{feature} ({reason})" for feature, reason in dropped) or None


def stored_model(session, relation: str, required: bool = True) -> pd.DataFrame | None:
    """The table a previous run stored (the dbt Python models' own `this`).

    Used to score against the stored model (var segments_mode = 'score') and to keep
    segment ids stable. None when absent and not required.
    """
    try:
        return session.sql(f"select * from {relation}").df()
    except Exception as error:  # the DuckDB catalog error of a first run
        if required:
            raise ClusteringError(
                f"segments_mode is 'score' but {relation} holds no stored model: "
                "run once with segments_mode 'fit'."
            ) from error
        return None


def read_features(relation, features) -> Frame:
    """The feature mart (a DuckDB relation) as Arrow, with only customer_id and the
    named features: at 1M customers the text columns the clustering never reads cost
    more to convert than the numbers. A name that is not a column is left out here
    and reported by prepare()."""
    wanted = ["customer_id", *features]
    return relation.select(*[c for c in wanted if c in relation.columns]).to_arrow_table()


def k_selection_table(features: Frame, settings: SegmentSettings) -> pd.DataFrame:
    prepared = prepare(features, settings)
    table = select_k(prepared.matrix, settings)
    table["customers"] = len(prepared.customer_ids)
    table["features"] = ", ".join(prepared.features)
    table["dropped_features"] = pd.Series(
        [dropped_text(prepared.dropped)] * len(table), dtype="string"
    )
    return table


def chosen_k(k_selection: pd.DataFrame) -> int:
    chosen = k_selection.loc[k_selection["is_chosen"].astype(bool), "k"]
    if len(chosen) != 1:
        raise ClusteringError("marts.segment_k_selection must mark exactly one chosen k.")
    return int(chosen.iloc[0])


def previous_centers(
    previous: pd.DataFrame | None, scalings: tuple[FeatureScaling, ...]
) -> dict[int, np.ndarray] | None:
    """The previous run's centroids moved into this run's scaled space.

    None when there is no previous run or it used other features (ids start afresh).
    """
    if previous is None or previous.empty:
        return None
    features = [s.feature for s in scalings]
    if sorted(previous["feature"].unique()) != sorted(features):
        return None
    centers = {}
    for segment_id, rows in previous.groupby("segment_id"):
        rows = rows.set_index("feature").loc[features]
        transformed = rows["centroid_scaled"] * rows["scale"] + rows["center"]
        new = [(transformed[s.feature] - s.center) / s.scale for s in scalings]
        centers[int(segment_id)] = np.array(new, dtype=float)
    return centers


def untransform(value: np.ndarray, scaling: FeatureScaling) -> np.ndarray:
    """A value of the scaled space back in the feature's own units."""
    transformed = value * scaling.scale + scaling.center
    return np.expm1(transformed) if scaling.transform == "log1p" else transformed


def _mean(values: np.ndarray) -> float:
    """The mean of the present values (NaN when none), summed as pandas' mean does."""
    present = ~np.isnan(values)
    count = int(present.sum())
    return float(np.where(present, values, 0.0).sum() / count) if count else float("nan")


def key_traits(
    values: np.ndarray, labels: np.ndarray, center: np.ndarray, label: int, names: list[str]
) -> str:
    """The three strongest traits with the segment's mean against the overall mean.

    `values` holds the features' own values, one column per name, one row per label.
    """
    order = sorted(range(len(names)), key=lambda i: (-abs(center[i]), names[i]))[:3]
    members = labels == label
    parts = []
    for i in order:
        inside, overall = _mean(values[members, i]), _mean(values[:, i])
        parts.append(
            f"{trait_phrase(names[i], center[i])}: {names[i].replace('_', ' ')} "
            f"{_number(inside)} vs {_number(overall)} overall"
        )
    return "; ".join(parts)


def _number(value: float) -> str:
    if pd.isna(value):
        return "no value"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def centroids_table(
    features: Frame,
    k_selection: pd.DataFrame,
    settings: SegmentSettings,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    prepared = prepare(features, settings)
    k = chosen_k(k_selection)
    centers, stability = fit(prepared.matrix, k, settings)
    labels, _, _ = assign(prepared.matrix, centers)
    sizes = np.bincount(labels, minlength=k)
    ids = stable_ids(centers, sizes, previous_centers(previous, prepared.scalings))
    names = prepared.features
    segment_name = segment_names(names, centers, ids)
    model_id = fingerprint(prepared, settings)
    rows = []
    for label in np.argsort(ids, kind="stable"):
        traits_text = key_traits(prepared.values, labels, centers[label], label, names)
        for position, scaling in enumerate(prepared.scalings):
            rows.append(
                {
                    "segment_id": int(ids[label]),
                    "segment_name": segment_name[label],
                    "archetype": archetype(names, centers[label]),
                    "key_traits": traits_text,
                    "segment_size": int(sizes[label]),
                    "feature": scaling.feature,
                    "feature_position": position + 1,
                    "transform": scaling.transform,
                    "impute_value": scaling.impute_value,
                    "clip_low": scaling.clip_low,
                    "clip_high": scaling.clip_high,
                    "center": scaling.center,
                    "scale": scaling.scale,
                    "centroid_scaled": float(centers[label, position]),
                    "centroid_original": float(untransform(centers[label, position], scaling)),
                    "k": k,
                    "stability_ari": stability,
                    "dropped_features": dropped_text(prepared.dropped),
                    "model_id": model_id,
                }
            )
    table = pd.DataFrame(rows)
    table["dropped_features"] = table["dropped_features"].astype("string")
    return table


def scalings_from(centroids: pd.DataFrame) -> tuple[FeatureScaling, ...]:
    per_feature = centroids.drop_duplicates("feature").sort_values("feature_position").reset_index()
    return tuple(
        FeatureScaling(row.feature, *(getattr(row, c) for c in SCALING_COLUMNS))
        for row in per_feature.itertuples()
    )


def imputed_text(imputed: np.ndarray, names: list[str]) -> np.ndarray:
    """Per row, the names of the imputed features ('age, recency_days'), None for none.

    Rows share few distinct patterns: each pattern's text is built once and looked up.
    """
    if imputed.shape[1] < 63:  # each pattern as one integer: a fast 1-d unique
        codes = imputed.astype(np.int64) @ (np.int64(1) << np.arange(imputed.shape[1]))
        _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        patterns = imputed[first]
    else:
        patterns, inverse = np.unique(imputed, axis=0, return_inverse=True)
    texts = np.array(
        [
            ", ".join(n for n, hit in zip(names, row, strict=True) if hit) or None
            for row in patterns
        ],
        dtype=object,
    )
    return texts[inverse.reshape(-1)]


def customer_segments_table(features: Frame, centroids: pd.DataFrame) -> pd.DataFrame:
    """Every customer's nearest stored centroid: the same rule the SQL scoring macro uses."""
    scalings = scalings_from(centroids)
    names = [s.feature for s in scalings]
    wide = centroids.pivot(index="segment_id", columns="feature", values="centroid_scaled")
    wide = wide.sort_index()[names]
    segments = centroids.drop_duplicates("segment_id").set_index("segment_id").loc[wide.index]
    customer_ids, columns = ordered_columns(features, names)
    matrix, imputed = scale(columns, scalings)
    nearest, d1, d2 = assign(matrix, wide.to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "customer_id": customer_ids,
            "segment_id": wide.index.to_numpy()[nearest].astype("int64"),
            "segment_name": segments["segment_name"].to_numpy()[nearest],
            "distance_to_centroid": d1,
            "distance_to_second_centroid": d2,
            "imputed_features": imputed_text(imputed, names),
            "model_id": segments["model_id"].iloc[0],
        }
    )
