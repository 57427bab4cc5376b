"""One run's clean data as numbers: the catalogue, the customers, their orders and order
lines, and every customer's signup day. Text and dirt come later, from these."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_segments.generate.lines import Catalogue, Items, make_catalogue, make_items
from customer_segments.generate.orders import Orders, make_orders
from customer_segments.generate.people import People, make_people
from customer_segments.generate.profiles import OrderProfile


@dataclass(frozen=True)
class Widths:
    customer: int  # digits in a customer id
    order: int  # digits in an order id


@dataclass(frozen=True)
class World:
    catalogue: Catalogue
    people: People
    orders: Orders
    items: Items
    signup: np.ndarray  # signup day of every base customer
    widths: Widths


def simulate(
    rng: np.random.Generator, n_customers: int, n_ghosts: int, shape: OrderProfile
) -> World:
    """All clean data; `n_ghosts` ghost customers (dirt) have orders but no customer row;
    `shape` says how many orders and lines they have."""
    catalogue = make_catalogue(rng)
    people = make_people(rng, n_customers, n_ghosts)
    orders = make_orders(rng, people, shape)
    items = make_items(rng, orders, people, catalogue, shape)
    signup = orders.first_day[:n_customers] - rng.integers(1, 700, n_customers)
    widths = Widths(
        customer=max(7, len(str(n_customers + n_ghosts))),
        order=max(8, len(str(4 * len(orders.customer)))),
    )
    return World(catalogue, people, orders, items, signup, widths)
