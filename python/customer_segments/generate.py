"""Synthetic raw data for the segmentation pipeline, with planted personas and planted dirt.

`generate` writes three raw files in the raw contract (customers, orders, order_items; every
column a string, as a source system would export them) plus a ground-truth file that maps each
valid customer id to the persona it was drawn from (or to "no_purchase_yet", see below). The
truth file lives next to the raw folder, never inside it, so the pipeline cannot read it by
accident.

Everything is vectorised with numpy and written with pyarrow / DuckDB; one
`numpy.random.Generator` seeded from `seed` drives every draw, so the same arguments give
byte-identical files. Orders fall in a fixed window (2024-01-01 .. 2025-12-31) so the output does
not depend on today's date.

Five personas are planted so that they separate on log-transformed, standardised RFM features plus
age and income. Besides them, NO_PURCHASE_SHARE (6 %) of the customers have not bought yet, as in
every real export: NO_PURCHASE_NEVER_ORDERED (two thirds) of them never ordered (signed up only),
the rest placed 1-2 orders that were all cancelled or returned. They belong to no persona (truth
label NO_PURCHASE_PERSONA, "no_purchase_yet"); their attributes (age, income, gender, city,
signup date, ...) come from a persona drawn in the personas' shares, so they do not stand out on
attributes. The personas keep their shares among the buyers. Every buyer's last order is
completed, so a customer has no completed order exactly when the truth says "no_purchase_yet".

With `dirt=True` about 2-4 % of rows carry realistic defects (duplicates, orphans,
unparseable or impossible values, messy spellings) that the cleaning layer must handle; each kind
is present even for small runs (n_customers=1000).
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "NO_PURCHASE_NEVER_ORDERED",
    "NO_PURCHASE_PERSONA",
    "NO_PURCHASE_SHARE",
    "PERSONAS",
    "GenerateSummary",
    "default_truth_path",
    "generate",
]

WINDOW_START = np.datetime64("2024-01-01", "D")
WINDOW_END = np.datetime64("2025-12-31", "D")
WINDOW_DAYS = int((WINDOW_END - WINDOW_START).astype(int))  # last day's offset from the start
_SECONDS_PER_DAY = 86_400

CUSTOMER_COLUMNS = (
    "customer_id",
    "email",
    "gender",
    "birth_date",
    "annual_income",
    "city",
    "country",
    "signup_date",
)
ORDER_COLUMNS = ("order_id", "customer_id", "order_date", "status", "channel")
ORDER_ITEM_COLUMNS = ("order_id", "line_number", "product_id", "category", "quantity", "unit_price")
TRUTH_COLUMNS = ("customer_id", "persona")

_FORMATS = ("csv", "parquet")

Columns = dict[str, pa.Array]


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate` wrote."""

    customers: int  # rows written to customers (incl. dirty rows)
    orders: int
    order_items: int
    out_dir: Path
    truth_path: Path


@dataclass(frozen=True)
class _Persona:
    name: str
    share: float
    age: tuple[float, float]  # mean, sd (years on 2025-12-31)
    income: tuple[float, float]  # mean, sd (per year)
    orders: tuple[int, int]  # orders per customer over the window, all statuses, inclusive
    basket: float  # median order value
    recency: tuple[int, int]  # days between the last order and the window end (log-uniform)
    history_days: int  # earlier orders fall at most this many days before the last one
    channels: tuple[float, float, float]  # web, app, store


_PERSONAS = (
    _Persona(
        "young_bargain_hunters",
        0.25,
        (23, 3),
        (28_000, 6_000),
        (8, 15),
        25,
        (0, 45),
        WINDOW_DAYS,
        (0.35, 0.60, 0.05),
    ),
    _Persona(
        "affluent_loyalists",
        0.15,
        (45, 6),
        (120_000, 20_000),
        (10, 20),
        180,
        (0, 30),
        WINDOW_DAYS,
        (0.50, 0.30, 0.20),
    ),
    _Persona(
        "lapsed_customers",
        0.20,
        (52, 8),
        (60_000, 12_000),
        (1, 3),
        70,
        (420, 700),
        365,
        (0.50, 0.10, 0.40),
    ),
    _Persona(
        "occasional_big_spenders",
        0.15,
        (36, 5),
        (90_000, 15_000),
        (1, 3),
        600,
        (60, 240),
        365,
        (0.60, 0.20, 0.20),
    ),
    _Persona(
        "thrifty_seniors",
        0.25,
        (70, 4),
        (38_000, 8_000),
        (4, 8),
        35,
        (3, 90),
        WINDOW_DAYS,
        (0.30, 0.05, 0.65),
    ),
)

PERSONAS: tuple[str, ...] = tuple(p.name for p in _PERSONAS)

