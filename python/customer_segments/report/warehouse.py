"""The report's one way into the warehouse: a read-only Warehouse object that knows
which tables and columns exist and runs the report's SQL. Every SQL statement of the
report runs through it; two engines stand behind the same methods:

DuckDBWarehouse  the DuckDB file of the default target, opened read-only
SparkWarehouse   the Spark catalog of a spark target (profiles.yml), through a
                 SparkSession: dbt's own when the build ran in this process (Derby's
                 catalog admits one JVM at a time), else one opened as dbt-spark's
                 session method opens it

The report's SQL is written once, in DuckDB's dialect; on Spark each statement is
translated by sqlglot here, and nowhere else. Both return the same Python values:
rows as tuples, frames as pandas (Spark's through Arrow), type names in upper case.

The names of the tables the report reads are written here, once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
SCHEMAS = ("marts", "audit", "intermediate", "reference")  # on Spark: databases

RERUN = "run `customer-segments run` (or `dbt build`) first."


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Warehouse:
    """A read-only warehouse that knows which report tables and columns exist.

    `name` is how the page and every message name it; `engine` is 'duckdb' or 'spark';
    `columns` maps 'schema.table' to its columns and their types (upper case)."""

    name: str
    engine: str
    columns: Mapping[str, dict[str, str]]

    def has(self, table: str, *columns: str) -> bool:
        present = self.columns.get(table)
        return present is not None and all(c in present for c in columns)

    def select(self, table: str, columns: Sequence[str]) -> str:
        """A select list of `columns`, NULL for those the table lacks."""
        present = self.columns.get(table, {})
        return ", ".join(quoted(c) if c in present else f"null as {quoted(c)}" for c in columns)

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        raise NotImplementedError

    def records(self, sql: str, parameters: list | None = None) -> list[dict[str, object]]:
        """Rows as dicts by column name."""
        raise NotImplementedError

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def query_columns(self, sql: str) -> tuple[str, ...] | None:
        """The columns `sql` would return here, without running it; None when it does
        not bind (a table or column this warehouse lacks)."""
        raise NotImplementedError

    def view_definitions(self, schema: str) -> dict[str, str]:
        """The SQL of each view in `schema` (definitions only: nothing is read from
        them); empty when the catalog cannot be read."""
        raise NotImplementedError


class DuckDBWarehouse(Warehouse):
    engine = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection, name: str) -> None:
        self.connection = connection
        self.name = name
        schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
        rows = connection.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns "
            f"where table_schema in ({schemas}) "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
        self.columns = {}
        for schema, table, column, data_type in rows:
            self.columns.setdefault(f"{schema}.{table}", {})[column] = str(data_type).upper()

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, parameters or []).fetchall()

    def records(self, sql: str, parameters: list | None = None) -> list[dict[str, object]]:
        result = self.connection.execute(sql, parameters or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()

    def query_columns(self, sql: str) -> tuple[str, ...] | None:
        try:
            described = self.connection.execute(f"describe {sql.rstrip().rstrip(';')}")
            return tuple(str(row[0]) for row in described.fetchall())
        except duckdb.Error:
            return None

    def view_definitions(self, schema: str) -> dict[str, str]:
        try:
            rows = self.rows(
                "select view_name, sql from duckdb_views() "
                "where schema_name = ? and database_name = current_database()",
                [schema],
            )
        except duckdb.Error:
            return {}
        return {str(view): str(sql or "") for view, sql in rows}


def spark_sql(sql: str, parameters: list | None = None) -> str:
    """A statement of the report (DuckDB's dialect, `?` parameters) as Spark SQL, the
    parameters written in as literals, in the order of the `?` in the text. sqlglot
    translates quoting, types, NULL ordering and list literals; quantile_cont with a
    list of levels becomes Spark's exact `percentile` (sqlglot would write
    percentile_cont, which takes one level)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.dialects.duckdb import DuckDB
    from sqlglot.tokens import TokenType

    sql = sql.rstrip().rstrip(";")
    markers = [t for t in DuckDB().tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
    values = list(parameters or [])
    if len(markers) != len(values):
        raise ValueError(f"{len(markers)} parameters in the statement, {len(values)} given")
    for marker, value in reversed(list(zip(markers, values, strict=True))):
        sql = sql[: marker.start] + exp.convert(value).sql(dialect="duckdb") + sql[marker.end + 1 :]

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.PercentileCont) and isinstance(node.expression, exp.Array):
            return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(rewrite).sql(dialect="spark")


@dataclass(frozen=True)
class SparkTarget:
    """A Spark warehouse to read: how to name it, and the session to read through
    (a callable, so that nothing starts a JVM until the report opens it)."""

    name: str
    session: Callable[[], Any] = field(repr=False)


