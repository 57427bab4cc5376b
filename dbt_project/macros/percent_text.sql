{#- A share (0..1) as the text of a percentage, without the sign, by the report's rule
    (python/customer_segments/report/formatting.py, `percent`; tests/test_portable_sql.py
    holds the two to the same texts): one decimal below 10%, none above; never 0 or 100
    unless it is exactly that: "<0.1" and ">99.9". A share of 0.2% is "0.2", not "0".
    Halves round away from zero here and to even in Python: only an exact tie (12.5%)
    can read 13 here and 12 in the report. -#}
{% macro percent_text(share) -%}
    {%- set value = '(100 * ' ~ share ~ ')' -%}
    case
        when {{ value }} = 0 then '0'
        when {{ value }} < 0.1 then '<0.1'
        when {{ value }} > 99.9 and {{ value }} < 100 then '>99.9'
        when {{ value }} < 10 or ({{ value }} > 99 and {{ value }} < 100)
            then cast(round({{ value }}, 1) as {{ dbt.type_string() }})
        else cast(cast(round({{ value }}) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
    end
{%- endmacro %}