# Customers without a completed order: in no persona, and labelled so in the truth file.
NO_PURCHASE_PERSONA = "no_purchase_yet"
NO_PURCHASE_SHARE = 0.06  # of all customers (rounded to whole customers)
NO_PURCHASE_NEVER_ORDERED = 2 / 3  # of those: no order at all; the rest only failed orders
_FAILED_ORDERS = (1, 2)  # orders of a customer whose orders all fail, inclusive
# persona codes after the five personas (_People.persona)
_NEVER_ORDERED = len(_PERSONAS)
_ONLY_FAILED = _NEVER_ORDERED + 1
_TRUTH_LABELS = (*PERSONAS, NO_PURCHASE_PERSONA, NO_PURCHASE_PERSONA)  # by persona code

_STATUSES = ("completed", "cancelled", "returned")
_STATUS_SPELLINGS = (  # messy spellings per status that still mean the same
    ("Completed", " COMPLETED ", "completed "),
    ("Cancelled", "CANCELLED"),
    ("RETURNED", "Returned"),
)
_STATUS_TEXT = _STATUSES + tuple(s for spellings in _STATUS_SPELLINGS for s in spellings)
_STATUS_RATES = (0.08, 0.05)  # cancelled, returned: share of all orders (failed ones included)
_CHANNELS = ("web", "app", "store")
_GENDERS = ("female", "male", "other")
_GENDER_P = (0.49, 0.49, 0.02)
_LINES_P = (0.65, 0.22, 0.08, 0.03, 0.02)  # 1..5 lines per order
_QUANTITY_P = (0.75, 0.16, 0.06, 0.03)  # 1..4 units per line
_QUANTITY_TEXT = ("1", "2", "3", "4", "-1", "-2", "-3", "-4")
_UNREADABLE_PRICES = ("n/a", "unknown")

# category: (cheapest, dearest) list price
_CATEGORIES = {
    "grocery": (1, 40),
    "books": (4, 60),
    "beauty": (4, 150),
    "toys": (5, 200),
    "apparel": (8, 400),
    "sports": (10, 900),
    "home": (10, 2_000),
    "electronics": (15, 3_500),
}
_PRODUCTS_PER_CATEGORY = 500


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FEMALE_NAMES = _words(
    "emma olivia sophia mia anna laura julia sara lena nina clara eva lucia maria "
    "hannah chloe zoe alice ines marta"
)
_MALE_NAMES = _words(
    "liam noah lucas leon paul jonas felix david max elias adam hugo mateo oscar tom "
    "samuel jan luca marco pedro"
)
_LAST_NAMES = _words(
    "smith muller garcia rossi martin jansen nowak silva dubois novak schmidt weber "
    "lopez bianchi moreau kowalski santos fischer peters berg hansen costa wagner "
    "meyer ferrari"
)
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
_CITIES = (
    ("Berlin", "Germany", 0.08),
    ("Hamburg", "Germany", 0.04),
    ("Munich", "Germany", 0.04),
    ("Paris", "France", 0.07),
    ("Lyon", "France", 0.03),
    ("Madrid", "Spain", 0.06),
    ("Barcelona", "Spain", 0.04),
    ("Rome", "Italy", 0.05),
    ("Milan", "Italy", 0.04),
    ("Amsterdam", "Netherlands", 0.05),
    ("Rotterdam", "Netherlands", 0.02),
    ("Warsaw", "Poland", 0.04),
    ("Lisbon", "Portugal", 0.03),
    ("Vienna", "Austria", 0.03),
    ("Stockholm", "Sweden", 0.03),
    ("Copenhagen", "Denmark", 0.02),
    ("London", "United Kingdom", 0.10),
    ("Manchester", "United Kingdom", 0.04),
    ("Dublin", "Ireland", 0.03),
    ("New York", "United States", 0.08),
    ("Chicago", "United States", 0.04),
    ("Toronto", "Canada", 0.05),
)

# Dirt: share of the table's rows, and the least count so that every kind shows at small n.
_DIRT_MIN = 3


_PRICE_STEPS = 400  # steps per unit of log price in the catalogue's price lookup
_CATEGORY_NAMES = tuple(_CATEGORIES)
_PARQUET_DICTIONARY = (  # low-cardinality columns; ids and e-mails are stored plain
    "gender",
    "birth_date",
    "city",
    "country",
    "signup_date",
    "status",
    "channel",
    "line_number",
    "product_id",
    "category",
    "quantity",
    "unit_price",
)


