"""Unit tests of the clustering package: no dbt, no files."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from customer_segments.clustering import (
    ClusteringError,
    assign,
    fit,
    prepare,
    select_k,
    stable_ids,
    transform,
)
from customer_segments.naming import (
    PURCHASE_ARCHETYPES,
    FeatureLabel,
    archetypes,
    segment_names,
    segment_traits,
)
from customer_segments.paths import project_root
from customer_segments.segmentation import (
    centroids_table,
    customer_segments_table,
    k_selection_table,
    stored_model,
)
from customer_segments.settings import SegmentSettings, SettingsError


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(n)], **columns})


def blobs(n: int = 3_000, centers: int = 4, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    points, truth = make_blobs(
        n_samples=n, centers=centers, n_features=3, random_state=seed, cluster_std=0.6
    )
    return frame(a=points[:, 0], b=points[:, 1], c=points[:, 2]), truth


PLAIN = SegmentSettings(features=("a", "b", "c"), log_features=(), n_init=4)
PLAYBOOK = pd.read_csv(project_root() / "dbt_project" / "seeds" / "marketing_playbook.csv")


def test_missing_values_are_imputed_with_the_median_and_flagged() -> None:
    data = frame(x=[1.0, 2.0, None, 4.0, 100.0], y=[1.0, 2.0, 3.0, 4.0, 5.0])
    prepared = prepare(data, SegmentSettings(features=("x", "y"), log_features=()))
    assert prepared.scalings[0].impute_value == 3.0
    assert prepared.imputed[:, 0].tolist() == [False, False, True, False, False]
    assert not np.isnan(prepared.matrix).any()


def test_constant_and_empty_features_are_dropped_with_a_reason() -> None:
    data = frame(x=[1.0, 2.0, 3.0], same=[5.0, 5.0, 5.0], empty=[None, None, None])
    prepared = prepare(data, SegmentSettings(features=("x", "same", "empty"), log_features=()))
    assert prepared.features == ["x"]
    assert dict(prepared.dropped) == {"same": "zero variance", "empty": "no values"}


def test_no_usable_feature_is_a_clear_error() -> None:
    with pytest.raises(ClusteringError, match="No usable feature"):
        prepare(frame(same=[1.0, 1.0]), SegmentSettings(features=("same",), log_features=()))


def test_an_unknown_feature_names_the_setting() -> None:
    with pytest.raises(ClusteringError, match=r"segments\.features names nope"):
        prepare(frame(x=[1.0, 2.0]), SegmentSettings(features=("nope",), log_features=()))


def test_log_and_clipping_tame_one_extreme_customer() -> None:
    rng = np.random.default_rng(1)
    money = np.concatenate([rng.lognormal(4, 0.5, 999), [1e9]])
    prepared = prepare(frame(m=money), SegmentSettings(features=("m",), log_features=("m",)))
    assert prepared.matrix.max() < 4.0, "the extreme value is clipped, not 40 sigma out"


def test_prepare_does_not_depend_on_row_order() -> None:
    data, _ = blobs(500)
    shuffled = data.sample(frac=1.0, random_state=3)
    first, second = prepare(data, PLAIN), prepare(shuffled, PLAIN)
    assert (first.customer_ids == second.customer_ids).all()
    assert np.array_equal(first.matrix, second.matrix)


def test_select_k_finds_the_planted_number_of_clusters() -> None:
    data, _ = blobs(centers=4)
    table = select_k(prepare(data, PLAIN).matrix, PLAIN)
    assert table.loc[table["is_chosen"], "k"].tolist() == [4]
    assert table["reason"].notna().all(), "every k says why it was (not) chosen"
    assert set(table["k"]) == set(range(2, 9))


def test_a_fixed_k_overrides_the_vote() -> None:
    data, _ = blobs(centers=4)
    settings = SegmentSettings(features=("a", "b", "c"), log_features=(), k=6, n_init=2)
    table = select_k(prepare(data, settings).matrix, settings)
    assert table["k"].tolist() == [6]
    assert "fixed" in table.loc[table["is_chosen"], "reason"].iloc[0]


def test_too_few_customers_for_the_smallest_k_is_a_clear_error() -> None:
    data = frame(a=[1.0, 2.0], b=[2.0, 1.0], c=[0.0, 1.0])
    with pytest.raises(ClusteringError, match="Only 2 usable customers"):
        select_k(prepare(data, PLAIN).matrix, PLAIN)


def test_fit_matches_scikit_learn_and_reports_stability() -> None:
    data, truth = blobs(centers=4)
    matrix = prepare(data, PLAIN).matrix
    centers, stability = fit(matrix, 4, PLAIN)
    labels, d1, d2 = assign(matrix, centers)
    reference = KMeans(4, n_init=PLAIN.n_init, random_state=PLAIN.seed).fit(matrix)
    assert adjusted_rand_score(labels, reference.labels_) == 1.0
    assert adjusted_rand_score(labels, truth) > 0.95
    assert stability > 0.95
    assert (d1 <= d2).all()


def test_stable_ids_follow_the_centroids_not_the_label_order() -> None:
    centers = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    first = stable_ids(centers, np.array([10, 30, 20]), None)
    assert first.tolist() == [3, 1, 2], "without history: largest first"
    previous = dict(zip(first.tolist(), centers, strict=True))
    moved = centers[[2, 0, 1]] + 0.1  # same segments, other label order, slightly moved
    assert stable_ids(moved, np.array([1, 1, 1]), previous).tolist() == [2, 3, 1]


def test_a_genuinely_new_segment_gets_a_new_id() -> None:
    previous = {1: np.array([0.0, 0.0]), 2: np.array([5.0, 5.0])}
    centers = np.array([[0.1, 0.0], [5.0, 5.1], [-9.0, 9.0]])
    assert stable_ids(centers, np.array([5, 5, 5]), previous).tolist() == [1, 2, 3]


LABELS = {
    "age": FeatureLabel("age", "Age", "older", "young", "attribute"),
    "annual_income": FeatureLabel(
        "annual_income", "Annual income", "high income", "low income", "attribute"
    ),
    "spending_score": FeatureLabel(
        "spending_score", "Spending score", "high score", "low score", "attribute"
    ),
    "recency_days": FeatureLabel(
        "recency_days", "Recency (days)", "lapsed", "recent buyers", "purchase"
    ),
    "frequency": FeatureLabel(
        "frequency", "Completed orders", "frequent", "infrequent", "purchase"
    ),
    "monetary_value": FeatureLabel(
        "monetary_value", "Monetary value", "high spend", "low spend", "purchase"
    ),
}


def traits_of(features: list[str], centers: np.ndarray, ids: list[int]) -> pd.DataFrame:
    """Traits of segments of 50 customers at the given scaled centers, within a
    population that sits at 0 (a filler segment left out of the result), so each
    center is its segment's effect size; own values equal the scaled ones."""
    members = np.vstack([np.zeros((5_000, len(features))), np.repeat(centers, 50, axis=0)])
    matrix = members + np.random.default_rng(0).normal(0, 0.01, members.shape)
    segment_of = np.concatenate([np.zeros(5_000, dtype=int), np.repeat(ids, 50)])
    traits = segment_traits(features, LABELS, matrix, matrix, segment_of)
    return traits[traits["segment_id"] != 0].reset_index(drop=True)


