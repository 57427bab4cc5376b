"""Readable names and marketing archetypes for segments, from their centroids.

A segment is described by the traits that set it apart from the whole population:
its centroid in scaled units is roughly "standard deviations from the average". The
name never depends on the order of the labels, only on the centroid values.
"""

from __future__ import annotations

import numpy as np

# feature -> (phrase when above average, phrase when below average)
TRAIT_PHRASES: dict[str, tuple[str, str]] = {
    "age": ("older", "young"),
    "annual_income": ("high income", "low income"),
    "recency_days": ("lapsed", "recent buyers"),
    "frequency": ("frequent", "infrequent"),
    "monetary_value": ("high spend", "low spend"),
    "spending_score": ("high spending score", "low spending score"),
    "avg_order_value": ("large baskets", "small baskets"),
    "item_quantity": ("many items", "few items"),
    "order_count": ("many orders", "few orders"),
    "return_rate": ("many returns", "few returns"),
    "cancel_rate": ("many cancellations", "few cancellations"),
    "tenure_days": ("long-standing", "new"),
}
# A trait counts only when the centroid is at least this far from the average.
MIN_TRAIT = 0.25

ARCHETYPES = (
    "champions",
    "big_spenders",
    "loyal_regulars",
    "bargain_hunters",
    "high_potential",
    "at_risk",
    "lapsed",
    "low_value",
    "core",
)


def trait_phrase(feature: str, z: float) -> str:
    high, low = TRAIT_PHRASES.get(feature, (f"high {feature}", f"low {feature}"))
    return high if z > 0 else low


def traits(features: list[str], center: np.ndarray, count: int) -> list[str]:
    """The `count` strongest traits of one centroid, strongest first."""
    order = sorted(range(len(features)), key=lambda i: (-abs(center[i]), features[i]))
    return [
        trait_phrase(features[i], center[i]) for i in order[:count] if abs(center[i]) >= MIN_TRAIT
    ]


def _capitalised(phrases: list[str]) -> str:
    text = ", ".join(phrases) if phrases else "average customers"
    return text[0].upper() + text[1:]


def segment_names(features: list[str], centers: np.ndarray, ids: np.ndarray) -> list[str]:
    """A unique short name per segment: two traits, three where two collide, then the id."""
    names = [_capitalised(traits(features, c, 2)) for c in centers]
    for count in (3, len(features)):
        clashes = {n for n in names if names.count(n) > 1}
        names = [
            _capitalised(traits(features, c, count)) if n in clashes else n
            for n, c in zip(names, centers, strict=True)
        ]
    clashes = {n for n in names if names.count(n) > 1}
    return [f"{n} (segment {i})" if n in clashes else n for n, i in zip(names, ids, strict=True)]


def archetype(features: list[str], center: np.ndarray) -> str:
    """The marketing archetype of one centroid; the playbook seed maps it to an action."""
    z = dict(zip(features, center, strict=True))
    recency = z.get("recency_days")
    frequency = z.get("frequency", z.get("order_count"))
    value = z.get("monetary_value", z.get("spending_score"))
    income = z.get("annual_income")
    if recency is not None and recency > 0.75:
        return "at_risk" if (value or 0) > 0 or (frequency or 0) > 0 else "lapsed"
    if value is not None and value > 0.75:
        if frequency is None or frequency > 0.5:
            return "champions"
        return "big_spenders"
    if frequency is not None and frequency > 0.5:
        return "loyal_regulars" if (value or 0) >= 0 else "bargain_hunters"
    if income is not None and income > 0.5 and (value is None or value < 0):
        return "high_potential"
    if value is not None and value < -0.5:
        return "bargain_hunters" if income is not None and income < -0.25 else "low_value"
    return "core"
