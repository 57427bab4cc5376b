"""Segments a marketer can trust, on real exports: the UCI Online Retail transaction
lines (541,909 rows, ../shared/data/online_retail) and every fixture shape, each
built by a real `dbt build` through its mapping."""

from __future__ import annotations

import pytest

from conftest import Build, query
from customer_segments.naming import PURCHASE_ARCHETYPES, REVENUE_CLAIMS
from customer_segments.paths import Paths
from customer_segments.settings import SegmentSettings

pytestmark = pytest.mark.integration

ONLINE_RETAIL_LINES = 541_909
ONLINE_RETAIL_CUSTOMERS = 4_372
SHAPES = ["a_customers_only", "b_transaction_lines", "c_marketplace", "d_marketing_campaign"]


def test_online_retail_accounts_for_every_line(built_shape) -> None:
    paths = built_shape("online_retail")
    rows = dict(
        (table, (read, accepted, rejected))
        for table, read, accepted, rejected in query(
            paths,
            "select source_table, rows_read, rows_accepted, rows_rejected "
            "from audit.row_reconciliation",
        )
    )
    read, accepted, rejected = rows["order_items"]
    assert read == ONLINE_RETAIL_LINES == accepted + rejected
    audited = query(
        paths, "select count(*) from audit.rejected_rows where source_table = 'order_items'"
    )[0][0]
    assert audited == rejected
    customers = query(paths, "select count(*) from marts.customer_features")[0][0]
    assert customers == ONLINE_RETAIL_CUSTOMERS


def test_online_retail_buyers_are_clustered_and_the_others_are_a_rule_segment(
    built_shape,
) -> None:
    paths = built_shape("online_retail")
    mixed = query(
        paths,
        """
        select f.has_completed_orders, s.segment_kind, count(*)
        from marts.customer_features as f
        inner join marts.customer_segments as s using (customer_id)
        group by all order by all
        """,
    )
    assert [(buyer, kind) for buyer, kind, _ in mixed] == [(False, "rule"), (True, "cluster")]
    rule = query(
        paths,
        "select segment_name, customer_count, revenue from marts.segments "
        "where segment_kind = 'rule'",
    )
    assert rule[0][0] == "No purchase yet" and rule[0][1] > 0 and rule[0][2] == 0
    imputed = query(
        paths,
        "select count(*) from marts.customer_segments where imputed_features like '%recency_days%'",
    )[0][0]
    assert imputed == 0, "nobody is clustered on a made-up recency"


def test_online_retail_k_is_chosen_by_the_rule_and_explained(built_shape) -> None:
    paths = built_shape("online_retail")
    settings = SegmentSettings()
    candidates = query(
        paths,
        "select k, is_chosen, is_eligible, smallest_share, reason "
        "from marts.segment_k_selection order by k",
    )
    assert [k for k, *_ in candidates] == settings.k_candidates
    assert all(reason for *_, reason in candidates), "every k says why (not)"
    (chosen,) = [row for row in candidates if row[1]]
    k = chosen[0]
    print(f"Online Retail: k={k}: {chosen[4]}")
    assert chosen[2], "the chosen k passes the rule"
    assert k > 2, "RFM on real transactions is not two segments"
    shares = query(
        paths,
        "select min(share_of_customers), count(*) from marts.segments "
        "where segment_kind = 'cluster'",
    )[0]
    clustered = query(
        paths, "select count(*) from marts.customer_segments where segment_kind = 'cluster'"
    )[0][0]
    total = query(paths, "select count(*) from marts.customer_segments")[0][0]
    assert shares[1] == k
    assert shares[0] * total / clustered >= settings.min_segment_share
    stability = query(paths, "select distinct stability_ari from marts.segment_centroids")
    assert len(stability) == 1 and 0 < stability[0][0] <= 1


def trait_rows(paths: Paths) -> list[tuple]:
    return query(
        paths,
        "select segment_id, feature, segment_value, population_value, direction, "
        "effect_size, is_material, phrase from marts.segment_traits",
    )


