"""NULL-safe values: every value read from the warehouse may be NULL (None, pandas NA
or NaT, NaN), and these turn each into a Python value or None, so that nothing
downstream sees pandas' missing markers."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd


def is_missing(value: object) -> bool:
    """None, pandas NA / NaT and NaN are all missing; lists and arrays never are."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, np.ndarray, Mapping)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_float(value: object) -> float | None:
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    number = as_float(value)
    return None if number is None else round(number)


def as_text(value: object) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def as_bool(value: object) -> bool | None:
    return None if is_missing(value) else bool(value)


def as_floats(values: object) -> tuple[float, ...] | None:
    """A list value (DuckDB LIST) as floats; None when it or any element is missing."""
    if is_missing(values) or isinstance(values, (str, bytes)):
        return None
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        return None
    numbers = tuple(as_float(v) for v in items)
    if not numbers or any(n is None for n in numbers):
        return None
    return numbers  # type: ignore[return-value]
