"""What each segment's card offers: its favourite categories and products, read from
marts.segment_category_affinity and marts.segment_product_affinity.

A favourite is an item with enough buyers in the segment (the tables' support rule)
and a lift above 1; a rule segment (no purchase yet) bought nothing and gets the
population's best sellers instead. Nothing is shown for an export without products or
categories: the tables are then empty, and the card says nothing rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from customer_segments.report.values import as_float, as_int, as_text

CATEGORY_AFFINITY = "marts.segment_category_affinity"
PRODUCT_AFFINITY = "marts.segment_product_affinity"
SHOWN = 3  # favourites per list on a card

Rows = Callable[[str, list], list[tuple]]


@dataclass(frozen=True)
class Favourite:
    """A category or product a segment over-indexes on (lift > 1), or for a rule
    segment one of the population's best sellers (lift None)."""

    name: str
    segment_share: float | None  # share of the segment's customers who bought it
    population_share: float  # share of all clustered customers who bought it
    lift: float | None


@dataclass(frozen=True)
class Offers:
    categories: tuple[Favourite, ...] = ()
    products: tuple[Favourite, ...] = ()
    best_sellers: tuple[Favourite, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.categories or self.products or self.best_sellers)


def category_name(category: str) -> str:
    """Categories are staged lower-case: 'tea & coffee' -> 'Tea & coffee'."""
    return category[:1].upper() + category[1:]


def read_offers(rows: Rows, has: Callable[..., bool]) -> dict[int, Offers]:
    """Each segment's favourites, best first; {} when neither table is there."""
    offers: dict[int, dict[str, list[Favourite]]] = {}

    def add(
        segment_id: object, kind: str, name: object, share: object, population: object, lift: object
    ) -> None:
        key, text, base = as_int(segment_id), as_text(name), as_float(population)
        if key is None or text is None or base is None:
            return
        favourite = Favourite(text, as_float(share), base, as_float(lift))
        offers.setdefault(key, {}).setdefault(kind, []).append(favourite)

    if has(CATEGORY_AFFINITY, "segment_id", "category", "lift", "affinity_rank"):
        for segment_id, category, share, population, lift in rows(
            f"select segment_id, category, segment_share_of_buyers, "
            f"population_share_of_buyers, lift from {CATEGORY_AFFINITY} "
            "where affinity_rank <= ? and lift > 1 and segment_id is not null "
            "order by segment_id, affinity_rank",
            [SHOWN],
        ):
            name = category_name(str(category)) if as_text(category) else None
            add(segment_id, "categories", name, share, population, lift)
    if has(PRODUCT_AFFINITY, "segment_id", "basis", "product_id", "product_name", "lift"):
        for segment_id, basis, product, name, share, population, lift in rows(
            f"select segment_id, basis, product_id, product_name, segment_share_of_buyers, "
            f"population_share_of_buyers, lift from {PRODUCT_AFFINITY} "
            "where affinity_rank <= ? and segment_id is not null "
            "order by segment_id, basis, affinity_rank",
            [SHOWN],
        ):
            kind = "products" if basis == "lift" else "best_sellers"
            add(segment_id, kind, as_text(name) or as_text(product), share, population, lift)
    return {
        segment_id: Offers(
            categories=tuple(lists.get("categories", ())),
            products=tuple(lists.get("products", ())),
            best_sellers=tuple(lists.get("best_sellers", ())),
        )
        for segment_id, lists in offers.items()
    }
