"""Synthetic raw data for the segmentation pipeline, with planted personas and planted dirt.

`generate` writes three raw files in the raw contract (customers, orders, order_items; every
column a string, as a source system would export them) plus a ground-truth file that maps each
valid customer id to the persona it was drawn from. The truth file lives next to the raw folder,
never inside it, so the pipeline cannot read it by accident.

Everything is vectorised with numpy and written with pyarrow / DuckDB; one
`numpy.random.Generator` seeded from `seed` drives every draw, so the same arguments give
byte-identical files. Orders fall in a fixed window (2024-01-01 .. 2025-12-31) so the output does
not depend on today's date.

Five personas are planted so that they separate on log-transformed, standardised RFM features plus
age and income. With `dirt=True` about 2-4 % of rows carry realistic defects (duplicates, orphans,
unparseable or impossible values, messy spellings) that the cleaning layer must handle; each kind
is present even for small runs (n_customers=1000).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = ["PERSONAS", "GenerateSummary", "default_truth_path", "generate"]

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

_FORMATS = {"csv": "csv", "parquet": "parquet"}

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

_STATUSES = ("completed", "cancelled", "returned")
_STATUS_RATES = (0.08, 0.05)  # cancelled, returned: share of all orders
_CHANNELS = ("web", "app", "store")
_GENDERS = ("female", "male", "other")
_GENDER_P = (0.49, 0.49, 0.02)
_LINES_P = (0.65, 0.22, 0.08, 0.03, 0.02)  # 1..5 lines per order
_QUANTITY_P = (0.75, 0.16, 0.06, 0.03)  # 1..4 units per line

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


@dataclass(frozen=True)
class _Catalogue:
    product_id: pa.Array  # sorted by price
    category: pa.Array
    price: pa.Array  # "19.99"
    cents: np.ndarray  # int64, ascending


@dataclass(frozen=True)
class _People:
    persona: np.ndarray  # int8, base customers first, then ghost customers (orders only)
    birth_day: np.ndarray  # int64 day offset from WINDOW_START
    income_cents: np.ndarray
    gender: np.ndarray
    first_name: np.ndarray  # index into female + male names
    last_name: np.ndarray
    domain: np.ndarray
    city: np.ndarray


@dataclass(frozen=True)
class _Orders:
    customer: np.ndarray  # index into _People, sorted by order time
    second: np.ndarray  # seconds since WINDOW_START
    status: np.ndarray
    channel: np.ndarray
    pinned: np.ndarray  # the customer's last order: always completed, never made dirty
    first_day: np.ndarray  # per customer: day of their first order


@dataclass(frozen=True)
class _Items:
    order: np.ndarray  # index into _Orders
    line_number: np.ndarray
    product: np.ndarray  # index into _Catalogue
    quantity: np.ndarray


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
    """Write customers, orders and order_items for `n_customers` customers, plus the truth file."""
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(_FORMATS)}.")
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}.")
    out_dir = Path(out_dir)
    truth_path = default_truth_path(out_dir) if truth_path is None else Path(truth_path)
    if truth_path.resolve().parent == out_dir.resolve():
        raise ValueError(f"Truth file {truth_path} must not be inside the raw folder {out_dir}.")

    rng = np.random.default_rng(seed)
    n_ghosts = _dirt_count(0.002, n_customers, 2) if dirt else 0
    catalogue = _make_catalogue(rng)
    people = _make_people(rng, n_customers, n_ghosts)
    orders = _make_orders(rng, people)
    items = _make_items(rng, orders, people, catalogue)

    width_c = max(7, len(str(n_customers + n_ghosts)))
    width_o = max(8, len(str(len(orders.customer) + 2 * n_customers)))
    customer_ids = _ids("C", np.arange(1, n_customers + n_ghosts + 1), width_c)
    order_ids = _ids("O", np.arange(1, len(orders.customer) + 1), width_o)

    customers = _customer_columns(people, orders, customer_ids, n_customers, rng)
    order_cols = _order_columns(orders, customer_ids, order_ids)
    item_cols = _item_columns(items, catalogue, order_ids)
    truth = {
        "customer_id": customer_ids.slice(0, n_customers),
        "persona": pa.array(PERSONAS).take(pa.array(people.persona[:n_customers])),
    }
    if dirt:
        customers = _dirty_customers(rng, customers, people)
        order_cols = _dirty_orders(rng, order_cols, orders)
        item_cols = _dirty_items(rng, item_cols, len(orders.customer), width_o)

    out_dir.mkdir(parents=True, exist_ok=True)
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    ext = _FORMATS[fmt]
    _write(customers, CUSTOMER_COLUMNS, out_dir / f"customers.{ext}", fmt)
    _write(order_cols, ORDER_COLUMNS, out_dir / f"orders.{ext}", fmt)
    _write(item_cols, ORDER_ITEM_COLUMNS, out_dir / f"order_items.{ext}", fmt)
    _write(truth, ("customer_id", "persona"), truth_path, "csv")
    return GenerateSummary(
        customers=len(customers["customer_id"]),
        orders=len(order_cols["order_id"]),
        order_items=len(item_cols["order_id"]),
        out_dir=out_dir,
        truth_path=truth_path,
    )


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


def _make_people(rng: np.random.Generator, n: int, n_ghosts: int) -> _People:
    persona = np.repeat(np.arange(len(_PERSONAS), dtype=np.int8), _persona_counts(n))
    persona = rng.permutation(persona)
    ghosts = rng.integers(0, len(_PERSONAS), n_ghosts).astype(np.int8)
    persona = np.concatenate([persona, ghosts])
    total = len(persona)

    age = rng.normal(_param("age", persona, 0), _param("age", persona, 1)).clip(18, 95)
    birth_day = WINDOW_DAYS - np.round(age * 365.25).astype(np.int64)
    income = rng.normal(_param("income", persona, 0), _param("income", persona, 1))
    income_cents = np.round(income.clip(9_000, None), -2).astype(np.int64) * 100
    gender = rng.choice(len(_GENDERS), size=total, p=_GENDER_P).astype(np.int8)
    first_name = _first_names(rng.integers(0, len(_FEMALE_NAMES) + len(_MALE_NAMES), total), gender)
    last_name = rng.integers(0, len(_LAST_NAMES), total)
    domain = rng.integers(0, len(_EMAIL_DOMAINS), total)
    city_p = np.array([c[2] for c in _CITIES])
    city = rng.choice(len(_CITIES), size=total, p=city_p / city_p.sum())
    return _People(persona, birth_day, income_cents, gender, first_name, last_name, domain, city)


def _first_names(draw: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """Index into female + male names: female names for women, male for men, any for "other"."""
    n_female, n_male = len(_FEMALE_NAMES), len(_MALE_NAMES)
    draw = np.where(gender == 0, draw % n_female, draw)
    return np.where(gender == 1, n_female + draw % n_male, draw)


def _make_orders(rng: np.random.Generator, people: _People) -> _Orders:
    persona = people.persona
    n = len(persona)
    lo, hi = _param("orders", persona, 0), _param("orders", persona, 1)
    per_customer = rng.integers(lo.astype(np.int64), hi.astype(np.int64) + 1)
    offsets = np.concatenate([[0], np.cumsum(per_customer)[:-1]])

    rec_lo, rec_hi = _param("recency", persona, 0), _param("recency", persona, 1)
    recency = np.floor(np.expm1(rng.uniform(np.log1p(rec_lo), np.log1p(rec_hi + 1)))).astype(int)
    last_day = WINDOW_DAYS - np.minimum(recency, WINDOW_DAYS)
    earliest = np.maximum(last_day - _param("history_days", persona).astype(np.int64), 0)

    customer = np.repeat(np.arange(n, dtype=np.int64), per_customer)
    pinned = np.zeros(len(customer), dtype=bool)
    pinned[offsets + per_customer - 1] = True
    span = (last_day - earliest + 1)[customer]
    day = earliest[customer] + np.floor(rng.random(len(customer)) * span).astype(np.int64)
    day = np.where(pinned, last_day[customer], day)
    second = day * _SECONDS_PER_DAY + rng.integers(7 * 3600, 23 * 3600, len(customer))

    status = _draw_status(rng, pinned)
    cum = np.cumsum(np.array([p.channels for p in _PERSONAS]), axis=1)
    channel = (rng.random(len(customer))[:, None] > cum[persona[customer]]).sum(axis=1)
    channel = np.minimum(channel, len(_CHANNELS) - 1).astype(np.int8)

    first_day = np.minimum.reduceat(day, offsets)
    order = np.argsort(second, kind="stable")
    return _Orders(
        customer[order], second[order], status[order], channel[order], pinned[order], first_day
    )


def _draw_status(rng: np.random.Generator, pinned: np.ndarray) -> np.ndarray:
    """Cancelled / returned at the overall target rates, but never the customer's last order."""
    scale = len(pinned) / max(int((~pinned).sum()), 1)
    cancel, returned = (rate * scale for rate in _STATUS_RATES)
    u = rng.random(len(pinned))
    status = np.where(u < cancel, 1, np.where(u < cancel + returned, 2, 0)).astype(np.int8)
    status[pinned] = 0
    return status


