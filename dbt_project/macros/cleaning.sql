{#- Cleaning helpers used by staging: one idea each, text in, typed value out.
    They never fail on a bad value; they return null, and validation turns a
    non-empty raw value that came back null into a named reason. -#}

{#- `column` without its leading and trailing spaces, as trim() gives it (DuckDB and
    Spark trim spaces only, not tabs or line breaks). trim() builds a new string for
    every value; behind two cheap prefix and suffix tests, only the values that have
    such a space pay for it: on the 40.4M lines of the dense benchmark, every staged
    column read 4.16 / 4.19 s against 4.71 / 4.76 s with a plain trim(), the same
    values. -#}
{% macro trim_spaces(column) -%}
    (case when {{ column }} like ' %' or {{ column }} like '% ' then trim({{ column }}) else {{ column }} end)
{%- endmacro %}

{% macro clean_text(column) -%}
    nullif({{ trim_spaces(column) }}, '')
{%- endmacro %}

{#- An id that joins one table to another (customer_id, order_id). A whole number
    written as a float ("17850.0": what pandas writes for an integer column with a
    gap, and what a DOUBLE Parquet column reads as) is read without its ".0", so an
    id matches across two files that typed it differently. Any other id is only
    trimmed. -#}
{% macro clean_id(column) -%}
    {%- set trimmed = trim_spaces(column) -%}
    nullif(case when {{ trimmed }} like '%.0%' and {{ matches_pattern(trimmed, '[0-9]+[.]0+') }}
        then regexp_extract({{ trimmed }}, '^[0-9]+', 0) else {{ trimmed }} end, '')
{%- endmacro %}

{#- Numbers written with currency symbols, spaces or thousands separators:
    "$1,200.50" -> 1200.50. `decimal` is the table's decimal separator (macro
    decimal_separator): with ',' the text "1.234,56 €" -> 1234.56. The other mark
    counts as a thousands separator only where it groups whole digits in threes
    ("1,200", "12,345,678.5", not "0,125"); anywhere else it makes the value
    unreadable, so a decimal comma in a table read with '.' ("12,50", "1.234,56")
    is rejected with its reason, not read as 1250 or 1.23.
    A whole-number type (integer, bigint) reads the text as a decimal first and
    rounds it ("34.0" -> 34, "34.5" -> 35, half away from zero): DuckDB casts such
    text straight to an integer, Spark gives null. Plain digits that always fit the
    type (at most 9 for an integer, 18 for a bigint, with an optional minus) are
    cast directly, before any cleaning, which gives the same value: the
    decimal(38, 9) that reads every other text is a 128-bit number, and its parse
    was half the time of staging 40M order lines (line_number and quantity).
    Before any of that, a value that is already the engine's own text of its number
    ("3", "-12", "32.99" for a decimal(18, 2)) is taken as cast: it holds no symbol,
    space or separator, so every other path would read the same number, and the
    round trip (number, back to text, equal to the raw text) decides it without a
    regular expression: 0.85 -> 0.17 s for a whole-number column of 40.4M lines,
    0.67 -> 0.34 s for unit_price (dense benchmark, the same values). With a decimal
    comma only whole numbers take it: "1.5" is then not one and a half. -#}
{% macro parse_number(column, type='decimal(18, 2)', decimal='.') -%}
    {%- set thousands = ',' if decimal == '.' else '.' -%}
    {%- set cleaned = replace_pattern(trim_spaces(column), "[" ~ number_symbols() ~ thousands ~ "]", "") -%}
    {%- if decimal != '.' -%}{%- set cleaned = "replace(" ~ cleaned ~ ", ',', '.')" -%}{%- endif -%}
    {%- set cleaned = "nullif(" ~ cleaned ~ ", '')" -%}
    {#- One pattern over the trimmed text (currency and spaces around the digits), so
        that only values holding the mark pay for a regular expression. -#}
    {%- set around = "[" ~ number_symbols() ~ "]*" -%}
    {%- set grouped = matches_pattern(trim_spaces(column), around ~ "[-+]?" ~ around
        ~ "[1-9][0-9]{0,2}([" ~ thousands ~ "][0-9]{3})+([" ~ decimal ~ "][0-9]*)?" ~ around) -%}
    {%- set mark_out_of_place = "(" ~ column ~ ") like '%" ~ thousands ~ "%' and not " ~ grouped -%}
    {%- set as_is = "try_cast(" ~ column ~ " as " ~ type ~ ")" -%}
    {%- set whole = type in ('integer', 'bigint') -%}
    {%- set read_from_any_text -%}
    {%- if whole %}
    case when {{ matches_pattern(trim_spaces(column), '-?[0-9]{1,' ~ (9 if type == 'integer' else 18) ~ '}') }}
        then cast({{ trim_spaces(column) }} as {{ type }})
        when {{ mark_out_of_place }} then cast(null as {{ type }})
        else try_cast(round(try_cast({{ cleaned }} as decimal(38, 9))) as {{ type }})
    end
    {%- else %}
    case when {{ mark_out_of_place }} then cast(null as {{ type }})
        else try_cast({{ cleaned }} as {{ type }})
    end
    {%- endif %}
    {%- endset -%}
    {%- if whole or decimal == '.' %}
    case when cast({{ as_is }} as {{ dbt.type_string() }}) = {{ column }} then {{ as_is }}
    else {{ read_from_any_text }}
    end
    {%- else %}
    {{ read_from_any_text }}
    {%- endif %}
{%- endmacro %}

{#- What a number may carry besides its digits and marks: currency symbols and
    whitespace (the body of a regular-expression character class). -#}
{% macro number_symbols() -%}
    {{- return("$€£¥\\s") -}}
{%- endmacro %}

{#- A raw table's decimal separator: var raw_tables.<table>.decimal_separator, '.' (the
    default) or ',' (then '.' groups thousands). Any other value stops `check` and
    the build with a problem (raw_mapping_problems). -#}
{% macro decimal_separator(table_name) -%}
    {%- set given = raw_table_config(table_name).get('decimal_separator') -%}
    {{- return(',' if given == ',' else '.') -}}
{%- endmacro %}

{#- Dates in the usual formats (var date_formats); the first that parses wins. -#}
{% macro parse_date(column) -%}
    cast({{ read_datetime(column, var('date_formats')) }} as date)
{%- endmacro %}

{% macro parse_timestamp(column) -%}
    {{ read_datetime(column, var('timestamp_formats')) }}
{%- endmacro %}

{#- The raw text `column` read with the first of `formats` that reads it. A time
    with fractional seconds or a time zone, as ISO 8601 exports write it
    (2024-03-04T05:06:07.123Z, ...+01:00, ...-0500, ... UTC) and as a typed Parquet
    timestamp reads as text (2024-03-04 05:06:07.5, 2024-03-04 05:06:07+00), is read
    to the second when the formats read nothing else of it: the local time as
    written. The offset is not applied, so the result does not depend on the
    machine's time zone; a day of recency does not turn on it. Only the values that
    no format reads are matched against the pattern (the engines evaluate a
    coalesce's second argument for them alone: on 13.9M orders 1.02 s against 1.00 s
    without it). -#}
{% macro read_datetime(column, formats) -%}
    {%- set up_to_the_second = '^([^ T]+[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)([.,][0-9]+)? ?(Z|UTC|GMT|[+-][0-9]{2}(:?[0-9]{2})?)?$' -%}
    coalesce(
        {{ parse_datetime(trim_spaces(column), formats) }},
        {{ parse_datetime("regexp_extract(" ~ trim_spaces(column) ~ ", " ~ sql_string(up_to_the_second) ~ ", 1)", formats) }}
    )
{%- endmacro %}

{#- A raw value was given but could not be read. -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ clean_text(raw_column) }} is not null and {{ parsed_column }} is null)
{%- endmacro %}

{% macro normalise_gender(column) -%}
    case lower({{ trim_spaces(column) }})
        when 'f' then 'female' when 'female' then 'female' when 'w' then 'female' when 'woman' then 'female'
        when 'm' then 'male' when 'male' then 'male' when 'man' then 'male'
        when 'other' then 'other' when 'x' then 'other' when 'non-binary' then 'other' when 'diverse' then 'other'
    end
{%- endmacro %}

{#- The order states the project reads, each with the spellings (lower case) that
    mean it: the one list normalise_status and `check` (raw_status_problems) follow. -#}
{% macro status_spellings() %}
    {{ return({
        'completed': ['completed', 'complete', 'delivered', 'paid', 'shipped'],
        'cancelled': ['cancelled', 'canceled'],
        'returned': ['returned', 'refunded'],
    }) }}
{% endmacro %}

{% macro normalise_status(column) -%}
    case lower({{ trim_spaces(column) }})
        {%- for status, spellings in status_spellings().items() %}
        {%- for spelling in spellings %} when '{{ spelling }}' then '{{ status }}'{% endfor %}
        {%- endfor %}
    end
{%- endmacro %}


{#- Whether a date or timestamp lies where validation refuses it: before the var
    `earliest_var` (min_order_date, min_birth_date) or in the future. The one rule of
    int_orders_validated, int_customers_validated and `check`
    (raw_date_range_problems). -#}
{% macro is_date_out_of_range(expression, earliest_var) -%}
    ({{ expression }} < cast('{{ var(earliest_var) }}' as timestamp) or {{ expression }} > current_timestamp)
{%- endmacro %}
