"""What sets each segment apart, in numbers first and words second.

`segment_traits` compares every segment with the population of clustered customers,
feature by feature, and returns data (marts.segment_traits):

    segment_value, population_value   medians in the feature's own units: what a
                                      marketer reads; medians because money and
                                      counts are skewed (a mean is pulled by a few
                                      wholesale buyers, a median is not)
    direction                         higher / lower / same, the sign of
                                      segment_value - population_value, always
    effect_size                       the difference of means in the model's scaled
                                      space (standard deviations of the transformed
                                      feature): how far the segment really sits
    is_material                       |effect_size| >= MATERIAL_EFFECT and the effect
                                      points the same way as the medians

Names and archetypes are built from the material traits only, so a word never
contradicts the numbers shown beside it. A name depends on the traits, never on the
order of the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# A trait is material when the segment's mean sits at least this many standard
# deviations (of the transformed, clipped feature) from the population's mean: half
# a standard deviation, Cohen's "medium" effect. 49.5 against 50.2 on a spending
# score with a spread of 25 is an effect of 0.03: not a trait.
MATERIAL_EFFECT = 0.5
NAME_TRAITS = 2


@dataclass(frozen=True)
class FeatureLabel:
    """How a feature is shown to people (the seed feature_labels, or an extra column's
    label from the mapping)."""

    feature: str
    label: str
    higher_phrase: str
    lower_phrase: str
    kind: str  # "purchase" (from orders) or "attribute" (from the customers table)

    def phrase(self, direction: str | None) -> str | None:
        return {"higher": self.higher_phrase, "lower": self.lower_phrase}.get(direction or "")


def readable_label(feature: str) -> FeatureLabel:
    """The label of a feature nobody labelled: its name made readable."""
    label = feature.replace("_", " ").strip().capitalize()
    return FeatureLabel(
        feature, label, f"high {label.lower()}", f"low {label.lower()}", "attribute"
    )


def labels_from(table: pd.DataFrame | None) -> dict[str, FeatureLabel]:
    """The labels model (feature, feature_label, higher_phrase, lower_phrase,
    feature_kind) as FeatureLabels by feature."""
    if table is None:
        return {}
    return {
        row.feature: FeatureLabel(
            row.feature, row.feature_label, row.higher_phrase, row.lower_phrase, row.feature_kind
        )
        for row in table.itertuples()
    }


def label_of(feature: str, labels: dict[str, FeatureLabel]) -> FeatureLabel:
    return labels.get(feature) or readable_label(feature)


def _direction(segment: float, population: float) -> str | None:
    if np.isnan(segment) or np.isnan(population):
        return None
    return "higher" if segment > population else "lower" if segment < population else "same"


def _medians(values: np.ndarray, segment_of: np.ndarray, segment_ids: list[int]) -> np.ndarray:
    """Median of each column per segment (NaN where a segment has no value)."""
    frame = pd.DataFrame(values)
    frame["segment"] = segment_of
    medians = frame.groupby("segment").median().reindex(segment_ids)
    return medians.to_numpy(dtype=float)


def segment_traits(
    features: list[str],
    labels: dict[str, FeatureLabel],
    values: np.ndarray,
    matrix: np.ndarray,
    segment_of: np.ndarray,
    rule_values: dict[int, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per segment x feature (see the module docstring).

    values: the clustered customers' own values (NaN where missing), one column per
    feature; matrix: the same customers in the model's scaled space; segment_of: the
    segment id of each row. rule_values: for each rule segment, its members' own
    values; they get medians and a direction but no effect size (they were not
    clustered) and are never material.
    """
    cluster_ids = sorted(int(i) for i in np.unique(segment_of))
    population = np.array(
        [np.nanmedian(c) if (~np.isnan(c)).any() else np.nan for c in values.T], dtype=float
    )
    medians = _medians(values, segment_of, cluster_ids)
    means = pd.DataFrame(matrix).groupby(segment_of).mean().reindex(cluster_ids).to_numpy()
    effects = means - matrix.mean(axis=0)
    rows = []
    for position, feature in enumerate(features):
        for s, segment_id in enumerate(cluster_ids):
            rows.append(
                _trait(
                    segment_id,
                    "cluster",
                    feature,
                    position,
                    labels,
                    medians[s, position],
                    population[position],
                    float(effects[s, position]),
                )
            )
    for segment_id, members in sorted((rule_values or {}).items()):
        for position, feature in enumerate(features):
            column = members[:, position] if len(members) else np.array([])
            median = float(np.nanmedian(column)) if (~np.isnan(column)).any() else np.nan
            rows.append(
                _trait(
                    segment_id,
                    "rule",
                    feature,
                    position,
                    labels,
                    median,
                    population[position],
                    None,
                )
            )
    table = pd.DataFrame(rows)
    strength = table["effect_size"].abs().where(table["is_material"])
    table["trait_rank"] = (
        strength.groupby(table["segment_id"]).rank(ascending=False, method="first").astype("Int64")
    )
    return table


