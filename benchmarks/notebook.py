"""The pandas-notebook peer: the classic customer-segmentation notebook, written as a script.

What a competent analyst does in a notebook with the three raw Parquet files, one cell a
function below:

  read      pandas.read_parquet of customers, orders and order_items, every column
  clean     trim ids, casts with errors="coerce" (dates, money, quantities), drop the
            rows that do not parse or make no sense (blank ids, future dates, negative
            quantities or money), drop duplicate keys (the last copy wins), drop orders of
            unknown customers and lines of unknown orders
  features  groupby to one row per buyer: recency, frequency and monetary value of the
            completed orders, age and income (log1p of the skewed four, as the project)
  scale     StandardScaler
  sweep     KMeans for k = 2..10 with n_init=10, inertia and a sampled silhouette
            (silhouette_score with sample_size and a fixed random_state) for each k
  charts    the elbow and silhouette charts, matplotlib (Agg), saved as PNG
  write     the best-silhouette k's label of every buyer and a profile per segment (Parquet)

What it deliberately does not do, because a notebook does not: no audit of the rows it
drops (they are gone, without a reason), no reconciliation of counts, no tests, no
stable segment ids from one run to the next, no history, no report, no rule segment for
customers without a purchase (they are left out of the clustering).

    python benchmarks/notebook.py RAW_DIR OUT_DIR [--seed 42] [--silhouette-sample 10000]

Prints one JSON line: the seconds of each step, the rows and the chosen k.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

FEATURES = ["age", "annual_income", "recency_days", "frequency", "monetary_value"]
SKEWED = ["annual_income", "recency_days", "frequency", "monetary_value"]
K_RANGE = range(2, 11)


def read(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_parquet(raw / "customers.parquet"),
        pd.read_parquet(raw / "orders.parquet"),
        pd.read_parquet(raw / "order_items.parquet"),
    )


def money(text: pd.Series) -> pd.Series:
    """ "$1,234.50" or "1234.50" as a number; anything else NaN."""
    return pd.to_numeric(text.str.strip().str.replace(r"[$,]", "", regex=True), errors="coerce")


def clean_customers(customers: pd.DataFrame) -> pd.DataFrame:
    customers = customers.assign(
        customer_id=customers["customer_id"].str.strip(),
        birth_date=pd.to_datetime(customers["birth_date"], format="%Y-%m-%d", errors="coerce"),
        annual_income=money(customers["annual_income"]),
    )
    customers = customers[customers["customer_id"].fillna("") != ""]
    customers = customers[customers["annual_income"] >= 0]
    born = customers["birth_date"].between(pd.Timestamp("1900-01-01"), pd.Timestamp.now())
    customers = customers[born]
    return customers.drop_duplicates("customer_id", keep="last")


def clean_orders(orders: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    orders = orders.assign(
        order_id=orders["order_id"].str.strip(),
        customer_id=orders["customer_id"].str.strip(),
        order_date=pd.to_datetime(
            orders["order_date"], format="%Y-%m-%d %H:%M:%S", errors="coerce"
        ),
        status=orders["status"].str.strip().str.lower(),
    )
    orders = orders[orders["order_id"].fillna("") != ""]
    orders = orders.dropna(subset=["order_date"])
    orders = orders[orders["order_date"] <= pd.Timestamp.now()]
    orders = orders.drop_duplicates("order_id", keep="last")
    # an inner merge drops the orders of unknown customers (Series.isin of pandas' default
    # strings took 10x as long here)
    return orders.merge(customers[["customer_id"]], on="customer_id", how="inner")


def clean_items(items: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    items = items.assign(
        order_id=items["order_id"].str.strip(),
        line_number=pd.to_numeric(items["line_number"], errors="coerce"),
        quantity=pd.to_numeric(items["quantity"], errors="coerce"),
        unit_price=money(items["unit_price"]),
    )
    items = items.dropna(subset=["line_number", "quantity", "unit_price"])
    items = items[(items["quantity"] > 0) & (items["unit_price"] >= 0)]
    items = items.drop_duplicates(["order_id", "line_number"], keep="last")
    return items.merge(orders[["order_id"]], on="order_id", how="inner")


def features(customers: pd.DataFrame, orders: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with a completed order."""
    order_value = (
        (items["quantity"] * items["unit_price"]).groupby(items["order_id"]).sum().rename("value")
    )
    completed = orders[orders["status"] == "completed"].join(order_value, on="order_id")
    reference = completed["order_date"].max() + pd.Timedelta(days=1)
    behaviour = completed.groupby("customer_id").agg(
        last_order=("order_date", "max"),
        frequency=("order_id", "count"),
        monetary_value=("value", "sum"),
    )
    table = customers.set_index("customer_id")[["birth_date", "annual_income"]].join(
        behaviour, how="inner"
    )
    table["recency_days"] = (reference - table["last_order"]).dt.days
    table["age"] = (reference - table["birth_date"]).dt.days / 365.25
    return table[FEATURES]


def scaled(table: pd.DataFrame) -> np.ndarray:
    transformed = table.copy()
    transformed[SKEWED] = np.log1p(transformed[SKEWED].clip(lower=0))
    return StandardScaler().fit_transform(transformed)


def sweep(matrix: np.ndarray, seed: int, sample: int) -> tuple[list[dict], dict[int, np.ndarray]]:
    scores, labels = [], {}
    for k in K_RANGE:
        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(matrix)
        silhouette = silhouette_score(
            matrix, model.labels_, sample_size=min(sample, len(matrix)), random_state=seed
        )
        scores.append({"k": k, "inertia": float(model.inertia_), "silhouette": float(silhouette)})
        labels[k] = model.labels_
    return scores, labels


def charts(scores: list[dict], out: Path) -> None:
    ks = [s["k"] for s in scores]
    for name, label in (("inertia", "inertia (elbow)"), ("silhouette", "silhouette")):
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(ks, [s[name] for s in scores], marker="o")
        ax.set_xlabel("k")
        ax.set_ylabel(label)
        fig.savefig(out / f"{name}.png", dpi=100)
        plt.close(fig)


def write(table: pd.DataFrame, labels: np.ndarray, out: Path) -> None:
    table = table.assign(segment=labels)
    table[["segment"]].reset_index().to_parquet(out / "segments.parquet", index=False)
    profile = table.groupby("segment").agg(
        customers=("age", "size"), **{feature: (feature, "mean") for feature in FEATURES}
    )
    profile.to_parquet(out / "segment_profile.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path, help="Folder with the three raw Parquet files.")
    parser.add_argument("out_dir", type=Path, help="Folder for the charts and the labels.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--silhouette-sample", type=int, default=10_000)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)

    seconds, started = {}, time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[step] = round(now - started, 3)
        started = now

    customers, orders, items = read(args.raw_dir)
    raw_rows = {"customers": len(customers), "orders": len(orders), "order_items": len(items)}
    lap("read")
    customers = clean_customers(customers)
    orders = clean_orders(orders, customers)
    items = clean_items(items, orders)
    lap("clean")
    table = features(customers, orders, items)
    lap("features")
    matrix = scaled(table)
    lap("scale")
    scores, labels = sweep(matrix, args.seed, args.silhouette_sample)
    lap("sweep")
    charts(scores, args.out_dir)
    lap("charts")
    best = max(scores, key=lambda s: s["silhouette"])["k"]
    write(table, labels[best], args.out_dir)
    lap("write")
    print(
        json.dumps(
            {
                "raw_rows": raw_rows,
                "customers_clustered": len(table),
                "k": best,
                "seconds": seconds,
                "total_seconds": round(sum(seconds.values()), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
