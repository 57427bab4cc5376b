{#- The settings a table of var raw_tables may have (README "Use your own data"):
    key -> the raw tables that take it (none: every table). The one list: a key that
    is not here is a problem, never ignored. -#}
{% macro raw_table_settings() %}
    {{ return({
        'file': none, 'format': none, 'csv': none, 'columns': none, 'expressions': none,
        'distinct': none, 'from': none, 'relation': none, 'decimal_separator': none,
        'extra_columns': ['customers'],
    }) }}
{% endmacro %}


{#- A raw table's entry of var raw_tables: {} when it has none, or when the entry is
    not a mapping (raw_mapping_problems stops check and the build on that). -#}
{% macro raw_table_config(table_name) %}
    {% set mapping = var('raw_tables', {}) %}
    {% set config = mapping.get(table_name) if mapping is mapping else none %}
    {{ return(config if config is mapping else {}) }}
{% endmacro %}


{#- Whether a setting's value is a list (YAML's [a, b]): not text, not a mapping. -#}
{% macro is_list(value) %}
    {{ return(value is iterable and value is not string and value is not mapping) }}
{% endmacro %}


{#- The problems (raw_problem) of the shape of var raw_tables, before any file is
    read: a table the contract does not have, an entry that is not a mapping, a key
    that is not a setting (a misspelt `decimal_seperator` would otherwise be ignored
    and its numbers misread), a setting of another table, a decimal separator other
    than '.' or ',', and a contract column
    named in columns or expressions that the table does not have (its mapping would
    otherwise be ignored and the column left empty). -#}
{% macro raw_mapping_problems(mapping, contract) %}
    {% set problems = [] %}
    {% if mapping is not mapping %}
        {{ return([raw_problem('error',
            "var raw_tables is " ~ mapping | tojson ~ ", not a mapping: write one entry per "
            ~ "table, {customers: {file: ...}, orders: {...}, order_items: {...}}.")]) }}
    {% endif %}
    {% set settings = raw_table_settings() %}
    {% for table_name, config in mapping.items() %}
        {% set setting = "var raw_tables." ~ table_name %}
        {% if table_name not in contract %}
            {% do problems.append(raw_problem('error',
                "var raw_tables has the table '" ~ table_name ~ "', which is not a raw table: "
                ~ "the tables are " ~ contract.keys() | join(', ') ~ ".")) %}
        {% elif config is not none and config is not mapping %}
            {% do problems.append(raw_problem('error',
                setting ~ " is " ~ config | tojson ~ ", not a mapping of settings: write "
                ~ "{file: " ~ config | tojson ~ "} to name its file.")) %}
        {% else %}
            {% for key, value in (config or {}).items() %}
                {% set tables = settings.get(key | string, 'unknown') %}
                {% if tables == 'unknown' %}
                    {% do problems.append(raw_problem('error',
                        setting ~ " has the key '" ~ key ~ "', which is not a setting: the settings are "
                        ~ settings.keys() | join(', ') ~ ".")) %}
                {% elif tables is not none and table_name not in tables %}
                    {% do problems.append(raw_problem('error',
                        setting ~ "." ~ key ~ " is a setting of " ~ tables | join(', ')
                        ~ " only: remove it from " ~ table_name ~ ".")) %}
                {% elif key in ['columns', 'expressions'] and value is not none and value is not mapping %}
                    {% do problems.append(raw_problem('error',
                        setting ~ "." ~ key ~ " is " ~ value | tojson ~ ", not a mapping: write "
                        ~ "{<contract column>: " ~ ("<your column>" if key == 'columns' else "<SQL>") ~ "}.")) %}
                {% elif key == 'decimal_separator' and value is not none and value not in ['.', ','] %}
                    {% do problems.append(raw_problem('error',
                        setting ~ ".decimal_separator is " ~ value | tojson ~ ": write ',' for numbers "
                        ~ "written 1.234,56 (a decimal comma), or leave it out for 1,234.56.")) %}
                {% elif key == 'extra_columns' and value is not none and not is_list(value) %}
                    {% do problems.append(raw_problem('error',
                        setting ~ ".extra_columns is " ~ value | tojson ~ ", not a list: write "
                        ~ "[" ~ value | tojson ~ "], one item per column.")) %}
                {% elif key in ['columns', 'expressions'] %}
                    {% for column in (value or {}).keys() if column not in contract[table_name].columns %}
                        {% do problems.append(raw_problem('error',
                            setting ~ "." ~ key ~ " names '" ~ column ~ "', which is not a column of "
                            ~ table_name ~ ": the columns are " ~ contract[table_name].columns | join(', ')
                            ~ (" (more numeric columns go in extra_columns)" if table_name == 'customers' else "")
                            ~ ".")) %}
                    {% endfor %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
