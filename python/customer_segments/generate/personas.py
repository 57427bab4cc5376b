"""Who the customers are: the five planted personas, the customers without a purchase yet,
and the time window every order falls in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_START = np.datetime64("2024-01-01", "D")
WINDOW_END = np.datetime64("2025-12-31", "D")
WINDOW_DAYS = int((WINDOW_END - WINDOW_START).astype(int))  # last day's offset from the start
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Persona:
    name: str
    share: float  # of the buyers
    age: tuple[float, float]  # mean, sd (years on 2025-12-31)
    income: tuple[float, float]  # mean, sd (per year)
    orders: tuple[int, int]  # orders per customer over the window, all statuses, inclusive
    basket: float  # median order value
    recency: tuple[int, int]  # days between the last order and the window end (log-uniform)
    history_days: int  # earlier orders fall at most this many days before the last one
    channels: tuple[float, float, float]  # web, app, store
    # FAVOURITE_SHARE of the persona's order lines are products of this category; its price
    # range covers the persona's typical line price, so baskets keep their value
    favourite_category: str


PERSONA_SPECS = (
    Persona(
        name="young_bargain_hunters",
        share=0.25,
        age=(23, 3),
        income=(28_000, 6_000),
        orders=(8, 15),
        basket=25,
        recency=(0, 45),
        history_days=WINDOW_DAYS,
        channels=(0.35, 0.60, 0.05),
        favourite_category="beauty",
    ),
    Persona(
        name="affluent_loyalists",
        share=0.15,
        age=(45, 6),
        income=(120_000, 20_000),
        orders=(10, 20),
        basket=180,
        recency=(0, 30),
        history_days=WINDOW_DAYS,
        channels=(0.50, 0.30, 0.20),
        favourite_category="sports",
    ),
    Persona(
        name="lapsed_customers",
        share=0.20,
        age=(52, 8),
        income=(60_000, 12_000),
        orders=(1, 3),
        basket=70,
        recency=(420, 700),
        history_days=365,
        channels=(0.50, 0.10, 0.40),
        favourite_category="toys",
    ),
    Persona(
        name="occasional_big_spenders",
        share=0.15,
        age=(36, 5),
        income=(90_000, 15_000),
        orders=(1, 3),
        basket=600,
        recency=(60, 240),
        history_days=365,
        channels=(0.60, 0.20, 0.20),
        favourite_category="home",
    ),
    Persona(
        name="thrifty_seniors",
        share=0.25,
        age=(70, 4),
        income=(38_000, 8_000),
        orders=(4, 8),
        basket=35,
        recency=(3, 90),
        history_days=WINDOW_DAYS,
        channels=(0.30, 0.05, 0.65),
        favourite_category="books",
    ),
)

PERSONAS: tuple[str, ...] = tuple(p.name for p in PERSONA_SPECS)
FAVOURITE_CATEGORIES: dict[str, str] = {p.name: p.favourite_category for p in PERSONA_SPECS}
FAVOURITE_SHARE = 0.55  # of every persona's order lines: a product of its favourite category

# Customers without a completed order: in no persona, and labelled so in the truth file.
NO_PURCHASE_PERSONA = "no_purchase_yet"
NO_PURCHASE_SHARE = 0.06  # of all customers (rounded to whole customers)
NO_PURCHASE_NEVER_ORDERED = 2 / 3  # of those: no order at all; the rest only failed orders
FAILED_ORDERS = (1, 2)  # orders of a customer whose orders all fail, inclusive
# persona codes after the five personas (People.persona)
NEVER_ORDERED = len(PERSONA_SPECS)
ONLY_FAILED = NEVER_ORDERED + 1
TRUTH_LABELS = (*PERSONAS, NO_PURCHASE_PERSONA, NO_PURCHASE_PERSONA)  # by persona code


def persona_counts(n: int) -> np.ndarray:
    """Customers per persona by largest remainder, so the shares hold exactly."""
    shares = np.array([p.share for p in PERSONA_SPECS])
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def no_purchase_counts(n: int) -> tuple[int, int]:
    """Customers who never ordered, and customers whose orders all failed."""
    no_purchase = round(NO_PURCHASE_SHARE * n)  # below n for every n >= 1
    never = round(NO_PURCHASE_NEVER_ORDERED * no_purchase)
    return never, no_purchase - never


def persona_param(name: str, persona: np.ndarray, index: int | None = None) -> np.ndarray:
    """A persona attribute looked up for every row of `persona` (persona codes 0..4)."""
    values = [getattr(p, name) for p in PERSONA_SPECS]
    table = np.array(values if index is None else [v[index] for v in values], dtype=np.float64)
    return table[persona]
