"""The four steps the dbt Python models run, each a frame in and a frame out.

    k_selection_table      customer_features -> marts.segment_k_selection
    centroids_table        customer_features + k selection (+ the previous run's
                           centroids, for stable ids and names) -> marts.segment_centroids
    customer_segments_table customer_features + centroids -> marts.customer_segments
    traits_table           customer_features + centroids -> marts.segment_traits

Only the clustered customers (customer_features.segment_rule is null) are fitted and
described against each other; the others go to their rule segment (cluster_rows).

The dbt models read the refs (read_features) and write what these return. The feature
mart comes in as an Arrow table (or a pandas DataFrame); every step works on numpy
columns of the features it needs, never row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_segments.clustering import (
    ClusteringError,
    FeatureScaling,
    Frame,
    assign,
    column_names,
    customer_ids,
    customer_order,
    fingerprint,
    fit,
    numeric,
    ordered_columns,
    prepare,
    scale,
    select_k,
    stable_ids,
)
from customer_segments.naming import FeatureLabel, archetypes, segment_names, segment_traits
from customer_segments.settings import SegmentSettings

SCALING_COLUMNS = ["transform", "impute_value", "clip_low", "clip_high", "center", "scale"]
# marts.customer_features.segment_rule: null = clustered, else the customer's rule
# segment. Rule segments have fixed ids below the cluster ids (1..k).
RULE_COLUMN = "segment_rule"
RULE_SEGMENT_IDS = {"no_purchase": 0}
# What marts.segments adds up as a segment's revenue.
REVENUE_COLUMN = "monetary_value"


def dropped_text(dropped: tuple[tuple[str, str], ...]) -> str | None:
    """Features left out of the fit, as 'feature (reason)'; None when all were used."""
    return "; ".join(f"{feature} ({reason})" for feature, reason in dropped) or None


def stored_model(session, relation: str, required: bool = True) -> pd.DataFrame | None:
    """The table a previous run stored (the dbt Python models' own `this`).

    Used to score against the stored model (var segments_mode = 'score') and to keep
    segment ids stable. None when the table does not exist (a first run) and is not
    required. A table that exists but cannot be read is an error, never None: without
    it every segment id would silently start again from 1.
    """
    try:
        return session.sql(f"select * from {relation}").df()
    except duckdb.CatalogException as error:  # no such table (or schema): a first run
        if required:
            raise no_stored_model(relation) from error
        return None
    except duckdb.Error as error:
        raise unreadable_model(relation, error) from error


def no_stored_model(relation: str) -> ClusteringError:
    return ClusteringError(
        f"segments_mode is 'score' but {relation} holds no stored model: "
        "run once with segments_mode 'fit'."
    )


def unreadable_model(relation: str, error: Exception) -> ClusteringError:
    detail = (str(error).strip().splitlines() or [""])[0]
    return ClusteringError(
        f"The stored model {relation} exists but cannot be read ({type(error).__name__}: "
        f"{detail}): the segment ids continue from it, so the build stops. Repair the "
        "table, or drop it to start afresh with new segment ids."
    )


def read_features(relation, features) -> Frame:
    """The feature mart (a DuckDB relation) as Arrow, with only customer_id and the
    named features: at 1M customers the text columns the clustering never reads cost
    more to convert than the numbers. A name that is not a column is left out here
    and reported by prepare()."""
    return relation.select(*fit_columns(relation.columns, features)).to_arrow_table()


def fit_columns(columns, features) -> list[str]:
    """What the steps read of the feature mart: the key, the rule column, the revenue
    (for revenue_index) and the named features, those of them that are columns."""
    wanted = dict.fromkeys(["customer_id", RULE_COLUMN, REVENUE_COLUMN, *features])
    return [c for c in wanted if c in columns]


def k_selection_table(features: Frame, settings: SegmentSettings) -> pd.DataFrame:
    prepared = prepare(_clustered(features), settings)
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


def cluster_rows(frame: Frame) -> tuple[Frame, Frame | None]:
    """The customers KMeans clusters, and the others (None when there are none).

    marts.customer_features.segment_rule decides: null = clustered; otherwise the
    rule segment the customer belongs to (customers without a completed order, when
    the data has orders). They are never clustered on made-up purchase values.
    """
    if RULE_COLUMN not in column_names(frame):
        return frame, None
    if isinstance(frame, pa.Table):
        clustered = pc.is_null(frame.column(RULE_COLUMN))
        rules = frame.filter(pc.invert(clustered))
        return frame.filter(clustered), (rules if rules.num_rows else None)
    clustered = frame[RULE_COLUMN].isna()
    rules = frame[~clustered]
    return frame[clustered], (rules if len(rules) else None)


def _clustered(features: Frame) -> Frame:
    clustered, _ = cluster_rows(features)
    if len(clustered) == 0:
        raise ClusteringError(
            "No customer to cluster: the data has orders but no customer has a completed "
            "one (check the status mapping: expressions.status or the raw status values)."
        )
    return clustered


def previous_names(previous: pd.DataFrame | None) -> dict[int, tuple[str, str]] | None:
    """Each previous segment's name and the traits it named (for names that stay)."""
    if previous is None or previous.empty or "named_traits" not in previous.columns:
        return None
    rows = previous.drop_duplicates("segment_id")
    return {
        int(row.segment_id): (row.segment_name, row.named_traits or "") for row in rows.itertuples()
    }


def revenue_index(
    features: Frame, clustered: Frame, segment_of: np.ndarray
) -> dict[int, float] | None:
    """Each cluster segment's revenue per customer against the average customer's,
    rule segments' customers included: the report's "Per head" (marts.segments'
    share_of_revenue / share_of_customers). `segment_of` is the segment id of every
    clustered customer in customer id order (as prepare() orders them). None when
    the data has no revenue, as the report then shows no "Per head"."""
    if REVENUE_COLUMN not in column_names(features):
        return None
    every = np.nan_to_num(numeric(features, REVENUE_COLUMN))
    if every.sum() == 0:
        return None
    average = every.mean()
    own = np.nan_to_num(ordered_columns(clustered, [REVENUE_COLUMN])[1][REVENUE_COLUMN])
    revenue = np.bincount(segment_of, weights=own)
    sizes = np.bincount(segment_of)
    return {int(i): float(revenue[i] / sizes[i] / average) for i in np.flatnonzero(sizes)}


def centroids_table(
    features: Frame,
    k_selection: pd.DataFrame,
    settings: SegmentSettings,
    previous: pd.DataFrame | None = None,
    labels: dict[str, FeatureLabel] | None = None,
) -> pd.DataFrame:
    clustered = _clustered(features)
    prepared = prepare(clustered, settings)
    k = chosen_k(k_selection)
    centers, stability = fit(prepared.matrix, k, settings)
    nearest, _, _ = assign(prepared.matrix, centers)
    sizes = np.bincount(nearest, minlength=k)
    ids = stable_ids(centers, sizes, previous_centers(previous, prepared.scalings))
    traits = segment_traits(
        prepared.features, labels or {}, prepared.values, prepared.matrix, ids[nearest]
    )
    names = segment_names(traits, previous_names(previous))
    kinds = archetypes(traits, revenue_index(features, clustered, ids[nearest]))
    model_id = fingerprint(prepared, settings)
    rows = []
    for label in np.argsort(ids, kind="stable"):
        segment_id = int(ids[label])
        for position, scaling in enumerate(prepared.scalings):
            rows.append(
                {
                    "segment_id": segment_id,
                    "segment_name": names[segment_id][0],
                    "named_traits": names[segment_id][1],
                    "archetype": kinds[segment_id],
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


@dataclass(frozen=True)
class Assignment:
    """The clustered customers, each at its nearest stored centroid."""

    customer_ids: np.ndarray
    segment_ids: np.ndarray
    distance: np.ndarray
    second_distance: np.ndarray
    imputed: np.ndarray
    matrix: np.ndarray  # scaled values, one column per model feature
    values: np.ndarray  # own values (NaN where missing), same columns


def assignment(clustered: Frame, centroids: pd.DataFrame) -> Assignment:
    """The same rule the SQL scoring macro uses: impute, transform, clip, scale, and
    the nearest centroid (ties to the lower segment id)."""
    scalings = scalings_from(centroids)
    names = [s.feature for s in scalings]
    wide = centroids.pivot(index="segment_id", columns="feature", values="centroid_scaled")
    wide = wide.sort_index()[names]
    ids, columns = ordered_columns(clustered, names)
    matrix, imputed = scale(columns, scalings)
    nearest, d1, d2 = assign(matrix, wide.to_numpy(dtype=float))
    return Assignment(
        customer_ids=ids,
        segment_ids=wide.index.to_numpy()[nearest].astype("int64"),
        distance=d1,
        second_distance=d2,
        imputed=imputed,
        matrix=matrix,
        values=np.column_stack([columns[n] for n in names]),
    )


def rule_segments(playbook: pd.DataFrame) -> dict[str, tuple[int, str]]:
    """Rule -> (segment id, name): ids are fixed (RULE_SEGMENT_IDS), names are the
    playbook's labels of the rule's archetype."""
    label = dict(zip(playbook["archetype"], playbook["archetype_label"], strict=True))
    return {rule: (segment_id, label[rule]) for rule, segment_id in RULE_SEGMENT_IDS.items()}


def _rule_ids(rules: Frame) -> tuple[np.ndarray, np.ndarray]:
    """The rule customers' ids in ascending order (as ordered_columns gives their
    values) and each one's rule."""
    ids = customer_ids(rules)
    if isinstance(rules, pa.Table):
        rule = rules.column(RULE_COLUMN).to_numpy(zero_copy_only=False)
    else:
        rule = rules[RULE_COLUMN].to_numpy()
    order = customer_order(ids)
    return (ids, rule) if order is None else (ids[order], rule[order])


def customer_segments_table(
    features: Frame, centroids: pd.DataFrame, playbook: pd.DataFrame
) -> pd.DataFrame:
    """Every customer's segment: the nearest stored centroid for clustered customers,
    the rule segment for the others (no distance: they were not clustered)."""
    clustered, rules = cluster_rows(features)
    segments = centroids.drop_duplicates("segment_id").set_index("segment_id")
    names = [s.feature for s in scalings_from(centroids)]
    fitted = assignment(clustered, centroids)
    table = pd.DataFrame(
        {
            "customer_id": fitted.customer_ids,
            "segment_id": fitted.segment_ids,
            "segment_name": segments.loc[fitted.segment_ids, "segment_name"].to_numpy(),
            "segment_kind": "cluster",
            "distance_to_centroid": fitted.distance,
            "distance_to_second_centroid": fitted.second_distance,
            "imputed_features": imputed_text(fitted.imputed, names),
            "model_id": segments["model_id"].iloc[0],
        }
    )
    if rules is None:
        return table
    ids, rule_of = _rule_ids(rules)
    by_rule = rule_segments(playbook)
    ruled = pd.DataFrame(
        {
            "customer_id": ids,
            "segment_id": np.array([by_rule[r][0] for r in rule_of], dtype="int64"),
            "segment_name": [by_rule[r][1] for r in rule_of],
            "segment_kind": "rule",
            "distance_to_centroid": np.nan,
            "distance_to_second_centroid": np.nan,
            "imputed_features": None,
            "model_id": segments["model_id"].iloc[0],
        }
    )
    return pd.concat([table, ruled], ignore_index=True)


def traits_table(
    features: Frame,
    centroids: pd.DataFrame,
    playbook: pd.DataFrame,
    labels: dict[str, FeatureLabel] | None = None,
) -> pd.DataFrame:
    """marts.segment_traits: every segment against the clustered population, feature
    by feature (naming.segment_traits), with the segment's name."""
    clustered, rules = cluster_rows(features)
    names = [s.feature for s in scalings_from(centroids)]
    fitted = assignment(clustered, centroids)
    rule_values = {}
    if rules is not None:
        _, rule_of = _rule_ids(rules)
        _, columns = ordered_columns(rules, names)
        values = np.column_stack([columns[n] for n in names])
        for rule, (segment_id, _) in rule_segments(playbook).items():
            rule_values[segment_id] = values[rule_of == rule]
    table = segment_traits(
        names, labels or {}, fitted.values, fitted.matrix, fitted.segment_ids, rule_values
    )
    segment_name = dict(zip(centroids["segment_id"], centroids["segment_name"], strict=False))
    segment_name.update({i: name for i, name in rule_segments(playbook).values()})
    table.insert(1, "segment_name", table["segment_id"].map(segment_name))
    return table
