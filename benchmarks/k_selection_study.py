"""How k is chosen, measured: the per-k figures and the chosen k on every study data set.

    .venv/bin/python benchmarks/k_selection_study.py [--quick]

Data sets (buyers only: customers with at least one completed order):
  - the project's generator (5 planted personas), seeds 1-4 at 5,000 and 20,000 customers,
    features computed from its raw CSVs roughly as the dbt feature mart does;
  - independent planted personas drawn directly as features (discrete order counts), one
    variant where three personas hold two age sub-groups (more reproducible groups than
    personas: the trap that makes "the largest k with prediction strength >= 0.8" overshoot);
  - UCI Online Retail (/work/shared/data/online_retail): RFM plus average order value;
  - mall-customers shapes: the 300-row fixture and synthetic five-group sets (2 features);
  - no structure: one Gaussian blob, one log-normal cloud.

For each set it prints the table select_k returns (the rule in clustering.py), what other
candidate rules would choose from the same figures, the adjusted Rand index against the
planted truth where there is one, and the CPU time of select_k. `--quick` leaves out the
20,000-customer generator sets. About two minutes of CPU in full.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from customer_segments.clustering import prepare, select_k  # noqa: E402
from customer_segments.generate import generate  # noqa: E402
from customer_segments.settings import SegmentSettings  # noqa: E402

RETAIL = Path("/work/shared/data/online_retail/online_retail.csv.gz")
MALL = ROOT / "tests/fixtures/shapes/a_customers_only/Mall_Customers.csv"
RFM = ("recency_days", "frequency", "monetary_value", "avg_order_value")

# Per buyer from the generator's raw CSVs, roughly as int_orders_aggregated_to_customers
# and customer_features do: completed orders only (messy spellings accepted), duplicates
# dropped, unreadable or impossible values set to null (prepare() imputes them).
GENERATOR_FEATURES = """
with
customers as (
    select trim(customer_id) as customer_id,
           try_cast(birth_date as date) as birth_date,
           try_cast(replace(replace(annual_income, '$', ''), ',', '') as double) as income
    from read_csv('{raw}/customers.csv', all_varchar = true)
    where trim(coalesce(customer_id, '')) <> ''
    qualify row_number() over (partition by trim(customer_id)) = 1
),
orders as (
    select trim(order_id) as order_id, trim(customer_id) as customer_id,
           try_cast(order_date as timestamp) as ordered_at
    from read_csv('{raw}/orders.csv', all_varchar = true)
    where trim(coalesce(order_id, '')) <> '' and lower(trim(status)) = 'completed'
    qualify row_number() over (partition by trim(order_id)) = 1
),
completed as (
    select * from orders
    where ordered_at between timestamp '2000-01-01' and timestamp '2026-01-01'
),
lines as (
    select trim(order_id) as order_id, try_cast(quantity as double) as quantity,
           try_cast(replace(replace(unit_price, '$', ''), ',', '') as double) as unit_price
    from read_csv('{raw}/order_items.csv', all_varchar = true)
    qualify row_number() over (partition by trim(order_id), line_number) = 1
),
reference as (select cast(max(ordered_at) as date) + 1 as reference_date from completed),
behaviour as (
    select o.customer_id, count(distinct o.order_id) as frequency,
           max(o.ordered_at) as last_order_at,
           coalesce(sum(case when l.quantity > 0 and l.unit_price >= 0
                             then l.quantity * l.unit_price end), 0) as monetary_value
    from completed o left join lines l using (order_id)
    group by o.customer_id
)
select c.customer_id,
       case when c.birth_date between date '1900-01-01' and r.reference_date
            then floor(datediff('day', c.birth_date, r.reference_date) / 365.25) end as age,
       case when c.income >= 0 then c.income end as annual_income,
       datediff('day', cast(b.last_order_at as date), r.reference_date) as recency_days,
       b.frequency, b.monetary_value
from customers c join behaviour b using (customer_id) cross join reference r
order by c.customer_id
"""

# Customers = CustomerID not null; completed = invoices not starting with C; recency from
# the day after the last invoice in the data.
RETAIL_FEATURES = """
with
lines as (select * from read_csv('{path}') where CustomerID is not null),
last_day as (select cast(max(InvoiceDate) as date) + 1 as reference_date from lines)
select cast(CustomerID as varchar) as customer_id,
       datediff('day', cast(max(InvoiceDate) as date), any_value(reference_date)) as recency_days,
       count(distinct InvoiceNo) as frequency,
       sum(Quantity * UnitPrice) as monetary_value
