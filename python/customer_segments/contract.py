"""The raw contract: the raw tables, their columns in order and which of them are
required, and how a raw file is read (its reader by file name ending, the CSV options
every file gets).

It is written once, as the dbt source `raw` in
dbt_project/models/staging/_raw__sources.yml (the comment at its top says what each
`meta` key means). The macros of dbt_project/macros/raw_files/ read it from dbt's graph
(macro raw_contract); Python reads the same file here. Nothing else lists the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from customer_segments.paths import project_root

SOURCES_YML = Path("dbt_project") / "models" / "staging" / "_raw__sources.yml"
SOURCE_NAME = "raw"


class ContractError(ValueError):
    """The sources yml does not state the contract as this module reads it."""


@dataclass(frozen=True)
class TableContract:
    """One raw table of the contract."""

    name: str
    required: bool  # the build stops without its file
    columns: tuple[str, ...]  # the contract columns, in order
    required_columns: tuple[str, ...]  # those the file (through the mapping) must provide
    parsed_as: dict[str, str]  # column -> integer, decimal, double, date or timestamp
    added_columns: tuple[str, ...]  # made by the registration, not read: source_row_number, ...


@dataclass(frozen=True)
class RawSource:
    """The whole source `raw`: its tables and how their files are read."""

    tables: dict[str, TableContract]
    file_formats: dict[str, str]  # file name ending (".parquet") -> reader ("parquet")
    csv_options: dict[str, Any]  # read_csv options before the mapping's own

    def file_format(self, file_name: str) -> str | None:
        """The reader a file name's ending picks (None: no known ending)."""
        lowered = file_name.lower()
        for ending, reader in self.file_formats.items():
            if lowered.endswith(ending.lower()):
                return reader
        return None


def _meta(item: dict[str, Any]) -> dict[str, Any]:
    return ((item.get("config") or {}).get("meta")) or {}


def _table(item: dict[str, Any], where: Path) -> TableContract:
    name = item["name"]
    if "required" not in _meta(item):
        raise ContractError(f"{where}: table {SOURCE_NAME}.{name} has no meta.required.")
    columns, required, added, parsed = [], [], [], {}
    for column in item.get("columns") or []:
        meta = _meta(column)
        if meta.get("added"):
            added.append(column["name"])
            continue
        if "required" not in meta:
            raise ContractError(
                f"{where}: column {column['name']} of {SOURCE_NAME}.{name} has no meta.required."
            )
        columns.append(column["name"])
        if meta["required"]:
            required.append(column["name"])
        if meta.get("parsed_as"):
            parsed[column["name"]] = meta["parsed_as"]
    return TableContract(
        name=name,
        required=bool(_meta(item)["required"]),
        columns=tuple(columns),
        required_columns=tuple(required),
        parsed_as=parsed,
        added_columns=tuple(added),
    )


@cache
def _read(path: Path) -> RawSource:
    document = yaml.safe_load(path.read_text()) or {}
    sources = [s for s in document.get("sources") or [] if s.get("name") == SOURCE_NAME]
    if len(sources) != 1:
        raise ContractError(f"{path}: no single source named {SOURCE_NAME!r}.")
    source = sources[0]
    meta = _meta(source)
    return RawSource(
        tables={item["name"]: _table(item, path) for item in source.get("tables") or []},
        file_formats=dict(meta.get("file_formats") or {}),
        csv_options=dict(meta.get("csv_options") or {}),
    )


def raw_source(root: Path | None = None) -> RawSource:
    """The source `raw` of the project at `root` (default: this repository)."""
    return _read((root or project_root()) / SOURCES_YML)


def raw_contract(root: Path | None = None) -> dict[str, TableContract]:
    """{table name: its contract}, in the contract's order (customers, orders,
    order_items)."""
    return dict(raw_source(root).tables)
