"""The "How to query" section: a command and a Python snippet that print a query's
result with only what the install provides, and the example queries.

Each example query is a file in queries/, shown in file-name order, and
tests/test_report_queries.py runs every one of them. A file opens with two comment
lines, then the SQL exactly as the report shows it:

    -- title: <the heading shown above the query>
    -- returns: <the result's columns, comma-separated (with `select *`: at least these)>

Placeholders are written `{{ name }}` and filled in one way, from one segment of the
warehouse (the first cluster segment, else the first segment):
`{{ segment_id }}` in the title and the SQL (a number, so it stands in SQL as it is),
`{{ segment_name }}` in the title only. Any other placeholder is an error.

A query is shown when it binds against the warehouse: every table and column it names
is there. Nothing is run to decide that.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customer_segments.report.types import Segment
    from customer_segments.report.warehouse import Warehouse

EXAMPLE_SQL = (
    "select segment_id, segment_name, customer_count from marts.segments order by segment_id"
)
PYTHON = ".venv/bin/python"  # the project's virtual environment (README, Makefile)
DBT = ".venv/bin/dbt"
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
HEADER = re.compile(r"^-- (title|returns): *(.*)$")


@dataclass(frozen=True)
class Query:
    title: str
    sql: str


@dataclass(frozen=True)
class ExampleQuery:
    """One file of queries/, placeholders not yet filled."""

    name: str  # the file's name
    title: str
    returns: tuple[str, ...]
    sql: str

    def filled(self, segment_id: int, segment_name: str) -> Query:
        title = fill(self.title, {"segment_id": str(segment_id), "segment_name": segment_name})
        return Query(title, fill(self.sql, {"segment_id": str(int(segment_id))}))


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{{ name }}` replaced by values[name], in one pass (a value is
    never read as a placeholder itself)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"unknown placeholder {{{{ {name} }}}} (known: {', '.join(values)})")
        return values[name]

    return PLACEHOLDER.sub(value, text)


def parse(name: str, text: str) -> ExampleQuery:
    """An example query from its file's text (see the module's docstring)."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    while lines and (match := HEADER.match(lines[0])):
        header[match.group(1)] = match.group(2).strip()
        lines.pop(0)
    if set(header) != {"title", "returns"}:
        raise ValueError(f"{name} must open with a '-- title:' and a '-- returns:' line")
    return ExampleQuery(
        name=name,
        title=header["title"],
        returns=tuple(c.strip() for c in header["returns"].split(",") if c.strip()),
        sql="\n".join(lines).strip(),
    )


@functools.cache
def example_queries() -> tuple[ExampleQuery, ...]:
    """Every file of queries/, in file-name order."""
    folder = resources.files("customer_segments.report") / "queries"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return tuple(parse(f.name, f.read_text(encoding="utf-8")) for f in files)


def example_segment(segments: Sequence[Segment]) -> Segment:
    """The segment the placeholders are filled from."""
    return next((s for s in segments if not s.is_rule), segments[0])


def queries(warehouse: Warehouse, segments: Sequence[Segment]) -> tuple[Query, ...]:
    """The example queries an analyst can run against the warehouse as it stands: only
    those over tables and columns this warehouse has."""
    example = example_segment(segments)
    filled = (q.filled(example.segment_id, example.name) for q in example_queries())
    return tuple(q for q in filled if warehouse.query_columns(q.sql) is not None)


def shell_command(warehouse: str, sql: str = EXAMPLE_SQL, engine: str = "duckdb") -> str:
    """A command that prints a query's result, with only what the install provides:
    the venv's Python and its duckdb package (there is no duckdb CLI); on Spark, dbt
    itself, which opens the spark target's session with the profile's settings."""
    if engine == "spark":
        command = (DBT, "show", "--target", "spark", "--limit", "20", "--inline", sql)
        return " ".join(shlex.quote(part) for part in command)
    script = (
        "import sys, duckdb; print(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]))"
    )
    return " ".join(shlex.quote(part) for part in (PYTHON, "-c", script, warehouse, sql))


def python_snippet(warehouse: str, sql: str = EXAMPLE_SQL) -> str:
    """The same from Python, with the result as a pandas DataFrame."""
    return (
        "import duckdb\n\n"
        f"connection = duckdb.connect({warehouse!r}, read_only=True)\n"
        f"print(connection.sql({sql!r}))\n"
        f"frame = connection.sql({sql!r}).df()  # a pandas DataFrame"
    )
