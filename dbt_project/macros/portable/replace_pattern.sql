{#- Every match of the regular expression `pattern` in `expression` replaced by
    `replacement` (both given as plain text, quoted here). DuckDB replaces only the
    first match unless told 'g'; Spark always replaces every match and reads a fourth
    argument as the position to start from, so 'g' there made every number NULL.
    Both get the pattern through sql_string, which on Spark also doubles the
    backslashes its string literals would otherwise eat ('\s' is 's' to Spark). -#}
{% macro replace_pattern(expression, pattern, replacement) -%}
    {{- return(adapter.dispatch('replace_pattern')(expression, pattern, replacement)) -}}
{%- endmacro %}

{% macro default__replace_pattern(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ sql_string(pattern) }}, {{ sql_string(replacement) }})
{%- endmacro %}

{% macro duckdb__replace_pattern(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ sql_string(pattern) }}, {{ sql_string(replacement) }}, 'g')
{%- endmacro %}
