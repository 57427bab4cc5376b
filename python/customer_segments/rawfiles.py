"""Say which raw file cannot be read and how to fix it.

DuckDB's reader errors do not always name the file ("CSV Error on Line: 2"). When a
build fails while reading the raw files, the CLI asks this module to read each raw
file on its own and turn the first problem into one line that names the file and the
setting that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

TABLES = ("customers", "orders", "order_items")


def raw_tables_setting(root: Path, dbt_vars: str | None = None) -> dict[str, Any]:
    """The var raw_tables (file names and reader options per table): from --vars when
    it sets it, else from dbt_project.yml."""
    given = yaml.safe_load(dbt_vars) if dbt_vars else None
    if isinstance(given, dict) and "raw_tables" in given:
        return given["raw_tables"] or {}
    project = yaml.safe_load((root / "dbt_project.yml").read_text())
    return (project.get("vars") or {}).get("raw_tables") or {}


def _reader(path: Path, csv_options: dict[str, Any]) -> str:
    if path.suffix.lower() == ".parquet":
        return f"read_parquet('{path}')"
    options = {"header": True, "all_varchar": True, **csv_options}
    rendered = ", ".join(
        f"{key} = '{value}'" if isinstance(value, str) else f"{key} = {str(value).lower()}"
        for key, value in options.items()
    )
    return f"read_csv('{path}', {rendered})"


def problem(path: Path, table: str, error: Exception) -> str:
    text = str(error)
    setting = f"var raw_tables.{table}"
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return (
            f"Raw file '{path}' is not UTF-8 text: set {setting}.csv.encoding "
            "(for example latin-1 or utf-16) or re-export it as UTF-8."
        )
    if "sniffing" in text:
        return (
            f"Raw file '{path}' cannot be read as CSV: export it as text with a header row, "
            f"or set the delimiter and quoting in {setting}.csv."
        )
    if "magic bytes" in text or "parquet" in text.lower():
        return f"Raw file '{path}' is not a valid Parquet file: re-export it, or export it as .csv."
    return f"Raw file '{path}' cannot be read: {text.splitlines()[0]}"


def diagnose(raw_dir: Path, root: Path, dbt_vars: str | None = None) -> list[str]:
    """One line per raw file that DuckDB cannot read as configured."""
    settings = raw_tables_setting(root, dbt_vars)
    problems = []
    with duckdb.connect() as connection:
        for table in TABLES:
            config = settings.get(table) or {}
            if config.get("from"):
                continue
            for path in sorted(raw_dir.glob(config.get("file") or f"{table}.*")):
                try:
                    connection.sql(
                        f"select * from {_reader(path, config.get('csv') or {})} limit 1"
                    )
                except duckdb.Error as error:
                    problems.append(problem(path, table, error))
    return problems
