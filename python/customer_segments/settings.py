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
            elif key == "clip_quantile":
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