@dataclass(frozen=True)
class _Catalogue:
    number: np.ndarray  # product number, products in ascending price order
    category: np.ndarray  # index into _CATEGORY_NAMES
    cents: np.ndarray  # list price, ascending
    price: pa.Array  # list price as text: 19.99
    grid: np.ndarray  # cheapest product at or above each step of log price
    log_floor: float

    def nearest(self, cents: np.ndarray) -> np.ndarray:
        """The cheapest product costing at least `cents` (within a quarter percent)."""
        log_cents = np.log(np.maximum(cents, np.float32(1))) - np.float32(self.log_floor)
        step = (log_cents * np.float32(_PRICE_STEPS)).astype(np.int32)
        return self.grid[step.clip(0, len(self.grid) - 1)]


@dataclass(frozen=True)
class _People:
    persona: np.ndarray  # int8; base customers first, then ghost customers (orders only)
    # persona whose distributions the customer's draws follow: the persona itself, or for a
    # no-purchase customer (_NEVER_ORDERED, _ONLY_FAILED) a persona drawn in the shares
    profile: np.ndarray
    birth_day: np.ndarray  # day offset from WINDOW_START
    income_cents: np.ndarray
    gender: np.ndarray
    first_name: np.ndarray  # index into female + male names
    last_name: np.ndarray
    domain: np.ndarray
    city: np.ndarray


@dataclass(frozen=True)
class _Orders:
    customer: np.ndarray  # index into _People; orders in time order, order number = index + 1
    second: np.ndarray  # seconds since WINDOW_START
    status: np.ndarray
    channel: np.ndarray
    pinned: np.ndarray  # a buyer's last order: always completed, never made dirty
    # per customer: day of their first order; a customer without orders gets a random
    # buyer's, so that signup dates follow the buyers'
    first_day: np.ndarray


@dataclass(frozen=True)
class _Items:
    order: np.ndarray  # index into _Orders
    line_number: np.ndarray
    product: np.ndarray  # index into _Catalogue
    quantity: np.ndarray


@dataclass(frozen=True)
class _Layout:
    """Which clean row every written row shows; added rows are copies placed at random."""

    clean_rows: int
    rows: np.ndarray  # for every written row, the clean row it copies
    added: tuple[np.ndarray, ...]  # written positions of each kind of added row


@dataclass(frozen=True)
class _Widths:
    customer: int  # digits in a customer id
    order: int  # digits in an order id


@dataclass(frozen=True)
class _World:
    catalogue: _Catalogue
    people: _People
    orders: _Orders
    items: _Items
    signup: np.ndarray  # signup day of every base customer
    widths: _Widths


def default_truth_path(out_dir: Path) -> Path:
    """Where the ground truth goes by default: beside the raw folder, not inside it."""
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}_truth.csv"


def generate(
    n_customers: int,
    out_dir: Path,
    seed: int = 42,
    fmt: str = "csv",
    truth_path: Path | None = None,
    dirt: bool = True,
) -> GenerateSummary:
    """Write customers, orders and order_items for `n_customers` customers, plus the truth file.

    The same arguments always give byte-identical files. `fmt` is "csv" or "parquet"; the truth
    file (customer_id, persona) is always CSV and goes to `default_truth_path(out_dir)` unless
    `truth_path` says otherwise. `dirt=False` writes clean data only.
    """
    out_dir = Path(out_dir)
    truth_path = default_truth_path(out_dir) if truth_path is None else Path(truth_path)
    _check_arguments(n_customers, out_dir, fmt, truth_path)
    rng = np.random.default_rng(seed)
    world = _simulate(rng, n_customers, dirt)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    rows = _write_tables(rng, world, out_dir, fmt, truth_path, dirt)
    return GenerateSummary(
        customers=rows["customers"],
        orders=rows["orders"],
        order_items=rows["order_items"],
        out_dir=out_dir,
        truth_path=truth_path,
    )


def _check_arguments(n_customers: int, out_dir: Path, fmt: str, truth_path: Path) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(_FORMATS)}.")
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}.")
    if out_dir.resolve() in truth_path.resolve().parents:
        raise ValueError(f"Truth file {truth_path} must not be inside the raw folder {out_dir}.")


def _simulate(rng: np.random.Generator, n_customers: int, dirt: bool) -> _World:
    """All clean data as numbers; ghost customers (dirt only) have orders but no customer row."""
    n_ghosts = _dirt_count(0.002, n_customers, 2) if dirt else 0
    catalogue = _make_catalogue(rng)
    people = _make_people(rng, n_customers, n_ghosts)
    orders = _make_orders(rng, people)
    items = _make_items(rng, orders, people, catalogue)
    signup = orders.first_day[:n_customers] - rng.integers(1, 700, n_customers)
    widths = _Widths(
        customer=max(7, len(str(n_customers + n_ghosts))),
        order=max(8, len(str(4 * len(orders.customer)))),
    )
    return _World(catalogue, people, orders, items, signup, widths)


