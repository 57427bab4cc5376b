{#- Cleaning helpers used by staging: one idea each, text in, typed value out.
    They never fail on a bad value; they return null, and validation turns a
    non-empty raw value that came back null into a named reason. -#}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Numbers written with currency symbols, spaces or thousands separators:
    "$1,200.50" -> 1200.50. -#}
{% macro parse_number(column, type='decimal(18, 2)') -%}
    try_cast(nullif(regexp_replace(trim({{ column }}), '[$€£¥\s,]', '', 'g'), '') as {{ type }})
{%- endmacro %}

{#- Dates in the usual formats (var date_formats); the first that parses wins.
    DuckDB-specific: try_strptime with a list of formats. -#}
{% macro parse_date(column) -%}
    cast(try_strptime(trim({{ column }}), {{ var('date_formats') | tojson | replace('"', "'") }}) as date)
{%- endmacro %}

{% macro parse_timestamp(column) -%}
    try_strptime(trim({{ column }}), {{ var('timestamp_formats') | tojson | replace('"', "'") }})
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
