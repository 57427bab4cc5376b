"""Shared fixtures: a real dbt build on freshly generated data, in a temporary folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_segments.generate import generate
from customer_segments.paths import Paths, project_root
from customer_segments.runner import run_dbt

ROOT = project_root()


@dataclass(frozen=True)
class Build:
    paths: Paths
    truth_path: Path
    exit_code: int
    output: list[str]

    @property
    def log(self) -> str:
        return "\n".join(self.output)


def paths_in(folder: Path, raw_dir: Path) -> Paths:
    return Paths(
        root=ROOT,
        raw_dir=raw_dir,
        duckdb_path=folder / "warehouse.duckdb",
        report_path=folder / "segment_report.html",
    )


def build(paths: Paths, *extra: str) -> tuple[int, list[str]]:
    """`dbt build` into `paths`, with dbt's artifacts and logs beside the warehouse."""
    beside = paths.duckdb_path.parent
    return run_dbt(
        [
            "build",
            "--target-path",
            str(beside / "target"),
            "--log-path",
            str(beside / "logs"),
            *extra,
        ],
        paths,
    )


def query(paths: Paths, sql: str) -> list[tuple]:
    """Rows of a query against a built warehouse (read-only)."""
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.sql(sql).fetchall()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """20,000 generated customers with the default dirt, built once for the session."""
    folder = tmp_path_factory.mktemp("built")
    summary = generate(20_000, folder / "raw", seed=7)
    paths = paths_in(folder, folder / "raw")
    code, output = build(paths)
    assert code == 0, "\n".join(output[-60:])
    return Build(paths, summary.truth_path, code, output)


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", os.environ.get("TERM", "dumb"))


SCRIPT = "<script>alert(1)</script>"


def plant_script(warehouse: Path) -> None:
    """A segment name and the most common city that are HTML, as a hostile export might."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update marts.segments set segment_name = ? "
            "where segment_id = (select min(segment_id) from marts.segments)",
            [SCRIPT],
        )
        connection.execute(
            "update marts.customer_features set city = ? "
            "where city = (select mode(city) from marts.customer_features)",
            [SCRIPT],
        )
