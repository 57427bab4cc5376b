"""How much the customers buy: the order profiles `generate` draws orders and lines from.

`standard` is the shape of the bundled sample: about 7 orders and 11 order lines per
customer. `dense` doubles every persona's orders over the same window and puts about 2.9
lines in an order: about 13-14 orders and 40 order lines per customer, the shape of a
40M-line export at 1M customers. Ages, incomes, basket values, recencies, channels and
favourite categories stay as the personas say, so the personas separate as before;
frequency and monetary value double for every persona alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderProfile:
    name: str
    # every persona's orders per customer (Persona.orders, both bounds) times this; the
    # customers whose orders all fail keep their 1-2 orders
    orders_scale: int
    lines_p: tuple[float, ...]  # probability of 1, 2, ... lines in an order


STANDARD = OrderProfile("standard", orders_scale=1, lines_p=(0.65, 0.22, 0.08, 0.03, 0.02))
DENSE = OrderProfile(
    "dense", orders_scale=2, lines_p=(0.22, 0.26, 0.21, 0.14, 0.09, 0.05, 0.02, 0.01)
)
ORDER_PROFILES: dict[str, OrderProfile] = {p.name: p for p in (STANDARD, DENSE)}