def assert_traits_agree_with_their_numbers(paths: Paths) -> None:
    rows = trait_rows(paths)
    assert rows
    for segment, feature, value, population, direction, effect, material, phrase in rows:
        where = f"segment {segment}, {feature}: {value} vs {population}"
        if value is None or population is None:
            assert direction is None and not material, where
        elif value > population:
            assert direction == "higher", where
        elif value < population:
            assert direction == "lower", where
        else:
            assert direction == "same" and not material, where
        if material:
            assert (effect > 0) == (direction == "higher"), where
            assert phrase, where


@pytest.mark.parametrize("name", [*SHAPES, "online_retail"])
def test_every_trait_word_agrees_with_its_numbers(built_shape, name: str) -> None:
    assert_traits_agree_with_their_numbers(built_shape(name))


def test_every_trait_word_agrees_with_its_numbers_on_the_generated_data(built: Build) -> None:
    assert_traits_agree_with_their_numbers(built.paths)


@pytest.mark.parametrize("name", [*SHAPES, "online_retail"])
def test_names_and_archetypes_follow_the_material_traits(built_shape, name: str) -> None:
    paths = built_shape(name)
    segments = query(
        paths,
        "select segment_id, segment_name, archetype, description, key_traits "
        "from marts.segments where segment_kind = 'cluster'",
    )
    material = {}
    for segment, _, _, _, _, _, is_material, phrase in trait_rows(paths):
        if is_material:
            material.setdefault(segment, set()).add(phrase.lower())
    purchase = query(
        paths,
        "select count(*) from marts.segment_traits where feature_kind = 'purchase'",
    )[0][0]
    texts = {}
    for segment, name_, archetype, description, key_traits in segments:
        words = {w.strip().lower() for w in name_.split(" (segment")[0].split(",")}
        if segment in material:
            assert words <= material[segment], f"{name_} names traits that are not material"
            assert archetype != "core" and key_traits
        else:
            assert name_.startswith("Average customers") and archetype == "core"
        if not purchase:
            assert archetype not in PURCHASE_ARCHETYPES, f"{name_}: {archetype} without orders"
        texts.setdefault(description, []).append(segment)
    for description, ids in texts.items():
        if len(ids) > 1:  # a shared text only for segments whose traits never clash
            directions = [
                dict(
                    query(
                        paths,
                        "select feature, direction from marts.segment_traits "
                        f"where segment_id = {i} and is_material",
                    )
                )
                for i in ids
            ]
            for a in directions:
                for b in directions:
                    assert all(b.get(f) in (None, d) for f, d in a.items()), description


def assert_archetypes_agree_with_revenue_per_head(paths: Paths) -> None:
    """What an archetype's text says of spend holds for the "Per head" figure beside
    it: the segment's share of revenue over its share of customers."""
    rows = query(
        paths,
        "select segment_name, archetype, share_of_revenue / share_of_customers "
        "from marts.segments where segment_kind = 'cluster' and share_of_revenue is not null",
    )
    expected = {"higher": lambda x: x > 1, "lower": lambda x: x < 1, "not higher": lambda x: x <= 1}
    for name, archetype, per_head in rows:
        claim = REVENUE_CLAIMS.get(archetype)
        if claim:
            assert expected[claim](per_head), f"{name}: {archetype} at {per_head:.2f}x per head"


@pytest.mark.parametrize("name", [*SHAPES, "e_european_shop", "online_retail"])
def test_no_archetype_says_more_of_spend_than_revenue_per_head_shows(
    built_shape, name: str
) -> None:
    assert_archetypes_agree_with_revenue_per_head(built_shape(name))


def test_no_archetype_says_more_of_spend_than_revenue_per_head_shows_on_generated_data(
    built: Build,
) -> None:
    assert_archetypes_agree_with_revenue_per_head(built.paths)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("a_customers_only", "Spending score"),  # the file's own Spending Score (1-100)
        ("b_transaction_lines", "Spending score (percentile of spend)"),
        ("c_marketplace", "Spending score (percentile of spend)"),
    ],
)
def test_the_spending_score_label_says_when_it_is_a_percentile_of_spend(
    built_shape, name: str, label: str
) -> None:
    rows = query(
        built_shape(name),
        "select feature_label from intermediate.int_feature_labels "
        "where feature = 'spending_score'",
    )
    assert rows == [(label,)]
