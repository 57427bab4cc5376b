"""`generate`: check the arguments, simulate one run, then build each table and write it
(CSV or Parquet) while the next one is built; the truth file goes beside the raw folder."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from customer_segments.generate.columns import (
    CUSTOMER_COLUMNS,
    ORDER_COLUMNS,
    ORDER_ITEM_COLUMNS,
    TRUTH_COLUMNS,
    Columns,
    truth_table,
)
from customer_segments.generate.dirt import customers_table, ghost_count, items_table, orders_table
from customer_segments.generate.profiles import ORDER_PROFILES
from customer_segments.generate.world import World, simulate

_FORMATS = ("csv", "parquet")
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
    "product_name",
    "category",
    "quantity",
    "unit_price",
)


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate` wrote."""

    customers: int  # rows written to customers (incl. dirty rows)
    orders: int
    order_items: int
    out_dir: Path
    truth_path: Path


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
    order_profile: str = "standard",
) -> GenerateSummary:
    """Write customers, orders and order_items for `n_customers` customers, plus the truth file.

    The same arguments always give byte-identical files. `fmt` is "csv" or "parquet"; the truth
    file (customer_id, persona) is always CSV and goes to `default_truth_path(out_dir)` unless
    `truth_path` says otherwise. `dirt=False` writes clean data only. `order_profile` names
    one of ORDER_PROFILES: how many orders and lines a customer has ("standard", the
    sample's shape, or "dense").
    """
    out_dir = Path(out_dir)
    truth_path = default_truth_path(out_dir) if truth_path is None else Path(truth_path)
    _check_arguments(n_customers, out_dir, fmt, truth_path, order_profile)
    rng = np.random.default_rng(seed)
    shape = ORDER_PROFILES[order_profile]
    world = simulate(rng, n_customers, ghost_count(n_customers) if dirt else 0, shape)
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


def _check_arguments(
    n_customers: int, out_dir: Path, fmt: str, truth_path: Path, order_profile: str
) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(_FORMATS)}.")
    if order_profile not in ORDER_PROFILES:
        raise ValueError(
            f"Unknown order profile {order_profile!r}: use one of {', '.join(ORDER_PROFILES)}."
        )
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}.")
    if out_dir.resolve() in truth_path.resolve().parents:
        raise ValueError(f"Truth file {truth_path} must not be inside the raw folder {out_dir}.")


def _write_tables(
    rng: np.random.Generator,
    world: World,
    out_dir: Path,
    fmt: str,
    truth_path: Path,
    dirt: bool,
) -> dict[str, int]:
    """Build each table and write it in the background while the next one is built."""
    builders = (
        ("customers", CUSTOMER_COLUMNS, customers_table),
        ("orders", ORDER_COLUMNS, orders_table),
        ("order_items", ORDER_ITEM_COLUMNS, items_table),
    )
    rows = {}
    with ThreadPoolExecutor(max_workers=3) as writer:
        truth = truth_table(world)
        writes = [writer.submit(_write, truth, TRUTH_COLUMNS, truth_path, "csv")]
        for name, columns, build in builders:
            table = build(rng, world, dirt)
            rows[name] = len(table[columns[0]])
            writes.append(writer.submit(_write, table, columns, out_dir / f"{name}.{fmt}", fmt))
        for write in writes:
            write.result()
    return rows


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
