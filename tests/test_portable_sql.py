"""The SQL runs on DuckDB and on Spark: engine-specific constructs live only in the
dispatched implementations of macros/portable/ and macros/raw_files/, and those give
the same values on both engines.

Three kinds of test:
- a scan of the models and macros for DuckDB-only constructs outside a dispatched
  implementation (no engine needed; it fails when someone adds one);
- the dispatch macros run through `dbt show` against the same expected values, on
  DuckDB always and on a local Spark session (marker spark);
- `relation:` in the mapping: the raw customers read from a table already in the
  warehouse (DuckDB).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, build, paths_in, query
from customer_segments.report.formatting import percent

MACROS = ROOT / "dbt_project" / "macros"
MODELS = ROOT / "dbt_project" / "models"
SAMPLE = ROOT / "data" / "sample"
DBT = str(Path(sys.executable).with_name("dbt"))

# DuckDB-only SQL, by what a reader would call it. Each is allowed only inside a
# dispatched implementation (a macro named duckdb__x, spark__x or default__x) or
# one of DUCKDB_HELPERS.
DUCKDB_ONLY = {
    "try_strptime / strptime": r"(?<![.\w])(try_)?strptime\s*\(",
    "read_csv / read_parquet / read_text": r"\bread_(csv|csv_auto|parquet|text|json)\s*\(",
    "glob()": r"\bglob\s*\(",
    "* exclude": r"\*\s*exclude\s*\(",
    "cast as varchar": r"\bas\s+varchar\b",
    ":: cast": r"::\s*[a-z]",
    "regexp_replace (DuckDB needs 'g', Spark reads it as a position)": r"\bregexp_replace\s*\(",
    "regexp_full_match / regexp_matches": r"\bregexp_(full_match|matches)\s*\(",
    "to_json of a row": r"\bto_json\s*\(",
    "row_number() over ()": r"row_number\s*\(\s*\)\s*over\s*\(\s*\)",
    "information_schema": r"\binformation_schema\b",
    "quantile / median": r"\b(quantile|quantile_cont|quantile_disc|median|approx_quantile)\s*\(",
    "list and struct functions": r"\b(list_\w+|struct_pack|string_agg|group_concat|array_agg)\s*\(",
    "DuckDB date functions": r"(?<![.\w])(epoch|date_diff|datediff|date_sub|date_add|dateadd|strftime|make_date|age)\s*\(",
    "qualify": r"\bqualify\b",
    "group by all": r"\bgroup\s+by\s+all\b",
    "dbt.listagg (Spark drops its order: use ordered_listagg)": r"\bdbt\.listagg\s*\(",
}
# In SQL compiled for Spark, where the dispatch macros have put Spark's forms: the
# same constructs, except those whose Spark form has the same function name.
COMPILED_DUCKDB_ONLY = {
    **{
        name: pattern
        for name, pattern in DUCKDB_ONLY.items()
        if not name.startswith(("regexp_replace", "to_json", "dbt.listagg", "DuckDB date"))
    },
    # dbt's datediff and dateadd become Spark's datediff and date_add there.
    "DuckDB date functions": r"(?<![.\w])(epoch|strftime|age|date_part)\s*\(",
    "regexp_replace with 'g'": r"\bregexp_replace\s*\((?:[^()]|\([^()]*\))*,\s*'g'\s*\)",
    "to_json of a row, not a struct": r"\bto_json\s*\(\s*(?!struct\b)\w+\s*\)",
}
# DuckDB helpers that are not dispatched themselves: called only by duckdb__ code.
DUCKDB_HELPERS = {"raw_reader", "glob_escape", "sql_file_path", "sql_value"}
# In model SQL (outside Jinja): a backslash in a string literal ('\s' is 's' to Spark).
BACKSLASH_LITERAL = re.compile(r"'[^'\n]*\\[^'\n]*'")
IMPLEMENTATION = re.compile(r"^(duckdb|spark|default)__")
MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\((.*?)%}(.*?){%-?\s*endmacro\s*-?%}", re.S)
JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")
JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)


def without_comments(text: str) -> str:
    return SQL_COMMENT.sub("", JINJA_COMMENT.sub("", text))


def duckdb_only(text: str, constructs: dict[str, str] = DUCKDB_ONLY) -> list[str]:
    """The DuckDB-only constructs in a piece of SQL or Jinja."""
    return [name for name, pattern in constructs.items() if re.search(pattern, text, re.I)]


def macros_in(path: Path) -> list[tuple[str, str]]:
    return [(name, body) for name, _, body in MACRO.findall(without_comments(path.read_text()))]


def findings() -> list[str]:
    """Every DuckDB-only construct outside a dispatched implementation, and every call
    of a DuckDB helper from portable code, as 'file: macro or model: what'."""
    found = []
    portable: list[tuple[str, str]] = []
    for path in sorted(MACROS.rglob("*.sql")):
        for name, body in macros_in(path):
            if not IMPLEMENTATION.match(name) and name not in DUCKDB_HELPERS:
                portable.append((f"{path.relative_to(ROOT)}: macro {name}", body))
    for path in sorted(MODELS.rglob("*.sql")):
        text = without_comments(path.read_text())
        portable.append((f"{path.relative_to(ROOT)}", text))
        for literal in BACKSLASH_LITERAL.findall(JINJA.sub("", text)):
            found.append(f"{path.relative_to(ROOT)}: backslash in the string literal {literal}")
    helper_call = re.compile(r"\b(" + "|".join(DUCKDB_HELPERS) + r")\s*\(")
    for where, text in portable:
        found += [f"{where}: {construct}" for construct in duckdb_only(text)]
        found += [f"{where}: calls the DuckDB helper {call}" for call in helper_call.findall(text)]
    return found


def test_no_duckdb_only_sql_outside_the_dispatch_macros() -> None:
    assert findings() == []


@pytest.mark.parametrize(
    "line",
    [
        "cast(try_strptime(trim(x), ['%Y-%m-%d']) as date)",
        "select * from read_csv('a.csv', all_varchar = true)",
        "select count(*) from glob('data/*')",
        "select * exclude (a) from t",
        "cast(x as varchar)",
        "x::varchar",
        "regexp_replace(x, '[,]', '', 'g')",
        "cast(to_json(raw_row) as string)",
        "row_number() over () as source_row_number",
        "from information_schema.columns",
        "quantile_cont(x, 0.5)",
        "median(x)",
        "list_sort(x)",
        "date_diff('day', a, b)",
        "qualify row_number() over (partition by a order by b) = 1",
        "group by all",
        "{{ dbt.listagg('x', \"', '\", 'order by y') }}",
    ],
)
def test_the_scan_finds_each_construct(line: str) -> None:
    """Each construct the scan looks for is found in a line that has it."""
    assert duckdb_only(line), line


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("regexp_replace(trim(x), '[,]', '', 'g')", True),
        ("regexp_replace(trim(x), '[,]', '')", False),
        ("to_json(raw_row)", True),
        ("to_json(struct(raw_row.*), map('ignoreNullFields', 'false'))", False),
        ("datediff(a, b)", False),
        ("epoch(a)", True),
    ],
)
def test_the_scan_of_compiled_sql_tells_the_spark_forms_apart(line: str, found: bool) -> None:
    assert bool(duckdb_only(line, COMPILED_DUCKDB_ONLY)) is found


def test_the_scan_leaves_portable_sql_alone() -> None:
    portable = (
        "select * except (a), try_cast(x as string), {{ dbt.datediff('a', 'b', 'day') }}, "
        "'{{ run_started_at.strftime('%Y') }}', {{ ordered_listagg('x', \"', '\", 'y') }}"
    )
    assert duckdb_only(portable) == []


def test_every_dispatched_macro_has_a_duckdb_and_a_spark_implementation() -> None:
    """adapter.dispatch('x') needs duckdb__x or default__x, and spark__x or default__x,
    in this project (dbt's own macros are dispatched by dbt)."""
    names = {name for path in MACROS.rglob("*.sql") for name, _ in macros_in(path)}
    dispatched = {
        match
        for path in MACROS.rglob("*.sql")
        for match in re.findall(r"adapter\.dispatch\('(\w+)'\)", path.read_text())
    }
    assert dispatched, "no dispatched macros found"
    missing = [
        f"{name}: no {engine}__{name} or default__{name}"
        for name in sorted(dispatched)
        for engine in ("duckdb", "spark")
        if f"{engine}__{name}" not in names and f"default__{name}" not in names
    ]
    assert missing == []


# --- the dispatch macros on both engines -------------------------------------------

# Every format of macro date_format_candidates (the check's hint for dates nothing
# reads): a text it reads and the timestamp that gives, on both engines.
CANDIDATE_FORMATS = {
    "%m/%d/%Y": ("12/1/2010", "2010-12-01 00:00:00"),
    "%d/%m/%Y": ("1/12/2010", "2010-12-01 00:00:00"),
    "%m/%d/%Y %H:%M": ("12/1/2010 8:26", "2010-12-01 08:26:00"),
    "%d/%m/%Y %H:%M": ("1/12/2010 8:26", "2010-12-01 08:26:00"),
    "%m/%d/%Y %H:%M:%S": ("12/1/2010 08:26:05", "2010-12-01 08:26:05"),
    "%d/%m/%Y %H:%M:%S": ("1/12/2010 08:26:05", "2010-12-01 08:26:05"),
    "%m/%d/%y": ("12/01/10", "2010-12-01 00:00:00"),
    "%d/%m/%y": ("01/12/10", "2010-12-01 00:00:00"),
    "%m/%d/%y %H:%M": ("12/1/10 8:26", "2010-12-01 08:26:00"),
    "%d/%m/%y %H:%M": ("1/12/10 8:26", "2010-12-01 08:26:00"),
    "%d-%m-%Y": ("01-12-2010", "2010-12-01 00:00:00"),
    "%m-%d-%Y": ("12-01-2010", "2010-12-01 00:00:00"),
    "%d.%m.%Y %H:%M:%S": ("01.12.2010 08:26:05", "2010-12-01 08:26:05"),
    "%d %b %Y": ("1 Dec 2010", "2010-12-01 00:00:00"),
    "%b %d, %Y": ("Dec 1, 2010", "2010-12-01 00:00:00"),
    "%d-%b-%Y": ("01-Dec-2010", "2010-12-01 00:00:00"),
    "%d-%b-%y": ("01-Dec-10", "2010-12-01 00:00:00"),
    "%Y%m%d": ("19970315", "1997-03-15 00:00:00"),
}


def test_every_candidate_date_format_is_probed() -> None:
    text = (MACROS / "raw_files" / "check_values.sql").read_text()
    listed = text.split("macro date_format_candidates()", 1)[1].split("])", 1)[0]
    assert sorted(re.findall(r"'([^']+)'", listed)) == sorted(CANDIDATE_FORMATS)


# (what, SQL of one value made with the macros, the value as text). Every value is
# cast to text, so the engines' own ways of printing numbers and dates do not count.
PROBES = [
    ("price with a thousands separator", "{{ parse_number(\"'1,234.50'\") }}", "1234.50"),
    ("every separator removed", "{{ parse_number(\"' $1 234 567.25 '\") }}", "1234567.25"),
    ("an s is not whitespace", "{{ parse_number(\"'5s'\") }}", None),
    ("commas that group thousands", "{{ parse_number(\"'-$1,234,567.5'\") }}", "-1234567.50"),
    ("a decimal comma is not read as hundreds", "{{ parse_number(\"'12,50'\") }}", None),
    ("a thousands dot and a decimal comma", "{{ parse_number(\"'1.234,56 €'\") }}", None),
    ("a whole number in thousands", "{{ parse_number(\"'1,000'\", 'integer') }}", "1000"),
    ("a comma that groups no thousands", "{{ parse_number(\"'1,00'\", 'integer') }}", None),
    ("a decimal comma in a double", "{{ parse_number(\"'3,5'\", 'double') }}", None),
    ("a comma after a zero groups no thousands", "{{ parse_number(\"'0,125'\") }}", None),
    (
        "a decimal comma where the table has one",
        "{{ parse_number(\"'-1.234.567,5 €'\", decimal=',') }}",
        "-1234567.50",
    ),
    ("a decimal comma in a whole number", "{{ parse_number(\"'34,0'\", 'integer', ',') }}", "34"),
    ("a point groups thousands there", "{{ parse_number(\"'12.50'\", decimal=',') }}", None),
    ("a whole number with decimals", "{{ parse_number(\"'34.0'\", 'integer') }}", "34"),
    ("half rounds away from zero", "{{ parse_number(\"'-34.5'\", 'integer') }}", "-35"),
    ("text is no number", "{{ parse_number(\"'many'\", 'integer') }}", None),
    ("plain digits", "{{ parse_number(\"' 007'\", 'integer') }}", "7"),
    ("a negative whole number", "{{ parse_number(\"'-42'\", 'integer') }}", "-42"),
    ("ten digits in an integer", "{{ parse_number(\"'2147483647'\", 'integer') }}", "2147483647"),
    ("too large for an integer", "{{ parse_number(\"'2147483648'\", 'integer') }}", None),
    (
        "eighteen digits in a bigint",
        "{{ parse_number(\"'123456789012345678'\", 'bigint') }}",
        "123456789012345678",
    ),
    ("the whole text matches", "{{ matches_pattern(\"'a12'\", '[0-9]+') }}", "false"),
    ("a double", "{{ parse_number(\"'12.5'\", 'double') }}", "12.5"),
    # parse_number's first branch takes the engine's own text of a number as cast
    # ("32.99"); another text ("5" for a decimal) takes the long way to the same number;
    # with a decimal comma only whole numbers take the branch.
    ("a price as the engine writes it", "{{ parse_number(\"'32.99'\") }}", "32.99"),
    ("a whole price", "{{ parse_number(\"'5'\") }}", "5.00"),
    (
        "a whole number with a decimal comma",
        "{{ parse_number(\"'1500'\", 'integer', ',') }}",
        "1500",
    ),
    ("a point is no decimal point there", "{{ parse_number(\"'1.5'\", 'double', ',') }}", None),
    # A share reads as the report's percent() writes it (without the sign).
    *(
        (
            f"a share of {share} as a percentage",
            f"{{{{ percent_text('cast({share} as double)') }}}}",
            percent(share).rstrip("%"),
        )
        for share in (0.0, 0.0004, 0.002, 0.0706, 0.0996, 0.123, 0.42, 0.994, 0.9996, 1.0)
    ),
    ("%Y-%m-%d", "{{ parse_date(\"'1990-05-01'\") }}", "1990-05-01"),
    ("%Y/%m/%d", "{{ parse_date(\"'1990/05/01'\") }}", "1990-05-01"),
    ("%d.%m.%Y", "{{ parse_date(\"'01.05.1990'\") }}", "1990-05-01"),
    ("%Y-%m-%d %H:%M:%S as a date", "{{ parse_date(\"'1990-05-01 13:45:00'\") }}", "1990-05-01"),
    ("%Y-%m-%dT%H:%M:%S as a date", "{{ parse_date(\"'1990-05-01T13:45:00'\") }}", "1990-05-01"),
    ("one-digit month and day", "{{ parse_date(\"'1990-5-1'\") }}", "1990-05-01"),
    ("an impossible date", "{{ parse_date(\"'1990-02-30'\") }}", None),
    ("a timestamp", "{{ parse_timestamp(\"'04.03.2024 05:06'\") }}", "2024-03-04 05:06:00"),
    ("a date as a timestamp", "{{ parse_timestamp(\"'2024-03-04'\") }}", "2024-03-04 00:00:00"),
    *(
        (
            f"a time written {text}",
            f"{{{{ parse_timestamp(\"'{text}'\") }}}}",
            "2024-03-04 05:06:07",
        )
        for text in [
            "2024-03-04T05:06:07.123Z",
            "2024-03-04T05:06:07+01:00",
            "2024-03-04T05:06:07-0500",
            "2024-03-04 05:06:07.5",
            "2024-03-04 05:06:07+00",
            "2024-03-04 05:06:07 UTC",
        ]
    ),
    ("minutes and a zone", "{{ parse_timestamp(\"'2024-03-04T05:06Z'\") }}", "2024-03-04 05:06:00"),
    ("a whole float id", "{{ clean_id(\"' 17850.00 '\") }}", "17850"),
    ("an id with a point", "{{ clean_id(\"'A17.0'\") }}", "A17.0"),
    ("an id with a fraction", "{{ clean_id(\"'17.5'\") }}", "17.5"),
    ("a blank id", "{{ clean_id(\"' '\") }}", None),
    (
        "an ISO date and time as a date",
        "{{ parse_date(\"'1990-05-01T13:45:00.250Z'\") }}",
        "1990-05-01",
    ),
    (
        "an impossible month, with a time zone",
        "{{ parse_timestamp(\"'2024-13-04T05:06:07Z'\") }}",
        None,
    ),
    *(
        (
            f"check's candidate date format {format}",
            f"{{{{ parse_datetime(\"'{text}'\", ['{format}']) }}}}",
            expected,
        )
        for format, (text, expected) in CANDIDATE_FORMATS.items()
    ),
    (
        "a row as JSON, nulls kept",
        "(select {{ row_to_json('raw_row') }} from (select 'C1' as customer_id, "
        "cast(null as {{ dbt.type_string() }}) as email, cast(7 as bigint) as source_row_number) "
        "as raw_row)",
        '{"customer_id":"C1","email":null,"source_row_number":7}',
    ),
    (
        "a literal keeps its quote and backslashes",
        "{{ sql_string('it\\'s C:\\\\new \\\\s') }}",
        "it's C:\\new \\s",
    ),
    ("every match replaced", "{{ replace_pattern(\"'a1b22c'\", '[0-9]+', '#') }}", "a#b#c"),
    (
        "texts joined in order",
        "(select {{ ordered_listagg('item', \"', '\", 'position') }} from (select 'b' as item, 2 as position "
        "union all select 'a', 1 union all select 'c', 3) as items)",
        "a, b, c",
    ),
    (
        "an odd column name",
        "(select {{ quote_identifier('odd \"name`') }} from (select 1 as {{ quote_identifier('odd \"name`') }}) as t)",
        "1",
    ),
]


def probe_sql() -> str:
    columns = [
        f"cast({sql} as {{{{ dbt.type_string() }}}}) as probe_{index}"
        for index, (_, sql, _) in enumerate(PROBES)
    ]
    return "select " + ", ".join(columns)


def show(args: list[str], environment: dict[str, str]) -> dict[str, object]:
    """One row of `dbt show --inline probe_sql()`, as {probe name: value}."""
    row = show_rows(probe_sql(), args, environment)[0]
    return {name: row[f"probe_{index}"] for index, (name, _, _) in enumerate(PROBES)}


def show_rows(sql: str, args: list[str], environment: dict[str, str]) -> list[dict[str, object]]:
    """The rows of `dbt show --inline sql`, every row."""
    result = subprocess.run(
        [
            DBT,
            "show",
            "--inline",
            sql,
            "--limit",
            "-1",
            "--output",
            "json",
            "--log-format",
            "json",
            "--project-dir",
            str(ROOT),
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, **environment, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    previews = []
    for line in result.stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("info", {}).get("name") == "ShowNode":
            previews.append(json.loads(event["data"]["preview"]))
    assert result.returncode == 0 and previews, result.stdout[-4000:] + result.stderr[-2000:]
    return previews[0]


def expected() -> dict[str, object]:
    return {name: value for name, _, value in PROBES}


def test_the_dispatch_macros_give_the_expected_values_on_duckdb(tmp_path: Path) -> None:
    values = show(
        [
            "--profiles-dir",
            str(ROOT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        {"SEGMENTS_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
    )
    assert values == expected()


def spark_missing(reason: str) -> None:
    """No Spark here: a failure on CI (which installs Java and the extra), else a skip
    that says why."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Spark tests must run on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profiles.yml for dbt-spark's session method on a local[1] Spark in a
    temporary folder (its own warehouse and Derby catalog)."""
    if shutil.which("java") is None:
        spark_missing(
            "Java is not installed: the Spark tests need Java 17 (apt-get install openjdk-17-jre-headless)"
        )
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        spark_missing("the spark extra is not installed: pip install -e '.[spark]'")
    folder = tmp_path_factory.mktemp("spark")
    (folder / "profiles.yml").write_text(
        json.dumps(
            {
                "customer_segments": {
                    "target": "spark",
                    "outputs": {
                        "spark": {
                            "type": "spark",
                            "method": "session",
                            "host": "NA",
                            "schema": "main",
                            "threads": 1,
                            "server_side_parameters": {
                                "spark.master": "local[1]",
                                "spark.sql.warehouse.dir": str(folder / "warehouse"),
                                "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder / 'metastore'}",
                                "spark.ui.enabled": "false",
                                "spark.sql.session.timeZone": "UTC",
                            },
                        }
                    },
                }
            }
        )
    )
    return folder


@pytest.mark.spark
def test_the_dispatch_macros_give_the_same_values_on_spark(spark_profile: Path) -> None:
    values = show(spark_args(spark_profile), {})
    assert values == expected()


def spark_args(folder: Path, *args: str) -> list[str]:
    return [
        *args,
        "--profiles-dir",
        str(folder),
        "--target",
        "spark",
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
    ]


def register_raw_files_on_spark(folder: Path, environment: dict[str, str], *args: str) -> None:
    """`dbt run-operation check_raw_files` on Spark: registers (and checks) raw.*."""
    check = subprocess.run(
        [
            DBT,
            "run-operation",
            "check_raw_files",
            "--project-dir",
            str(ROOT),
            *args,
            *spark_args(folder),
        ],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert check.returncode == 0, check.stdout[-4000:]


@pytest.mark.spark
def test_spark_registers_the_raw_files_with_duckdbs_row_numbers(spark_profile: Path) -> None:
    """The raw files registered on Spark (check_raw_files lists, reads and checks
    them) hold the file's rows numbered as DuckDB numbers them: row n is line n."""
    environment = {"SEGMENTS_RAW_DIR": str(SAMPLE)}
    register_raw_files_on_spark(spark_profile, environment)
    rows = show_rows(
        "select source_row_number, order_id, customer_id, order_date, status, channel, "
        "source_file from raw.orders order by source_row_number",
        spark_args(spark_profile),
        environment,
    )
    with duckdb.connect() as connection:
        from_file = connection.execute(
            "select row_number() over () as source_row_number, order_id, customer_id, "
            "order_date, status, channel from read_csv(?, all_varchar = true)",
            [str(SAMPLE / "orders.csv")],
        ).fetchall()
    assert [tuple(row.values())[:-1] for row in rows] == [tuple(row) for row in from_file]
    assert {row["source_file"] for row in rows} == {f"{SAMPLE}/orders.csv"}


@pytest.mark.spark
def test_spark_expressions_can_number_rows_in_file_order(spark_profile: Path) -> None:
    """An expression over source_row_number (README "Use your own data") reads the
    row's position in its file on Spark as on DuckDB: each order's lines numbered
    backwards through the file, checked against DuckDB's reading of the same file."""
    mapping = json.dumps(
        {
            "raw_tables": {
                "order_items": {
                    "expressions": {
                        "line_number": "row_number() over (partition by order_id "
                        "order by source_row_number desc)"
                    }
                }
            }
        }
    )
    environment = {"SEGMENTS_RAW_DIR": str(SAMPLE)}
    register_raw_files_on_spark(spark_profile, environment, "--vars", mapping)
    rows = show_rows(
        "select source_row_number, order_id, line_number from raw.order_items "
        "order by source_row_number",
        [*spark_args(spark_profile), "--vars", mapping],
        environment,
    )
    with duckdb.connect() as connection:
        from_file = connection.execute(
            "select source_row_number, order_id, cast(row_number() over (partition by order_id "
            "order by source_row_number desc) as varchar) from (select row_number() over () "
            "as source_row_number, order_id from read_csv(?, all_varchar = true)) "
            "order by source_row_number",
            [str(SAMPLE / "order_items.csv")],
        ).fetchall()
    assert [tuple(row.values()) for row in rows] == [tuple(row) for row in from_file]


@pytest.mark.spark
def test_spark_numbers_the_lines_of_an_export_without_line_numbers(
    spark_profile: Path, tmp_path: Path
) -> None:
    """Order lines without a line_number column and no mapping for it are numbered in
    file order within their order (contract meta numbered_within) on Spark as on
    DuckDB: the sample's lines with that column left out, against DuckDB's numbering
    of the same file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("customers.csv", "orders.csv"):
        shutil.copy(SAMPLE / name, raw / name)
    with duckdb.connect() as connection:
        connection.execute(
            "copy (select * exclude (line_number) from read_csv(?, all_varchar = true)) "
            "to '" + str(raw / "order_items.csv") + "' (header)",
            [str(SAMPLE / "order_items.csv")],
        )
        expected = connection.execute(
            "select source_row_number, order_id, cast(row_number() over (partition by order_id "
            "order by source_row_number) as varchar) from (select row_number() over () "
            "as source_row_number, order_id from read_csv(?, all_varchar = true)) "
            "order by source_row_number",
            [str(raw / "order_items.csv")],
        ).fetchall()
    environment = {"SEGMENTS_RAW_DIR": str(raw)}
    register_raw_files_on_spark(spark_profile, environment)
    rows = show_rows(
        "select source_row_number, order_id, line_number from raw.order_items "
        "order by source_row_number",
        spark_args(spark_profile),
        environment,
    )
    assert [tuple(row.values()) for row in rows] == [tuple(row) for row in expected]


@pytest.mark.spark
def test_every_compiled_model_is_spark_sql(spark_profile: Path) -> None:
    """The models compiled for Spark parse as Spark SQL (sqlglot) and hold none of the
    DuckDB-only constructs: what the dispatch macros put there is Spark's. (The
    compile runs no hook: nothing is read from the raw files.)"""
    import sqlglot

    target = spark_profile / "compile-target"
    result = subprocess.run(
        [
            DBT,
            "compile",
            "--select",
            "resource_type:model",
            # customer_segments on Spark assigns with assign_segment, which reads the
            # fitted centroids while it compiles: there are none before a fit (the
            # Spark build test compiles and runs it after one).
            "--exclude",
            "path:dbt_project/models/marts/fitted_on_spark/customer_segments.sql",
            "--project-dir",
            str(ROOT),
            "--profiles-dir",
            str(spark_profile),
            "--target",
            "spark",
            "--target-path",
            str(target),
            "--log-path",
            str(spark_profile / "logs"),
        ],
        cwd=ROOT,
        env={**os.environ, "SEGMENTS_RAW_DIR": str(SAMPLE)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    compiled = sorted((target / "compiled").rglob("*.sql"))
    assert len(compiled) > 10
    problems = []
    for path in compiled:
        text = path.read_text()
        problems += [
            f"{path.name}: {construct}" for construct in duckdb_only(text, COMPILED_DUCKDB_ONLY)
        ]
        try:
            sqlglot.parse(text, read="spark")
        except sqlglot.errors.ParseError as error:
            problems.append(f"{path.name}: not Spark SQL: {str(error).splitlines()[0]}")
    assert problems == []


# --- relation: the raw customers from a table already in the warehouse -------------


def test_a_raw_table_can_be_a_relation_in_the_warehouse(tmp_path: Path) -> None:
    """raw_tables.customers.relation names a table made before the build: the build
    reads it in the table's order, no customers file is needed, and every row is
    accounted for as if it came from the file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("orders.csv", "order_items.csv"):
        shutil.copy(SAMPLE / name, raw / name)
    paths = paths_in(tmp_path, raw)
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        connection.execute("create schema crm")
        connection.execute(
            "create table crm.customer_export as select * from read_csv(?, all_varchar = true)",
            [str(SAMPLE / "customers.csv")],
        )
        from_file = connection.execute(
            "select * from read_csv(?, all_varchar = true)", [str(SAMPLE / "customers.csv")]
        ).fetchall()
    code, output = build(
        paths,
        "--select",
        "+customer_features",
        "+row_reconciliation",
        "--indirect-selection",
        "cautious",
        "--vars",
        "{raw_tables: {customers: {relation: crm.customer_export}}}",
    )
    assert code == 0, "\n".join(output[-40:])
    columns = [row[0] for row in query(paths, "describe crm.customer_export")]
    registered = query(
        paths,
        f"select {', '.join(columns)} from raw.customers order by source_row_number",
    )
    assert registered == from_file
    assert query(paths, "select distinct source_file from raw.customers") == [
        ("customers (var raw_tables.customers.relation crm.customer_export)",)
    ]
    reconciled = query(
        paths,
        "select rows_read, rows_accepted + rows_rejected from audit.row_reconciliation "
        "where source_table = 'customers'",
    )
    assert reconciled == [(len(from_file), len(from_file))]
    assert query(paths, "select count(*) from marts.customer_features")[0][0] > 0


def test_a_relation_that_does_not_exist_stops_the_build_naming_it(tmp_path: Path) -> None:
    paths = paths_in(tmp_path, SAMPLE)
    code, output = build(
        paths,
        "--select",
        "stg_raw__customers",
        "--vars",
        "{raw_tables: {customers: {relation: crm.no_such_table}}}",
    )
    assert code != 0
    assert "var raw_tables.customers.relation names crm.no_such_table, which is not a table" in (
        "\n".join(output)
    )
