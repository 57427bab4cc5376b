{#- The text values of a group joined with a delimiter, in the order of
    `order_by_column` (one column or expression, ascending). dbt.listagg takes an
    order on DuckDB, but on Spark it drops it with a warning and the order is
    whatever the shuffle gives: the same build could name a segment's favourite
    categories in either order. -#}
{% macro ordered_listagg(measure, delimiter_text, order_by_column) -%}
    {{- return(adapter.dispatch('ordered_listagg')(measure, delimiter_text, order_by_column)) -}}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by_column) -%}
    {{ dbt.listagg(measure, delimiter_text, "order by " ~ order_by_column) }}
{%- endmacro %}

{#- Spark: the (key, value) pairs collected, sorted by key (then value), joined. -#}
{% macro spark__ordered_listagg(measure, delimiter_text, order_by_column) -%}
    array_join(transform(array_sort(collect_list(named_struct(
        'sort_key', {{ order_by_column }}, 'item', {{ measure }}))), pair -> pair.item), {{ delimiter_text }})
{%- endmacro %}
