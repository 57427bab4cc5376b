"""Order lines as numbers: the catalogue of products, and each line's product and quantity.

A line's product is the catalogue product nearest a target price drawn from its persona's
basket, so that its category follows the price; for FAVOURITE_SHARE of every persona's
lines it is the product nearest the same price within the persona's favourite category."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from customer_segments.generate.orders import Orders
from customer_segments.generate.people import People, categorical
from customer_segments.generate.personas import FAVOURITE_SHARE, PERSONA_SPECS, persona_param
from customer_segments.generate.profiles import OrderProfile
from customer_segments.generate.text import money

# category: (cheapest, dearest) list price
CATEGORIES = {
    "grocery": (1, 40),
    "books": (4, 60),
    "beauty": (4, 150),
    "toys": (5, 200),
    "apparel": (8, 400),
    "sports": (10, 900),
    "home": (10, 2_000),
    "electronics": (15, 3_500),
}
CATEGORY_NAMES = tuple(CATEGORIES)
# each persona's favourite category by persona code (a misspelt favourite fails here)
_FAVOURITES = np.array(
    [CATEGORY_NAMES.index(p.favourite_category) for p in PERSONA_SPECS], dtype=np.int32
)
_PRODUCTS_PER_CATEGORY = 500
_PRICE_STEPS = 400  # steps per unit of log price in the catalogue's price lookup
_NEIGHBOURS = 4  # a line takes one of the products up to this many places either side
_QUANTITY_P = (0.75, 0.16, 0.06, 0.03)  # 1..4 units per line


@dataclass(frozen=True)
class Catalogue:
    number: np.ndarray  # product number, products in ascending price order
    category: np.ndarray  # index into CATEGORY_NAMES
    cents: np.ndarray  # list price, ascending
    price: pa.Array  # list price as text: 19.99
    name: pa.Array  # product name: "Books no. 0123" (category and product number)
    grid: np.ndarray  # cheapest product at or above each step of log price
    log_floor: float
    # (categories, products per category): each category's products, ascending in price
    members: np.ndarray
    # (categories, steps): like `grid` within one category, a column of `members`; past the
    # category's dearest product, that one
    category_grid: np.ndarray

    def nearest(self, cents: np.ndarray) -> np.ndarray:
        """The cheapest product costing at least `cents` (within a quarter percent)."""
        return self.grid[self._step(cents)]

    def nearest_in(self, category: np.ndarray, cents: np.ndarray) -> np.ndarray:
        """Column of `members` of the cheapest product of `category` costing at least `cents`."""
        return self.category_grid[category, self._step(cents)]

    def _step(self, cents: np.ndarray) -> np.ndarray:
        log_cents = np.log(np.maximum(cents, np.float32(1))) - np.float32(self.log_floor)
        step = (log_cents * np.float32(_PRICE_STEPS)).astype(np.int32)
        return step.clip(0, len(self.grid) - 1)


@dataclass(frozen=True)
class Items:
    order: np.ndarray  # index into Orders
    line_number: np.ndarray
    product: np.ndarray  # index into Catalogue
    quantity: np.ndarray


def make_catalogue(rng: np.random.Generator) -> Catalogue:
    category = np.repeat(np.arange(len(CATEGORY_NAMES)), _PRODUCTS_PER_CATEGORY)
    bounds = np.log(np.array(list(CATEGORIES.values()), dtype=np.float64))[category]
    dollars = np.floor(np.exp(rng.uniform(bounds[:, 0], bounds[:, 1]))).astype(np.int64)
    cents = dollars * 100 - 1  # charm prices: 19.99
    number = rng.permutation(len(cents)) + 1
    order = np.argsort(cents, kind="stable")
    cents, category, number = cents[order], category[order], number[order]
    log_floor = float(np.log(cents[0]))
    steps = np.arange(int((np.log(cents[-1]) - log_floor) * _PRICE_STEPS) + 1)
    floors = np.exp(log_floor + steps / _PRICE_STEPS) - 1e-6
    grid = np.searchsorted(cents, floors)
    members = np.argsort(category, kind="stable").reshape(len(CATEGORY_NAMES), -1)
    category_grid = np.stack(
        [np.searchsorted(cents[row], floors).clip(None, len(row) - 1) for row in members]
    ).astype(np.int16)
    names = [
        f"{CATEGORY_NAMES[c].capitalize()} no. {n:04d}"
        for c, n in zip(category.tolist(), number.tolist(), strict=True)
    ]
    return Catalogue(
        number=number,
        category=category,
        cents=cents,
        price=money(cents),
        name=pa.array(names, pa.string()),
        grid=grid,
        log_floor=log_floor,
        members=members,
        category_grid=category_grid,
    )


def make_items(
    rng: np.random.Generator,
    orders: Orders,
    people: People,
    catalogue: Catalogue,
    shape: OrderProfile,
) -> Items:
    n_orders = len(orders.customer)
    lines = categorical(rng, shape.lines_p, n_orders) + 1
    order = np.repeat(np.arange(n_orders, dtype=np.int32), lines)
    starts = np.concatenate([[0], np.cumsum(lines, dtype=np.int32)[:-1]])
    line_number = np.arange(1, len(order) + 1, dtype=np.int32) - starts[order]

    profile = people.profile[orders.customer]  # per order
    median = persona_param("basket", profile).astype(np.float32)
    spread = np.exp(rng.standard_normal(n_orders, dtype=np.float32) * np.float32(0.35))
    per_line = median * spread / lines  # each line's expected share of the basket
    weight = rng.random(len(order), dtype=np.float32) + np.float32(0.5)  # 0.5 .. 1.5, mean 1
    quantity = categorical(rng, _QUANTITY_P, len(order)) + 1
    target_cents = per_line[order] * weight / quantity * np.float32(100)
    # a product priced near the target, picked among a few neighbours so baskets vary
    shift = rng.integers(-_NEIGHBOURS, _NEIGHBOURS + 1, len(order))
    product = (catalogue.nearest(target_cents) + shift).clip(0, len(catalogue.cents) - 1)
    # FAVOURITE_SHARE of the lines: the same, among the products of the persona's favourite;
    # drawn from a stream of its own, so that every other draw is as it was without favourites
    draw = rng.spawn(1)[0].random(len(order), dtype=np.float32)
    favourite = np.flatnonzero(draw < FAVOURITE_SHARE)
    category = _FAVOURITES[profile][order[favourite]]
    column = catalogue.nearest_in(category, target_cents[favourite]) + shift[favourite]
    per_category = catalogue.members.shape[1]
    product[favourite] = catalogue.members[category, column.clip(0, per_category - 1)]
    return Items(order, line_number, product, quantity)
