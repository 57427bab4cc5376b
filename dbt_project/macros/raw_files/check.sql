{#- `dbt run-operation check_raw_files` (`customer-segments check` runs it): every
    missing file or column, every feature customer_features will not have, every
    column in which nothing parses, every id column of which no id matches the
    table it points to and an order status of which no value is read (errors), every
    value that will not parse or be read and every id column mostly unmatched
    (warnings), in one list before any build; then the name and label of each extra
    column. Each is logged by log_raw_problem (one JSON object
    per problem with --log-format json); any error fails the operation. -#}
{% macro check_raw_files() %}
    {% set found = segments_feature_problems() + raw_files(check_only=true) %}
    {% for problem in found %}{% do log_raw_problem(problem) %}{% endfor %}
    {% set errors = found | selectattr('level', 'equalto', 'error') | list %}
    {% if errors %}
        {% do exceptions.raise_compiler_error(
            errors | length ~ " problem(s) in the raw files or the settings; see the list above.") %}
    {% endif %}
    {% for extra in extra_column_specs() %}
        {% do log_raw_problem(raw_problem('note',
            "'" ~ extra.column ~ "' -> " ~ extra.name ~ ", label '" ~ extra.label ~ "'",
            subject='extra_column')) %}
    {% endfor %}
    {% do log_raw_problem(raw_problem('note', 'the raw files match the mapping.', subject='ok')) %}
{% endmacro %}