def test_a_trait_word_always_agrees_with_its_two_numbers() -> None:
    # A skewed feature: the segment's mean is pulled up by a few huge values while its
    # median is below the population's: the direction follows the medians shown, and
    # a trait whose effect points the other way is not material.
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.lognormal(3, 0.3, 900), [1.0] * 80 + [1e6] * 20])[:, None]
    matrix = (values - values.mean()) / values.std()
    segment_of = np.array([1] * 900 + [2] * 100)
    traits = segment_traits(["monetary_value"], LABELS, values, matrix, segment_of)
    two = traits.set_index("segment_id").loc[2]
    assert two["segment_value"] < two["population_value"] and two["direction"] == "lower"
    assert two["effect_size"] > 0 and not two["is_material"]
    for row in traits.itertuples():
        expected = "higher" if row.segment_value > row.population_value else "lower"
        assert row.direction == (expected if row.segment_value != row.population_value else "same")


def test_a_small_difference_is_not_a_trait() -> None:
    traits = traits_of(["spending_score"], np.array([[0.03], [-0.03]]), [1, 2])
    assert not traits["is_material"].any()
    names = segment_names(traits)
    assert archetypes(traits) == {1: "core", 2: "core"}
    assert {n for n, _ in names.values()} == {
        "Average customers (segment 1)",
        "Average customers (segment 2)",
    }


