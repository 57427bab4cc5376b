"""The project on Apache Spark, end to end: `customer-segments run --target spark`
builds the bundled sample on a local standalone cluster (master and one worker on
127.0.0.1), and every table of the README's "What you get" equals the DuckDB build of
the same data: the same segment for every customer, identical rejections and
reconciliation, centroids within 1e-9, the same k.

Needs Java and the spark extra (pip install -e ".[spark]"): without them the tests
are skipped with the reason, and fail under CI=true (.ci/run installs both).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from conftest import ROOT

pytestmark = [pytest.mark.spark, pytest.mark.integration]

# Every table of the README's "What you get".
CONTRACT_TABLES = re.findall(
    r"^\| `((?:marts|audit)\.\w+)` \|",
    (ROOT / "README.md").read_text().split("## What you get")[1].split("\n## ")[0],
    flags=re.MULTILINE,
)
# Differ between any two builds: the run's id and time.
RUN_COLUMNS = {"run_id", "run_started_at", "previous_run_id"}
# Floats agree to this (absolute, or relative for large values such as revenue).
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def builds(sample_on_spark_and_duckdb, pytestconfig: pytest.Config):
    """Every contract table of the sample's Spark and DuckDB builds (conftest builds
    both once per session), as Python values, and the Spark run's output."""
    spark, on_duck = sample_on_spark_and_duckdb["spark"], sample_on_spark_and_duckdb["duckdb"]
    # The times go to the terminal even when pytest captures the output (the note cites them).
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    say = terminal.write_line if terminal else print
    say(
        f"\nThe sample on Spark: {spark.seconds:.1f}s; on DuckDB: {on_duck.seconds:.1f}s "
        f"({spark.seconds / on_duck.seconds:.1f}x), each with its report."
    )
    with duckdb.connect(on_duck.env["SEGMENTS_DUCKDB_PATH"], read_only=True) as db:
        on_duckdb = {
            name: python_values(db.sql(f"select * from {name}").fetch_arrow_table())
            for name in CONTRACT_TABLES
        }
    return read_spark_tables(spark.env), on_duckdb, spark.output


def read_spark_tables(env: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Every contract table of the Spark build, read in this process (local mode) from
    its warehouse and catalog once the CLI has exited (Derby admits one JVM)."""
    from pyspark.sql import SparkSession

    derby = f"-Dderby.system.home={env['SEGMENTS_SPARK_METASTORE']}"
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.warehouse.dir", env["SEGMENTS_SPARK_WAREHOUSE"])
        .config("spark.driver.extraJavaOptions", derby)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.log.level", "ERROR")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        return {name: python_values(spark.table(name).toArrow()) for name in CONTRACT_TABLES}
    finally:
        spark.stop()


def python_values(table: pa.Table) -> pd.DataFrame:
    """A table as a frame of Python values (None for null), so that an integer column
    with nulls stays integer: pandas' own conversion makes it float."""
    return pd.DataFrame(
        {
            name: pd.Series(table.column(name).to_pylist(), dtype=object)
            for name in table.column_names
        }
    )


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as both engines must agree on it: without the run's id and time, JSON
    text as parsed JSON, decimals as floats, rows sorted by every column."""
    frame = frame.drop(columns=[c for c in frame.columns if c in RUN_COLUMNS])
    for column in frame.columns:  # kept as Python objects: pandas would make NaN of None
        values = [normal(value, column) for value in frame[column]]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    exact = [c for c in frame.columns if not any(isinstance(v, float) for v in frame[c])]
    keyed = frame.assign(**{c: frame[c].map(repr) for c in exact})
    order = keyed.sort_values(exact or list(frame.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def normal(value, column: str):
    if isinstance(value, Decimal):
        return float(value)
    if column == "raw_values" and isinstance(value, str):
        return json.dumps(json.loads(value), sort_keys=True)
    if isinstance(value, datetime.date):  # dates and times, Spark's in UTC
        stamp = pd.Timestamp(value)
        return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    return value


def differences(name: str, on_spark: pd.DataFrame, on_duckdb: pd.DataFrame) -> list[str]:
    """What differs between the two builds of a table, one line each (none: equal)."""
    if list(on_spark.columns) != list(on_duckdb.columns):
        return [f"{name}: columns {list(on_spark.columns)} on Spark, {list(on_duckdb.columns)}"]
    if len(on_spark) != len(on_duckdb):
        return [f"{name}: {len(on_spark)} rows on Spark, {len(on_duckdb)} on DuckDB"]
    spark, duck = comparable(on_spark), comparable(on_duckdb)
    found = []
    for column in spark.columns:
        unequal = [
            i
            for i, (a, b) in enumerate(zip(spark[column], duck[column], strict=True))
            if not same(a, b)
        ]
        if unequal:
            i = unequal[0]
            found.append(
                f"{name}.{column}: {len(unequal)} of {len(spark)} rows differ, e.g. "
                f"{spark[column][i]!r} on Spark, {duck[column][i]!r} on DuckDB"
            )
    return found


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        both_nan = math.isnan(a) and math.isnan(b)
        return both_nan or math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return type(a) is type(b) and a == b


def test_every_contract_table_equals_the_duckdb_build(builds) -> None:
    on_spark, on_duckdb, _ = builds
    found = [
        line
        for name in CONTRACT_TABLES
        for line in differences(name, on_spark[name], on_duckdb[name])
    ]
    assert not found, "\n".join(found)


def test_the_unit_tests_ran_on_spark(sample_on_spark_and_duckdb) -> None:
    """The Spark run asked for dbt's unit tests (--unit-tests), and the run exited 0
    (the fixture asserts it), so they passed on Spark: dbt's log names each one that
    ran, in whichever of the run's dbt steps held its model, and the manifest lists
    every one the project defines."""
    env = sample_on_spark_and_duckdb["spark"].env
    log = (Path(env["DBT_LOG_PATH"]) / "dbt.log").read_text()
    ran = set(re.findall(r"Finished running node (unit_test\.[\w.]+)", log))
    manifest = json.loads((Path(env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    defined = sorted(manifest["unit_tests"])
    assert len(ran) == len(defined) > 0, (sorted(ran), defined)


def test_same_k_and_same_segment_for_every_customer(builds) -> None:
    on_spark, on_duckdb, output = builds
    k = {
        engine: [
            k for k, chosen in zip(selection["k"], selection["is_chosen"], strict=True) if chosen
        ]
        for engine, selection in (
            ("spark", on_spark["marts.segment_k_selection"]),
            ("duckdb", on_duckdb["marts.segment_k_selection"]),
        )
    }
    assert k["spark"] == k["duckdb"] and len(k["spark"]) == 1, k
    assert f"k = {k['spark'][0]}" in output
    segment = {
        engine: tables["marts.customer_segments"].set_index("customer_id")["segment_id"]
        for engine, tables in (("spark", on_spark), ("duckdb", on_duckdb))
    }
    assert len(segment["duckdb"]) == 3000
    assert segment["spark"].sort_index().equals(segment["duckdb"].sort_index())


def test_centroids_within_1e_9(builds) -> None:
    on_spark, on_duckdb, _ = builds
    columns = ["centroid_scaled", "centroid_original", "center", "scale"]
    spark, duck = (
        tables["marts.segment_centroids"].set_index(["segment_id", "feature"]).sort_index()
        for tables in (on_spark, on_duckdb)
    )
    assert list(spark.index) == list(duck.index)
    gap = (spark[columns].astype(float) - duck[columns].astype(float)).abs().to_numpy().max()
    assert gap <= 1e-9, gap
