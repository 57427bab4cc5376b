"""What to offer each segment: category and product affinity, and recommendations.

On the generated data the planted favourite category of each persona must come out as
its segment's rank-1 category by lift; on the real Online Retail export every
recommendation must be a product the customer never ordered (checked against the raw
file, not against the models), and every score must follow from the affinity table.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import ONLINE_RETAIL, Build, query
from customer_segments.generate import FAVOURITE_CATEGORIES
from customer_segments.paths import Paths
from customer_segments.report.formatting import percent

RAW_LINES = f"read_csv('{ONLINE_RETAIL / 'online_retail.csv.gz'}', all_varchar = true)"


def frame(paths: Paths, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.sql(sql).df()


def test_each_planted_favourite_is_its_segments_rank_1_category(built: Build) -> None:
    truth = pd.read_csv(built.truth_path)
    segments = frame(built.paths, "select customer_id, segment_id from marts.customer_segments")
    members = truth.merge(segments, on="customer_id")
    # the segment that holds most of each persona (the planted ARI is tested elsewhere)
    home = members.groupby("persona")["segment_id"].agg(lambda s: s.value_counts().idxmax())
    rank_1 = dict(
        query(
            built.paths,
            "select segment_id, category from marts.segment_category_affinity "
            "where affinity_rank = 1",
        )
    )
    found = {persona: rank_1.get(home[persona]) for persona in FAVOURITE_CATEGORIES}
    assert found == FAVOURITE_CATEGORIES


def test_category_affinity_is_the_full_grid_and_its_shares_add_up(built: Build) -> None:
    grid = frame(built.paths, "select * from marts.segment_category_affinity")
    clusters = query(
        built.paths, "select count(*) from marts.segments where segment_kind = 'cluster'"
    )[0][0]
    assert len(grid) == clusters * grid["category"].nunique()
    # a category's buyers over the segments add up to the population's buyers
    by_category = grid.groupby("category").agg(
        buyers=("segment_buyers", "sum"), population=("population_buyers", "first")
    )
    assert (by_category["buyers"] == by_category["population"]).all()
    # a segment's spend shares cannot exceed its revenue
    assert (grid.groupby("segment_id")["segment_share_of_spend"].sum() <= 1 + 1e-9).all()
    supported = grid[grid["meets_min_support"]]
    assert supported["affinity_rank"].notna().all()
    assert grid.loc[~grid["meets_min_support"], "affinity_rank"].isna().all()


@pytest.fixture(scope="module")
def online_retail(built_shape) -> Paths:
    return built_shape("online_retail")


def test_no_recommendation_is_a_product_the_customer_already_ordered(online_retail) -> None:
    recommendations = frame(
        online_retail, "select customer_id, product_id from marts.customer_recommendations"
    )
    assert len(recommendations) > 0
    # every (customer, stock code) on any invoice of the raw file, cancellations included
    ordered = duckdb.sql(
        f"select distinct CustomerID as customer_id, StockCode as product_id from {RAW_LINES} "
        "where CustomerID is not null"
    ).df()
    overlap = recommendations.merge(ordered, on=["customer_id", "product_id"])
    assert overlap.empty, overlap.head()


def test_every_score_follows_from_the_affinity_table(online_retail) -> None:
    joined = frame(
        online_retail,
        """
        select r.basis, r.score, r.reason, r.segment_id, a.lift,
               a.segment_buyers, a.segment_customers, a.population_buyers,
               a.population_customers
        from marts.customer_recommendations as r
        left join marts.segment_product_affinity as a
            on r.segment_id = a.segment_id and r.basis = a.basis
            and r.product_id = a.product_id
        """,
    )
    assert joined["population_buyers"].notna().all(), "a recommendation not in the table"
    lift = joined[joined["basis"] == "lift"]
    expected = (lift["segment_buyers"] / lift["segment_customers"]) / (
        lift["population_buyers"] / lift["population_customers"]
    )
    assert (lift["score"] - expected).abs().max() < 1e-9
    assert (lift["score"] > 1).all()
    sellers = joined[joined["basis"] == "best_seller"]
    expected = sellers["population_buyers"] / sellers["population_customers"]
    assert (sellers["score"] - expected).abs().max() < 1e-9
    # the reason states the same numbers
    first = lift.iloc[0]
    share = percent(first["segment_buyers"] / first["segment_customers"])
    assert first["reason"].startswith(f"bought by {share} of segment {first['segment_id']} (")
    assert f"{round(first['score'], 1)}x" in first["reason"]


def test_online_retail_product_affinity_counts_the_raw_buyers(online_retail) -> None:
    """A segment's buyers of its top products, recounted from the raw file: completed
    (non-C) invoices of the segment's customers."""
    top = frame(
        online_retail,
        "select segment_id, product_id, segment_buyers from marts.segment_product_affinity "
        "where basis = 'lift' and affinity_rank <= 5",
    )
    assert top["segment_id"].nunique() >= 2
    segments = frame(online_retail, "select customer_id, segment_id from marts.customer_segments")
    bought = duckdb.sql(
        f"select distinct CustomerID as customer_id, StockCode as product_id from {RAW_LINES} "
        "where CustomerID is not null and InvoiceNo not like 'C%'"
    ).df()
    recount = (
        bought.merge(segments, on="customer_id")
        .groupby(["segment_id", "product_id"])
        .size()
        .rename("raw_buyers")
        .reset_index()
    )
    checked = top.merge(recount, on=["segment_id", "product_id"], how="left")
    assert (checked["segment_buyers"] == checked["raw_buyers"]).all(), checked


def test_online_retail_offers_are_merchandise_with_names(online_retail) -> None:
    offered = frame(
        online_retail,
        "select distinct product_id, product_name from marts.customer_recommendations",
    )
    assert not set(offered["product_id"]) & {"POST", "DOT", "M", "C2", "D", "BANK CHARGES"}
    assert offered["product_name"].notna().all()
    # the export has no categories: the category table is empty, not made up
    assert query(online_retail, "select count(*) from marts.segment_category_affinity") == [(0,)]
