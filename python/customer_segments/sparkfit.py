"""The fit on Apache Spark, where dbt cannot run the project's dbt Python models
(dbt-spark runs them only on Databricks: dbt-labs/dbt-spark issue 415).

`customer-segments run --target spark` builds in three steps, all in one process and
so on one driver JVM (dbt-spark's session method starts it; the Derby catalog admits
one JVM at a time):

    1. dbt build --select INPUTS_SELECTOR    the feature mart and what the fit reads
    2. fit()                                 the package functions the DuckDB Python
                                             models call, on the same rows in the same
                                             order; writes the tables of schema `fitted`
    3. dbt build --exclude INPUTS_SELECTOR   everything else: marts/fitted_on_spark/
                                             publishes the fitted tables under the
                                             DuckDB models' names, and customer_segments
                                             assigns every customer in SQL

Schema `fitted` holds the stored model. Only this step writes it, each table through
a new table that then replaces the old one, so a failed dbt build never touches it;
with segments_mode 'score' its k selection and centroids are kept as they are. A plain
`dbt build --target spark` publishes the fitted tables of the last run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from customer_segments.naming import labels_from
from customer_segments.segmentation import (
    centroids_table,
    fit_columns,
    k_selection_table,
    no_stored_model,
    rule_segments,
    traits_table,
    unreadable_model,
)
from customer_segments.settings import SegmentSettings, build_var

# What the DuckDB Python models read besides each other (their dbt.ref calls).
INPUTS = ("customer_features", "int_feature_labels", "marketing_playbook")
INPUTS_SELECTOR = [f"+{name}" for name in INPUTS]
FITTED_SCHEMA = "fitted"


@dataclass(frozen=True)
class Fit:
    mode: str
    k: int
    customers: int
    tables: tuple[str, ...]


def session() -> Any:
    """The SparkSession dbt-spark opened in this process (with the profile's master,
    warehouse and catalog)."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


def input_relations(build_result: Any) -> dict[str, str]:
    """Each input's relation, as the dbt build of step 1 wrote it."""
    relations = {
        result.node.name: result.node.relation_name
        for result in build_result.results
        if result.node.name in INPUTS and getattr(result.node, "relation_name", None)
    }
    missing = [name for name in INPUTS if name not in relations]
    if missing:
        raise RuntimeError(f"the dbt build before the fit did not build {', '.join(missing)}")
    return relations


def fit(spark: Any, relations: dict[str, str], dbt_vars: str | None) -> Fit:
    """Choose k, fit and describe the segments as the DuckDB Python models do (with
    segments_mode 'score': keep the stored model, describe it again) and write the
    tables of schema `fitted`."""
    mode = build_var("segments_mode", dbt_vars) or "fit"
    settings = SegmentSettings.from_mapping(build_var("segments", dbt_vars))
    playbook = _pandas(spark.sql(f"select * from {relations['marketing_playbook']}"))
    labels = labels_from(_pandas(spark.sql(f"select * from {relations['int_feature_labels']}")))
    spark.sql(f"create database if not exists {FITTED_SCHEMA}")
    if mode == "score":
        k_selection = stored(spark, "segment_k_selection", required=True)
        centroids = stored(spark, "segment_centroids", required=True)
        features = read_features(spark, relations["customer_features"], centroids["feature"])
        written = {}
    else:
        features = read_features(spark, relations["customer_features"], settings.features)
        k_selection = k_selection_table(features, settings)
        previous = stored(spark, "segment_centroids", required=False)
        centroids = centroids_table(features, k_selection, settings, previous, labels)
        written = {"segment_k_selection": k_selection, "segment_centroids": centroids}
    written["segment_traits"] = traits_table(features, centroids, playbook, labels)
    written["rule_segments"] = pd.DataFrame(
        [
            {"segment_rule": rule, "segment_id": segment_id, "segment_name": name}
            for rule, (segment_id, name) in rule_segments(playbook).items()
        ]
    )
    for name, frame in written.items():
        write(spark, name, frame)
    return Fit(
        mode=mode,
        k=int(centroids["k"].iloc[0]),
        customers=int(k_selection["customers"].iloc[0]),
        tables=tuple(f"{FITTED_SCHEMA}.{name}" for name in written),
    )


def read_features(spark: Any, relation: str, features) -> pa.Table:
    """The feature mart as the DuckDB Python models get it (segmentation.read_features):
    the key, the rule column and the features, as Arrow, in customer_id order."""
    frame = spark.sql(f"select * from {relation}")
    return (
        frame.select(*fit_columns(frame.columns, list(features))).orderBy("customer_id").toArrow()
    )


def stored(spark: Any, name: str, required: bool) -> pd.DataFrame | None:
    """A table of the stored model (segmentation.stored_model's rule: None on a first
    run unless required; a table that cannot be read is an error)."""
    relation = f"{FITTED_SCHEMA}.{name}"
    if not spark.catalog.tableExists(relation):
        if required:
            raise no_stored_model(relation)
        return None
    try:
        return _pandas(spark.table(relation))
    except Exception as error:
        raise unreadable_model(relation, error) from error


def write(spark: Any, name: str, frame: pd.DataFrame) -> None:
    """`frame` as table fitted.<name>: written whole as a new table (one file, rows in
    the frame's order), which then replaces the old one. Without Delta nothing is
    atomic; this keeps the old table until the new one is complete."""
    table = f"{FITTED_SCHEMA}.{name}"
    staged = f"{table}__new"
    spark.sql(f"drop table if exists {staged}")
    spark.createDataFrame(_arrow(frame)).coalesce(1).write.format("parquet").saveAsTable(staged)
    spark.sql(f"drop table if exists {table}")
    spark.sql(f"alter table {staged} rename to {table}")


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """A frame as Arrow types Spark takes: text as string (not large_string), and a
    column of nulls only as string (Parquet has no null type)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [
        pa.field(f.name, pa.string())
        if pa.types.is_large_string(f.type) or pa.types.is_null(f.type)
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _pandas(frame: Any) -> pd.DataFrame:
    # Through Arrow, as DuckDB's .df() does: pyspark's own toPandas() calls pandas 3
    # "not fully supported".
    return frame.toArrow().to_pandas()


def spark_unavailable(master: str | None = None) -> str | None:
    """Why a build on Spark cannot start here (one line), else None: the extra not
    installed, no Java, or no master answering at `master` (a spark:// URL)."""
    import importlib.util
    import os
    import shutil
    import socket
    from urllib.parse import urlsplit

    if not all(importlib.util.find_spec(name) for name in ("pyspark", "dbt.adapters.spark")):
        return 'Spark needs the spark extra: pip install -e ".[spark]" (README "Run on Spark").'
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(f"{java_home}/bin/java")):
        return (
            "Spark needs Java 17 and there is no java on PATH: install it "
            "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )
    if master and master.startswith("spark://"):
        address = urlsplit(master)
        try:
            socket.create_connection((address.hostname, address.port or 7077), timeout=5).close()
        except OSError:
            return (
                f"no Spark master answers at {master}: start the local cluster with "
                "`make spark-up`, or set SEGMENTS_SPARK_MASTER to your cluster's master."
            )
    return None


def master_of(output: dict[str, Any]) -> str | None:
    """The master a spark target of profiles.yml connects to."""
    return (output.get("server_side_parameters") or {}).get("spark.master")