def spark_session(parameters: dict[str, str]) -> Callable[[], Any]:
    """A SparkSession as dbt-spark's session method opens one for a target with these
    server_side_parameters (Hive catalog, ANSI mode off); the running one if this
    process has it already."""

    def start() -> Any:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for key, value in {**parameters, "spark.sql.ansi.enabled": "false"}.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()

    return start


class SparkCatalog(Mapping[str, dict[str, str]]):
    """The tables of the report's databases ('schema.table'), listed once; a table's
    columns are read from the metastore when first asked for (a listing of every
    column of every table costs a metastore call per table)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        databases = {row.name for row in spark.catalog.listDatabases()}
        self.tables = [
            f"{schema}.{table.name}"
            for schema in SCHEMAS
            if schema in databases
            for table in spark.catalog.listTables(schema)
            if not table.isTemporary
        ]
        self._columns: dict[str, dict[str, str]] = {}

    def __getitem__(self, table: str) -> dict[str, str]:
        if table not in self.tables:
            raise KeyError(table)
        if table not in self._columns:
            schema = self.spark.table(table).schema
            self._columns[table] = {f.name: f.dataType.simpleString().upper() for f in schema}
        return self._columns[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __contains__(self, table: object) -> bool:
        return table in self.tables


class SparkWarehouse(Warehouse):
    engine = "spark"

    def __init__(self, spark: Any, name: str) -> None:
        self.spark = spark
        self.name = name
        self.columns = SparkCatalog(spark)  # type: ignore[assignment]

    def _run(self, sql: str, parameters: list | None) -> Any:
        return self.spark.sql(spark_sql(sql, parameters))

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return [tuple(row) for row in self._run(sql, parameters).collect()]

    def records(self, sql: str, parameters: list | None = None) -> list[dict[str, object]]:
        return [row.asDict() for row in self._run(sql, parameters).collect()]

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        # Through Arrow, as DuckDB's .df(): pyspark's toPandas() calls pandas 3 "not
        # fully supported".
        return self._run(sql, parameters).toArrow().to_pandas()

    def query_columns(self, sql: str) -> tuple[str, ...] | None:
        # spark.sql analyses the statement (tables, columns) and runs nothing yet.
        try:
            return tuple(self._run(sql, None).columns)
        except Exception:  # Spark's AnalysisException, or sqlglot's ParseError
            return None

    def view_definitions(self, schema: str) -> dict[str, str]:
        try:
            views = [t.name for t in self.spark.catalog.listTables(schema) if t.tableType == "VIEW"]
            return {
                view: str(self.spark.sql(f"show create table {schema}.`{view}`").first()[0])
                for view in views
            }
        except Exception:  # no such database, or a view Spark cannot show
            return {}


@contextlib.contextmanager
def open_warehouse(source: Path | SparkTarget) -> Iterator[Warehouse]:
    """The warehouse `source` names (a DuckDB file, or a Spark target), read-only. One
    that is missing or cannot be opened, and any database error while reading it, is a
    one-line ReportError."""
    if isinstance(source, SparkTarget):
        with _spark_warehouse(source) as warehouse:
            yield warehouse
        return
    duckdb_path = Path(source)
    if not duckdb_path.is_file():
        raise ReportError(f"Warehouse '{duckdb_path}' does not exist: {RERUN}")
    try:
        connection = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        raise ReportError(
            f"Warehouse '{duckdb_path}' cannot be opened: {first_line(error)}"
        ) from error
    with connection:
        warehouse = DuckDBWarehouse(connection, str(duckdb_path))
        try:
            yield warehouse
        except duckdb.Error as error:
            raise ReportError(
                f"Warehouse '{duckdb_path}' could not be read: {first_line(error)}"
            ) from error


@contextlib.contextmanager
def _spark_warehouse(target: SparkTarget) -> Iterator[Warehouse]:
    """The Spark warehouse of `target`. The session is left running: it may be dbt's,
    and the process ends it on exit."""
    try:
        from pyspark.errors import PySparkException

        warehouse = SparkWarehouse(target.session(), target.name)
    except ImportError as error:
        raise ReportError(
            f"Warehouse '{target.name}': the report needs the spark extra "
            f'(pip install -e ".[spark]"): {first_line(error)}'
        ) from error
    except Exception as error:  # Spark's errors (no master, a locked catalog) are many
        raise ReportError(
            f"Warehouse '{target.name}' cannot be opened: {first_line(error)}"
        ) from error
    try:
        yield warehouse
    except PySparkException as error:
        raise ReportError(
            f"Warehouse '{target.name}' could not be read: {first_line(error)}"
        ) from error
