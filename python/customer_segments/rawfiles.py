"""Say which raw file cannot be read, or which mapping expression fails, and how to
fix it.

DuckDB's reader errors do not always name the file ("CSV Error on Line: 2"), and its
binder errors name neither the table nor the setting ("No function matches
'/(VARCHAR, VARCHAR)'"). When a build fails while reading the raw files, the CLI asks
this module to read each raw file on its own, and compute each of its expressions
(raw_tables.<table>.expressions), and turn each problem into one line that names the
file and the setting that fixes it.

The files are found and read as the registration macro finds and reads them on
DuckDB (dbt_project/macros/raw_files/locate.sql and read.sql, the duckdb__
implementations): the same contract tables and readers
(customer_segments.contract), the same glob, the folder taken literally, the path
and every option passed as a parameter, never pasted into SQL. A table mapped to a
relation or a query (raw_tables.<table>.relation or .from) has no file to diagnose.
This is DuckDB's diagnosis only: Spark reads the files with its own readers
(spark__register_raw_file), whose errors already name the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from customer_segments.contract import RawSource, raw_source
from customer_segments.settings import build_var

LEVELS = ("error", "warning", "note")
# Keys of var raw_tables.<table>.csv that go into SQL as option names (the macro's
# csv_option_problems stops a build on any other before a file is read).
OPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """A finding about the raw files or settings, as the macros report it (macro
    raw_problem): level error, warning or note; `subject` marks a line about
    something particular (extra_column, ok)."""

    level: str
    message: str
    subject: str | None = None

    @classmethod
    def from_mapping(cls, value: dict[str, Any]) -> Problem:
        level = str(value.get("level") or "error")
        return cls(
            level=level if level in LEVELS else "error",
            message=str(value.get("message") or ""),
            subject=value.get("subject") or None,
        )


def raw_tables_setting(root: Path, dbt_vars: str | None = None) -> dict[str, Any]:
    """The var raw_tables (file names and reader options per table) as the build sees
    it (settings.build_var). A setting of the wrong shape reads as {} here: the macro
    raw_mapping_problems reports it, before any file is read."""
    setting = build_var("raw_tables", dbt_vars, root)
    return setting if isinstance(setting, dict) else {}


def glob_escape(path: str) -> str:
    """A path as a glob pattern that matches only itself (macro glob_escape): DuckDB
    expands * ? [ in any path, so each becomes a one-character class."""
    return re.sub(r"([\[*?])", r"[\1]", path)


def located_files(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    table: str,
    config: dict[str, Any],
    source: RawSource,
) -> list[tuple[str, str]]:
    """(file, reader) of each readable file of `table`, as macro locate_raw_file finds
    them: var raw_tables.<table>.file (default: the table's name) with or without an
    extension, inside the folder taken literally."""
    pattern = config.get("file") or table
    folder = glob_escape(str(raw_dir)) + "/"
    rows = connection.execute(
        "select file from glob(?) union all select file from glob(?) order by file",
        [folder + pattern, folder + pattern + ".*"],
    ).fetchall()
    files = list(dict.fromkeys(str(row[0]) for row in rows))
    found = []
    for file in files:
        reader = config.get("format") or source.file_format(file)
        if reader:
            found.append((file, reader))
    return found


def reader(
    file: str, file_format: str, csv_options: dict[str, Any], source: RawSource
) -> tuple[str, list[Any]]:
    """The SQL relation that reads one file as macro raw_reader does, and its
    parameters: the path (glob-escaped) and every option value."""
    if file_format == "parquet":
        return "read_parquet(?)", [glob_escape(file)]
    options = {**source.csv_options, **csv_options}
    names = [name for name in options if OPTION_NAME.match(str(name))]
    rendered = "".join(f", {name} = ?" for name in names)
    return f"read_csv(?{rendered})", [glob_escape(file), *(options[name] for name in names)]


# DuckDB's words for a byte that is not UTF-8. Not just "utf-8": a sniffing error
# lists "Encoding: utf-8" among what it tried, whatever the file's problem.
NOT_UTF8 = re.compile(r"invalid unicode|not utf-8 encoded", re.IGNORECASE)


def problem(path: str, table: str, error: Exception, delimiter: str | None = None) -> str:
    """The line for a raw file DuckDB cannot read; `delimiter`: the one the mapping
    sets (var raw_tables.<table>.csv.delim), if any."""
    text = str(error)
    setting = f"var raw_tables.{table}"
    if NOT_UTF8.search(text):
        return (
            f"Raw file '{path}' is not UTF-8 text: set {setting}.csv.encoding "
            "(for example latin-1 or utf-16) or re-export it as UTF-8."
        )
    if "sniffing" in text and delimiter is not None:
        return (
            f"Raw file '{path}' cannot be read as CSV with delimiter {delimiter!r} "
            f"({setting}.csv.delim): its rows do not split into the same columns, or a "
            "quote does not close; for columns aligned with runs of spaces, read each line "
            'as one column (README "Use your own data").'
        )
    if "sniffing" in text:
        return (
            f"Raw file '{path}' cannot be read as CSV: export it as text with a header row, "
            f"or set the delimiter and quoting in {setting}.csv."
        )
    if "magic bytes" in text or "parquet" in text.lower():
        return f"Raw file '{path}' is not a valid Parquet file: re-export it, or export it as .csv."
    return f"Raw file '{path}' cannot be read: {text.splitlines()[0]}"


# DuckDB's words for a function given text where it wants a number or a date.
TEXT_ARGUMENT = re.compile(r"No function matches .*VARCHAR")


def expression_problem(
    path: str, table: str, column: str, expression: str, error: Exception
) -> str:
    """The line for a mapping expression the file's rows cannot compute."""
    # DuckDB's own advice ("You might need to add explicit type casts.") gives way to ours
    first = re.sub(r"\. You might need .*$", "", str(error).splitlines()[0]).rstrip(".!")
    hint = ""
    if TEXT_ARGUMENT.search(first):
        hint = (
            ": the file's columns are text here (a CSV file's always are), so cast them in "
            "the expression (for example cast(Quantity as double))"
        )
    elif first.startswith("Conversion Error"):
        hint = ": use try_cast, which gives null for a value that does not convert"
    return (
        f"var raw_tables.{table}.expressions.{column} ({expression!r}) cannot be computed "
        f"on raw file '{path}': {first}{hint}."
    )


def expression_problems(
    connection: duckdb.DuckDBPyConnection,
    file: str,
    table: str,
    config: dict[str, Any],
    relation: str,
    parameters: list[Any],
) -> list[str]:
    """One line per expression of raw_tables.<table>.expressions that fails on the
    file's rows, each computed as macro raw_select_list computes it, on every row (a
    cast of a bad value fails only on that value)."""
    expressions = config.get("expressions") if isinstance(config.get("expressions"), dict) else {}
    found = []
    for column, expression in expressions.items():
        # source_row_number is the one column registration adds that an expression reads
        numbered = ", 0 as source_row_number" if "source_row_number" in str(expression) else ""
        try:
            connection.execute(
                f"select count(cast(({expression}) as varchar)) "
                f"from (select *{numbered} from {relation}) as raw_rows",
                parameters,
            )
        except duckdb.Error as error:
            found.append(expression_problem(file, table, column, str(expression), error))
    return found


def diagnose(raw_dir: Path, root: Path, dbt_vars: str | None = None) -> list[Problem]:
    """One error per raw file that DuckDB cannot read as configured, and one per
    mapping expression that cannot be computed on its file."""
    settings = raw_tables_setting(root, dbt_vars)
    source = raw_source(root)
    problems = []
    with duckdb.connect() as connection:
        for table in source.tables:
            config = settings.get(table)
            config = config if isinstance(config, dict) else {}
            if config.get("from") or config.get("relation"):
                continue
            csv_options = config.get("csv") if isinstance(config.get("csv"), dict) else {}
            for file, file_format in located_files(connection, raw_dir, table, config, source):
                relation, parameters = reader(file, file_format, csv_options, source)
                try:
                    connection.execute(f"select * from {relation} limit 1", parameters)
                except duckdb.Error as error:
                    delimiter = csv_options.get("delim", csv_options.get("sep"))
                    problems.append(Problem("error", problem(file, table, error, delimiter)))
                    continue
                problems.extend(
                    Problem("error", line)
                    for line in expression_problems(
                        connection, file, table, config, relation, parameters
                    )
                )
    return problems
