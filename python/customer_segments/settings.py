"""Clustering settings: one frozen dataclass, filled from the dbt var `segments`."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, fields
from typing import Any

SCALINGS = ("standard", "robust")


class SettingsError(ValueError):
    """A setting in the dbt var `segments` is not usable; the message says which and why."""


@dataclass(frozen=True)
class SegmentSettings:
    """How customers are segmented. Every field is documented in the README."""

    features: tuple[str, ...] = (
        "age",
        "annual_income",
        "recency_days",
        "frequency",
        "monetary_value",
    )
    log_features: tuple[str, ...] = ("annual_income", "recency_days", "frequency", "monetary_value")
    scaling: str = "standard"
    k: int | None = None
    k_min: int = 2
    k_max: int = 8
    seed: int = 42
    n_init: int = 10
    selection_sample_size: int = 20_000
    fit_sample_size: int = 200_000
    # Winsorising: each transformed feature is clipped to these quantiles before
    # scaling, so one extreme customer cannot take a segment of its own.
    clip_quantile: float = 0.005
    # Choosing k (README "How k is chosen"): a k is eligible when every segment holds at
    # least this share of customers and its segments reproduce on half samples
    # (prediction strength, averaged over this many half-splits, at least this high).
    min_segment_share: float = 0.05
    min_prediction_strength: float = 0.75
    prediction_strength_splits: int = 10

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise SettingsError(
                f"segments.scaling is '{self.scaling}': use one of {', '.join(SCALINGS)}."
            )
        if not self.features:
            raise SettingsError("segments.features is empty: name at least one feature column.")
        if self.k is not None and self.k < 2:
            raise SettingsError(f"segments.k is {self.k}: use 2 or more, or null to choose k.")
        if not 2 <= self.k_min <= self.k_max:
            raise SettingsError(
                f"segments.k_min={self.k_min}, k_max={self.k_max}: need 2 <= k_min <= k_max."
            )
        if not 0.0 <= self.min_segment_share <= 0.5:
            raise SettingsError(
                f"segments.min_segment_share is {self.min_segment_share}: use a share of "
                "customers between 0 and 0.5 (0.05 = 5 %)."
            )
        if not 0.0 <= self.min_prediction_strength <= 1.0:
            raise SettingsError(
                f"segments.min_prediction_strength is {self.min_prediction_strength}: use a "
                "value between 0 and 1."
            )
        if self.prediction_strength_splits < 1:
            raise SettingsError(
                f"segments.prediction_strength_splits is {self.prediction_strength_splits}: "
                "use 1 or more."
            )
        unknown = sorted(set(self.log_features) - set(self.features))
        if unknown:
            raise SettingsError(
                f"segments.log_features names {', '.join(unknown)}, not in segments.features."
            )

    @property
    def k_candidates(self) -> list[int]:
        if self.k is not None:
            return [self.k]
        return list(range(self.k_min, self.k_max + 1))

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | str | None) -> SegmentSettings:
        """Build settings from the dbt var (a dict, or its JSON/Python text form)."""
        if values is None or values == "":
            return cls()
        if isinstance(values, str):
            values = _parse_text(values)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(
                f"segments has unknown setting(s) {', '.join(unknown)}: "
                f"known ones are {', '.join(sorted(known))}."
            )
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("features", "log_features"):
                clean[key] = tuple(value or ())
            elif value is None or key == "scaling":
                clean[key] = value
            elif key in ("clip_quantile", "min_segment_share", "min_prediction_strength"):
                clean[key] = float(value)
            else:
                clean[key] = int(value)
        return cls(**clean)

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True)


def _parse_text(text: str) -> dict[str, Any]:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)
