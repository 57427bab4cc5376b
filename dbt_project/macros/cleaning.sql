{#- Cleaning helpers used by staging: one idea each, text in, typed value out.
    They never fail on a bad value; they return null, and validation turns a
    non-empty raw value that came back null into a named reason. -#}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Numbers written with currency symbols, spaces or thousands separators:
    "$1,200.50" -> 1200.50. A whole-number type (integer, bigint) reads the text as
    a decimal first and rounds it ("34.0" -> 34, "34.5" -> 35, half away from zero):
    DuckDB casts such text straight to an integer, Spark gives null. Plain digits
    that always fit the type (at most 9 for an integer, 18 for a bigint, with an
    optional minus) are cast directly, which gives the same value: the
    decimal(38, 9) that reads every other text is a 128-bit number, and its parse
    was half the time of staging 40M order lines (line_number and quantity). -#}
{% macro parse_number(column, type='decimal(18, 2)') -%}
    {%- set cleaned = "nullif(" ~ replace_pattern("trim(" ~ column ~ ")", "[$€£¥\\s,]", "") ~ ", '')" -%}
    {%- if type in ('integer', 'bigint') -%}
    case when {{ matches_pattern(cleaned, '-?[0-9]{1,' ~ (9 if type == 'integer' else 18) ~ '}') }}
        then cast({{ cleaned }} as {{ type }})
        else try_cast(round(try_cast({{ cleaned }} as decimal(38, 9))) as {{ type }})
    end
    {%- else -%}
    try_cast({{ cleaned }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- Dates in the usual formats (var date_formats); the first that parses wins. -#}
{% macro parse_date(column) -%}
    cast({{ parse_datetime("trim(" ~ column ~ ")", var('date_formats')) }} as date)
{%- endmacro %}

{% macro parse_timestamp(column) -%}
    {{ parse_datetime("trim(" ~ column ~ ")", var('timestamp_formats')) }}
{%- endmacro %}

{#- A raw value was given but could not be read. -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ clean_text(raw_column) }} is not null and {{ parsed_column }} is null)
{%- endmacro %}

{% macro normalise_gender(column) -%}
    case lower(trim({{ column }}))
        when 'f' then 'female' when 'female' then 'female' when 'w' then 'female' when 'woman' then 'female'
        when 'm' then 'male' when 'male' then 'male' when 'man' then 'male'
        when 'other' then 'other' when 'x' then 'other' when 'non-binary' then 'other' when 'diverse' then 'other'
    end
{%- endmacro %}

{% macro normalise_status(column) -%}
    case lower(trim({{ column }}))
        when 'completed' then 'completed' when 'complete' then 'completed' when 'delivered' then 'completed'
        when 'paid' then 'completed' when 'shipped' then 'completed'
        when 'cancelled' then 'cancelled' when 'canceled' then 'cancelled'
        when 'returned' then 'returned' when 'refunded' then 'returned'
    end
{%- endmacro %}