def test_names_are_unique_and_independent_of_label_order() -> None:
    features = ["age", "annual_income", "monetary_value"]
    centers = np.array([[1.0, 1.0, 0.1], [1.0, 1.0, -0.6], [-1.0, 0.0, 0.0]])
    names = segment_names(traits_of(features, centers, [1, 2, 3]))
    assert len({n for n, _ in names.values()}) == 3
    assert names[1][0] == "Older, high income" and names[2][0] == "Older, high income, low spend"
    reversed_names = segment_names(traits_of(features, centers[::-1], [3, 2, 1]))
    assert reversed_names == names


def test_a_kept_segment_keeps_its_name_while_its_named_traits_hold() -> None:
    features = ["age", "annual_income"]
    # Age was the stronger trait, now income is: the words stay in feature order.
    before = segment_names(traits_of(features, np.array([[-1.2, -0.8], [1.0, 1.0]]), [1, 2]))
    after = segment_names(traits_of(features, np.array([[-0.8, -1.2], [1.0, 1.0]]), [1, 2]), before)
    assert before[1][0] == after[1][0] == "Young, low income"
    # Three material traits whose order changes: the stored name is kept.
    features = ["age", "annual_income", "spending_score"]
    first = segment_names(traits_of(features, np.array([[-1.5, -1.2, 0.9], [1, 1, -1]]), [1, 2]))
    second = segment_names(
        traits_of(features, np.array([[-1.0, 0.9, 1.6], [1, 1, -1]]), [1, 2]), first
    )
    assert first[1][0] == "Young, low income"
    assert second[1][0] != first[1][0], "income turned high: the name must change"


def test_archetypes_follow_the_material_traits() -> None:
    features = ["recency_days", "frequency", "monetary_value", "annual_income"]
    centers = np.array(
        [
            [-0.8, 1.2, 1.5, 0.5],
            [1.5, -0.8, -0.7, 0.0],
            [1.2, 0.6, 0.7, 0.0],
            [0.0, -0.1, 1.4, 0.8],
            [-1.0, -0.7, 0.0, 0.0],
        ]
    )
    kinds = archetypes(traits_of(features, centers, [1, 2, 3, 4, 5]))
    assert kinds == {
        1: "champions",
        2: "lapsed",
        3: "at_risk",
        4: "big_spenders",
        5: "new_customers",
    }


def test_an_archetype_claims_only_the_spend_its_traits_show() -> None:
    features = ["recency_days", "frequency", "avg_order_value", "monetary_value"]
    centers = np.array(
        [
            [0.0, 0.0, 1.2, 0.1],  # larger baskets only: not "big spenders"
            [1.2, 1.0, 0.0, 0.0],  # frequent once, lapsing, with no more spend
            [1.2, 0.0, 0.0, 1.0],  # spent more, lapsing
        ]
    )
    labels = {
        **LABELS,
        "avg_order_value": FeatureLabel(
            "avg_order_value", "Average order value", "large baskets", "small baskets", "purchase"
        ),
    }
    members = np.vstack([np.zeros((5_000, 4)), np.repeat(centers, 50, axis=0)])
    matrix = members + np.random.default_rng(0).normal(0, 0.01, members.shape)
    segment_of = np.concatenate([np.zeros(5_000, dtype=int), np.repeat([1, 2, 3], 50)])
    traits = segment_traits(features, labels, matrix, matrix, segment_of)
    traits = traits[traits["segment_id"] != 0]
    assert archetypes(traits) == {1: "big_baskets", 2: "fading_regulars", 3: "at_risk"}


def test_an_archetype_never_says_more_of_spend_than_revenue_per_head() -> None:
    # Medians make segment 1 big spenders and segment 2 low value, but a few buyers
    # elsewhere pull the average up (1 = 0.8x per head) or down (2 = 1.1x): the text
    # that would say otherwise gives way to a profile of the segment's own traits.
    features = ["frequency", "monetary_value"]
    traits = traits_of(features, np.array([[0.0, 1.2], [0.0, -1.2], [0.0, 1.1]]), [1, 2, 3])
    assert archetypes(traits) == {1: "big_spenders", 2: "low_value", 3: "big_spenders"}
    kinds = archetypes(traits, {1: 0.8, 2: 1.1, 3: 1.9})
    assert kinds == {1: "profile", 2: "profile", 3: "big_spenders"}


