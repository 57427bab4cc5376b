"""How k is chosen (clustering.select_k), on data sets with a known answer. No dbt."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from customer_segments.clustering import prepare, select_k
from customer_segments.generate import generate
from customer_segments.paths import project_root
from customer_segments.settings import SegmentSettings, SettingsError

# The columns select_k returns are the documented columns of marts.segment_k_selection,
# less the three k_selection_table adds.
DOCUMENTED = yaml.safe_load(
    (project_root() / "dbt_project" / "models" / "marts" / "_marts__models.yml").read_text()
)
COLUMNS = [
    column["name"]
    for model in DOCUMENTED["models"]
    if model["name"] == "segment_k_selection"
    for column in model["columns"]
    if column["name"] not in ("customers", "features", "dropped_features")
]
TWO = SegmentSettings(features=("x", "y"), log_features=(), clip_quantile=0.0)

# Buyers' features from the generator's raw CSVs, roughly as the dbt feature mart computes
# them (completed orders only, duplicates dropped, unreadable values null).
BUYER_FEATURES = """
with
customers as (
    select trim(customer_id) as customer_id, try_cast(birth_date as date) as birth_date,
           try_cast(replace(replace(annual_income, '$', ''), ',', '') as double) as income
    from read_csv('{raw}/customers.csv', all_varchar = true)
    where trim(coalesce(customer_id, '')) <> ''
    qualify row_number() over (partition by trim(customer_id)) = 1
),
orders as (
    select trim(order_id) as order_id, trim(customer_id) as customer_id,
           try_cast(order_date as timestamp) as ordered_at
    from read_csv('{raw}/orders.csv', all_varchar = true)
    where lower(trim(status)) = 'completed' and trim(coalesce(order_id, '')) <> ''
      and try_cast(order_date as timestamp) between '2000-01-01' and '2026-01-01'
    qualify row_number() over (partition by trim(order_id)) = 1
),
lines as (
    select trim(order_id) as order_id, try_cast(quantity as double) as quantity,
           try_cast(replace(replace(unit_price, '$', ''), ',', '') as double) as price
    from read_csv('{raw}/order_items.csv', all_varchar = true)
    qualify row_number() over (partition by trim(order_id), line_number) = 1
),
reference as (select cast(max(ordered_at) as date) + 1 as day from orders),
behaviour as (
    select o.customer_id, count(distinct o.order_id) as frequency,
           max(o.ordered_at) as last_order_at,
           coalesce(sum(case when l.quantity > 0 and l.price >= 0
                             then l.quantity * l.price end), 0) as monetary_value
    from orders o left join lines l using (order_id)
    group by o.customer_id
)
select c.customer_id,
       case when c.birth_date between date '1900-01-01' and r.day
            then floor(datediff('day', c.birth_date, r.day) / 365.25) end as age,
       case when c.income >= 0 then c.income end as annual_income,
       datediff('day', cast(b.last_order_at as date), r.day) as recency_days,
       b.frequency, b.monetary_value
from customers c join behaviour b using (customer_id) cross join reference r
"""


def chosen(table: pd.DataFrame) -> int:
    (k,) = table.loc[table["is_chosen"], "k"].tolist()
    return int(k)


def groups(
    centers: list[tuple[float, float]], sizes: list[int], sd: float | list[float], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sds = sd if isinstance(sd, list) else [sd] * len(sizes)
    points = np.vstack(
        [rng.normal(c, s, (m, 2)) for c, m, s in zip(centers, sizes, sds, strict=True)]
    )
    frame = pd.DataFrame(
        {"customer_id": np.arange(len(points)), "x": points[:, 0], "y": points[:, 1]}
    )
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return prepare(frame, TWO).matrix, truth


def mall_shaped(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Income x spending score: five well-separated groups of 40-80 customers."""
    centers = [(26, 20), (26, 79), (55, 50), (87, 18), (87, 82)]
    return groups(centers, [45, 40, 80, 60, 55], 7.0, seed)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """5,000 generated customers (five personas): the buyers' scaled features, their
    persona, and the k selection."""
    folder = tmp_path_factory.mktemp("planted")
    summary = generate(5_000, folder / "raw", seed=3)
    with duckdb.connect() as connection:
        connection.execute("set threads = 1")
        features = connection.sql(BUYER_FEATURES.format(raw=summary.out_dir)).df()
    settings = SegmentSettings()
    prepared = prepare(features, settings)
    truth = pd.read_csv(summary.truth_path).set_index("customer_id")["persona"]
    personas = truth.reindex(prepared.customer_ids).to_numpy()
    return prepared.matrix, personas, select_k(prepared.matrix, settings)


