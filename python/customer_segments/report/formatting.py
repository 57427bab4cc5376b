"""How numbers, shares, times and names read in the report (and in chart captions).

render.py registers every function here as a Jinja filter, in one place; charts.py
uses the same functions, so a value reads the same in a caption and in a table.
"""

from __future__ import annotations

import math
from datetime import datetime

MISSING = "–"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None) -> str:
    """A measurement with as many decimals as its size needs: 60,071 / 45.4 / 0.12."""
    if _missing(value):
        return MISSING
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def integer(value: float | None) -> str:
    return MISSING if _missing(value) else f"{round(value):,}"


def percent(value: float | None) -> str:
    """A share (0..1) as a percentage: one decimal below 10 %, none above."""
    if _missing(value):
        return MISSING
    share = value * 100
    if share == 0:
        return "0%"
    if abs(share) < 0.1:
        return "<0.1%"
    return f"{share:.1f}%" if abs(share) < 10 else f"{share:.0f}%"


def feature_value(value: float | None, feature: str) -> str:
    """A feature's value in its own terms: rates as percentages, the rest as numbers."""
    return percent(value) if feature.endswith("_rate") else number(value)


def label(name: str) -> str:
    """A column name as words: 'annual_income' -> 'Annual income'."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def seconds(value: float | None) -> str:
    if _missing(value):
        return MISSING
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


def timestamp(value: datetime | None) -> str:
    """A point in time to the minute; naive times are UTC (dbt's run_started_at is)."""
    if value is None:
        return MISSING
    return value.strftime("%Y-%m-%d %H:%M UTC")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 segment', '5 segments', '20,000 customers'."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


FILTERS = {
    "number": number,
    "integer": integer,
    "percent": percent,
    "feature_value": feature_value,
    "label": label,
    "seconds": seconds,
    "timestamp": timestamp,
    "plural": plural,
}
