"""The model card: how k was chosen (marts.segment_k_selection) and how each feature
was scaled (marts.segment_centroids)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_segments.report.errors import ReportError
from customer_segments.report.types import KCandidate, Model, ScaledFeature
from customer_segments.report.values import as_bool, as_float, as_int, as_text
from customer_segments.report.warehouse import CENTROIDS, K_SELECTION, Warehouse, quoted


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
