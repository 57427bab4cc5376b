"""The clean rows of each written table as text columns: customers, orders, order lines,
and the ground truth. Every column is a string, as a source system would export it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_segments.contract import raw_contract
from customer_segments.generate.lines import CATEGORY_NAMES, Catalogue
from customer_segments.generate.orders import CHANNELS, STATUS_TEXT, Orders
from customer_segments.generate.people import (
    CITIES,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    GENDERS,
    LAST_NAMES,
    MALE_NAMES,
    People,
)
from customer_segments.generate.personas import TRUTH_LABELS
from customer_segments.generate.text import dates, fixed_width, money, pick_strings, timestamps
from customer_segments.generate.world import Widths, World

# The raw contract's columns (customer_segments.contract), as the generator writes them:
# every one but the customers' age and spending_score, which a birth date and the
# purchases stand in for.
_CONTRACT = raw_contract()
NOT_WRITTEN = ("age", "spending_score")
CUSTOMER_COLUMNS = tuple(c for c in _CONTRACT["customers"].columns if c not in NOT_WRITTEN)
ORDER_COLUMNS = _CONTRACT["orders"].columns
ORDER_ITEM_COLUMNS = _CONTRACT["order_items"].columns
TRUTH_COLUMNS = ("customer_id", "persona")
QUANTITY_TEXT = ("1", "2", "3", "4", "-1", "-2", "-3", "-4")
UNREADABLE_PRICES = ("n/a", "unknown")

Columns = dict[str, pa.Array]


def truth_table(world: World) -> Columns:
    n = len(world.signup)
    return {
        "customer_id": fixed_width(n, "C", (np.arange(1, n + 1), world.widths.customer)),
        "persona": pick_strings(TRUTH_LABELS, world.people.persona[:n]),
    }


def emails(people: People, rows: np.ndarray, domain_shift: int = 0) -> pa.Array:
    """first.last123@example.com; with a domain shift a re-registered variant: first_last123@..."""
    first = pick_strings((*FEMALE_NAMES, *MALE_NAMES), people.first_name[rows])
    last = pick_strings(LAST_NAMES, people.last_name[rows])
    number = pa.array(rows + 1).cast(pa.string())
    domain = pick_strings(EMAIL_DOMAINS, (people.domain[rows] + domain_shift) % len(EMAIL_DOMAINS))
    local = pc.binary_join_element_wise(first, last, "." if domain_shift == 0 else "_")
    return pc.binary_join_element_wise(pc.binary_join_element_wise(local, number, ""), domain, "@")


def customer_columns(
    people: People, signup: np.ndarray, rows: np.ndarray, widths: Widths
) -> Columns:
    city = people.city[rows]
    return {
        "customer_id": fixed_width(len(rows), "C", (rows + 1, widths.customer)),
        "email": emails(people, rows),
        "gender": pick_strings(GENDERS, people.gender[rows]),
        "birth_date": dates(people.birth_day[rows]),
        "annual_income": money(people.income_cents[rows]),
        "city": pick_strings([c[0] for c in CITIES], city),
        "country": pick_strings([c[1] for c in CITIES], city),
        "signup_date": dates(signup[rows]),
    }


def order_columns(orders: Orders, rows: np.ndarray, status: np.ndarray, widths: Widths) -> Columns:
    """Orders at `rows`; `status` indexes STATUS_TEXT for every clean order."""
    n = len(rows)
    return {
        "order_id": fixed_width(n, "O", (rows + 1, widths.order)),
        "customer_id": fixed_width(n, "C", (orders.customer[rows] + 1, widths.customer)),
        "order_date": timestamps(orders.second[rows]),
        "status": pick_strings(STATUS_TEXT, status[rows]),
        "channel": pick_strings(CHANNELS, orders.channel[rows]),
    }


@dataclass(frozen=True)
class ItemCodes:
    """Every written order line as numbers; the text columns are looked up from these."""

    order_number: np.ndarray
    line_number: np.ndarray
    product: np.ndarray  # index into the catalogue
    quantity: np.ndarray  # index into QUANTITY_TEXT
    price: np.ndarray  # index into price_text(catalogue)


def item_columns(codes: ItemCodes, catalogue: Catalogue, widths: Widths) -> Columns:
    n = len(codes.order_number)
    return {
        "order_id": fixed_width(n, "O", (codes.order_number, widths.order)),
        "line_number": fixed_width(n, (codes.line_number, 1)),
        "product_id": fixed_width(n, "P", (catalogue.number[codes.product], 5)),
        "product_name": catalogue.name.take(pa.array(codes.product)),
        "category": pick_strings(CATEGORY_NAMES, catalogue.category[codes.product]),
        "quantity": pick_strings(QUANTITY_TEXT, codes.quantity),
        "unit_price": price_text(catalogue).take(pa.array(codes.price)),
    }


def price_text(catalogue: Catalogue) -> pa.Array:
    """Each product's price, then the same as currency ($19.99), then unreadable prices."""
    dollars = pc.binary_join_element_wise("$", catalogue.price, "")
    return pa.concat_arrays([catalogue.price, dollars, pa.array(UNREADABLE_PRICES)])