def _write_tables(
    rng: np.random.Generator,
    world: _World,
    out_dir: Path,
    fmt: str,
    truth_path: Path,
    dirt: bool,
) -> dict[str, int]:
    """Build each table and write it in the background while the next one is built."""
    builders = (
        ("customers", CUSTOMER_COLUMNS, _customers_table),
        ("orders", ORDER_COLUMNS, _orders_table),
        ("order_items", ORDER_ITEM_COLUMNS, _items_table),
    )
    rows = {}
    with ThreadPoolExecutor(max_workers=3) as writer:
        truth = _truth_table(world)
        writes = [writer.submit(_write, truth, TRUTH_COLUMNS, truth_path, "csv")]
        for name, columns, build in builders:
            table = build(rng, world, dirt)
            rows[name] = len(table[columns[0]])
            writes.append(writer.submit(_write, table, columns, out_dir / f"{name}.{fmt}", fmt))
        for write in writes:
            write.result()
    return rows


def _truth_table(world: _World) -> Columns:
    n = len(world.signup)
    return {
        "customer_id": _text(n, "C", (np.arange(1, n + 1), world.widths.customer)),
        "persona": _pick_strings(_TRUTH_LABELS, world.people.persona[:n]),
    }


# --------------------------------------------------------------------------- clean data


def _persona_counts(n: int) -> np.ndarray:
    """Customers per persona by largest remainder, so the shares hold exactly."""
    shares = np.array([p.share for p in _PERSONAS])
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _param(name: str, persona: np.ndarray, index: int | None = None) -> np.ndarray:
    """A persona attribute looked up for every row of `persona`."""
    values = [getattr(p, name) for p in _PERSONAS]
    table = np.array(values if index is None else [v[index] for v in values], dtype=np.float64)
    return table[persona]


def _categorical(rng: np.random.Generator, p: Sequence[float], size: int) -> np.ndarray:
    """Draws from a small discrete distribution (probabilities to 1/1024) via a lookup table."""
    return _lookup_table(p)[rng.integers(0, 1024, size, dtype=np.int16)]


def _lookup_table(p: Sequence[float]) -> np.ndarray:
    edges = np.round(np.cumsum(p) / np.sum(p) * 1024).astype(np.int64)
    return np.repeat(np.arange(len(p), dtype=np.int8), np.diff(edges, prepend=0))


def _no_purchase_counts(n: int) -> tuple[int, int]:
    """Customers who never ordered, and customers whose orders all failed."""
    no_purchase = round(NO_PURCHASE_SHARE * n)  # below n for every n >= 1
    never = round(NO_PURCHASE_NEVER_ORDERED * no_purchase)
    return never, no_purchase - never


def _make_people(rng: np.random.Generator, n: int, n_ghosts: int) -> _People:
    never, only_failed = _no_purchase_counts(n)
    counts = np.append(_persona_counts(n - never - only_failed), [never, only_failed])
    persona = rng.permutation(np.repeat(np.arange(len(counts), dtype=np.int8), counts))
    ghosts = rng.integers(0, len(_PERSONAS), n_ghosts).astype(np.int8)
    persona = np.concatenate([persona, ghosts])
    total = len(persona)
    profile = persona.copy()
    no_purchase = np.flatnonzero(persona >= _NEVER_ORDERED)
    drawn = np.repeat(np.arange(len(_PERSONAS), dtype=np.int8), _persona_counts(len(no_purchase)))
    profile[no_purchase] = rng.permutation(drawn)

    age = rng.normal(_param("age", profile, 0), _param("age", profile, 1)).clip(18, 95)
    birth_day = WINDOW_DAYS - np.round(age * 365.25).astype(np.int64)
    income = rng.normal(_param("income", profile, 0), _param("income", profile, 1))
    income_cents = np.round(income.clip(9_000, None), -2).astype(np.int64) * 100
    gender = _categorical(rng, _GENDER_P, total)
    first_name = _first_names(rng.integers(0, len(_FEMALE_NAMES) + len(_MALE_NAMES), total), gender)
    last_name = rng.integers(0, len(_LAST_NAMES), total)
    domain = rng.integers(0, len(_EMAIL_DOMAINS), total)
    city = _categorical(rng, [c[2] for c in _CITIES], total)
    return _People(
        persona, profile, birth_day, income_cents, gender, first_name, last_name, domain, city
    )


