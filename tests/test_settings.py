"""The clustering settings: one place for the defaults, a key-by-key merge of
defaults <- dbt_project.yml segments <- --vars segments, and the README's table."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, query
from customer_segments.generate import generate
from customer_segments.paths import Paths
from customer_segments.settings import (
    SegmentSettings,
    SettingsError,
    project_segments,
)

DEFAULTS = SegmentSettings()
FIELDS = {f.name for f in fields(SegmentSettings)}
# A project that changes what it clusters on (not the defaults).
PROJECT = {"features": ["annual_income", "monetary_value"], "log_features": ["monetary_value"]}


# --- the merge ---


def test_a_run_var_changes_only_its_own_keys() -> None:
    settings = SegmentSettings.from_mapping({"k": 3}, project=PROJECT)
    assert settings.features == ("annual_income", "monetary_value")
    assert settings.log_features == ("monetary_value",)
    assert settings.k == 3
    assert settings.seed == DEFAULTS.seed and settings.k_max == DEFAULTS.k_max


def test_without_run_vars_the_var_is_the_project_dict_and_merging_it_twice_changes_nothing() -> (
    None
):
    # dbt hands the models var('segments'): the project's own dict when no --vars sets it.
    assert SegmentSettings.from_mapping(PROJECT, project=PROJECT) == SegmentSettings.from_mapping(
        {}, project=PROJECT
    )


def test_features_without_log_features_keep_the_default_log_of_those_named() -> None:
    """A customers-only export clusters on its own columns: the defaults' log1p of
    frequency and money never applies to them, and is not an error the user never wrote."""
    settings = SegmentSettings.from_mapping({"features": ["tenure", "monetary_value"]}, {})
    assert settings.log_features == ("monetary_value",)
    assert SegmentSettings.from_mapping({"features": ["tenure"]}, {}).log_features == ()
    with pytest.raises(
        SettingsError, match=r"log_features names tenure, not in segments\.features"
    ):
        SegmentSettings.from_mapping({"features": ["age"], "log_features": ["tenure"]}, {})


def test_the_run_wins_key_by_key_and_null_is_a_value() -> None:
    project = {**PROJECT, "k": 5, "seed": 7}
    settings = SegmentSettings.from_mapping(
        {"k": None, "features": ["age"], "log_features": []}, project
    )
    assert settings.k is None, "k: null in --vars chooses k again"
    assert settings.features == ("age",) and settings.log_features == ()
    assert settings.seed == 7


@pytest.mark.parametrize("text", ["{'k': 3}", '{"k": 3}'])
def test_the_var_as_dbt_renders_it_into_the_model_config(text: str) -> None:
    settings = SegmentSettings.from_mapping(text, project=PROJECT)
    assert settings.k == 3 and settings.features == ("annual_income", "monetary_value")


@pytest.mark.parametrize("empty", [None, "", "None", "{}", {}])
def test_an_empty_var_or_project_means_the_other_layers(empty: Any) -> None:
    assert SegmentSettings.from_mapping(empty, project={}) == DEFAULTS
    assert SegmentSettings.from_mapping({"k": 4}, project=empty).k == 4


def test_an_unknown_or_malformed_project_setting_names_dbt_project_yml() -> None:
    with pytest.raises(SettingsError, match=r"dbt_project.yml vars.segments has unknown setting"):
        SegmentSettings.from_mapping({}, project={"colour": "red"})
    with pytest.raises(SettingsError, match=r"dbt_project.yml vars.segments is \['k'\]"):
        SegmentSettings.from_mapping({}, project=["k"])  # type: ignore[arg-type]


def test_the_project_dict_is_read_from_dbt_project_yml(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        "name: x\nvars:\n  raw_dir: here\n  segments:\n    features: [age]\n    log_features: []\n"
    )
    assert project_segments(tmp_path) == {"features": ["age"], "log_features": []}
    (tmp_path / "dbt_project.yml").write_text("name: x\nvars:\n  segments:\n")
    assert project_segments(tmp_path) == {}
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    assert project_segments(tmp_path) == {}


def test_the_repositorys_project_writes_only_what_it_changes() -> None:
    written = project_segments(ROOT)
    project = SegmentSettings.from_mapping(written, project={})  # known keys, valid values
    repeated = [key for key in written if getattr(project, key) == getattr(DEFAULTS, key)]
    assert not repeated, f"dbt_project.yml segments repeats the defaults of {repeated}"


# --- the README's Settings table ---


def readme_settings() -> dict[str, str]:
    """The `segments.*` rows of the README's Settings table: setting -> default cell."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert rows, "README.md has a Settings table"
    table: dict[str, str] = {}
    other_vars = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    for var, default, _meaning in rows:
        names = re.findall(r"`([^`]+)`", var)
        if not names[0].startswith("segments."):
            for name in names:
                assert name in other_vars, f"README Settings row {name} is not a var"
            continue
        names = [name.removeprefix("segments.") for name in names]
        defaults = [default] if len(names) == 1 else [d.strip() for d in default.split(",")]
        assert len(defaults) == len(names), f"README Settings row {var}: one default per name"
        table.update(zip(names, defaults, strict=True))
    return table


