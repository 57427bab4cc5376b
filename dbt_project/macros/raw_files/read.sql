{#- The DuckDB reader of raw files, every column as text: read_parquet, or read_csv
    with the source's csv_options (header, all_varchar) and then the mapping's own
    (var raw_tables.<table>.csv: delim, encoding, quote, ...). `files` are paths as
    glob() found them, read literally (sql_file_path); several become a list.
    numbered=true (Parquet only) adds the column file_row_number, each row's position,
    read in parallel. DuckDB-specific, as dbt-duckdb's external files are. -#}
{% macro raw_reader(files, format, csv_options, numbered=false) -%}
    {%- set paths = [] -%}
    {%- for file in ([files] if files is string else files) -%}{%- do paths.append(sql_file_path(file)) -%}{%- endfor -%}
    {%- set location = paths[0] if paths | length == 1 else '[' ~ paths | join(', ') ~ ']' -%}
    {%- if format == 'parquet' -%}
        {{- return('read_parquet(' ~ location ~ (', file_row_number = true' if numbered else '') ~ ')') -}}
    {%- endif -%}
    {%- set options = {} -%}
    {%- do options.update(raw_reading().csv_options) -%}
    {%- do options.update(csv_options or {}) -%}
    {%- set rendered = [] -%}
    {%- for key, value in options.items() -%}{%- do rendered.append(key ~ ' = ' ~ sql_value(value)) -%}{%- endfor -%}
    {{- return('read_csv(' ~ ([location] + rendered) | join(', ') ~ ')') -}}
{%- endmacro %}


{#- An error problem per key of var raw_tables.<table>.csv that is not an option name
    (the keys go into the reader's SQL as they are; their values are quoted). -#}
{% macro csv_option_problems(table_name, csv_options) %}
    {% set problems = [] %}
    {% if csv_options is not none and csv_options is not mapping %}
        {% do problems.append(raw_problem('error',
            "var raw_tables." ~ table_name ~ ".csv is " ~ csv_options | tojson ~ ", not a mapping of "
            ~ 'read_csv options: write {delim: ";", encoding: latin-1, ...}.')) %}
        {{ return(problems) }}
    {% endif %}
    {% for key in (csv_options or {}).keys() if not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', key | string) %}
        {% do problems.append(raw_problem('error',
            "var raw_tables." ~ table_name ~ ".csv has the key '" ~ key ~ "', which is not a "
            ~ "read_csv option: use DuckDB's option names (delim, header, encoding, quote, ...).")) %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