def _first_names(draw: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """Index into female + male names: female names for women, male for men, any for "other"."""
    n_female, n_male = len(_FEMALE_NAMES), len(_MALE_NAMES)
    draw = np.where(gender == 0, draw % n_female, draw)
    return np.where(gender == 1, n_female + draw % n_male, draw)


def _make_orders(rng: np.random.Generator, people: _People) -> _Orders:
    persona, profile = people.persona, people.profile
    n = len(persona)
    # orders per customer by persona code: the personas', then none, then _FAILED_ORDERS
    ranges = np.array([p.orders for p in _PERSONAS] + [(0, 0), _FAILED_ORDERS], dtype=np.int64)
    per_customer = rng.integers(ranges[persona, 0], ranges[persona, 1] + 1)
    offsets = np.concatenate([[0], np.cumsum(per_customer)[:-1]])

    rec_lo, rec_hi = _param("recency", profile, 0), _param("recency", profile, 1)
    recency = np.floor(np.expm1(rng.uniform(np.log1p(rec_lo), np.log1p(rec_hi + 1))))
    last_day = WINDOW_DAYS - np.minimum(recency.astype(np.int64), WINDOW_DAYS)
    earliest = np.maximum(last_day - _param("history_days", profile).astype(np.int64), 0)

    customer = np.repeat(np.arange(n, dtype=np.int32), per_customer)
    pinned = np.zeros(len(customer), dtype=bool)
    buyer = persona < _NEVER_ORDERED  # at least one order each
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
    only_failed = persona == _ONLY_FAILED
    failed = np.repeat(only_failed, per_customer)
    rows = np.flatnonzero(failed)
    start = first_day[customer[rows]]
    day[rows] = start + (rng.random(len(rows)) * (WINDOW_DAYS + 1 - start)).astype(day.dtype)
    day[offsets[only_failed]] = first_day[only_failed]
    clock = rng.integers(7 * 3600, 23 * 3600, len(customer), dtype=np.int32)
    second = day * np.int32(_SECONDS_PER_DAY) + clock  # below 2**31 within the window

    status = _draw_status(rng, pinned, failed)
    channels = np.stack([_lookup_table(p.channels) for p in _PERSONAS])
    channel = channels[profile[customer], rng.integers(0, 1024, len(customer), dtype=np.int16)]

    order = _time_order(second)
    return _Orders(
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


def _make_catalogue(rng: np.random.Generator) -> _Catalogue:
    category = np.repeat(np.arange(len(_CATEGORY_NAMES)), _PRODUCTS_PER_CATEGORY)
    bounds = np.log(np.array(list(_CATEGORIES.values()), dtype=np.float64))[category]
    dollars = np.floor(np.exp(rng.uniform(bounds[:, 0], bounds[:, 1]))).astype(np.int64)
    cents = dollars * 100 - 1  # charm prices: 19.99
    number = rng.permutation(len(cents)) + 1
    order = np.argsort(cents, kind="stable")
    cents, category, number = cents[order], category[order], number[order]
    log_floor = float(np.log(cents[0]))
    steps = np.arange(int((np.log(cents[-1]) - log_floor) * _PRICE_STEPS) + 1)
    grid = np.searchsorted(cents, np.exp(log_floor + steps / _PRICE_STEPS) - 1e-6)
    return _Catalogue(number, category, cents, _money(cents), grid, log_floor)


def _make_items(
    rng: np.random.Generator, orders: _Orders, people: _People, catalogue: _Catalogue
) -> _Items:
    n_orders = len(orders.customer)
    lines = _categorical(rng, _LINES_P, n_orders) + 1
    order = np.repeat(np.arange(n_orders, dtype=np.int32), lines)
    starts = np.concatenate([[0], np.cumsum(lines, dtype=np.int32)[:-1]])
    line_number = np.arange(1, len(order) + 1, dtype=np.int32) - starts[order]

    median = _param("basket", people.profile[orders.customer]).astype(np.float32)
    spread = np.exp(rng.standard_normal(n_orders, dtype=np.float32) * np.float32(0.35))
    per_line = median * spread / lines  # each line's expected share of the basket
    weight = rng.random(len(order), dtype=np.float32) + np.float32(0.5)  # 0.5 .. 1.5, mean 1
    quantity = _categorical(rng, _QUANTITY_P, len(order)) + 1
    target_cents = per_line[order] * weight / quantity * np.float32(100)
    # a product priced near the target, picked among a few neighbours so baskets vary
    nearest = catalogue.nearest(target_cents) + rng.integers(-4, 5, len(order))
    product = nearest.clip(0, len(catalogue.cents) - 1)
    return _Items(order, line_number, product, quantity)


# --------------------------------------------------------------------------- text columns


@dataclass(frozen=True)
class _Lookup:
    """Text part taken from a table of equal-width byte strings: row `index` of `table`."""

    index: np.ndarray
    table: np.ndarray  # (rows, width) uint8


_Part = str | tuple[np.ndarray, int] | _Lookup  # constant, (number, zero-padded digits), lookup


def _text(n: int, *parts: _Part) -> pa.Array:
    """`n` equal-width ASCII strings built side by side from parts, without a per-row loop."""
    widths = [_part_width(part) for part in parts]
    chars = np.empty((n, sum(widths)), dtype=np.uint8)
    column = 0
    for part, width in zip(parts, widths, strict=True):
        block = chars[:, column : column + width]
        if isinstance(part, str):
            block[:] = np.frombuffer(part.encode(), dtype=np.uint8)
        elif isinstance(part, _Lookup):
            block[:] = _gather_rows(part.table, part.index)
        else:
            block[:] = _digit_chars(part[0], width)
        column += width
    return _strings(chars)


def _part_width(part: _Part) -> int:
    if isinstance(part, str):
        return len(part)
    return part.table.shape[1] if isinstance(part, _Lookup) else part[1]


def _gather_rows(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """table[index] for a (rows, width) uint8 table, moving whole rows at once."""
    width = table.shape[1]
    rows = np.ascontiguousarray(table).view(f"V{width}").ravel()
    return rows[index].view(np.uint8).reshape(len(index), width)


@cache
def _four_digits() -> np.ndarray:
    """0000 .. 9999 as a (10000, 4) uint8 table."""
    chars = np.empty((10_000, 4), dtype=np.uint8)
    values = np.arange(10_000)
    for position, power in enumerate((1000, 100, 10, 1)):
        chars[:, position] = values // power % 10 + 48
    return chars


def _digit_chars(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative `values` zero-padded to `width` digits, as an (n, width) uint8 view.

    Four digits at a time: each group of four is one lookup of a 4-byte word.
    """
    groups = -(-width // 4)
    chars = np.empty((len(values), 4 * groups), dtype=np.uint8)
    words = chars.view(np.uint32)  # (n, groups)
    table = _four_digits().view(np.uint32).ravel()
    small = len(values) == 0 or int(values.max()) < 2**31
    rest = values.astype(np.int32 if small else np.int64)
    for group in range(groups - 1, -1, -1):
        quotient = rest // 10_000
        words[:, group] = table[rest - quotient * 10_000]
        rest = quotient
    return chars[:, 4 * groups - width :]


def _strings(chars: np.ndarray) -> pa.Array:
    """A string array over the rows of a C-contiguous (n, width) uint8 matrix, without copying."""
    n, width = chars.shape
    large = n * width >= 2**31
    offsets = np.arange(n + 1, dtype=np.int64 if large else np.int32) * width
    kind = pa.large_string() if large else pa.string()
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(chars)]
    return pa.Array.from_buffers(kind, n, buffers)


def _table_of(strings: np.ndarray, width: int) -> np.ndarray:
    return strings.astype(f"S{width}").view(np.uint8).reshape(-1, width)


def _date_table(first: int, last: int) -> np.ndarray:
    """YYYY-MM-DD for every day offset in first..last."""
    days = WINDOW_START + np.arange(first, last + 1).astype("timedelta64[D]")
    return _table_of(np.datetime_as_string(days, unit="D"), 10)


@cache
def _clock_table() -> np.ndarray:
    """HH:MM:SS for every second of a day."""
    stamps = np.datetime_as_string(np.arange(_SECONDS_PER_DAY).astype("datetime64[s]"))
    return _table_of(stamps, 19)[:, 11:]


def _dates(day: np.ndarray) -> pa.Array:
    if len(day) == 0:
        return pa.array([], pa.string())
    first = int(day.min())
    return _text(len(day), _Lookup(day - first, _date_table(first, int(day.max()))))


def _timestamps(second: np.ndarray) -> pa.Array:
    if len(second) == 0:
        return pa.array([], pa.string())
    day, clock = np.divmod(second, _SECONDS_PER_DAY)
    first = int(day.min())
    dates = _Lookup(day - first, _date_table(first, int(day.max())))
    return _text(len(second), dates, " ", _Lookup(clock, _clock_table()))


def _money(cents: np.ndarray) -> pa.Array:
    """Non-negative cents as a plain decimal: 54000.00."""
    units = pa.array(cents // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(units, fraction, ".")


def _currency(cents: np.ndarray) -> pa.Array:
    """Non-negative cents below a billion as a currency string: $54,000.00."""
    units = cents // 100
    millions, thousands, ones = units // 1_000_000, units // 1_000 % 1_000, units % 1_000
    plain = [pa.array(part).cast(pa.string()) for part in (millions, thousands, ones)]
    padded = [pc.utf8_lpad(part, width=3, padding="0") for part in plain[1:]]
    grouped = pc.binary_join_element_wise(plain[0], *padded, ",")
    grouped = pc.if_else(
        pa.array(units < 1_000_000), pc.binary_join_element_wise(plain[1], padded[1], ","), grouped
    )
    grouped = pc.if_else(pa.array(units < 1_000), plain[2], grouped)
    fraction = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise("$", pc.binary_join_element_wise(grouped, fraction, "."), "")


def _pick_strings(options: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(options), pa.string()).take(pa.array(index))


def _emails(people: _People, rows: np.ndarray, domain_shift: int = 0) -> pa.Array:
    """first.last123@example.com; with a domain shift a re-registered variant: first_last123@..."""
    first = _pick_strings((*_FEMALE_NAMES, *_MALE_NAMES), people.first_name[rows])
    last = _pick_strings(_LAST_NAMES, people.last_name[rows])
    number = pa.array(rows + 1).cast(pa.string())
    domain = _pick_strings(
        _EMAIL_DOMAINS, (people.domain[rows] + domain_shift) % len(_EMAIL_DOMAINS)
    )
    local = pc.binary_join_element_wise(first, last, "." if domain_shift == 0 else "_")
    return pc.binary_join_element_wise(pc.binary_join_element_wise(local, number, ""), domain, "@")


def _customer_columns(
    people: _People, signup: np.ndarray, rows: np.ndarray, widths: _Widths
) -> Columns:
    city = people.city[rows]
    return {
        "customer_id": _text(len(rows), "C", (rows + 1, widths.customer)),
        "email": _emails(people, rows),
        "gender": _pick_strings(_GENDERS, people.gender[rows]),
        "birth_date": _dates(people.birth_day[rows]),
        "annual_income": _money(people.income_cents[rows]),
        "city": _pick_strings([c[0] for c in _CITIES], city),
        "country": _pick_strings([c[1] for c in _CITIES], city),
        "signup_date": _dates(signup[rows]),
    }


def _order_columns(
    orders: _Orders, rows: np.ndarray, status: np.ndarray, widths: _Widths
) -> Columns:
    """Orders at `rows`; `status` indexes _STATUS_TEXT for every clean order."""
    n = len(rows)
    return {
        "order_id": _text(n, "O", (rows + 1, widths.order)),
        "customer_id": _text(n, "C", (orders.customer[rows] + 1, widths.customer)),
        "order_date": _timestamps(orders.second[rows]),
        "status": _pick_strings(_STATUS_TEXT, status[rows]),
        "channel": _pick_strings(_CHANNELS, orders.channel[rows]),
    }


@dataclass(frozen=True)
class _ItemCodes:
    """Every written order line as numbers; the text columns are looked up from these."""

    order_number: np.ndarray
    line_number: np.ndarray
    product: np.ndarray  # index into the catalogue
    quantity: np.ndarray  # index into _QUANTITY_TEXT
    price: np.ndarray  # index into _price_text(catalogue)


def _item_columns(codes: _ItemCodes, catalogue: _Catalogue, widths: _Widths) -> Columns:
    n = len(codes.order_number)
    return {
        "order_id": _text(n, "O", (codes.order_number, widths.order)),
        "line_number": _text(n, (codes.line_number, 1)),
        "product_id": _text(n, "P", (catalogue.number[codes.product], 5)),
        "category": _pick_strings(_CATEGORY_NAMES, catalogue.category[codes.product]),
        "quantity": _pick_strings(_QUANTITY_TEXT, codes.quantity),
        "unit_price": _price_text(catalogue).take(pa.array(codes.price)),
    }


def _price_text(catalogue: _Catalogue) -> pa.Array:
    """Each product's price, then the same as currency ($19.99), then unreadable prices."""
    dollars = pc.binary_join_element_wise("$", catalogue.price, "")
    return pa.concat_arrays([catalogue.price, dollars, pa.array(_UNREADABLE_PRICES)])


# --------------------------------------------------------------------------- tables and dirt


def _customers_table(rng: np.random.Generator, world: _World, dirt: bool) -> Columns:
    people, signup, widths = world.people, world.signup, world.widths
    n = len(signup)
    if not dirt:
        return _customer_columns(people, signup, np.arange(n), widths)
    # added rows: exact duplicates, re-exports with a new e-mail, rows with a blank id
    layout = _layout(rng, n, _dirt_count(0.004, n), _dirt_count(0.003, n), _dirt_count(0.002, n))
    columns = _customer_columns(people, signup, layout.rows, widths)
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
    birth = _cycle(("not a date", "31/02/1990"), len(unparseable))
    birth = pa.concat_arrays([birth, _cycle(("1850-01-01", "2090-06-15"), len(impossible))])
    columns["birth_date"] = _modify(
        columns["birth_date"], layout, np.concatenate([unparseable, impossible]), birth
    )
    income = pa.concat_arrays(
        [
            pc.binary_join_element_wise("-", _money(people.income_cents[negative]), ""),
            _currency(people.income_cents[currency]),
        ]
    )
    rows = np.concatenate([negative, currency])
    columns["annual_income"] = _modify(columns["annual_income"], layout, rows, income)
    columns["gender"] = _modify(columns["gender"], layout, gender, _cycle(genders, len(gender)))
    clean = _emails(people, email)
    upper, spaced = pc.utf8_upper(clean), pc.binary_join_element_wise(" ", clean, "  ", "")
    messy = pc.if_else(pa.array(np.arange(len(email)) % 2 == 0), upper, spaced)
    columns["email"] = _modify(columns["email"], layout, email, messy)

    changed = _emails(people, layout.rows[reexport], domain_shift=1)
    columns["email"] = _override(columns["email"], reexport, changed)
    columns["customer_id"] = _override(
        columns["customer_id"], blank, _cycle(("", "   "), len(blank))
    )
    return columns


def _orders_table(rng: np.random.Generator, world: _World, dirt: bool) -> Columns:
    orders, widths = world.orders, world.widths
    n = len(orders.customer)
    if not dirt:
        return _order_columns(orders, np.arange(n), orders.status, widths)
    # added rows: exact duplicates, rows with a blank order id
    layout = _layout(rng, n, _dirt_count(0.003, n), _dirt_count(0.001, n))
    columns = _order_columns(orders, layout.rows, _messy_status(rng, orders.status), widths)
    _duplicate, blank = layout.added

    earlier = np.flatnonzero(~orders.pinned)  # every buyer's last, completed order stays clean
    unparseable, future = _pick(rng, earlier, _dirt_count(0.002, n), _dirt_count(0.002, n))
    dates = pa.concat_arrays(
        [
            _cycle(("yesterday", "2025-02-30 12:00:00"), len(unparseable)),
            _cycle(("2091-01-01 10:00:00",), len(future)),
        ]
    )
    rows = np.concatenate([unparseable, future])
    columns["order_date"] = _modify(columns["order_date"], layout, rows, dates)
    columns["order_id"] = _override(columns["order_id"], blank, _cycle(("", "  "), len(blank)))
    return columns


def _messy_status(rng: np.random.Generator, status: np.ndarray) -> np.ndarray:
    """Index into _STATUS_TEXT: about 1 % of orders get a spelling that still means the same."""
    codes = status.astype(np.int16)
    start = len(_STATUSES)
    for code, spellings in enumerate(_STATUS_SPELLINGS):
        count = _dirt_count(0.01 / len(_STATUSES), len(status), len(spellings))
        (rows,) = _pick(rng, np.flatnonzero(status == code), count)
        codes[rows] = start + np.arange(len(rows)) % len(spellings)
        start += len(spellings)
    return codes


def _items_table(rng: np.random.Generator, world: _World, dirt: bool) -> Columns:
    items, catalogue, widths = world.items, world.catalogue, world.widths
    n, n_orders = len(items.order), len(world.orders.customer)
    quantity, price = items.quantity - 1, items.product
    if not dirt:
        codes = _ItemCodes(items.order + 1, items.line_number, items.product, quantity, price)
        return _item_columns(codes, catalogue, widths)

    negative, unknown_price, currency = _pick(
        rng, np.arange(n), _dirt_count(0.003, n), _dirt_count(0.003, n), _dirt_count(0.006, n)
    )
    quantity, price = quantity.copy(), price.copy()
    quantity[negative] += _QUANTITY_TEXT.index("-1")
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
    codes = _ItemCodes(order_number, line_number, items.product[rows], quantity[rows], price[rows])
    return _item_columns(codes, catalogue, widths)


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


def _cycle(options: Sequence[str], count: int) -> pa.Array:
    """`count` values going round `options`, so every option shows once count >= len(options)."""
    return _pick_strings(options, np.arange(count) % len(options))


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


# --------------------------------------------------------------------------- writing


def _write(columns: Columns, names: Sequence[str], path: Path, fmt: str) -> None:
    table = pa.table({name: columns[name] for name in names})
    if fmt == "parquet":
        dictionary = [name for name in names if name in _PARQUET_DICTIONARY]
        # statistics only where they are cheap: min/max of ids and e-mails would cost seconds
        pq.write_table(
            table,
            path,
            compression="zstd",
            use_dictionary=dictionary,
            write_statistics=dictionary,
        )
        return
    con = duckdb.connect()
    try:
        con.register("generated", table)
        target = str(path).replace("'", "''")
        con.execute(f"copy generated to '{target}' (format csv, header, delimiter ',')")
    finally:
        con.close()
