{#- sum and avg of a double column that give the same bits on every run. DuckDB adds
    doubles in whatever order its threads reach them, and floating-point addition is
    not associative: at 1M customers a segment's revenue changed in its 12th digit
    from one build to the next. Cast to a decimal first, the sum is exact integer
    arithmetic in any order. `scale` decimals are kept of each value (money: 2). -#}
{% macro exact_sum(column, scale=6) -%}
    cast(sum(cast({{ column }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}


{#- The average: DuckDB's avg of a decimal is a double; Spark's is a decimal rounded
    to the argument's scale (266.07566 for 266.0756595744681), so on Spark the exact
    sum is divided by the count as doubles instead. -#}
{% macro exact_avg(column, scale=6) -%}
    {{ return(adapter.dispatch('exact_avg')(column, scale)) }}
{%- endmacro %}

{% macro default__exact_avg(column, scale) -%}
    cast(avg(cast({{ column }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}

{% macro spark__exact_avg(column, scale) -%}
    {{ exact_sum(column, scale) }} / count({{ column }})
{%- endmacro %}
