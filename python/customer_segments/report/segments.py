"""The segment cards: marts.segments, each segment's material traits
(marts.segment_traits), the feature labels, and the most common city and channel.

Card texts are built from the columns of marts.segment_traits, never from formatted
text such as marts.segments.key_traits.
"""

from __future__ import annotations

from dataclasses import replace

from customer_segments.report.errors import ReportError
from customer_segments.report.formatting import label as words
from customer_segments.report.types import Segment, Trait, ValueShare
from customer_segments.report.values import as_bool, as_float, as_int, as_text
from customer_segments.report.warehouse import (
    COMPOSITION,
    LABEL_TABLES,
    SEGMENT_MEMBERS,
    SEGMENTS,
    TRAITS,
    Warehouse,
    quoted,
)

TOP_VALUES = 3
# What marts.segment_composition writes for customers without a value.
UNKNOWN = "(unknown)"


def read_labels(warehouse: Warehouse) -> dict[str, str]:
    """Feature labels for people: the build's own (mapping labels of extra columns
    included), else the seed's."""
    labels: dict[str, str] = {}
    for table in reversed(LABEL_TABLES):
        if warehouse.has(table, "feature", "feature_label"):
            for feature, text in warehouse.rows(f"select feature, feature_label from {table}"):
                if as_text(feature) and as_text(text):
                    labels[str(feature)] = str(text)
    return labels


def read_segments(warehouse: Warehouse) -> tuple[Segment, ...]:
    wanted = [
        "segment_name",
        "archetype",
        "archetype_label",
        "description",
        "customer_count",
        "share_of_customers",
        "share_of_revenue",
        "revenue",
        "recommended_action",
        "segment_kind",
    ]
    if "segment_id" not in warehouse.columns[SEGMENTS]:
        raise ReportError(f"{SEGMENTS} has no column segment_id: rebuild the warehouse.")
    rows = warehouse.rows(
        f"select segment_id, {warehouse.select(SEGMENTS, wanted)} from {SEGMENTS} "
        "where segment_id is not null order by segment_id"
    )
    segments = []
    for row in rows:
        segment_id = as_int(row[0])
        if segment_id is None:
            raise ReportError(f"{SEGMENTS} has a segment_id that is not a number: {row[0]!r}.")
        segments.append(
            Segment(
                segment_id=segment_id,
                name=as_text(row[1]) or f"Segment {segment_id}",
                archetype=as_text(row[2]),
                archetype_label=as_text(row[3]),
                description=as_text(row[4]),
                customer_count=as_int(row[5]) or 0,
                share_of_customers=as_float(row[6]) or 0.0,
                share_of_revenue=as_float(row[7]),
                revenue=as_float(row[8]),
                recommended_action=as_text(row[9]),
                kind="rule" if as_text(row[10]) == "rule" else "cluster",
            )
        )
    return tuple(segments)


def with_traits(
    warehouse: Warehouse, segments: tuple[Segment, ...]
) -> tuple[tuple[Segment, ...], dict[str, str]]:
    """Each segment's material traits from marts.segment_traits, strongest first, and
    the feature labels the table carries.

    A trait is shown when the table marks it material and both medians are known and
    differ; its direction word is taken from the two numbers, and its phrase is kept only
    when the table's direction agrees with them.
    """
    columns = [
        "feature_label",
        "segment_value",
        "population_value",
        "direction",
        "is_material",
        "trait_rank",
        "phrase",
        "feature_position",
    ]
    rows = warehouse.rows(
        f"select segment_id, feature, {warehouse.select(TRAITS, columns)} from {TRAITS} "
        "where segment_id is not null and feature is not null "
        "order by segment_id, trait_rank nulls last, feature_position nulls last, feature"
    )
    labels: dict[str, str] = {}
    traits: dict[int, list[Trait]] = {}
    for segment_id, feature, text, value, population, direction, material, rank, phrase, _ in rows:
        feature = str(feature)
        if as_text(text):
            labels[feature] = str(text).strip()
        value, population = as_float(value), as_float(population)
        if not as_bool(material) or value is None or population is None or value == population:
            continue
        trait = Trait(
            feature=feature,
            label=as_text(text) or words(feature),
            segment_value=value,
            population_value=population,
            phrase=None,
            rank=as_int(rank),
        )
        if as_text(direction) == trait.word:
            trait = replace(trait, phrase=as_text(phrase))
        traits.setdefault(int(segment_id), []).append(trait)
    updated = tuple(
        replace(s, traits=tuple(traits.get(s.segment_id, ())) if not s.is_rule else ())
        for s in segments
    )
    return updated, labels


def top_values(warehouse: Warehouse, column: str) -> dict[int, tuple[ValueShare, ...]]:
    """The most common values of a customer_features column in each segment, as shares
    of all the segment's customers (those without a value included)."""
    rows = warehouse.rows(
        f"""
        with members as (
            select segment_id, {quoted(column)} as value from {SEGMENT_MEMBERS}
        ),
        counted as (
            select segment_id, cast(value as varchar) as value, count(*) as customers
            from members
            group by all
        ),
        ranked as (
            select
                segment_id,
                value,
                customers / sum(customers) over (partition by segment_id) as share,
                row_number() over (
                    partition by segment_id
                    order by (value is null), customers desc, value
                ) as position
            from counted
        )
        select segment_id, value, share
        from ranked
        where position <= ? and value is not null and segment_id is not null
        order by segment_id, position
        """,
        [TOP_VALUES],
    )
    return value_shares(rows)


def top_composition(warehouse: Warehouse, attribute: str) -> dict[int, tuple[ValueShare, ...]]:
    """The most common values of an attribute of marts.segment_composition in each
    segment, as shares of all the segment's customers; customers without a value
    (UNKNOWN) count in the share but are not a value to show."""
    columns = ("segment_id", "attribute", "attribute_value", "customer_count", "share_of_segment")
    if not warehouse.has(COMPOSITION, *columns):
        return {}
    rows = warehouse.rows(
        f"""
        with ranked as (
            select
                segment_id,
                attribute_value,
                share_of_segment,
                row_number() over (
                    partition by segment_id
                    order by customer_count desc, attribute_value
                ) as position
            from {COMPOSITION}
            where attribute = ? and attribute_value != ? and segment_id is not null
        )
        select segment_id, attribute_value, share_of_segment
        from ranked
        where position <= ?
        order by segment_id, position
        """,
        [attribute, UNKNOWN, TOP_VALUES],
    )
    return value_shares(rows)


def value_shares(rows: list[tuple]) -> dict[int, tuple[ValueShare, ...]]:
    """(segment_id, value, share) rows, in order, as each segment's values."""
    values: dict[int, list[ValueShare]] = {}
    for segment_id, value, share in rows:
        text, fraction = as_text(value), as_float(share)
        if text is not None and fraction is not None:
            values.setdefault(int(segment_id), []).append(ValueShare(text, fraction))
    return {key: tuple(items) for key, items in values.items()}


def with_top_values(warehouse: Warehouse, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Each segment's most common cities (marts.segment_composition has no city, and
    a city mix with one row per town would be a large table for three names) and
    channels (from marts.segment_composition)."""
    cities = top_values(warehouse, "city") if warehouse.has(SEGMENT_MEMBERS, "city") else {}
    channels = top_composition(warehouse, "preferred_channel")
    return tuple(
        replace(
            s,
            top_cities=cities.get(s.segment_id, ()),
            top_channels=channels.get(s.segment_id, ()),
        )
        for s in segments
    )