def _trait(
    segment_id: int,
    kind: str,
    feature: str,
    position: int,
    labels: dict[str, FeatureLabel],
    segment_value: float,
    population_value: float,
    effect: float | None,
) -> dict:
    label = label_of(feature, labels)
    direction = _direction(segment_value, population_value)
    material = (
        effect is not None
        and abs(effect) >= MATERIAL_EFFECT
        and direction == ("higher" if effect > 0 else "lower")
    )
    return {
        "segment_id": segment_id,
        "segment_kind": kind,
        "feature": feature,
        "feature_label": label.label,
        "feature_kind": label.kind,
        "feature_position": position + 1,
        "segment_value": None if np.isnan(segment_value) else float(segment_value),
        "population_value": None if np.isnan(population_value) else float(population_value),
        "direction": direction,
        "effect_size": effect,
        "is_material": bool(material),
        "phrase": label.phrase(direction),
    }


def material(traits: pd.DataFrame, segment_id: int) -> pd.DataFrame:
    """A segment's material traits, strongest first."""
    rows = traits[(traits["segment_id"] == segment_id) & traits["is_material"]]
    return rows.sort_values("trait_rank")


def _name(rows: pd.DataFrame) -> str:
    """The traits' phrases in feature order (so two runs with the same traits give
    the same words in the same order), capitalised."""
    if rows.empty:
        return "Average customers"
    text = ", ".join(rows.sort_values("feature_position")["phrase"])
    return text[0].upper() + text[1:]


def named_traits(rows: pd.DataFrame) -> str:
    """The traits a name was made from, as stored with the model: 'age:lower,...'."""
    ordered = rows.sort_values("feature_position")
    return ",".join(
        f"{f}:{d}" for f, d in zip(ordered["feature"], ordered["direction"], strict=True)
    )


def segment_names(
    traits: pd.DataFrame, previous: dict[int, tuple[str, str]] | None = None
) -> dict[int, tuple[str, str]]:
    """A unique short name per cluster segment, and the traits it names.

    Two strongest material traits; three, then all, where names collide; then the id.
    A segment that kept its id keeps its previous name while every trait that name
    stands for is still material with the same direction (`previous`: id -> (name,
    named traits)), so a small shift in strengths does not rename it.
    """
    clusters = sorted(traits.loc[traits["segment_kind"] == "cluster", "segment_id"].unique())
    strongest = {i: material(traits, i) for i in clusters}
    chosen = {i: strongest[i].head(NAME_TRAITS) for i in clusters}
    for count in (NAME_TRAITS + 1, traits["feature"].nunique()):
        names = {i: _name(rows) for i, rows in chosen.items()}
        clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
        chosen = {
            i: strongest[i].head(count) if names[i] in clashes else chosen[i] for i in clusters
        }
    result = {i: (_name(rows), named_traits(rows)) for i, rows in chosen.items()}
    for i, (old_name, old_traits) in (previous or {}).items():
        if i not in result or not old_traits:
            continue
        now = {
            f"{f}:{d}"
            for f, d in zip(strongest[i]["feature"], strongest[i]["direction"], strict=True)
        }
        others = {name for j, (name, _) in result.items() if j != i}
        if set(old_traits.split(",")) <= now and old_name not in others:
            result[i] = (old_name, old_traits)
    names = [name for name, _ in result.values()]
    return {
        i: (f"{name} (segment {i})" if names.count(name) > 1 else name, named)
        for i, (name, named) in result.items()
    }


PURCHASE_ARCHETYPES = (
    "champions",
    "at_risk",
    "fading_regulars",
    "lapsed",
    "loyal_regulars",
    "bargain_hunters",
    "big_spenders",
    "big_baskets",
    "new_customers",
    "low_value",
)
# No material trait at all; and a profile described by its own traits (the
# playbook's description holds {traits}), used where no archetype's text fits.
CORE, PROFILE = "core", "profile"

