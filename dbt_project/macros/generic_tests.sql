{#- The few generic tests this project needs (no dbt packages can be installed). -#}

{#- Fails on every row where the expression is false. -#}
{% test expression_is_true(model, expression) %}
    select * from {{ model }} where not coalesce(({{ expression }}), false)
{% endtest %}

{#- Fails on every non-null value outside [min_value, max_value]. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
    select * from {{ model }}
    where {{ column_name }} is not null
      and (
        false
        {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
        {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
      )
{% endtest %}

{#- Fails unless the model has exactly as many rows as the other relation. -#}
{% test row_count_matches(model, compare_model) %}
    select * from (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_model }}) as compare_rows
    ) as counts
    where model_rows != compare_rows
{% endtest %}

{#- Fails unless an aggregate condition over the whole model holds. -#}
{% test aggregate_is_true(model, expression) %}
    select * from (select ({{ expression }}) as holds from {{ model }}) as checked
    where not coalesce(holds, false)
{% endtest %}

{#- Fails on every combination of the columns that appears more than once. -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
