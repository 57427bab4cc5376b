"""The floor under the full job, measured in parts:

- dbt's own price: `dbt build` of an empty project (one `select 1` model, a fresh
  target folder), which no change to this project removes;
- the work that the guarantees make unavoidable at scale (intrinsic_work): each the
  least query that does it, on the raw files, in DuckDB with the job's memory limit.
  The validation must find duplicated order ids and duplicated order lines, and the
  affinity must count each customer once per product (buyers, not lines), so the
  lines must be joined to their orders and reduced to customer x product pairs.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
from measure import BIN, Measured, measure

EMPTY_PROJECT = {
    "dbt_project.yml": "name: floor\nversion: '1.0'\nconfig-version: 2\nprofile: floor\n"
    "model-paths: [models]\n",
    "profiles.yml": "floor:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{path}', "
    "threads: 1}}\n",
    "models/one.sql": "select 1 as one\n",
}


def empty_dbt_build(work: Path) -> Measured:
    project = work / "floor"
    shutil.rmtree(project, ignore_errors=True)
    for name, text in EMPTY_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text.format(path=project / "floor.duckdb"))
    measured = measure(
        [str(BIN / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        {
            "DBT_TARGET_PATH": str(project / "target"),
            "DBT_LOG_PATH": str(project / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    shutil.rmtree(project, ignore_errors=True)
    return measured


# What each query proves the job cannot skip, and the query, over the raw Parquet files.
INTRINSIC_WORK = {
    "the orders' duplicate check: one grouping of every order by its id": (
        "select count(*) from (select order_id from {orders} group by order_id having count(*) > 1)"
    ),
    "the order lines' duplicate check: one grouping of every line by order and line number": (
        "select count(*) from (select order_id, line_number from {order_items} "
        "group by order_id, line_number having count(*) > 1)"
    ),
    "the customer x product pairs that the affinity counts buyers over: the lines joined "
    "to their orders and grouped (the reference's query joins them too)": (
        "select count(*) from (select orders.customer_id, lines.product_id "
        "from {order_items} as lines inner join {orders} as orders using (order_id) "
        "group by orders.customer_id, lines.product_id)"
    ),
}


def intrinsic_work(raw_dir: Path, memory_limit: str = "3GB") -> dict[str, float]:
    """Seconds of each INTRINSIC_WORK query on the Parquet files in `raw_dir`, each in a
    fresh in-memory DuckDB with the job's memory limit (profiles.yml)."""
    tables = {
        name: f"read_parquet('{raw_dir / (name + '.parquet')}')"
        for name in ("orders", "order_items")
    }
    seconds = {}
    for what, sql in INTRINSIC_WORK.items():
        with duckdb.connect() as connection:
            connection.execute(f"set memory_limit = '{memory_limit}'")
            started = time.perf_counter()
            connection.execute(sql.format(**tables)).fetchall()
            seconds[what] = time.perf_counter() - started
    return seconds
