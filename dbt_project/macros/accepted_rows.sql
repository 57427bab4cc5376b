{#- The rows of `staged` (a staging model) whose row number is not in `rejected` (the
    small table of a validation's rejects): the accepted rows, read without judging
    them again. `columns` are the staged columns to keep. -#}
{% macro accepted_rows(staged, rejected, columns) -%}
    select
        {% for column in columns -%}
        staged.{{ column }}{{ "," if not loop.last }}
        {% endfor -%}
    from {{ staged }} as staged
    left join {{ rejected }} as rejected
        on staged.source_row_number = rejected.source_row_number
    where rejected.source_row_number is null
{%- endmacro %}