def _make_catalogue(rng: np.random.Generator) -> _Catalogue:
    names = list(_CATEGORIES)
    category = np.repeat(np.arange(len(names)), _PRODUCTS_PER_CATEGORY)
    lo = np.log(np.array([v[0] for v in _CATEGORIES.values()], dtype=np.float64))[category]
    hi = np.log(np.array([v[1] for v in _CATEGORIES.values()], dtype=np.float64))[category]
    dollars = np.floor(np.exp(rng.uniform(lo, hi))).astype(np.int64)
    cents = np.where(dollars < 1, 99, dollars * 100 - 1)  # charm prices: 19.99
    number = rng.permutation(len(cents)) + 1
    order = np.argsort(cents, kind="stable")
    cents, category, number = cents[order], category[order], number[order]
    return _Catalogue(
        product_id=_ids("P", number, 5),
        category=pa.array(names).take(pa.array(category)),
        price=_money(cents),
        cents=cents,
    )


def _make_items(
    rng: np.random.Generator, orders: _Orders, people: _People, catalogue: _Catalogue
) -> _Items:
    n_orders = len(orders.customer)
    lines = rng.choice(len(_LINES_P), size=n_orders, p=_LINES_P) + 1
    order = np.repeat(np.arange(n_orders, dtype=np.int64), lines)
    starts = np.concatenate([[0], np.cumsum(lines)[:-1]])
    line_number = np.arange(len(order)) - starts[order] + 1

    median = _param("basket", people.persona[orders.customer])
    basket = median * np.exp(rng.normal(0.0, 0.35, n_orders))
    weight = rng.exponential(1.0, len(order))
    share = weight / np.add.reduceat(weight, starts)[order]
    quantity = rng.choice(len(_QUANTITY_P), size=len(order), p=_QUANTITY_P) + 1
    target_cents = basket[order] * share / quantity * 100
    product = np.searchsorted(catalogue.cents, target_cents).clip(0, len(catalogue.cents) - 1)
    return _Items(order, line_number, product, quantity)


