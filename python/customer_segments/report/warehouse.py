"""The report's one way into the warehouse: a read-only connection behind a small
Warehouse object that knows which tables and columns exist. Every SQL statement of
the report runs through it, so another engine can stand behind the same methods.

The names of the tables the report reads are written here, once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from customer_segments.report.errors import ReportError

SEGMENTS = "marts.segments"
TRAITS = "marts.segment_traits"
CUSTOMER_SEGMENTS = "marts.customer_segments"
CUSTOMER_FEATURES = "marts.customer_features"
SEGMENT_MEMBERS = "marts.segment_members"  # customer_segments x customer_features, a view
COMPOSITION = "marts.segment_composition"  # each segment's gender, country and channel mix
RECOMMENDATIONS = "marts.customer_recommendations"
CENTROIDS = "marts.segment_centroids"
K_SELECTION = "marts.segment_k_selection"
HISTORY = "marts.segment_history"
MIGRATION = "marts.segment_migration"
RECONCILIATION = "audit.row_reconciliation"
REJECTED_ROWS = "audit.rejected_rows"
FIELD_ISSUES = "audit.field_issues"
LABEL_TABLES = ("intermediate.int_feature_labels", "reference.feature_labels")
SCHEMAS = ("marts", "audit", "intermediate", "reference")

RERUN = "run `customer-segments run` (or `dbt build`) first."


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Warehouse:
    """A read-only connection that knows which report tables and columns exist."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
        rows = connection.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns "
            f"where table_schema in ({schemas}) "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
        self.columns: dict[str, dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            self.columns.setdefault(f"{schema}.{table}", {})[column] = data_type

    def has(self, table: str, *columns: str) -> bool:
        present = self.columns.get(table)
        return present is not None and all(c in present for c in columns)

    def select(self, table: str, columns: Sequence[str]) -> str:
        """A select list of `columns`, NULL for those the table lacks."""
        present = self.columns.get(table, {})
        return ", ".join(quoted(c) if c in present else f"null as {quoted(c)}" for c in columns)

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, parameters or []).fetchall()

    def records(self, sql: str, parameters: list | None = None) -> list[dict[str, object]]:
        """Rows as dicts by column name."""
        result = self.connection.execute(sql, parameters or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()

    def query_columns(self, sql: str) -> tuple[str, ...] | None:
        """The columns `sql` would return here, without running it; None when it does
        not bind (a table or column this warehouse lacks)."""
        try:
            described = self.connection.execute(f"describe {sql.rstrip().rstrip(';')}")
            return tuple(str(row[0]) for row in described.fetchall())
        except duckdb.Error:
            return None

    def view_definitions(self, schema: str) -> dict[str, str]:
        """The SQL of each view in `schema` (definitions only: nothing is read from
        them); empty when the catalog cannot be read."""
        try:
            rows = self.rows(
                "select view_name, sql from duckdb_views() "
                "where schema_name = ? and database_name = current_database()",
                [schema],
            )
        except duckdb.Error:
            return {}
        return {str(view): str(sql or "") for view, sql in rows}


@contextlib.contextmanager
def open_warehouse(duckdb_path: Path) -> Iterator[Warehouse]:
    """The warehouse at `duckdb_path`, read-only. A file that is missing or cannot be
    opened, and any database error while reading it, is a one-line ReportError."""
    if not duckdb_path.is_file():
        raise ReportError(f"Warehouse '{duckdb_path}' does not exist: {RERUN}")
    try:
        connection = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        raise ReportError(
            f"Warehouse '{duckdb_path}' cannot be opened: {first_line(error)}"
        ) from error
    with connection:
        warehouse = Warehouse(connection)
        try:
            yield warehouse
        except duckdb.Error as error:
            raise ReportError(
                f"Warehouse '{duckdb_path}' could not be read: {first_line(error)}"
            ) from error
