"""Clustering settings: one frozen dataclass, filled from the dbt var `segments`.

One place for every default: the fields of SegmentSettings below. The README's
Settings table lists the same fields with the same defaults (tests/test_settings.py
checks it both ways); `segments:` in dbt_project.yml holds only what a project changes.

The settings of a build are merged key by key, each key taken from the last of three
layers that sets it:

    SegmentSettings defaults  <-  dbt_project.yml vars.segments  <-  var('segments')

dbt does not merge nested vars: `--vars '{segments: {k: 5}}'` replaces the project's
whole `segments:` dict, and once it does, dbt hands nobody the project's dict any more.
So the middle layer is read from the running project's dbt_project.yml itself
(project_segments), as rawfiles.py reads var raw_tables. The last layer is what the
dbt Python models get (their config `segments: "{{ var('segments') }}"`), and it need
not be told apart from the middle one: without --vars it *is* the project's dict, and
laying a dict over itself changes nothing. One rule therefore serves a plain
`dbt build`, `dbt build --vars ...` and `customer-segments run --vars ...` (which hands
its vars to dbt), with nothing special in how dbt is called. A key set to null in
--vars is null (`k: null` chooses k again), not "unset".

Which dbt_project.yml: inside a dbt process, the one of dbt's --project-dir (dbt does
not change the working directory, so the folder comes from dbt's flags); elsewhere the
repository's (paths.project_root). The Jinja macro segment_settings()
(dbt_project/macros/segment_settings.sql) merges the same two upper layers for the
checks that run before any model; it leaves the defaults to this module.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from customer_segments.paths import project_root

SCALINGS = ("standard", "robust")


class SettingsError(ValueError):
    """A setting in the dbt var `segments` is not usable; the message says which and why."""


@dataclass(frozen=True)
class SegmentSettings:
    """How customers are segmented. Every field is a row of the README's Settings table."""

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
    def from_mapping(
        cls,
        values: Mapping[str, Any] | str | None,
        project: Mapping[str, Any] | None = None,
    ) -> SegmentSettings:
        """The settings of a build: the dbt var `segments` (`values`: a dict, or its
        JSON/Python text form) laid key by key over the project's own `segments:`
        (`project`; by default read from the running project's dbt_project.yml), laid
        over the defaults. See the module docstring."""
        if project is None:
            project = project_segments()
        merged = {
            **_layer(project, "dbt_project.yml vars.segments"),
            **_layer(values, "segments"),
        }
        clean: dict[str, Any] = {}
        for key, value in merged.items():
            if key in ("features", "log_features"):
                clean[key] = (value,) if isinstance(value, str) else tuple(value or ())
            elif value is None or key == "scaling":
                clean[key] = value
            elif key in ("clip_quantile", "min_segment_share", "min_prediction_strength"):
                clean[key] = float(value)
            else:
                clean[key] = int(value)
        if "features" in clean and "log_features" not in clean:
            # Features named without log_features keep the default log1p of those of
            # them that have one (a features list of extra columns: none), instead of
            # failing on defaults the user never wrote.
            clean["log_features"] = tuple(f for f in cls.log_features if f in clean["features"])
        return cls(**clean)

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True)


def dbt_project_dir() -> Path:
    """The folder of the dbt project being built: dbt's --project-dir when this runs
    inside a dbt process (a dbt Python model), else the repository root."""
    flags = sys.modules.get("dbt.flags")  # loaded in every dbt process, in no other
    given = getattr(flags.get_flags(), "PROJECT_DIR", None) if flags else None
    return Path(given) if given else project_root()


def project_vars(project_dir: Path | None = None) -> dict[str, Any]:
    """The `vars:` of the project's dbt_project.yml, as written: every var the project
    reads, each with its default."""
    path = (project_dir or dbt_project_dir()) / "dbt_project.yml"
    return (yaml.safe_load(path.read_text()) or {}).get("vars") or {}


def project_var(name: str, project_dir: Path | None = None) -> Any:
    """A var as the project's dbt_project.yml writes it under `vars:` (None when it
    writes none)."""
    return project_vars(project_dir).get(name)


def unknown_vars(given: Mapping[str, Any], project_dir: Path | None = None) -> list[str]:
    """The vars of `given` (--vars, parsed) that the project does not have
    (project_vars). dbt itself ignores them, so a misspelt `date_format:` would be
    dropped without a word."""
    known = project_vars(project_dir)
    return sorted(str(key) for key in given if key not in known)


def project_segments(project_dir: Path | None = None) -> dict[str, Any]:
    """The `segments:` a project writes under `vars:` in its dbt_project.yml, as
    written ({} when it writes none)."""
    return project_var("segments", project_dir) or {}


def build_var(name: str, dbt_vars: str | None, project_dir: Path | None = None) -> Any:
    """A var as a build sees it: from `dbt_vars` (dbt's --vars, YAML text) when it sets
    it, else the project's. Whole, as dbt hands it on: SegmentSettings.from_mapping
    then merges a `segments` var key by key (see the module docstring)."""
    given = yaml.safe_load(dbt_vars) if dbt_vars else None
    if isinstance(given, Mapping) and name in given:
        return given[name]
    return project_var(name, project_dir)


def _layer(values: Mapping[str, Any] | str | None, where: str) -> dict[str, Any]:
    """One layer of settings as a dict of known keys; `where` names it in errors."""
    if isinstance(values, str):
        values = _parse_text(values) if values.strip() else None
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise SettingsError(f"{where} is {values!r}: write a mapping of settings, e.g. {{k: 5}}.")
    known = {f.name for f in fields(SegmentSettings)}
    unknown = sorted(str(key) for key in values if key not in known)
    if unknown:
        raise SettingsError(
            f"{where} has unknown setting(s) {', '.join(unknown)}: "
            f"known ones are {', '.join(sorted(known))}."
        )
    return dict(values)


def _parse_text(text: str) -> Any:
    """The var as dbt renders it into a config string: JSON, or a Python literal."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)
