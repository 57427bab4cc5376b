"""What the customer x product grouping (int_customer_products) costs, and what would
make it cheaper: the model's query and variants of it, each timed on a built
warehouse with the job's memory limit, with DuckDB's own count of what it spilled.

    python benchmarks/customer_products_study.py WAREHOUSE [--memory-limit 3GB] [VARIANT ...]

WAREHOUSE is one that `customer-segments run` built (the benchmark's, with --keep).
The integer-key variants join the lines to key tables made here first (untimed): the
accepted customers, and every product x category of int_product_categories. Round 8
wrote this study; since round 10 the model itself groups by the product x category
key, so "as built" below is the round-8 model, not the current one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb

ORDERS = "(select order_id, customer_id, status from intermediate.int_orders_accepted)"
LINES = (
    "(select order_id, product_id, category, quantity, unit_price "
    "from intermediate.int_order_items_accepted)"
)
COMPLETED = "orders.status = 'completed'"
AGGREGATES = (
    f"count(*) as line_count, count(case when {COMPLETED} then 1 end) > 0 as is_purchased, "
    f"sum(case when {COMPLETED} then lines.quantity end) as purchased_quantity, "
    f"sum(case when {COMPLETED} then lines.quantity * lines.unit_price else 0 end) "
    "as purchased_spend"
)
JOINED = f"from {LINES} as lines inner join {ORDERS} as orders using (order_id)"
KEYED = (
    f"from {LINES} as lines inner join (select o.order_id, o.status, c.customer_key "
    f"from {ORDERS} as o inner join customer_keys as c using (customer_id)) as orders "
    "using (order_id) left join product_keys as p "
    "on lines.product_id is not distinct from p.product_id "
    "and lines.category is not distinct from p.category"
)
ONE_KEY = "cast(orders.customer_key as bigint) * 4294967296 + coalesce(p.product_key, 0)"
TEXT_KEYS = "orders.customer_id, lines.product_id, lines.category"

VARIANTS = {
    "as built (three text keys, four aggregates)": (
        f"select {TEXT_KEYS}, {AGGREGATES} {JOINED} group by all"
    ),
    "three text keys, count(*) only": f"select {TEXT_KEYS}, count(*) as n {JOINED} group by all",
    "cheaper aggregates (bool_or, no else 0)": (
        f"select {TEXT_KEYS}, count(*) as line_count, bool_or({COMPLETED}) as is_purchased, "
        f"sum(case when {COMPLETED} then lines.quantity end) as purchased_quantity, "
        f"sum(case when {COMPLETED} then lines.quantity * lines.unit_price end) "
        f"as purchased_spend {JOINED} group by all"
    ),
    "customer and product x category as two integer keys": (
        f"select orders.customer_key, p.product_key, {AGGREGATES} {KEYED} group by all"
    ),
    "the two integers in one 64-bit key": (
        f"select {ONE_KEY} as pair_key, {AGGREGATES} {KEYED} group by all"
    ),
    "one 64-bit key, count(*) and a flag": (
        f"select {ONE_KEY} as pair_key, count(*) as line_count, "
        f"bool_or({COMPLETED}) as is_purchased {KEYED} group by all"
    ),
    "the join alone, no grouping": f"select count(*) as n, sum(lines.quantity) as q {JOINED}",
}

KEY_TABLES = [
    "create temp table customer_keys as select customer_id, "
    "cast(row_number() over (order by customer_id) as integer) as customer_key "
    "from intermediate.int_customers_validated where rejection_reason is null",
    "create temp table product_keys as select product_id, category, "
    "cast(product_category_key as integer) as product_key "
    "from intermediate.int_product_categories",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--memory-limit", default="3GB", help="the job's (profiles.yml)")
    parser.add_argument("variants", nargs="*", help="numbers of VARIANTS to run (default all)")
    args = parser.parse_args()
    names = list(VARIANTS)
    chosen = [names[int(n) - 1] for n in args.variants] or names
    with (
        duckdb.connect(str(args.warehouse), read_only=True) as connection,
        tempfile.TemporaryDirectory() as tmp,
    ):
        connection.execute(f"set memory_limit = '{args.memory_limit}'")
        for sql in KEY_TABLES:
            connection.execute(sql)
        profile = Path(tmp) / "profile.json"
        print(f"| variant ({args.memory_limit} memory limit) | seconds | rows | spilled |")
        print("|---|---:|---:|---:|")
        for name in chosen:
            connection.execute("pragma enable_profiling = 'json'")
            connection.execute(f"set profiling_output = '{profile}'")
            started = time.perf_counter()
            connection.execute(f"create or replace temp table result as {VARIANTS[name]}")
            seconds = time.perf_counter() - started
            connection.execute("pragma disable_profiling")
            spilled = json.loads(profile.read_text())["system"]["total_bytes_spilled"]
            (rows,) = connection.execute("select count(*) from result").fetchone()
            print(f"| {name} | {seconds:.1f} | {rows:,} | {spilled / 1e9:.2f} GB |", flush=True)


if __name__ == "__main__":
    main()
