"""The written tables: the clean columns with planted dirt (duplicates, orphans,
unparseable or impossible values, messy spellings), each kind at a documented share of
the table's rows and present even in small runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_segments.generate.columns import (
    QUANTITY_TEXT,
    Columns,
    ItemCodes,
    customer_columns,
    emails,
    item_columns,
    order_columns,
)
from customer_segments.generate.orders import STATUS_SPELLINGS, STATUSES
from customer_segments.generate.text import currency_text, cycle, money
from customer_segments.generate.world import World

# Dirt: share of the table's rows, and the least count so that every kind shows at small n.
_DIRT_MIN = 3


def ghost_count(n_customers: int) -> int:
    """Customers who place orders but have no customer row (orders of unknown customers)."""
    return _dirt_count(0.002, n_customers, 2)


@dataclass(frozen=True)
class _Layout:
    """Which clean row every written row shows; added rows are copies placed at random."""

    clean_rows: int
    rows: np.ndarray  # for every written row, the clean row it copies
    added: tuple[np.ndarray, ...]  # written positions of each kind of added row


def customers_table(rng: np.random.Generator, world: World, dirt: bool) -> Columns:
    people, signup, widths = world.people, world.signup, world.widths
    n = len(signup)
    if not dirt:
        return customer_columns(people, signup, np.arange(n), widths)
    # added rows: exact duplicates, re-exports with a new e-mail, rows with a blank id
    layout = _layout(rng, n, _dirt_count(0.004, n), _dirt_count(0.003, n), _dirt_count(0.002, n))
    columns = customer_columns(people, signup, layout.rows, widths)
    _exact, reexport, blank = layout.added  # exact copies need nothing more
    genders = ("F", " Female ", "M", "MALE", "f", "", "unknown")
    unparseable, impossible, negative, currency, gender, email = _pick(
        rng,
        np.arange(n),
        _dirt_count(0.002, n),
        _dirt_count(0.002, n),
        _dirt_count(0.002, n),
        _dirt_count(0.005, n),
        _dirt_count(0.006, n, len(genders)),
        _dirt_count(0.006, n, 4),
    )
    birth = cycle(("not a date", "31/02/1990"), len(unparseable))
    birth = pa.concat_arrays([birth, cycle(("1850-01-01", "2090-06-15"), len(impossible))])
    columns["birth_date"] = _modify(
        columns["birth_date"], layout, np.concatenate([unparseable, impossible]), birth
    )
    income = pa.concat_arrays(
        [
            pc.binary_join_element_wise("-", money(people.income_cents[negative]), ""),
            currency_text(people.income_cents[currency]),
        ]
    )
    rows = np.concatenate([negative, currency])
    columns["annual_income"] = _modify(columns["annual_income"], layout, rows, income)
    columns["gender"] = _modify(columns["gender"], layout, gender, cycle(genders, len(gender)))
    clean = emails(people, email)
    upper, spaced = pc.utf8_upper(clean), pc.binary_join_element_wise(" ", clean, "  ", "")
    messy = pc.if_else(pa.array(np.arange(len(email)) % 2 == 0), upper, spaced)
    columns["email"] = _modify(columns["email"], layout, email, messy)

    changed = emails(people, layout.rows[reexport], domain_shift=1)
    columns["email"] = _override(columns["email"], reexport, changed)
    columns["customer_id"] = _override(
        columns["customer_id"], blank, cycle(("", "   "), len(blank))
    )
    return columns


def orders_table(rng: np.random.Generator, world: World, dirt: bool) -> Columns:
    orders, widths = world.orders, world.widths
    n = len(orders.customer)
    if not dirt:
        return order_columns(orders, np.arange(n), orders.status, widths)
    # added rows: exact duplicates, rows with a blank order id
    layout = _layout(rng, n, _dirt_count(0.003, n), _dirt_count(0.001, n))
    columns = order_columns(orders, layout.rows, _messy_status(rng, orders.status), widths)
    _duplicate, blank = layout.added

    earlier = np.flatnonzero(~orders.pinned)  # every buyer's last, completed order stays clean
    unparseable, future = _pick(rng, earlier, _dirt_count(0.002, n), _dirt_count(0.002, n))
    dates = pa.concat_arrays(
        [
            cycle(("yesterday", "2025-02-30 12:00:00"), len(unparseable)),
            cycle(("2091-01-01 10:00:00",), len(future)),
        ]
    )
    rows = np.concatenate([unparseable, future])
    columns["order_date"] = _modify(columns["order_date"], layout, rows, dates)
    columns["order_id"] = _override(columns["order_id"], blank, cycle(("", "  "), len(blank)))
    return columns


def _messy_status(rng: np.random.Generator, status: np.ndarray) -> np.ndarray:
    """Index into STATUS_TEXT: about 1 % of orders get a spelling that still means the same."""
    codes = status.astype(np.int16)
    start = len(STATUSES)
    for code, spellings in enumerate(STATUS_SPELLINGS):
        count = _dirt_count(0.01 / len(STATUSES), len(status), len(spellings))
        (rows,) = _pick(rng, np.flatnonzero(status == code), count)
        codes[rows] = start + np.arange(len(rows)) % len(spellings)
        start += len(spellings)
    return codes


def items_table(rng: np.random.Generator, world: World, dirt: bool) -> Columns:
    items, catalogue, widths = world.items, world.catalogue, world.widths
    n, n_orders = len(items.order), len(world.orders.customer)
    quantity, price = items.quantity - 1, items.product
    if not dirt:
        codes = ItemCodes(items.order + 1, items.line_number, items.product, quantity, price)
        return item_columns(codes, catalogue, widths)

    negative, unknown_price, currency = _pick(
        rng, np.arange(n), _dirt_count(0.003, n), _dirt_count(0.003, n), _dirt_count(0.006, n)
    )
    quantity, price = quantity.copy(), price.copy()
    quantity[negative] += QUANTITY_TEXT.index("-1")
    n_products = len(catalogue.cents)
    price[currency] += n_products
    price[unknown_price] = 2 * n_products + np.arange(len(unknown_price)) % 2

    # added rows: exact duplicates, lines of orders that do not exist
    layout = _layout(rng, n, _dirt_count(0.004, n), _dirt_count(0.003, n))
    rows = layout.rows
    _duplicate, orphan = layout.added
    order_number, line_number = items.order[rows] + 1, items.line_number[rows]
    order_number[orphan] = n_orders + 1 + rng.permutation(3 * len(orphan))[: len(orphan)]
    line_number[orphan] = 1
    codes = ItemCodes(order_number, line_number, items.product[rows], quantity[rows], price[rows])
    return item_columns(codes, catalogue, widths)


def _dirt_count(rate: float, rows: int, minimum: int = _DIRT_MIN) -> int:
    return max(minimum, round(rate * rows))


def _pick(rng: np.random.Generator, pool: np.ndarray, *counts: int) -> list[np.ndarray]:
    """Disjoint random subsets of `pool`, one per count (fewer rows if the pool is small)."""
    total = min(sum(counts), len(pool))
    chosen = rng.choice(pool, size=total, replace=False) if total else pool[:0]
    return np.split(chosen, np.cumsum(counts)[:-1].clip(None, total))


def _layout(rng: np.random.Generator, n: int, *counts: int) -> _Layout:
    """Copies of distinct random rows, `counts` of each kind, inserted at random positions."""
    sources = _pick(rng, np.arange(n), *counts)
    flat = np.concatenate(sources)
    at = rng.integers(0, n + 1, len(flat))
    rows = np.insert(np.arange(n), at, flat)
    # np.insert places the copies in stable order of `at`; the k-th lands at at + k
    order = np.argsort(at, kind="stable")
    position = np.empty(len(flat), dtype=np.int64)
    position[order] = at[order] + np.arange(len(flat))
    added = np.split(position, np.cumsum([len(s) for s in sources])[:-1])
    return _Layout(n, rows, tuple(added))


def _modify(column: pa.Array, layout: _Layout, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """Give clean `rows` new `values`, in every written copy of those rows."""
    if len(rows) == 0:
        return column
    hit_clean = np.zeros(layout.clean_rows, dtype=bool)
    hit_clean[rows] = True
    hit = hit_clean[layout.rows]
    order = np.argsort(rows)
    picks = order[np.searchsorted(rows[order], layout.rows[hit])]
    replacement = values.take(pa.array(picks)).cast(column.type)
    return pc.replace_with_mask(column, pa.array(hit), replacement)


def _override(column: pa.Array, positions: np.ndarray, values: pa.Array) -> pa.Array:
    """Give written rows at `positions` new `values`."""
    if len(positions) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[positions] = True
    replacement = values.take(pa.array(np.argsort(positions))).cast(column.type)
    return pc.replace_with_mask(column, pa.array(mask), replacement)
