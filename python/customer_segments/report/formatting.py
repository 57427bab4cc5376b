"""How numbers, shares, times and names read in the report (and in chart captions).

render.py registers every function here as a Jinja filter, in one place; charts.py
uses the same functions, so a value reads the same in a caption and in a table.
"""

from __future__ import annotations

from datetime import datetime

from customer_segments.report.values import is_missing

MISSING = "–"


def number(value: float | None) -> str:
    """A measurement with as many decimals as its size needs: 60,071 / 45.4 / 0.12."""
    if is_missing(value):
        return MISSING
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def integer(value: float | None) -> str:
    return MISSING if is_missing(value) else f"{round(value):,}"


def percent(value: float | None) -> str:
    """A share (0..1) as a percentage: one decimal below 10 %, none above; never 0%
    or 100% unless it is exactly that (99.96% accepted, 4 rows in 10,000 rejected,
    reads ">99.9%", not "100%")."""
    if is_missing(value):
        return MISSING
    share = value * 100
    if share == 0:
        return "0%"
    if abs(share) < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    if 99 < share < 100:
        return f"{share:.1f}%"
    return f"{share:.1f}%" if abs(share) < 10 else f"{share:.0f}%"


def feature_value(value: float | None, feature: str) -> str:
    """A feature's value in its own terms: rates as percentages, the rest as numbers."""
    return percent(value) if feature.endswith("_rate") else number(value)


def value_pair(first: float | None, second: float | None, feature: str) -> tuple[str, str]:
    """Two values of a feature, with as many more decimals as it takes for different
    values not to read the same (45.4 vs 45.4 -> 45.43 vs 45.38)."""
    shown = feature_value(first, feature), feature_value(second, feature)
    if is_missing(first) or is_missing(second) or first == second or shown[0] != shown[1]:
        return shown
    rate = feature.endswith("_rate")
    for digits in range(1, 7):
        if rate:
            shown = f"{first * 100:.{digits}f}%", f"{second * 100:.{digits}f}%"
        else:
            shown = f"{first:,.{digits}f}", f"{second:,.{digits}f}"
        if shown[0] != shown[1]:
            break
    return shown


def ratio_pair(share: float | None, base: float | None, ratio: float | None) -> tuple[str, str]:
    """Two shares shown beside their ratio (a lift: "4.0x, bought by 42.0% of them vs
    10.5% of all buyers"), with as many more decimals (up to three) as it takes for the
    shown shares to divide to the shown ratio; "42% vs 10%" beside 4.0x would not (4.2).
    A ratio on a rounding boundary (7.95) may agree at no precision: then as `percent`."""
    shown = percent(share), percent(base)
    if is_missing(share) or is_missing(base) or is_missing(ratio):
        return shown
    for candidate in (
        shown,
        *((_percent_to(share, digits), _percent_to(base, digits)) for digits in range(1, 4)),
    ):
        if _divides_to(candidate, fixed(ratio, 1)):
            return candidate
    return shown


def _percent_to(share: float, digits: int) -> str:
    """A share with `digits` decimals, unless that reads 0% or 100% when it is not
    (then `percent`'s "<0.1%" / ">99.9%", which never divide to a ratio)."""
    text = f"{share * 100:.{digits}f}"
    return percent(share) if float(text) in (0, 100) and share not in (0, 1) else f"{text}%"


def _divides_to(shown: tuple[str, str], ratio: str) -> bool:
    """Whether two shown percentages divide to the shown ratio (False for "<0.1%")."""
    try:
        share, base = (float(text.rstrip("%")) for text in shown)
    except ValueError:
        return False
    return base != 0 and fixed(share / base, 1) == ratio


def fixed(value: float | None, digits: int = 3) -> str:
    """A figure with a fixed number of decimals (scores, scalings): 0.412, 2,695.184
    (thousands grouped, as every other figure of the report)."""
    return MISSING if is_missing(value) else f"{value:,.{digits}f}"


def label(name: str) -> str:
    """A column name as words: 'annual_income' -> 'Annual income'."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def seconds(value: float | None) -> str:
    if is_missing(value):
        return MISSING
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


def timestamp(value: datetime | None) -> str:
    """A point in time to the minute; naive times are UTC (dbt's run_started_at is)."""
    if not isinstance(value, datetime):
        return MISSING
    return value.strftime("%Y-%m-%d %H:%M UTC")


def file_name(path: str | None) -> str:
    """The last part of a path ('/data/exports/online_retail.csv' -> 'online_retail.csv')."""
    if is_missing(path):
        return MISSING
    text = str(path).replace("\\", "/").rstrip("/")
    return text.rsplit("/", 1)[-1] or text


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 segment', '5 segments', '20,000 customers'."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


FILTERS = {
    "number": number,
    "integer": integer,
    "percent": percent,
    "feature_value": feature_value,
    "value_pair": value_pair,
    "ratio_pair": ratio_pair,
    "fixed": fixed,
    "label": label,
    "seconds": seconds,
    "timestamp": timestamp,
    "plural": plural,
    "file_name": file_name,
}