from lines cross join last_day
where not starts_with(cast(InvoiceNo as varchar), 'C')
group by CustomerID
order by customer_id
"""


def sql(query: str) -> pd.DataFrame:
    with duckdb.connect() as connection:
        connection.execute("set threads = 1")
        return connection.sql(query).df()


def with_truth(frame: pd.DataFrame, truth: pd.Series, settings: SegmentSettings):
    """The scaled matrix of `frame` and the truth label of each of its rows."""
    prepared = prepare(frame, settings)
    labels = truth.reindex(prepared.customer_ids).to_numpy()
    return prepared.matrix, labels


def generator_set(n: int, seed: int):
    settings = SegmentSettings()
    with tempfile.TemporaryDirectory() as folder:
        summary = generate(n, Path(folder) / "raw", seed=seed)
        features = sql(GENERATOR_FEATURES.format(raw=summary.out_dir))
        truth = pd.read_csv(summary.truth_path).set_index("customer_id")["persona"]
    return (*with_truth(features, truth, settings), settings)


# share, age (mean, sd), income median, extra orders (Poisson mean), basket median, recency days
PERSONAS = {
    "new_low_value": (0.25, (28, 6), 35_000, 0.3, 30, (0, 60)),
    "loyal": (0.15, (42, 8), 70_000, 12.0, 60, (0, 30)),
    "lapsed": (0.25, (50, 10), 55_000, 1.5, 50, (200, 700)),
    "big_spenders": (0.10, (45, 7), 110_000, 2.0, 400, (30, 200)),
    "seniors": (0.25, (68, 5), 40_000, 5.0, 35, (0, 90)),
}


def persona_set(n: int, seed: int, spread: float = 1.0, age_groups: float = 0.0):
    """Planted personas drawn directly as features, independent of the generator.

    `spread` widens every persona; `age_groups` > 0 splits the ages of three personas
    into two sub-groups that many years apart (eight reproducible groups, five personas).
    """
    rng = np.random.default_rng(seed)
    parts = []
    for name, (share, (age, age_sd), income, extra, basket, recency) in PERSONAS.items():
        m = round(share * n)
        frequency = 1 + rng.poisson(extra, m)
        spend = [rng.lognormal(np.log(basket), 0.6 * spread, f).sum() for f in frequency]
        ages = rng.normal(age, age_sd * spread, m)
        if age_groups and name in ("loyal", "lapsed", "seniors"):
            side = np.where(rng.random(m) < 0.5, -0.5, 0.5)
            ages = rng.normal(age, age_sd * 0.4, m) + side * age_groups
        parts.append(
            pd.DataFrame(
                {
                    "age": ages.round(),
                    "annual_income": rng.lognormal(np.log(income), 0.25 * spread, m),
                    "recency_days": rng.uniform(*recency, m).round(),
                    "frequency": frequency,
                    "monetary_value": spend,
                    "persona": name,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)
    frame["customer_id"] = [f"P{i:06d}" for i in range(len(frame))]
    settings = SegmentSettings()
    return (*with_truth(frame, frame.set_index("customer_id")["persona"], settings), settings)


def retail_set():
    frame = sql(RETAIL_FEATURES.format(path=RETAIL))
    frame = frame[frame["frequency"] > 0].copy()
    frame["avg_order_value"] = frame["monetary_value"] / frame["frequency"]
    settings = SegmentSettings(features=RFM, log_features=RFM)
    return prepare(frame, settings).matrix, None, settings


MALL_SETTINGS = SegmentSettings(
    features=("annual_income", "spending_score"), log_features=(), clip_quantile=0.0
)


def mall_fixture():
    frame = pd.read_csv(MALL).rename(
        columns={
            "CustomerID": "customer_id",
            "Annual Income (k$)": "annual_income",
            "Spending Score (1-100)": "spending_score",
        }
    )
    return prepare(frame, MALL_SETTINGS).matrix, None, MALL_SETTINGS


def mall_like(seed: int):
    """Five well-separated Gaussian groups of 40-80 customers in (income, spending score)."""
    rng = np.random.default_rng(seed)
    groups = [  # center, sd, size
        ((26, 20), (6, 7), 45),
        ((26, 79), (6, 7), 40),
        ((55, 50), (8, 6), 80),
        ((87, 18), (9, 8), 60),
        ((87, 82), (9, 8), 55),
    ]
    points = np.vstack([rng.normal(c, s, (m, 2)) for c, s, m in groups])
    truth = np.repeat(np.arange(len(groups)), [m for *_, m in groups])
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(len(points)),
            "annual_income": points[:, 0],
            "spending_score": points[:, 1],
        }
    )
    return prepare(frame, MALL_SETTINGS).matrix, truth, MALL_SETTINGS


def small_group():
    """Four groups of 24.5 % and a distinct group of 2 %: the minimum segment share at work."""
    rng = np.random.default_rng(1)
    groups = [((0, 0), 1.5, 490), ((0, 10), 1.5, 490), ((10, 0), 1.5, 490)]
    groups += [((10, 10), 1.5, 490), ((21, 21), 1.0, 40)]
    points = np.vstack([rng.normal(c, s, (m, 2)) for c, s, m in groups])
    truth = np.repeat(np.arange(len(groups)), [m for *_, m in groups])
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(len(points)),
            "annual_income": points[:, 0],
            "spending_score": points[:, 1],
        }
    )
    return prepare(frame, MALL_SETTINGS).matrix, truth, MALL_SETTINGS


def blob(n: int = 20_000, seed: int = 0):
    points = np.random.default_rng(seed).normal(size=(n, 5))
    return (points - points.mean(axis=0)) / points.std(axis=0), None, SegmentSettings()


def lognormal_cloud(n: int = 20_000, seed: int = 0):
    names = ("f1", "f2", "f3", "f4")
    values = np.random.default_rng(seed).lognormal(3.0, 1.0, size=(n, len(names)))
    frame = pd.DataFrame(values, columns=names).assign(customer_id=np.arange(n))
    settings = SegmentSettings(features=names, log_features=names)
    return prepare(frame, settings).matrix, None, settings


# --------------------------------------------------------------------------- candidate rules


def _knee(ks: np.ndarray, inertia: np.ndarray) -> int:
    x = (ks - ks.min()) / (ks.max() - ks.min())
    y = (inertia - inertia.min()) / (inertia.max() - inertia.min())
    return int(ks[np.argmax((1.0 - y) - x)])


def vote(table: pd.DataFrame, settings: SegmentSettings) -> int:
    """The rule this study replaces: elbow, silhouette, Calinski-Harabasz, Davies-Bouldin vote."""
    ks = table["k"].to_numpy()
    picks = [
        _knee(ks, table["inertia"].to_numpy()),
        int(table.loc[table["silhouette"].idxmax(), "k"]),
        int(table.loc[table["calinski_harabasz"].idxmax(), "k"]),
        int(table.loc[table["davies_bouldin"].idxmin(), "k"]),
    ]
    votes = table.assign(votes=[picks.count(k) for k in ks])
    return int(votes.sort_values(["votes", "silhouette"], ascending=False).iloc[0]["k"])


def _sized(table: pd.DataFrame, settings: SegmentSettings) -> pd.DataFrame:
    return table[table["smallest_share"] >= settings.min_segment_share]


def largest_above(level: float) -> Callable[[pd.DataFrame, SegmentSettings], int | None]:
    """Tibshirani & Walther: the largest k whose prediction strength reaches `level`."""

    def rule(table: pd.DataFrame, settings: SegmentSettings) -> int | None:
        sized = _sized(table, settings)
        ks = sized.loc[sized["prediction_strength"] >= level, "k"]
        return int(ks.max()) if len(ks) else None

    return rule


def before_first_break(table: pd.DataFrame, settings: SegmentSettings) -> int | None:
    """Walk up from k_min; the last k before the first one below min_prediction_strength."""
    chosen = None
    for row in table.itertuples():
        if row.prediction_strength < settings.min_prediction_strength:
            break
        if row.smallest_share >= settings.min_segment_share:
            chosen = int(row.k)
    return chosen


def best_silhouette(table: pd.DataFrame, settings: SegmentSettings) -> int | None:
    """The eligible k with the highest silhouette."""
    eligible = table[table["is_eligible"]]
    return int(eligible.loc[eligible["silhouette"].idxmax(), "k"]) if len(eligible) else None


RULES = {
    "vote": vote,
    "PS>=0.8 largest": largest_above(0.8),
    "PS>=0.9 largest": largest_above(0.9),
    "PS>=0.75 largest": largest_above(0.75),
    "first break": before_first_break,
    "eligible, best silhouette": best_silhouette,
}


# --------------------------------------------------------------------------- output


def markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.3f}"
        if isinstance(value, bool | np.bool_):
            return "yes" if value else ""
        return str(value)

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])


def study(name: str, matrix: np.ndarray, truth, settings: SegmentSettings) -> dict:
    start = time.process_time()
    table = select_k(matrix, settings)
    seconds = time.process_time() - start
    chosen = int(table.loc[table["is_chosen"], "k"].iloc[0])
    ari = None
    if truth is not None:
        with threadpool_limits(limits=1):
            model = KMeans(n_clusters=chosen, n_init=settings.n_init, random_state=settings.seed)
            ari = adjusted_rand_score(truth, model.fit_predict(matrix))
    shown = table.drop(columns=["reason", "sample_size", "inertia"])
    # the silhouette gain over the structureless reference is part of every row's reason
    gain = table["reason"].str.extract(r"(-?[0-9.]+) above the structureless reference")[0]
    shown.insert(2, "silhouette_gain", gain.to_numpy())
    print(f"\n### {name}: {len(matrix)} customers, chosen k={chosen}", end="")
    print(f", ARI {ari:.3f}" if ari is not None else "", f"(select_k {seconds:.1f} s CPU)\n")
    print(markdown(shown))
    print(f"\nReason: {table.loc[table['is_chosen'], 'reason'].iloc[0]}")
    picks = {rule: fn(table, settings) for rule, fn in RULES.items()}
    return {
        "data set": name,
        "customers": len(matrix),
        "chosen k": chosen,
        "ARI": ari if ari is not None else float("nan"),
        **{rule: "-" if k is None else k for rule, k in picks.items()},
        "select_k s": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 20k generator sets")
    quick = parser.parse_args().quick
    sets: list[tuple[str, Callable]] = []
    for n in (5_000,) if quick else (5_000, 20_000):
        for seed in (1, 2, 3, 4):
            sets.append(
                (f"generator {n // 1000}k seed {seed}", lambda n=n, s=seed: generator_set(n, s))
            )
    sets += [
        ("personas 5k seed 0", lambda: persona_set(5_000, 0)),
        ("personas 5k seed 1, wider", lambda: persona_set(5_000, 1, spread=1.3)),
        ("personas 5k seed 0, age sub-groups", lambda: persona_set(5_000, 0, age_groups=28)),
        ("UCI Online Retail", retail_set),
        ("Mall_Customers fixture", mall_fixture),
        *[(f"mall-like seed {s}", lambda s=s: mall_like(s)) for s in range(4)],
        ("four groups and a distinct 2% group", small_group),
        ("Gaussian blob 20k", blob),
        ("log-normal cloud 20k", lognormal_cloud),
    ]
    defaults = SegmentSettings()
    print(
        f"Rule settings: min_prediction_strength {defaults.min_prediction_strength}, "
        f"min_segment_share {defaults.min_segment_share}, "
        f"prediction_strength_splits {defaults.prediction_strength_splits}, k {defaults.k_min}-"
        f"{defaults.k_max}, selection sample {defaults.selection_sample_size}"
    )
    summary = pd.DataFrame([study(name, *build()) for name, build in sets])
    print("\n### Summary: the chosen k and what each candidate rule picks from the same figures\n")
    print(markdown(summary))
    print("\n### UCI Online Retail with other seeds of the selection (same data)\n")
    matrix, _, settings = retail_set()
    rows = []
    for seed in (42, 1, 2, 3, 4):
        table = select_k(matrix, replace(settings, seed=seed))
        ps = table.set_index("k")["prediction_strength"]
        chosen = int(table.loc[table["is_chosen"], "k"].iloc[0])
        rows.append({"seed": seed, "chosen k": chosen, **{f"PS k={k}": ps[k] for k in (3, 4, 5)}})
    print(markdown(pd.DataFrame(rows)))
    print("\n### UCI Online Retail with other thresholds (seed 42)\n")
    rows = []
    for strength in (0.7, 0.75, 0.8):
        for share in (0.03, 0.05):
            table = select_k(
                matrix, replace(settings, min_prediction_strength=strength, min_segment_share=share)
            )
            chosen = int(table.loc[table["is_chosen"], "k"].iloc[0])
            rows.append(
                {
                    "min_prediction_strength": strength,
                    "min_segment_share": share,
                    "chosen k": chosen,
                }
            )
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
