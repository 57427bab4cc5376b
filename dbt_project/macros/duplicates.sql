{#- The keys that occur more than once in `relation`, each with the row number of its
    last occurrence in the file (the row that survives). A grouped count, not a
    window over every row: only the key columns are hashed, the rows' other columns
    are never sorted, and the join back is to the few duplicated keys. -#}
{% macro duplicated_keys(relation, keys) -%}
    select
        {{ keys | join(', ') }},
        max(source_row_number) as surviving_row_number
    from {{ relation }}
    group by {{ keys | join(', ') }}
    having count(*) > 1
{%- endmacro %}


{#- True for every occurrence of a duplicated key but the last, after
    `left join duplicated_keys(...) as <duplicates>` on the keys. -#}
{% macro is_earlier_occurrence(rows, duplicates) -%}
    coalesce({{ rows }}.source_row_number <> {{ duplicates }}.surviving_row_number, false)
{%- endmacro %}
