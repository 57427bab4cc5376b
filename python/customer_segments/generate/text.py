"""Numbers to Arrow text columns without a per-row loop: fixed-width ids and dates,
timestamps, money, and picks from short lists of options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_segments.generate.personas import SECONDS_PER_DAY, WINDOW_START


@dataclass(frozen=True)
class Lookup:
    """Text part taken from a table of equal-width byte strings: row `index` of `table`."""

    index: np.ndarray
    table: np.ndarray  # (rows, width) uint8


Part = str | tuple[np.ndarray, int] | Lookup  # constant, (number, zero-padded digits), lookup


def fixed_width(n: int, *parts: Part) -> pa.Array:
    """`n` equal-width ASCII strings built side by side from parts, without a per-row loop."""
    widths = [_part_width(part) for part in parts]
    chars = np.empty((n, sum(widths)), dtype=np.uint8)
    column = 0
    for part, width in zip(parts, widths, strict=True):
        block = chars[:, column : column + width]
        if isinstance(part, str):
            block[:] = np.frombuffer(part.encode(), dtype=np.uint8)
        elif isinstance(part, Lookup):
            block[:] = _gather_rows(part.table, part.index)
        else:
            block[:] = _digit_chars(part[0], width)
        column += width
    return _strings(chars)


def _part_width(part: Part) -> int:
    if isinstance(part, str):
        return len(part)
    return part.table.shape[1] if isinstance(part, Lookup) else part[1]


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
    stamps = np.datetime_as_string(np.arange(SECONDS_PER_DAY).astype("datetime64[s]"))
    return _table_of(stamps, 19)[:, 11:]


def dates(day: np.ndarray) -> pa.Array:
    if len(day) == 0:
        return pa.array([], pa.string())
    first = int(day.min())
    return fixed_width(len(day), Lookup(day - first, _date_table(first, int(day.max()))))


def timestamps(second: np.ndarray) -> pa.Array:
    if len(second) == 0:
        return pa.array([], pa.string())
    day, clock = np.divmod(second, SECONDS_PER_DAY)
    first = int(day.min())
    dates = Lookup(day - first, _date_table(first, int(day.max())))
    return fixed_width(len(second), dates, " ", Lookup(clock, _clock_table()))


def money(cents: np.ndarray) -> pa.Array:
    """Non-negative cents as a plain decimal: 54000.00."""
    units = pa.array(cents // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(units, fraction, ".")


def currency_text(cents: np.ndarray) -> pa.Array:
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


def pick_strings(options: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(options), pa.string()).take(pa.array(index))


def cycle(options: Sequence[str], count: int) -> pa.Array:
    """`count` values going round `options`, so every option shows once count >= len(options)."""
    return pick_strings(options, np.arange(count) % len(options))
