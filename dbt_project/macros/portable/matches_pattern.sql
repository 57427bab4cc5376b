{#- True when the whole of `expression` matches the regular expression `pattern`
    (plain text, quoted here through sql_string); null when `expression` is null.
    DuckDB: regexp_full_match. Spark: rlike, which finds a match anywhere, so the
    pattern is anchored at both ends. -#}
{% macro matches_pattern(expression, pattern) -%}
    {{- return(adapter.dispatch('matches_pattern')(expression, pattern)) -}}
{%- endmacro %}

{% macro default__matches_pattern(expression, pattern) -%}
    ({{ expression }} rlike {{ sql_string('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ sql_string(pattern) }})
{%- endmacro %}
