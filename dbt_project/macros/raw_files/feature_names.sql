{#- segments.features and segments.log_features may only name numeric columns that
    marts.customer_features will have: checked before any model runs. -#}

{#- The columns a model declares in its yml (from the dbt graph, so only at execution
    time), in order; numeric=true keeps the integer, decimal and floating ones. -#}
{% macro model_columns(model_name, numeric=false) %}
    {% set names = [] %}
    {% if not execute %}{{ return(names) }}{% endif %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == model_name and node.package_name == project_name %}
        {% for column in node.columns.values() %}
            {% set data_type = (column.data_type or '') | lower | trim %}
            {% if not numeric or modules.re.match(
                '(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint'
                ~ '|int[1248]|double|float|real|decimal|numeric)\\b', data_type) %}
                {% do names.append(column.name) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return(names) }}
{% endmacro %}


{#- The names segments.features and segments.log_features may use: the numeric
    columns of marts.customer_features plus the extra customer columns. -#}
{% macro valid_feature_names() %}
    {% set names = model_columns('customer_features', numeric=true) %}
    {% for name in extra_customer_columns() if name not in names %}{% do names.append(name) %}{% endfor %}
    {{ return(names) }}
{% endmacro %}


{#- One error problem (raw_problem) per setting of segments (features, log_features)
    that names a column marts.customer_features will not have. The settings are this
    run's (segment_settings: the project's segments with --vars laid over them); an
    absent setting is valid (the defaults of SegmentSettings apply). -#}
{% macro segments_feature_problems() %}
    {% set problems = [] %}
    {% set segments = segment_settings() %}
    {% set valid = valid_feature_names() %}
    {% if segments is not mapping or not valid %}{{ return(problems) }}{% endif %}
    {% for key in ['features', 'log_features'] %}
        {% set given = segments.get(key) %}
        {% set given = [given] if given is string else (given or []) %}
        {% set unknown = [] %}
        {% for name in given if (name | string) not in valid %}{% do unknown.append(name | string) %}{% endfor %}
        {% if unknown %}
            {% do problems.append(raw_problem('error',
                "var segments." ~ key ~ " names " ~ unknown | join(', ') ~ ", not "
                ~ ("a numeric column" if unknown | length == 1 else "numeric columns")
                ~ " of marts.customer_features: use some of " ~ valid | join(', ')
                ~ " (extra columns of var raw_tables.customers.extra_columns included).")) %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