def test_the_table_has_one_row_per_k_and_a_reason_on_every_row(planted) -> None:
    *_, table = planted
    assert sorted(table.columns) == sorted(COLUMNS)
    assert table["k"].tolist() == list(range(2, 9))
    assert table["is_chosen"].sum() == 1
    assert table["reason"].notna().all() and (table["reason"].str.len() > 40).all()
    assert table["is_eligible"].dtype == bool and table["sample_size"].dtype.kind == "i"
    assert table.loc[table["is_chosen"], "reason"].iloc[0].startswith("Chosen")


def test_planted_personas_give_five_segments_that_recover_them(planted) -> None:
    matrix, personas, table = planted
    assert chosen(table) == 5
    labels = KMeans(5, n_init=10, random_state=42).fit_predict(matrix)
    assert adjusted_rand_score(personas, labels) >= 0.85
    assert "Cluster structure found" in table.loc[table["is_chosen"], "reason"].iloc[0]


def test_mall_shaped_customers_give_five_segments() -> None:
    matrix, truth = mall_shaped()
    table = select_k(matrix, TWO)
    assert chosen(table) == 5
    labels = KMeans(5, n_init=10, random_state=42).fit_predict(matrix)
    assert adjusted_rand_score(truth, labels) > 0.95


def test_a_k_with_a_segment_below_the_minimum_share_is_never_chosen() -> None:
    # four groups of 24.5 % and a distinct group of 2 %: k=5 reproduces and separates best
    centers = [(0, 0), (0, 10), (10, 0), (10, 10), (21, 21)]
    matrix, _ = groups(centers, [490, 490, 490, 490, 40], [1.5, 1.5, 1.5, 1.5, 1.0], seed=1)
    table = select_k(matrix, TWO)
    five = table.set_index("k").loc[5]
    assert five["prediction_strength"] > 0.95 and five["smallest_share"] == 0.02
    assert not five["is_eligible"] and "smallest segment holds 2.0%" in five["reason"]
    assert chosen(table) == 4
    assert (table.loc[table["is_chosen"], "smallest_share"] >= 0.05).all()
    # the share is what rules k=5 out: with a minimum of 1 % it is chosen
    assert chosen(select_k(matrix, replace(TWO, min_segment_share=0.01))) == 5


def test_without_structure_a_k_is_still_chosen_and_the_reason_says_structure_is_weak() -> None:
    points = np.random.default_rng(0).normal(size=(3_000, 3))
    table = select_k(points, SegmentSettings(features=("a", "b", "c"), log_features=()))
    assert 2 <= chosen(table) <= 8
    assert not table["is_eligible"].any()
    assert "Structure is weak" in table.loc[table["is_chosen"], "reason"].iloc[0]


def test_the_same_input_gives_the_same_table() -> None:
    matrix, _ = mall_shaped(seed=2)
    first, second = select_k(matrix, TWO), select_k(matrix.copy(), TWO)
    assert first.to_csv() == second.to_csv()


def test_a_fixed_k_overrides_the_rule_and_still_gets_its_figures() -> None:
    matrix, _ = mall_shaped()
    table = select_k(matrix, replace(TWO, k=6))
    assert table["k"].tolist() == [6] and table["is_chosen"].tolist() == [True]
    row = table.iloc[0]
    assert "fixed by the setting segments.k" in row["reason"]
    assert 0.0 < row["prediction_strength"] <= 1.0 and row["smallest_share"] > 0.0
    assert "would not accept it" in row["reason"], "k=6 splits a planted group"


def test_the_rule_settings_are_parsed_and_checked() -> None:
    settings = SegmentSettings.from_mapping(
        {
            "min_segment_share": "0.03",
            "min_prediction_strength": 0.8,
            "prediction_strength_splits": 5,
        },
        project={},
    )
    assert (settings.min_segment_share, settings.min_prediction_strength) == (0.03, 0.8)
    assert settings.prediction_strength_splits == 5
    for bad in (
        {"min_segment_share": 0.6},
        {"min_prediction_strength": 1.5},
        {"prediction_strength_splits": 0},
    ):
        with pytest.raises(SettingsError, match=next(iter(bad))):
            SegmentSettings.from_mapping(bad, project={})
