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


{#- Creates raw.<name> over what locate_raw_file found (its files, or the relation or
    query that stands in) and says how to read it: {relation: the SQL name, columns:
    its columns in order, row_number: SQL for each row's position in its file, 1 for
    the first data row}. -#}
{% macro register_raw_file(name, found) %}
    {{ return(adapter.dispatch('register_raw_file')(name, found)) }}
{% endmacro %}

{#- DuckDB: a view over its reader. A single Parquet file is numbered by the reader,
    in parallel (unless it has a column file_row_number); otherwise
    row_number() over () counts rows in file order, which DuckDB does on one thread
    (a streaming window), so CSV and globs of files are slower. -#}
{% macro duckdb__register_raw_file(name, found) %}
    {% set relation = 'raw.' ~ quote_identifier(name) %}
    {% set reader = found.query or raw_reader(found.files, found.format, found.csv) %}
    {% do run_query("create or replace view " ~ relation ~ " as select * from " ~ reader) %}
    {% set columns = run_query(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        ~ "and table_name = " ~ sql_string(name) ~ " order by ordinal_position"
    ).columns[0].values() | list %}
    {% set row_number = 'row_number() over ()' %}
    {% if found.files and found.format == 'parquet' and found.files | length == 1
        and 'file_row_number' not in columns %}
        {% do run_query("create or replace view " ~ relation ~ " as select * from "
            ~ raw_reader(found.files, 'parquet', none, numbered=true)) %}
        {% set row_number = 'file_row_number + 1' %}
    {% endif %}
    {{ return({'relation': relation, 'columns': columns, 'row_number': row_number}) }}
{% endmacro %}

{#- Spark: files become an external table of its csv or parquet source (the files
    stay where they are; every CSV column is text), a relation or query a view. The
    position of a row is its place in the files in name order, then in the file:
    Spark reads each file's splits in order and monotonically_increasing_id grows
    along them, so the same files always give the same numbers, the numbers DuckDB
    gives. -#}
{% macro spark__register_raw_file(name, found) %}
    {% set relation = 'raw.' ~ quote_identifier(name) %}
    {% set existing = adapter.get_relation(database=none, schema='raw', identifier=name) %}
    {% if existing %}{% do adapter.drop_relation(existing) %}{% endif %}
    {% if found.query %}
        {% do run_query("create view " ~ relation ~ " as select * from " ~ found.query) %}
    {% else %}
        {% set options = {'path': spark_raw_path(found)} %}
        {% if found.format == 'csv' %}{% do options.update(spark_csv_options(found.csv)) %}{% endif %}
        {% set rendered = [] %}
        {% for key, value in options.items() %}
            {% do rendered.append(key ~ ' ' ~ sql_string(value | string | lower if value is sameas true or value is sameas false else value)) %}
        {% endfor %}
        {% do run_query("create table " ~ relation ~ " using " ~ found.format
            ~ " options (" ~ rendered | join(', ') ~ ")") %}
    {% endif %}
    {% set columns = run_query("select * from " ~ relation ~ " limit 0").column_names | list %}
    {{ return({'relation': relation, 'columns': columns,
               'row_number': 'cast(row_number() over (order by input_file_name(), monotonically_increasing_id()) as bigint)'}) }}
{% endmacro %}


{#- The path option of the files: the one file, or for several the mapping's glob
    in the folder, the folder taken literally. -#}
{% macro spark_raw_path(found) %}
    {% if found.files | length == 1 %}{{ return(literal_path(found.files[0])) }}{% endif %}
    {{ return(literal_path(found.folder) ~ '/' ~ found.pattern) }}
{% endmacro %}


{#- The CSV options for Spark's reader: the source's csv_options and the mapping's
    (DuckDB's names, as README "Use your own data" documents them) under Spark's
    names; all_varchar is Spark's default (no inferSchema), an unknown name is passed
    as it is. multiLine reads quoted line breaks as DuckDB does. -#}
{% macro spark_csv_options(csv_options) %}
    {% set names = {'delim': 'sep', 'sep': 'sep', 'delimiter': 'sep', 'nullstr': 'nullValue',
                    'new_line': 'lineSep', 'escape': 'escape', 'quote': 'quote',
                    'encoding': 'encoding', 'header': 'header', 'comment': 'comment'} %}
    {% set options = {'multiLine': true} %}
    {% set given = {} %}
    {% do given.update(raw_reading().csv_options) %}
    {% do given.update(csv_options or {}) %}
    {% for key, value in given.items() if key != 'all_varchar' %}
        {% do options.update({names.get(key, key): value}) %}
    {% endfor %}
    {{ return(options) }}
{% endmacro %}


{#- A path as the readers take it literally (no globbing of * ? [ in it). -#}
{% macro literal_path(path) %}
    {{ return(adapter.dispatch('literal_path')(path)) }}
{% endmacro %}

{% macro duckdb__literal_path(path) %}
    {{ return(glob_escape(path)) }}
{% endmacro %}

{#- Hadoop's globs take a backslash before a special character as the character. -#}
{% macro spark__literal_path(path) %}
    {{ return(modules.re.sub('([\\\\{}\\[\\]*?])', '\\\\\\1', path | string)) }}
{% endmacro %}
