"""Orders as numbers: how many each customer places, when, with which status and channel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_segments.generate.people import People, lookup_table
from customer_segments.generate.personas import (
    FAILED_ORDERS,
    NEVER_ORDERED,
    ONLY_FAILED,
    PERSONA_SPECS,
    SECONDS_PER_DAY,
    WINDOW_DAYS,
    persona_param,
)
from customer_segments.generate.profiles import OrderProfile

STATUSES = ("completed", "cancelled", "returned")
STATUS_SPELLINGS = (  # messy spellings per status that still mean the same
    ("Completed", " COMPLETED ", "completed "),
    ("Cancelled", "CANCELLED"),
    ("RETURNED", "Returned"),
)
STATUS_TEXT = STATUSES + tuple(s for spellings in STATUS_SPELLINGS for s in spellings)
_STATUS_RATES = (0.08, 0.05)  # cancelled, returned: share of all orders (failed ones included)
CHANNELS = ("web", "app", "store")


@dataclass(frozen=True)
class Orders:
    customer: np.ndarray  # index into People; orders in time order, order number = index + 1
    second: np.ndarray  # seconds since WINDOW_START
    status: np.ndarray  # index into STATUSES
    channel: np.ndarray
    pinned: np.ndarray  # a buyer's last order: always completed, never made dirty
    # per customer: day of their first order; a customer without orders gets a random
    # buyer's, so that signup dates follow the buyers'
    first_day: np.ndarray


def make_orders(rng: np.random.Generator, people: People, shape: OrderProfile) -> Orders:
    persona, profile = people.persona, people.profile
    n = len(persona)
    # orders per customer by persona code: the personas' (times the order profile's scale),
    # then none, then FAILED_ORDERS
    scaled = np.array([p.orders for p in PERSONA_SPECS], dtype=np.int64) * shape.orders_scale
    ranges = np.vstack([scaled, [(0, 0), FAILED_ORDERS]])
    per_customer = rng.integers(ranges[persona, 0], ranges[persona, 1] + 1)
    offsets = np.concatenate([[0], np.cumsum(per_customer)[:-1]])

    rec_lo, rec_hi = persona_param("recency", profile, 0), persona_param("recency", profile, 1)
    recency = np.floor(np.expm1(rng.uniform(np.log1p(rec_lo), np.log1p(rec_hi + 1))))
    last_day = WINDOW_DAYS - np.minimum(recency.astype(np.int64), WINDOW_DAYS)
    history = persona_param("history_days", profile).astype(np.int64)
    earliest = np.maximum(last_day - history, 0)

    customer = np.repeat(np.arange(n, dtype=np.int32), per_customer)
    pinned = np.zeros(len(customer), dtype=bool)
    buyer = persona < NEVER_ORDERED  # at least one order each
    pinned[(offsets + per_customer - 1)[buyer]] = True  # no-purchase customers have none
    span = (last_day - earliest + 1).astype(np.int32)[customer]
    offset = (rng.random(len(customer), dtype=np.float32) * span).astype(np.int32)
    day = earliest.astype(np.int32)[customer] + np.minimum(offset, span - 1)
    day[pinned] = last_day[customer[pinned]]

    ordered = per_customer > 0
    first_day = np.empty(n, dtype=day.dtype)
    first_day[ordered] = np.minimum.reduceat(day, offsets[ordered])
    # A no-purchase customer starts on a random buyer's first-order day, so signup dates
    # (drawn back from it) follow the buyers'. Failed orders: the first on that day, any
    # other between it and the window end.
    starts = first_day[buyer]
    first_day[~buyer] = starts[rng.integers(0, len(starts), n - len(starts))]
    only_failed = persona == ONLY_FAILED
    failed = np.repeat(only_failed, per_customer)
    rows = np.flatnonzero(failed)
    start = first_day[customer[rows]]
    day[rows] = start + (rng.random(len(rows)) * (WINDOW_DAYS + 1 - start)).astype(day.dtype)
    day[offsets[only_failed]] = first_day[only_failed]
    clock = rng.integers(7 * 3600, 23 * 3600, len(customer), dtype=np.int32)
    second = day * np.int32(SECONDS_PER_DAY) + clock  # below 2**31 within the window

    status = _draw_status(rng, pinned, failed)
    channels = np.stack([lookup_table(p.channels) for p in PERSONA_SPECS])
    channel = channels[profile[customer], rng.integers(0, 1024, len(customer), dtype=np.int16)]

    order = _time_order(second)
    return Orders(
        customer[order], second[order], status[order], channel[order], pinned[order], first_day
    )


def _time_order(second: np.ndarray) -> np.ndarray:
    """Stable argsort by time; the keys are made unique so any sort algorithm gives one answer."""
    bits = max(1, (len(second) - 1).bit_length())
    key = np.sort((second.astype(np.int64) << bits) | np.arange(len(second), dtype=np.int64))
    return key & ((1 << bits) - 1)


def _draw_status(rng: np.random.Generator, pinned: np.ndarray, failed: np.ndarray) -> np.ndarray:
    """Cancelled / returned at the overall target rates (shares of all orders).

    A buyer's last order (`pinned`) is always completed; every `failed` order (of a customer
    who never completed one) is cancelled or returned, in the ratio of the two rates; the
    other orders make up the rest of the target counts.
    """
    cancel_rate, return_rate = _STATUS_RATES
    n_failed = int(failed.sum())
    free = len(pinned) - int(pinned.sum()) - n_failed
    scale = max(len(pinned) - n_failed / (cancel_rate + return_rate), 0) / max(free, 1)
    cancel, returned = cancel_rate * scale, return_rate * scale
    u = rng.random(len(pinned), dtype=np.float32)
    # 1 below `cancel`, 2 between `cancel` and `cancel + returned`, else 0
    status = (u < cancel + returned).astype(np.int8) * 2 - (u < cancel).astype(np.int8)
    status[pinned] = 0
    if n_failed:
        cancelled = u[failed] < cancel_rate / (cancel_rate + return_rate)
        status[failed] = 2 - cancelled.astype(np.int8)
    return status
