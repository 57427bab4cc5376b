{#- The select list that turns a raw file's columns into the contract's, all text:
    {selected: [SQL], problems: [raw_problem]}. Each contract column is read from the
    file's column of the same name, or the one named in var raw_tables.<table>.columns,
    or computed by the SQL in raw_tables.<table>.expressions; a column the file lacks
    is null, unless it is required or mapped (a problem). For customers the
    extra_columns follow, under their snake-case names. `present` is the file's column
    list; `path` names the file in the problems. -#}
{% macro raw_select_list(table_name, spec, config, present, path) %}
    {% set setting = "var raw_tables." ~ table_name %}
    {% set columns = config.get('columns') or {} %}
    {% set expressions = config.get('expressions') or {} %}
    {% set selected = [] %}
    {% set problems = [] %}
    {% for column in spec.columns %}
        {% set source_column = columns.get(column, column) | string %}
        {% if column in expressions %}
            {% do selected.append('cast((' ~ expressions[column] ~ ') as ' ~ dbt.type_string() ~ ') as ' ~ quote_identifier(column)) %}
        {% elif source_column in present %}
            {% do selected.append('cast(' ~ quote_identifier(source_column) ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ quote_identifier(column)) %}
        {% elif column in spec.required_columns or column in columns %}
            {% do problems.append(raw_problem('error',
                "Raw file '" ~ path ~ "' has no column '" ~ source_column ~ "' for " ~ table_name
                ~ "." ~ column ~ ": map it with " ~ setting ~ ".columns." ~ column
                ~ (" " ~ spec.when_missing[column] if column in spec.when_missing else "")
                ~ " (the file has: " ~ present | join(', ') ~ ").")) %}
        {% else %}
            {% do selected.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ quote_identifier(column)) %}
        {% endif %}
    {% endfor %}
    {% if table_name == 'customers' %}
        {% do problems.extend(extra_column_problems(config)) %}
        {% for extra in extra_column_specs(config) %}
            {% if extra.column not in present %}
                {% do problems.append(raw_problem('error',
                    "Raw file '" ~ path ~ "' has no column '" ~ extra.column ~ "' named in " ~ setting
                    ~ ".extra_columns (the file has: " ~ present | join(', ') ~ ").")) %}
            {% endif %}
            {% do selected.append('cast(' ~ quote_identifier(extra.column) ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ quote_identifier(extra.name)) %}
        {% endfor %}
    {% endif %}
    {{ return({'selected': selected, 'problems': problems}) }}
{% endmacro %}