def test_every_archetype_has_a_playbook_text() -> None:
    assert set(PURCHASE_ARCHETYPES) <= set(PLAYBOOK["archetype"])


def test_attribute_only_segments_never_get_a_purchase_archetype() -> None:
    features = ["age", "annual_income", "spending_score"]
    centers = np.array(
        [[0, 1.2, 1.1], [0, 1.1, -1.2], [0, -1, 1], [0, -1, -1], [1.0, 0, 0], [-1.0, 0, 0]]
    )
    kinds = archetypes(traits_of(features, centers, [1, 2, 3, 4, 5, 6]))
    assert kinds == {
        1: "affluent_enthusiasts",
        2: "high_potential",
        3: "budget_enthusiasts",
        4: "budget_cautious",
        5: "profile",
        6: "profile",
    }


def test_segments_with_opposite_traits_never_share_an_archetype() -> None:
    features = ["recency_days", "frequency", "age"]
    # Both lapsed; one older, one young: the weaker becomes a profile of its own traits.
    kinds = archetypes(traits_of(features, np.array([[1.5, -0.8, 1.0], [1.4, -0.8, -0.9]]), [1, 2]))
    assert sorted(kinds.values()) == ["lapsed", "profile"]


def test_the_three_steps_give_one_segment_per_customer() -> None:
    data, truth = blobs(centers=4)
    selection = k_selection_table(data, PLAIN)
    centroids = centroids_table(data, selection, PLAIN)
    segments = customer_segments_table(data, centroids, PLAYBOOK)
    assert len(segments) == len(data) and segments["customer_id"].is_unique
    assert adjusted_rand_score(segments.sort_values("customer_id")["segment_id"], truth) > 0.95
    sizes = segments["segment_id"].value_counts().sort_index()
    stored = centroids.drop_duplicates("segment_id").set_index("segment_id")["segment_size"]
    assert sizes.to_dict() == stored.to_dict()


def test_stored_scalings_reproduce_the_fitted_matrix() -> None:
    data, _ = blobs(200)
    prepared = prepare(data, PLAIN)
    matrix, _ = transform(data.sort_values("customer_id"), prepared.scalings)
    assert np.array_equal(matrix, prepared.matrix)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scaling": "minmax"}, "segments.scaling is 'minmax'"),
        ({"k": 1}, "segments.k is 1"),
        ({"k_min": 5, "k_max": 3}, "k_min=5, k_max=3"),
        ({"colour": "red"}, "unknown setting"),
        ({"features": ["a"], "log_features": ["b"]}, "log_features names b"),
    ],
)
def test_bad_settings_say_which_setting(values: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        SegmentSettings.from_mapping(values, project={})


def test_settings_read_the_dbt_var_text() -> None:
    text = "{'features': ['a', 'b'], 'log_features': [], 'k': None, 'seed': 3}"
    settings = SegmentSettings.from_mapping(text, project={})
    assert settings.features == ("a", "b") and settings.k is None and settings.seed == 3


def test_only_a_missing_stored_model_counts_as_a_first_run() -> None:
    relation = "marts.segment_centroids"
    with duckdb.connect() as session:
        assert stored_model(session, relation, required=False) is None
        with pytest.raises(ClusteringError, match="run once with segments_mode 'fit'"):
            stored_model(session, relation)
        session.execute("create schema marts")
        assert stored_model(session, relation, required=False) is None
        # There, but unreadable: the ids must not silently start again from 1.
        session.execute(f"create view {relation} as select cast('x' as integer) as segment_id")
        for required in (False, True):
            with pytest.raises(ClusteringError) as error:
                stored_model(session, relation, required=required)
            message = str(error.value)
            assert "\n" not in message
            assert message.startswith(f"The stored model {relation} exists but cannot be read")
            assert "ConversionException" in message and "drop it" in message
        session.execute(f"drop view {relation}")
        session.execute(f"create table {relation} as select 1 as segment_id")
        assert stored_model(session, relation, required=False)["segment_id"].tolist() == [1]
