"""The minimal reference: the least work that turns the raw files into segments.

One DuckDB query reads the three raw files in place and aggregates completed orders
to revenue, frequency and recency per customer, joined to the customers' age and
income; then one scikit-learn KMeans fit at a fixed k on the standardised features.
Nothing else: no cleaning beyond safe casts, no audit, no tests, no choice of k, no
report. It is the yardstick `run_benchmark.py` holds the full job against.

    python benchmarks/reference.py RAW_DIR [--k 5] [--n-init 10] [--seed 42]

Prints one JSON line: the seconds of each step, rows and the inertia of the fit.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
from sklearn.cluster import KMeans

FEATURES = ("age", "annual_income", "recency_days", "frequency", "monetary_value")

# Raw files hold every column as text (the raw contract); try_cast reads what it can.
QUERY = """
with

lines as (
    select order_id, sum(try_cast(quantity as integer) * try_cast(unit_price as double)) as amount
    from read_parquet('{raw}/order_items.parquet')
    group by order_id
),

orders as (
    select customer_id, order_id, try_cast(order_date as timestamp) as ordered_at
    from read_parquet('{raw}/orders.parquet')
    where status = 'completed'
),

reference as (
    select max(ordered_at) + interval 1 day as reference_at from orders
),

behaviour as (
    select
        orders.customer_id,
        count(*) as frequency,
        sum(lines.amount) as monetary_value,
        max(orders.ordered_at) as last_order_at
    from orders
    left join lines
        on orders.order_id = lines.order_id
    group by orders.customer_id
)

select
    customers.customer_id,
    date_diff('day', try_cast(customers.birth_date as date), reference.reference_at) / 365.25
        as age,
    try_cast(customers.annual_income as double) as annual_income,
    date_diff('day', behaviour.last_order_at, reference.reference_at) as recency_days,
    coalesce(behaviour.frequency, 0) as frequency,
    coalesce(behaviour.monetary_value, 0) as monetary_value
from read_parquet('{raw}/customers.parquet') as customers
cross join reference
left join behaviour
    on customers.customer_id = behaviour.customer_id
"""


def standardised(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Features as float columns, nulls replaced by the column mean, z-scored."""
    matrix = np.column_stack([np.asarray(columns[f], dtype=float) for f in FEATURES])
    means = np.nanmean(matrix, axis=0)
    matrix = np.where(np.isnan(matrix), means, matrix)
    return (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "raw_dir", type=Path, help="Folder with customers/orders/order_items.parquet."
    )
    parser.add_argument("--k", type=int, default=5, help="Clusters (fixed; no selection).")
    parser.add_argument("--n-init", type=int, default=10, help="KMeans restarts (project: 10).")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    started = time.perf_counter()
    raw = str(args.raw_dir.resolve()).replace("'", "''")
    with duckdb.connect() as connection:
        # masked arrays: NULL becomes NaN after the float conversion below
        result = connection.sql(QUERY.format(raw=raw)).fetchnumpy()
    columns = {
        name: np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
        for name, values in result.items()
        if name in FEATURES
    }
    queried = time.perf_counter()
    matrix = standardised(columns)
    model = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=args.seed).fit(matrix)
    fitted = time.perf_counter()
    print(
        json.dumps(
            {
                "customers": int(matrix.shape[0]),
                "query_seconds": round(queried - started, 3),
                "fit_seconds": round(fitted - queried, 3),
                "total_seconds": round(fitted - started, 3),
                "k": args.k,
                "n_init": args.n_init,
                "iterations": int(model.n_iter_),
                "inertia": float(model.inertia_),
            }
        )
    )


if __name__ == "__main__":
    main()
