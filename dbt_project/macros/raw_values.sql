{#- The rows of `rows` (a CTE with source_row_number) with their original raw row as
    JSON, for the audit. Built after the join, so only for these rows: the staging
    views never turn the accepted millions into JSON. The JSON is row_to_json's
    (dispatched: DuckDB and Spark write a row differently). -#}
{% macro with_raw_values(rows, raw_table) -%}
    select
        {{ rows }}.*,
        {{ row_to_json('raw_row') }} as raw_values
    from {{ rows }}
    inner join {{ source('raw', raw_table) }} as raw_row
        on {{ rows }}.source_row_number = raw_row.source_row_number
{%- endmacro %}
