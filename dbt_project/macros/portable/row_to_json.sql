{#- The row of the relation alias `row_alias` as one JSON object, as text: every
    column in order, nulls written as null ({"customer_id":"C1","email":null,...}). -#}
{% macro row_to_json(row_alias) -%}
    {{- return(adapter.dispatch('row_to_json')(row_alias)) -}}
{%- endmacro %}

{#- DuckDB turns a table alias into its row. -#}
{% macro duckdb__row_to_json(row_alias) -%}
    cast(to_json({{ row_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Spark needs the row as a struct, and leaves null fields out unless told. -#}
{% macro spark__row_to_json(row_alias) -%}
    to_json(struct({{ row_alias }}.*), map('ignoreNullFields', 'false'))
{%- endmacro %}
