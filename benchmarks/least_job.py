"""The least job: the data-dependent work the contract requires, each step the cheapest
query found for it, and nothing else.

The full job's outputs that grow with the data are stored here too, in their least form:
the rejected rows, one feature row per customer, every customer's segment and its
history row, the customer x product pairs that the affinity counts buyers over, and up to
five recommendations per customer. Left out, so that the figure is a floor and not an
estimate: dbt, typing beyond the reference's safe casts (no trimming, no date formats,
no number formats), every check but the duplicate checks, the audit's reasons and
original values, the data tests, the choice of k and the fit (the centres are fixed
points), the affinity's lift and the report. `run_benchmark.py` adds the parts that
do not grow with the data (dbt, the tests, the k selection and the report, measured at
the smallest scale) to make the floor under the targets.

    python benchmarks/least_job.py RAW_DIR WAREHOUSE [--memory-limit 3GB]

Prints one JSON line: the seconds of each step and the rows it stored.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

RECOMMENDED = 5  # the full job's recommendations per customer
CANDIDATES = 10  # products per segment the recommendations choose from
CENTRES = 5

# (step, SQL), in order; {orders}, {order_items}, {customers} are the raw Parquet files.
# Each step stores its result, as the full job does; the assignment between "rejects"
# and "affinity" is Python (below).
BEFORE_ASSIGNMENT = (
    (
        "the orders' duplicate check: the ids that occur twice",
        "create table duplicate_orders as "
        "select order_id from {orders} group by order_id having count(*) > 1",
    ),
    (
        "the order lines' duplicate check: the (order, line) pairs that occur twice",
        "create table duplicate_lines as select order_id, line_number from {order_items} "
        "group by order_id, line_number having count(*) > 1",
    ),
    (
        "the accepted orders (a view: read again where used)",
        "create view accepted_orders as select order_id, customer_id, "
        "try_cast(order_date as timestamp) as ordered_at, status = 'completed' as completed "
        "from {orders} anti join duplicate_orders using (order_id)",
    ),
    (
        "the customer x product pairs: accepted lines of completed orders, grouped",
        "create table customer_products as "
        "select orders.customer_id, lines.product_id, "
        "sum(try_cast(lines.quantity as integer) * try_cast(lines.unit_price as decimal(18, 2)))"
        " as revenue "
        "from {order_items} as lines "
        "inner join accepted_orders as orders using (order_id) "
        "anti join duplicate_lines using (order_id, line_number) "
        "where orders.completed group by all",
    ),
    (
        "one feature row per customer: frequency and recency from the orders, money from the pairs",
        "create table customer_features as "
        "with behaviour as (select customer_id, count(*) as frequency, max(ordered_at) as last_at "
        "from accepted_orders where completed group by customer_id), "
        "money as (select customer_id, sum(revenue) as monetary_value from customer_products "
        "group by customer_id), "
        "reference as (select max(ordered_at) as reference_at from accepted_orders) "
        "select customers.customer_id, "
        "date_diff('day', behaviour.last_at, reference.reference_at) as recency_days, "
        "coalesce(behaviour.frequency, 0) as frequency, "
        "coalesce(money.monetary_value, 0) as monetary_value, "
        "try_cast(customers.annual_income as double) as annual_income "
        "from {customers} as customers cross join reference "
        "left join behaviour using (customer_id) left join money using (customer_id)",
    ),
    (
        "the rejected rows: duplicated orders, lines of orders not accepted, duplicated lines",
        "create table rejected_rows as "
        "select 'orders' as source_table, order_id, null as line_number, 'duplicate' as reason "
        "from {orders} semi join duplicate_orders using (order_id) "
        "union all select 'order_items', lines.order_id, lines.line_number, 'order_rejected' "
        "from {order_items} as lines anti join accepted_orders using (order_id) "
        "union all select 'order_items', order_id, line_number, 'duplicate' from duplicate_lines",
    ),
)
AFTER_ASSIGNMENT = (
    (
        "the buyers of each product in each segment",
        "create table segment_products as select segments.segment_id, pairs.product_id, "
        "count(*) as buyers from customer_products as pairs "
        "inner join customer_segments as segments using (customer_id) group by all",
    ),
    (
        f"up to {RECOMMENDED} recommendations per customer: its segment's top "
        f"{CANDIDATES} products that it did not buy",
        "create table customer_recommendations as "
        "with top as (select *, row_number() over (partition by segment_id "
        f"order by buyers desc, product_id) as rank from segment_products qualify rank <= {CANDIDATES}), "
        "bought as (select customer_id, product_id from customer_products "
        "semi join (select distinct product_id from top) using (product_id)), "
        "candidates as (select segments.customer_id, top.product_id, top.buyers, top.rank "
        "from customer_segments as segments inner join top using (segment_id) "
        "anti join bought using (customer_id, product_id)) "
        "select customer_id, product_id, buyers from candidates "
        f"qualify row_number() over (partition by customer_id order by rank) <= {RECOMMENDED}",
    ),
)
STORED = (
    "rejected_rows",
    "customer_features",
    "customer_products",
    "customer_segments",
    "segment_history",
    "customer_recommendations",
)


def assign(connection: duckdb.DuckDBPyConnection) -> None:
    """Every customer's nearest centre on the log-scaled behaviour, stored with its history
    row: the least assignment (fixed centres on the diagonal, not a fit)."""
    columns = connection.execute(
        "select customer_id, recency_days, frequency, monetary_value from customer_features"
    ).fetchnumpy()
    matrix = np.column_stack(
        [
            np.log1p(np.ma.filled(np.ma.asarray(columns[name], dtype=float), 0.0).clip(0))
            for name in ("recency_days", "frequency", "monetary_value")
        ]
    )
    matrix = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    centres = np.repeat(np.linspace(-1.0, 1.0, CENTRES)[:, None], matrix.shape[1], axis=1)
    segment = ((matrix[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
    assigned = pa.table({"customer_id": columns["customer_id"], "segment_id": segment})
    connection.register("assigned", assigned)
    connection.execute("create table customer_segments as select * from assigned")
    connection.execute("create table segment_history as select 1 as run_id, * from assigned")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path, help="Folder with the three raw Parquet files.")
    parser.add_argument("warehouse", type=Path, help="A DuckDB file to create (replaced).")
    parser.add_argument("--memory-limit", default="3GB", help="The job's (profiles.yml).")
    args = parser.parse_args()

    raw = str(args.raw_dir.resolve()).replace("'", "''")
    files = {
        name: f"read_parquet('{raw}/{name}.parquet')"
        for name in ("customers", "orders", "order_items")
    }
    args.warehouse.unlink(missing_ok=True)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with duckdb.connect(str(args.warehouse)) as connection:
        connection.execute(f"set memory_limit = '{args.memory_limit}'")

        def timed(step: str, run) -> None:
            begun = time.perf_counter()
            run()
            seconds[step] = round(time.perf_counter() - begun, 3)

        for step, sql in BEFORE_ASSIGNMENT:
            timed(step, lambda sql=sql: connection.execute(sql.format(**files)))
        timed(
            "every customer's segment and history row: read, assign, store",
            lambda: assign(connection),
        )
        for step, sql in AFTER_ASSIGNMENT:
            timed(step, lambda sql=sql: connection.execute(sql))
        timed("checkpoint: the warehouse file written", lambda: connection.execute("checkpoint"))
        rows = {
            table: connection.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in STORED
        }
    total = round(time.perf_counter() - started, 3)
    print(json.dumps({"steps": seconds, "total_seconds": total, "rows": rows}))


if __name__ == "__main__":
    main()
