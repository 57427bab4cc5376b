{#- sum and avg of a double column that give the same bits on every run. DuckDB adds
    doubles in whatever order its threads reach them, and floating-point addition is
    not associative: at 1M customers a segment's revenue changed in its 12th digit
    from one build to the next. Cast to a decimal first, the sum is exact integer
    arithmetic in any order. `scale` decimals are kept of each value (money: 2). -#}
{% macro exact_sum(column, scale=6) -%}
    cast(sum(cast({{ column }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}


{% macro exact_avg(column, scale=6) -%}
    cast(avg(cast({{ column }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}
