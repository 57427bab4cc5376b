{#- Finds the file(s) of one raw table in raw_dir and says how to read them:
    {path, reader, numbered_reader, problems}.

      path             what people and raw.<table>.source_file are told: the file, the
                       folder and glob when several files match, or the from setting;
      reader           the SQL relation to select from (none: no file, and the table
                       is optional; an empty view stands in);
      numbered_reader  for a single Parquet file, the same reader with DuckDB's
                       file_row_number (see register_raw_table); else none;
      problems         raw_problem()s: no readable file, an unknown format, two formats,
                       a CSV option that is not one.

    The file is var raw_tables.<table>.file (a name, a name without its extension, or a
    glob; default: the table's name) inside raw_dir; raw_dir itself is always taken
    literally (glob_escape). raw_tables.<table>.from replaces the file with a query,
    {raw_dir} standing for the folder as it goes between the quotes of a reader's path. -#}
{% macro locate_raw_file(table_name, spec, config, raw_dir) %}
    {% set setting = "var raw_tables." ~ table_name %}
    {% set found = {'path': none, 'reader': none, 'numbered_reader': none, 'problems': []} %}
    {% if config.get('from') %}
        {% set folder = glob_escape(raw_dir) | replace("'", "''") %}
        {% do found.update({
            'path': table_name ~ " (" ~ setting ~ ".from)",
            'reader': "(" ~ config.get('from') | replace('{raw_dir}', folder) ~ ")",
        }) %}
        {{ return(found) }}
    {% endif %}

    {% set pattern = config.get('file') or table_name %}
    {% set folder = glob_escape(raw_dir) ~ '/' %}
    {% set candidates = run_query(
        "select file from glob(" ~ sql_string(folder ~ pattern) ~ ") "
        ~ "union all select file from glob(" ~ sql_string(folder ~ pattern ~ '.*') ~ ") order by file"
    ).columns[0].values() | unique | list %}
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
        {% set single_parquet = formats[0] == 'parquet' and readable | length == 1 %}
        {% do found.update({
            'path': readable[0] if readable | length == 1 else raw_dir ~ '/' ~ pattern,
            'reader': raw_reader(readable, formats[0], config.get('csv')),
            'numbered_reader': raw_reader(readable, 'parquet', none, numbered=true) if single_parquet else none,
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
