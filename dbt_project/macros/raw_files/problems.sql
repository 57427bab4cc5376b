{#- What the raw-file macros find, as data: {level, message} and, for a line that is
    about something particular, subject (extra_column, ok). level is error (the build
    or check stops), warning (some values will be rejected or set to null) or note. -#}
{% macro raw_problem(level, message, subject=none) %}
    {% set problem = {'level': level, 'message': message} %}
    {% if subject %}{% do problem.update({'subject': subject}) %}{% endif %}
    {{ return(problem) }}
{% endmacro %}


{#- Logs a problem the way dbt was asked to log: with --log-format json one JSON
    object {"raw_problem": {...}} as the message (the CLI reads these), else one line
    for people, labelled as `customer-segments check` labels it. -#}
{% macro log_raw_problem(problem) %}
    {% if (flags.LOG_FORMAT or '') | lower == 'json' %}
        {% do log(tojson({'raw_problem': problem}), info=true) %}
    {% else %}
        {% set labels = {'error': 'PROBLEM', 'warning': 'WARNING', 'note': 'NOTE',
                         'extra_column': 'EXTRA', 'ok': 'OK'} %}
        {% do log(labels.get(problem.get('subject') or problem.level, problem.level | upper)
                  ~ ": " ~ problem.message, info=true) %}
    {% endif %}
{% endmacro %}


{#- Stops the run on an error problem (logged first, so JSON readers get it as data);
    any other level is only logged. -#}
{% macro raise_raw_problem(problem) %}
    {% if problem.level != 'error' %}
        {% do log_raw_problem(problem) %}
    {% else %}
        {% if (flags.LOG_FORMAT or '') | lower == 'json' %}{% do log_raw_problem(problem) %}{% endif %}
        {% do exceptions.raise_compiler_error(problem.message) %}
    {% endif %}
{% endmacro %}
