"""The places a user cares about, from environment variables: the raw folder, the
warehouse and the report (the table under "Quickstart" in the README), and on Apache
Spark the warehouse folder and the catalog (README "Run on Spark"; profiles.yml reads
the same variables, with the same defaults, for a plain `dbt build --target spark`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def project_root() -> Path:
    """The repository root: the nearest folder up from here holding dbt_project.yml."""
    for folder in (Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents):
        if (folder / "dbt_project.yml").is_file() and (folder / "dbt_project").is_dir():
            return folder
    raise FileNotFoundError(
        "No dbt_project.yml found here or above: run customer-segments from the repository."
    )


@dataclass(frozen=True)
class Paths:
    root: Path
    raw_dir: Path
    duckdb_path: Path
    report_path: Path
    spark_warehouse: Path | None = None
    spark_metastore: Path | None = None

    @classmethod
    def from_env(cls) -> Paths:
        root = project_root()

        def place(variable: str, default: str) -> Path:
            # A path the user sets is relative to where they are; defaults to the root.
            given = os.environ.get(variable)
            return Path(given).resolve() if given else root / default

        return cls(
            root=root,
            raw_dir=place("SEGMENTS_RAW_DIR", "data/sample"),
            duckdb_path=place("SEGMENTS_DUCKDB_PATH", "warehouse.duckdb"),
            report_path=place("SEGMENTS_REPORT_PATH", "reports/segment_report.html"),
            spark_warehouse=place("SEGMENTS_SPARK_WAREHOUSE", "spark-warehouse"),
            spark_metastore=place("SEGMENTS_SPARK_METASTORE", "spark-metastore"),
        )

    def environment(self) -> dict[str, str]:
        """The environment for a dbt process that builds into these places."""
        return {
            **os.environ,
            "SEGMENTS_RAW_DIR": str(self.raw_dir),
            "SEGMENTS_DUCKDB_PATH": str(self.duckdb_path),
            "SEGMENTS_REPORT_PATH": str(self.report_path),
            **{
                variable: str(path)
                for variable, path in (
                    ("SEGMENTS_SPARK_WAREHOUSE", self.spark_warehouse),
                    ("SEGMENTS_SPARK_METASTORE", self.spark_metastore),
                )
                if path is not None
            },
        }