# --------------------------------------------------------------------------- string columns


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _money(cents: np.ndarray) -> pa.Array:
    """Non-negative cents as a plain decimal: 54000.00."""
    units = pa.array(cents // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(units, fraction, ".")


def _currency(cents: np.ndarray) -> pa.Array:
    """Non-negative cents below a billion as a currency string: $54,000.00."""
    units = cents // 100
    millions, thousands, ones = units // 1_000_000, units // 1_000 % 1_000, units % 1_000
    parts = [
        pa.array(millions).cast(pa.string()),
        pc.utf8_lpad(pa.array(thousands).cast(pa.string()), width=3, padding="0"),
        pc.utf8_lpad(pa.array(ones).cast(pa.string()), width=3, padding="0"),
    ]
    grouped = pc.binary_join_element_wise(*parts, ",")
    grouped = pc.if_else(
        pa.array(units < 1_000_000),
        pc.binary_join_element_wise(pa.array(thousands).cast(pa.string()), parts[2], ","),
        grouped,
    )
    grouped = pc.if_else(pa.array(units < 1_000), pa.array(ones).cast(pa.string()), grouped)
    fraction = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise("$", pc.binary_join_element_wise(grouped, fraction, "."), "")


def _dates(day: np.ndarray) -> pa.Array:
    return pa.array(WINDOW_START + day.astype("timedelta64[D]")).cast(pa.string())


def _timestamps(second: np.ndarray) -> pa.Array:
    start = WINDOW_START.astype("datetime64[s]")
    return pa.array(start + second.astype("timedelta64[s]")).cast(pa.string())


def _pick_strings(options: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(options)).take(pa.array(index))


def _emails(people: _People, rows: np.ndarray, domain_shift: int = 0) -> pa.Array:
    first = _pick_strings([n.lower() for n in (*_FEMALE_NAMES, *_MALE_NAMES)], people.first_name)
    last = _pick_strings(_LAST_NAMES, people.last_name)
    domain = (people.domain + domain_shift) % len(_EMAIL_DOMAINS)
    local = pc.binary_join_element_wise(
        first.take(pa.array(rows)),
        pc.binary_join_element_wise(
            last.take(pa.array(rows)), pa.array(rows + 1).cast(pa.string()), ""
        ),
        "." if domain_shift == 0 else "_",
    )
    return pc.binary_join_element_wise(local, _pick_strings(_EMAIL_DOMAINS, domain[rows]), "@")


def _customer_columns(
    people: _People,
    orders: _Orders,
    customer_ids: pa.Array,
    n: int,
    rng: np.random.Generator,
) -> Columns:
    rows = np.arange(n)
    signup = orders.first_day[:n] - rng.integers(1, 700, n)
    return {
        "customer_id": customer_ids.slice(0, n),
        "email": _emails(people, rows),
        "gender": _pick_strings(_GENDERS, people.gender[:n]),
        "birth_date": _dates(people.birth_day[:n]),
        "annual_income": _money(people.income_cents[:n]),
        "city": _pick_strings([c[0] for c in _CITIES], people.city[:n]),
        "country": _pick_strings([c[1] for c in _CITIES], people.city[:n]),
        "signup_date": _dates(signup),
    }


def _order_columns(orders: _Orders, customer_ids: pa.Array, order_ids: pa.Array) -> Columns:
    return {
        "order_id": order_ids,
        "customer_id": customer_ids.take(pa.array(orders.customer)),
        "order_date": _timestamps(orders.second),
        "status": _pick_strings(_STATUSES, orders.status),
        "channel": _pick_strings(_CHANNELS, orders.channel),
    }


def _item_columns(items: _Items, catalogue: _Catalogue, order_ids: pa.Array) -> Columns:
    product = pa.array(items.product)
    return {
        "order_id": order_ids.take(pa.array(items.order)),
        "line_number": pa.array(items.line_number).cast(pa.string()),
        "product_id": catalogue.product_id.take(product),
        "category": catalogue.category.take(product),
        "quantity": pa.array(items.quantity).cast(pa.string()),
        "unit_price": catalogue.price.take(product),
    }


# --------------------------------------------------------------------------- dirt


def _dirt_count(rate: float, rows: int, minimum: int = _DIRT_MIN) -> int:
    return max(minimum, round(rate * rows))


def _pick(rng: np.random.Generator, pool: np.ndarray, *counts: int) -> list[np.ndarray]:
    """Disjoint random subsets of `pool`, one per count (fewer rows if the pool is small)."""
    total = min(sum(counts), len(pool))
    chosen = rng.choice(pool, size=total, replace=False) if total else pool[:0]
    return np.split(chosen, np.cumsum(counts)[:-1].clip(None, total))


def _cycle(options: Sequence[str], count: int) -> pa.Array:
    """`count` values going round `options`, so every option shows once count >= len(options)."""
    return _pick_strings(options, np.arange(count) % len(options))


def _replace(column: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(column, pa.array(mask), values.take(pa.array(np.argsort(rows))))


def _append(
    rng: np.random.Generator, columns: Columns, extras: Sequence[tuple[np.ndarray, Columns]]
) -> Columns:
    """Copies of `rows` (with some columns overridden) inserted at random places."""
    n = len(next(iter(columns.values())))
    sources = np.concatenate([rows for rows, _ in extras]) if extras else np.array([], int)
    positions = np.sort(rng.integers(0, n + 1, len(sources)))
    order = np.insert(np.arange(n), positions, n + np.arange(len(sources)))
    result = {}
    for name, column in columns.items():
        parts = [column]
        for rows, overrides in extras:
            parts.append(overrides[name] if name in overrides else column.take(pa.array(rows)))
        result[name] = pa.concat_arrays([p.cast(pa.string()) for p in parts]).take(pa.array(order))
    return result


def _dirty_customers(rng: np.random.Generator, columns: Columns, people: _People) -> Columns:
    n = len(columns["customer_id"])
    rows = np.arange(n)
    gender_cycle = ("F", " Female ", "M", "MALE", "f", "", "unknown")
    unparseable, impossible, negative, currency, gender, email = _pick(
        rng,
        rows,
        _dirt_count(0.002, n),
        _dirt_count(0.002, n),
        _dirt_count(0.002, n),
        _dirt_count(0.005, n),
        _dirt_count(0.008, n, len(gender_cycle)),
        _dirt_count(0.008, n, 4),
    )
    columns = dict(columns)
    columns["birth_date"] = _replace(
        _replace(
            columns["birth_date"],
            unparseable,
            _cycle(("not a date", "31/02/1990"), len(unparseable)),
        ),
        impossible,
        _cycle(("1850-01-01", "2090-06-15"), len(impossible)),
    )
    income = columns["annual_income"]
    negative_values = pc.binary_join_element_wise("-", income.take(pa.array(negative)), "")
    income = _replace(income, negative, negative_values)
    columns["annual_income"] = _replace(income, currency, _currency(people.income_cents[currency]))
    columns["gender"] = _replace(columns["gender"], gender, _cycle(gender_cycle, len(gender)))
    clean = columns["email"].take(pa.array(email))
    upper, spaced = pc.utf8_upper(clean), pc.binary_join_element_wise(" ", clean, "  ", "")
    messy = pc.if_else(pa.array(np.arange(len(email)) % 2 == 0), upper, spaced)
    columns["email"] = _replace(columns["email"], email, messy)

    exact, reexport, blank = _pick(
        rng, rows, _dirt_count(0.004, n), _dirt_count(0.003, n), _dirt_count(0.002, n)
    )
    return _append(
        rng,
        columns,
        [
            (exact, {}),
            (reexport, {"email": _emails(people, reexport, domain_shift=1)}),
            (blank, {"customer_id": _cycle(("", "   "), len(blank))}),
        ],
    )


def _dirty_orders(rng: np.random.Generator, columns: Columns, orders: _Orders) -> Columns:
    n = len(columns["order_id"])
    earlier = np.flatnonzero(~orders.pinned)  # keep every customer's last completed order clean
    unparseable, future = _pick(rng, earlier, _dirt_count(0.002, n), _dirt_count(0.002, n))
    columns = dict(columns)
    dates = _replace(
        columns["order_date"],
        unparseable,
        _cycle(("yesterday", "2025-02-30 12:00:00"), len(unparseable)),
    )
    columns["order_date"] = _replace(dates, future, _cycle(("2091-01-01 10:00:00",), len(future)))

    spellings = (
        ("Completed", " COMPLETED ", "completed "),
        ("Cancelled", "CANCELLED"),
        ("RETURNED", "Returned"),
    )
    status = columns["status"]
    for code, options in enumerate(spellings):
        with_status = np.flatnonzero(orders.status == code)
        (rows,) = _pick(rng, with_status, _dirt_count(0.01 / 3, n, len(options)))
        status = _replace(status, rows, _cycle(options, len(rows)))
    columns["status"] = status

    duplicate, blank = _pick(rng, np.arange(n), _dirt_count(0.003, n), _dirt_count(0.001, n))
    return _append(
        rng,
        columns,
        [(duplicate, {}), (blank, {"order_id": _cycle(("", "  "), len(blank))})],
    )


def _dirty_items(rng: np.random.Generator, columns: Columns, n_orders: int, width: int) -> Columns:
    n = len(columns["order_id"])
    negative, unknown_price, currency = _pick(
        rng, np.arange(n), _dirt_count(0.002, n), _dirt_count(0.002, n), _dirt_count(0.005, n)
    )
    columns = dict(columns)
    quantity = columns["quantity"]
    negated = pc.binary_join_element_wise("-", quantity.take(pa.array(negative)), "")
    columns["quantity"] = _replace(quantity, negative, negated)
    price = _replace(
        columns["unit_price"], unknown_price, _cycle(("n/a", "unknown"), len(unknown_price))
    )
    dollars = pc.binary_join_element_wise("$", price.take(pa.array(currency)), "")
    columns["unit_price"] = _replace(price, currency, dollars)

    duplicate, orphan = _pick(rng, np.arange(n), _dirt_count(0.003, n), _dirt_count(0.002, n))
    unknown = n_orders + 1 + rng.permutation(3 * len(orphan))[: len(orphan)]
    unknown_ids = _ids("O", unknown, width)
    return _append(
        rng,
        columns,
        [
            (duplicate, {}),
            (orphan, {"order_id": unknown_ids, "line_number": _cycle(("1",), len(orphan))}),
        ],
    )


# --------------------------------------------------------------------------- writing


def _write(columns: Columns, names: Sequence[str], path: Path, fmt: str) -> None:
    table = pa.table({name: columns[name].cast(pa.string()) for name in names})
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
        return
    con = duckdb.connect()
    try:
        con.register("generated", table)
        target = str(path).replace("'", "''")
        con.execute(f"copy generated to '{target}' (format csv, header, delimiter ',')")
    finally:
        con.close()