def readme_form(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def test_the_readme_settings_table_lists_every_setting_and_only_settings() -> None:
    table = readme_settings()
    assert set(table) - FIELDS == set(), "README rows that are not SegmentSettings fields"
    assert FIELDS - set(table) == set(), "SegmentSettings fields missing from the README"


def test_the_readme_settings_table_shows_the_defaults() -> None:
    table = readme_settings()
    wrong = {
        name: (table[name], readme_form(getattr(DEFAULTS, name)))
        for name in FIELDS
        if table[name] != readme_form(getattr(DEFAULTS, name))
    }
    assert not wrong, f"README default != SegmentSettings default: {wrong}"


# --- a real build: plain `dbt build --vars '{segments: {k: 3}}'` on a project that
# --- changes the features, run from outside the project folder


def project_copy(folder: Path, segments: dict[str, Any]) -> Path:
    """The repository's dbt project in `folder`, with `segments` as its own setting."""
    folder.mkdir()
    shutil.copy(ROOT / "profiles.yml", folder)
    shutil.copytree(
        ROOT / "dbt_project",
        folder / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    text = (ROOT / "dbt_project.yml").read_text()
    block = re.compile(r"^  segments:.*?(?=^  \S|^\S|\Z)", re.MULTILINE | re.DOTALL)
    assert len(block.findall(text)) == 1, "dbt_project.yml has one `segments:` var"
    written = "  segments:\n" + "".join(
        f"    {key}: {json.dumps(value)}\n" for key, value in segments.items()
    )
    (folder / "dbt_project.yml").write_text(block.sub(lambda _: written, text))
    assert project_segments(folder) == segments
    return folder


def dbt(project: Path, paths: Paths, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`dbt <args>` as a user runs it: from `cwd`, with --project-dir."""
    beside = paths.duckdb_path.parent
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),  # the dbt script beside this Python
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(beside / "target"),
            "--log-path",
            str(beside / "logs"),
        ],
        cwd=cwd,
        env={
            **paths.environment(),
            "DBT_USE_COLORS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.integration
def test_a_build_with_vars_k_keeps_the_projects_features(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project", PROJECT)
    (project / "dbt_project" / "macros" / "zz_show_settings.sql").write_text(
        "{% macro zz_show_settings() %}"
        "{% do log('SETTINGS=' ~ tojson(segment_settings()), info=true) %}"
        "{% endmacro %}"
    )
    generate(3_000, tmp_path / "raw", seed=3, dirt=False)
    paths = Paths(
        root=project,
        raw_dir=tmp_path / "raw",
        duckdb_path=tmp_path / "warehouse.duckdb",
        report_path=tmp_path / "report.html",
    )
    # From a folder outside any project: the models must find the project dbt builds.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_vars = "{segments: {k: 3}}"
    result = dbt(project, paths, elsewhere, "build", "--vars", run_vars)
    assert result.returncode == 0, result.stdout[-4000:]

    features = {row[0] for row in query(paths, "select feature from marts.segment_centroids")}
    assert features == set(PROJECT["features"]), "the project's features, not the defaults"
    transforms = query(paths, "select distinct feature, transform from marts.segment_centroids")
    assert dict(transforms) == {"annual_income": "none", "monetary_value": "log1p"}
    segments = query(paths, "select count(distinct segment_id) from marts.segment_centroids")
    assert segments == [(3,)], "k from --vars"
    chosen = query(paths, "select k from marts.segment_k_selection where is_chosen")
    assert chosen == [(3,)]

    # The Jinja side (macro segment_settings) sees the same merge.
    shown = dbt(project, paths, elsewhere, "run-operation", "zz_show_settings", "--vars", run_vars)
    assert shown.returncode == 0, shown.stdout[-4000:]
    line = next(x for x in shown.stdout.splitlines() if "SETTINGS=" in x)
    assert json.loads(line.split("SETTINGS=", 1)[1]) == {**PROJECT, "k": 3}