# What an archetype's text (the playbook seed) says of the segment's revenue per
# customer, which the report shows beside it ("Per head", the segment's mean revenue
# against every customer's): "higher" (spend more than most customers), "lower"
# (spend less), "not higher" (do not stand out as high-spending). The traits are
# medians, so a segment can have a typical spend above the population's and still
# bring in less per head than the average (a few big buyers elsewhere pull the mean
# up): such a segment is not called a big spender; it is a profile of its own
# traits. An archetype not listed here says nothing of revenue per customer.
REVENUE_CLAIMS = {
    "champions": "higher",
    "at_risk": "higher",
    "big_spenders": "higher",
    "low_value": "lower",
    "lapsed": "not higher",
    "new_customers": "not higher",
}


def _claim_holds(claim: str | None, revenue_index: float | None) -> bool:
    """Whether a revenue claim holds for a segment whose revenue per customer is
    `revenue_index` times the average (None: the data has no revenue to check)."""
    if claim is None or revenue_index is None:
        return True
    return {
        "higher": revenue_index > 1,
        "lower": revenue_index < 1,
        "not higher": revenue_index <= 1,
    }[claim]


def _purchase_archetype(d: dict[str, str]) -> str | None:
    """RFM archetypes from material purchase traits (d: feature -> direction). Each
    archetype's text claims only what its branch here requires."""
    recency = d.get("recency_days")
    frequency = d.get("frequency", d.get("order_count"))
    value = d.get("monetary_value")
    basket = d.get("avg_order_value")
    if recency == "higher":
        if value == "higher":
            return "at_risk"
        return "fading_regulars" if frequency == "higher" else "lapsed"
    if frequency == "higher":
        if value == "higher":
            return "champions"
        return "bargain_hunters" if "lower" in (value, basket) else "loyal_regulars"
    if value == "higher":
        return "big_spenders"
    if basket == "higher":
        return "big_baskets"
    if recency == "lower":
        return "new_customers"
    if "lower" in (value, frequency, basket):
        return "low_value"
    return None


def _attribute_archetype(d: dict[str, str]) -> str | None:
    income, score = d.get("annual_income"), d.get("spending_score")
    if income is None or score is None:
        return None
    return {
        ("higher", "higher"): "affluent_enthusiasts",
        ("higher", "lower"): "high_potential",
        ("lower", "higher"): "budget_enthusiasts",
        ("lower", "lower"): "budget_cautious",
    }[(income, score)]


def archetypes(
    traits: pd.DataFrame, revenue_index: dict[int, float] | None = None
) -> dict[int, str]:
    """The marketing archetype of every cluster segment, from its material traits.

    Purchase archetypes (champions, at risk, ...) only from material purchase traits,
    so attribute-only data never gets a claim about purchases. Income against
    spending score gives the four attribute archetypes of the mall-customers data.
    Any other set of traits is a `profile`, described by its own traits; no material
    trait at all is `core`. An archetype whose text says more of revenue per customer
    than `revenue_index` (segment id -> its revenue per customer against the average
    customer's, as the report shows it) bears out is a `profile` too (REVENUE_CLAIMS).
    Two segments whose traits point opposite ways never share an archetype's text:
    the weaker of them becomes a `profile`.
    """
    clusters = sorted(traits.loc[traits["segment_kind"] == "cluster", "segment_id"].unique())
    directions, result = {}, {}
    for i in clusters:
        rows = material(traits, i)
        d = dict(zip(rows["feature"], rows["direction"], strict=True))
        kinds = dict(zip(rows["feature"], rows["feature_kind"], strict=True))
        purchase = {f: v for f, v in d.items() if kinds[f] == "purchase"}
        directions[i] = d
        kind = _purchase_archetype(purchase)
        if not _claim_holds(REVENUE_CLAIMS.get(kind), (revenue_index or {}).get(i)):
            kind = PROFILE
        result[i] = kind or _attribute_archetype(d) or (PROFILE if d else CORE)
    strength = {i: float(material(traits, i)["effect_size"].abs().sum()) for i in clusters}
    for i in sorted(clusters, key=lambda i: (strength[i], -i)):
        if result[i] in (PROFILE, CORE):
            continue
        rivals = [j for j in clusters if j != i and result[j] == result[i]]
        if any(_opposite(directions[i], directions[j]) for j in rivals):
            result[i] = PROFILE
    return result


def _opposite(a: dict[str, str], b: dict[str, str]) -> bool:
    return any(b.get(feature) not in (None, direction) for feature, direction in a.items())
