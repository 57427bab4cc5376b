{#- Finds what one raw table reads and says how: {path, files, format, csv, query,
    problems}.

      path      what people and raw.<table>.source_file are told: the file, the
                folder and glob when several files match, or the setting;
      files     the files to read, sorted, with their format (csv, parquet) and the
                mapping's reader options csv; none when there is no file (the table
                is optional: an empty view stands in) or a query stands in;
      query     the relation to read instead of files: the table named by
                raw_tables.<table>.relation, or the query of raw_tables.<table>.from;
      problems  raw_problem()s: no readable file, an unknown format, two formats,
                a CSV option that is not one, relation and from both set.

    The file is var raw_tables.<table>.file (a name, a name without its extension, or a
    glob; default: the table's name) inside raw_dir; raw_dir itself is always taken
    literally (find_raw_files). raw_tables.<table>.from replaces the file with a query,
    {raw_dir} standing for the folder as it goes between the quotes of a reader's path;
    raw_tables.<table>.relation names an existing table or view instead (written as
    SQL names it: my_schema.customers). How the files are read is register_raw_file's
    (dispatched). -#}
{% macro locate_raw_file(table_name, spec, config, raw_dir, check_only=false) %}
    {% set setting = "var raw_tables." ~ table_name %}
    {% set found = {'path': none, 'files': none, 'format': none, 'csv': none, 'query': none, 'problems': []} %}
    {% if config.get('relation') and config.get('from') %}
        {% do found.problems.append(raw_problem('error',
            setting ~ " sets both relation and from: keep one (relation names a table, from is a query).")) %}
        {{ return(found) }}
    {% elif config.get('relation') %}
        {% set name = config.get('relation') | string %}
        {% set existing = raw_relation_exists(name) %}
        {% if not existing and check_only %}
            {#- check runs on a warehouse of its own (customer-segments check: an
                in-memory DuckDB), where the user's tables are not. -#}
            {% do found.problems.append(raw_problem('note',
                table_name ~ " is read from the relation " ~ name ~ " (" ~ setting
                ~ ".relation), which this check cannot see: the build reads it.")) %}
        {% elif not existing %}
            {% do found.problems.append(raw_problem('error',
                setting ~ ".relation names " ~ name ~ ", which is not a table or view in the "
                ~ "warehouse: create it before the build, or fix the name.")) %}
        {% else %}
            {% do found.update({'path': table_name ~ " (" ~ setting ~ ".relation " ~ name ~ ")", 'query': name}) %}
        {% endif %}
        {{ return(found) }}
    {% elif config.get('from') %}
        {% set folder = sql_string(literal_path(raw_dir))[1:-1] %}
        {% do found.update({
            'path': table_name ~ " (" ~ setting ~ ".from)",
            'query': "(" ~ config.get('from') | replace('{raw_dir}', folder) ~ ")",
        }) %}
        {{ return(found) }}
    {% endif %}

    {% set pattern = config.get('file') or table_name %}
    {% set candidates = find_raw_files(raw_dir, pattern) %}
    {% set file_formats = raw_reading().file_formats %}
    {% set readable = [] %}
    {% set formats = [] %}
    {% for file in candidates %}
        {% set file_format = config.get('format') or raw_file_format(file, file_formats) %}
        {% if file_format %}{% do readable.append(file) %}{% do formats.append(file_format) %}{% endif %}
    {% endfor %}

    {% if readable | length == 0 and candidates | length > 0 %}
        {% do found.problems.append(raw_problem('error',
            "Raw file '" ~ candidates[0] ~ "' is neither CSV nor Parquet: export " ~ table_name
            ~ " as .csv or .parquet, or set " ~ setting ~ ".format.")) %}
    {% elif readable | length == 0 and config.get('file') %}
        {% do found.problems.append(raw_problem('error',
            "No file matches '" ~ config.get('file') ~ "' (" ~ setting ~ ".file) in raw folder '"
            ~ raw_dir ~ "': fix the file name in the mapping or add the file.")) %}
    {% elif readable | length == 0 and spec.required %}
        {% do found.problems.append(raw_problem('error',
            "No " ~ table_name ~ ".csv or " ~ table_name ~ ".parquet in raw folder '" ~ raw_dir
            ~ "': add the file, or name it with " ~ setting ~ ".file.")) %}
    {% elif readable | length == 0 %}
        {% do found.problems.append(raw_problem('note',
            "No " ~ table_name ~ " file in '" ~ raw_dir ~ "': segmenting without it.")) %}
    {% elif formats | unique | list | length > 1 %}
        {% do found.problems.append(raw_problem('error',
            "Raw folder '" ~ raw_dir ~ "' holds " ~ table_name ~ " as both CSV and Parquet ("
            ~ readable | join(', ') ~ "): keep one format, or name the file with " ~ setting ~ ".file.")) %}
    {% elif csv_option_problems(table_name, config.get('csv')) %}
        {% do found.problems.extend(csv_option_problems(table_name, config.get('csv'))) %}
    {% else %}
        {% do found.update({
            'path': readable[0] if readable | length == 1 else raw_dir ~ '/' ~ pattern,
            'files': readable,
            'format': formats[0],
            'csv': config.get('csv'),
            'folder': raw_dir,
            'pattern': pattern,
        }) %}
    {% endif %}
    {{ return(found) }}
{% endmacro %}


{#- The reader a file name's ending picks (source meta file_formats), else none. -#}
{% macro raw_file_format(file, file_formats) %}
    {% for ending, file_format in file_formats.items() if (file | lower).endswith(ending | lower) %}
        {{ return(file_format) }}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}


{#- The files in raw_dir (taken literally) that the glob `pattern` matches, with or
    without one more extension (customers matches customers.csv), sorted by name,
    each once, as raw_dir/<name>. -#}
{% macro find_raw_files(raw_dir, pattern) %}
    {{ return(adapter.dispatch('find_raw_files')(raw_dir, pattern)) }}
{% endmacro %}

{#- DuckDB's glob(). -#}
{% macro duckdb__find_raw_files(raw_dir, pattern) %}
    {% set folder = glob_escape(raw_dir) ~ '/' %}
    {{ return(run_query(
        "select file from glob(" ~ sql_string(folder ~ pattern) ~ ") "
        ~ "union all select file from glob(" ~ sql_string(folder ~ pattern ~ '.*') ~ ") order by file"
    ).columns[0].values() | unique | list) }}
{% endmacro %}

{#- Spark lists the folder through its file source binaryFile (any Hadoop file
    system: a local path, hdfs://, s3a://; the files' contents are not read) and
    matches the pattern here against each file's path below the folder (the folder:
    the shortest parent the listing has, as it lists subfolders too). A folder that
    does not exist stops the build with Spark's PATH_NOT_FOUND, which names it. -#}
{% macro spark__find_raw_files(raw_dir, pattern) %}
    {% do run_query("create or replace temporary view raw_folder_listing using binaryFile options (path "
        ~ sql_string(literal_path(raw_dir)) ~ ", recursiveFileLookup 'true')") %}
    {% set listed = run_query("select path from raw_folder_listing").columns[0].values() | map('string') | list %}
    {% if not listed %}{{ return([]) }}{% endif %}
    {% set parents = [] %}
    {% for listed_path in listed %}{% do parents.append(listed_path.rsplit('/', 1)[0]) %}{% endfor %}
    {% set shortest = parents | map('length') | min %}
    {% set roots = [] %}
    {% for parent in parents if parent | length == shortest %}{% do roots.append(parent) %}{% endfor %}
    {% set root = roots[0] %}
    {% set segments = (pattern | string).count('/') + 1 %}
    {% set matches = [] %}
    {% for listed_path in listed if listed_path.startswith(root ~ '/') %}
        {% set name = listed_path[root | length + 1:] %}
        {% if name.count('/') + 1 == segments and (modules.re.match(glob_regex(pattern) ~ '$', name)
            or modules.re.match(glob_regex(pattern ~ '.*') ~ '$', name)) %}
            {% do matches.append(raw_dir ~ '/' ~ name) %}
        {% endif %}
    {% endfor %}
    {{ return(matches | sort | unique | list) }}
{% endmacro %}


{#- Whether the table or view `name` ([[database.]schema.]table, as SQL names it)
    exists. Asked of the engine's catalog, not of dbt's relation cache: the cache,
    filled before the hook, would not know the raw views the hook creates. -#}
{% macro raw_relation_exists(name) %}
    {% set parts = (name | string).split('.') %}
    {{ return(adapter.dispatch('raw_relation_exists')(
        parts[-3] if parts | length > 2 else target.database,
        parts[-2] if parts | length > 1 else target.schema,
        parts[-1])) }}
{% endmacro %}

{% macro duckdb__raw_relation_exists(database, schema, identifier) %}
    {{ return(run_query(
        "select count(*) from (select database_name, schema_name, table_name from duckdb_tables() "
        ~ "union all select database_name, schema_name, view_name from duckdb_views()) as relations "
        ~ "where database_name = " ~ sql_string(database) ~ " and schema_name = " ~ sql_string(schema)
        ~ " and table_name = " ~ sql_string(identifier)).columns[0].values()[0] > 0) }}
{% endmacro %}

{#- Spark: the schema first (show tables in a missing schema is an error). -#}
{% macro spark__raw_relation_exists(database, schema, identifier) %}
    {% if not run_query("show schemas like " ~ sql_string(schema)).rows %}{{ return(false) }}{% endif %}
    {{ return(run_query("show tables in " ~ quote_identifier(schema) ~ " like "
        ~ sql_string(identifier)).rows | length > 0) }}
{% endmacro %}


{#- A glob pattern as a regular expression: * and ? within one path segment, [..] a
    class ([!..] negated), everything else literal. -#}
{% macro glob_regex(pattern) %}
    {% set re = modules.re %}
    {% set parts = [] %}
    {% for token in re.findall('\\[[^\\]]*\\]|.', pattern | string) %}
        {% if token == '*' %}{% do parts.append('[^/]*') %}
        {% elif token == '?' %}{% do parts.append('[^/]') %}
        {% elif token | length > 1 %}{% do parts.append('[' ~ ('^' ~ token[2:-1] if token[1] == '!' else token[1:-1]) ~ ']') %}
        {% else %}{% do parts.append(re.escape(token)) %}
        {% endif %}
    {% endfor %}
    {{ return(parts | join('')) }}
{% endmacro %}
