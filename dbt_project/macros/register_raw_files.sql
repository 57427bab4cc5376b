{#-
    Registers each raw file as a view in the `raw` schema, so the sources read the
    files in place (nothing is copied). For every table of the raw contract:

      - the file is var raw_tables.<table>.file inside raw_dir (a name, a name
        without extension, or a glob); the reader follows the extension (.csv or
        .parquet) unless raw_tables.<table>.format says otherwise;
      - CSV reader options come from raw_tables.<table>.csv (delim, header,
        encoding, quote, escape, ...);
      - raw_tables.<table>.from replaces the file with any SQL query over the files
        ({raw_dir} is replaced by the folder), e.g. to join a lookup table;
      - each contract column is read from the source column of the same name, or
        the one named in raw_tables.<table>.columns, or computed by the SQL in
        raw_tables.<table>.expressions; every column is text, typing happens in
        staging with safe casts;
      - raw_tables.<table>.distinct derives the table from distinct rows of a
        wider file (customers or orders derived from transaction lines).

    customers is required; orders and order_items are optional (an empty view with
    the contract columns stands in, and the build says so). A missing folder, file or
    required column stops the build with one line that names it and the fix.
-#}

{% macro raw_contract() %}
    {{ return({
        'customers': {
            'required': true,
            'columns': ['customer_id', 'email', 'gender', 'birth_date', 'age', 'annual_income',
                        'city', 'country', 'signup_date', 'spending_score'],
            'required_columns': ['customer_id'],
        },
        'orders': {
            'required': false,
            'columns': ['order_id', 'customer_id', 'order_date', 'status', 'channel'],
            'required_columns': ['order_id', 'customer_id', 'order_date', 'status'],
        },
        'order_items': {
            'required': false,
            'columns': ['order_id', 'line_number', 'product_id', 'category', 'quantity', 'unit_price'],
            'required_columns': ['order_id', 'quantity', 'unit_price'],
        },
    }) }}
{% endmacro %}


{#- A source column name as a plain SQL identifier: "Loyalty Points (k)" -> loyalty_points_k -#}
{% macro safe_name(column) -%}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', column | lower).strip('_')) }}
{%- endmacro %}


{#- The extra numeric customer attributes (var raw_tables.customers.extra_columns),
    as the column names they get in staging and in marts.customer_features. -#}
{% macro extra_customer_columns() %}
    {% set customers = (var('raw_tables', {}) or {}).get('customers') or {} %}
    {% set names = [] %}
    {% for column in customers.get('extra_columns') or [] %}{% do names.append(safe_name(column)) %}{% endfor %}
    {{ return(names) }}
{% endmacro %}


{#- numbered=true (a single Parquet file only) adds the column file_row_number: each
    row's position, read in parallel (see raw_table). -#}
{% macro raw_reader(path, format, csv_options, numbered=false) %}
    {%- if format == 'parquet' -%}
        read_parquet('{{ path }}'{% if numbered %}, file_row_number = true{% endif %})
    {%- else -%}
        {%- set options = {'header': true, 'all_varchar': true} -%}
        {%- do options.update(csv_options or {}) -%}
        read_csv('{{ path }}'
        {%- for key, value in options.items() -%}
            , {{ key }} = {% if value is string %}'{{ value | replace("'", "''") }}'{% else %}{{ value | lower }}{% endif %}
        {%- endfor -%})
    {%- endif -%}
{% endmacro %}


{% macro register_raw_files() %}
    {% do raw_files(check_only=false) %}
    {{ return('') }}
{% endmacro %}


{#- `dbt run-operation check_raw_files`: every missing file or column and every
    value that will not parse, in one list, before any build. -#}
{% macro check_raw_files() %}
    {% set found = raw_files(check_only=true) %}
    {% set problems = [] %}
    {% for line in found %}
        {% if line.startswith('WARNING ') %}
            {% do log("WARNING: " ~ line[8:], info=true) %}
        {% else %}
            {% do log("PROBLEM: " ~ line, info=true) %}
            {% do problems.append(line) %}
        {% endif %}
    {% endfor %}
    {% if problems %}
        {{ exceptions.raise_compiler_error(problems | length ~ " problem(s) in the raw files; see the list above.") }}
    {% endif %}
    {% do log("OK: the raw files match the mapping.", info=true) %}
{% endmacro %}


{#- The parse a typed contract column gets in staging (check mode reports the values
    it cannot read); none for text columns. -#}
{% macro raw_type_check(column) %}
    {% if column in ('age', 'line_number', 'quantity') %}{{ return(parse_number(column, 'integer')) }}
    {% elif column in ('annual_income', 'unit_price') %}{{ return(parse_number(column)) }}
    {% elif column == 'spending_score' %}{{ return(parse_number(column, 'double')) }}
    {% elif column in ('birth_date', 'signup_date') %}{{ return(parse_date(column)) }}
    {% elif column == 'order_date' %}{{ return(parse_timestamp(column)) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}


{#- Registers the views (check_only=false: raises on the first problem) or only
    collects every problem (check_only=true: returns the list). -#}
{% macro raw_files(check_only) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set raw_dir = var('raw_dir') | string %}
    {% set mapping = var('raw_tables', {}) or {} %}
    {% set problems = [] %}
    {% set everything = run_query("select count(*) from glob('" ~ raw_dir ~ "/*')").columns[0].values()[0] %}
    {% if everything == 0 %}
        {% do problems.append(
            "Raw folder '" ~ raw_dir ~ "' does not exist or is empty: set SEGMENTS_RAW_DIR to the "
            ~ "folder that holds customers, orders and order_items (.csv or .parquet).") %}
        {% if not check_only %}{{ exceptions.raise_compiler_error(problems[0]) }}{% endif %}
        {{ return(problems) }}
    {% endif %}
    {% do run_query('create schema if not exists raw') %}
    {% for table_name, spec in raw_contract().items() %}
        {% set config = mapping.get(table_name) or {} %}
        {% set problem = raw_table(table_name, spec, config, raw_dir, check_only) %}
        {% if problem and not check_only %}{{ exceptions.raise_compiler_error(problem[0]) }}{% endif %}
        {% do problems.extend(problem) %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}


{#- One raw table: find its file, check it, create raw.<table>. Returns its problems. -#}
{% macro raw_table(table_name, spec, config, raw_dir, check_only) %}
    {% set problems = [] %}
    {% set setting = "var raw_tables." ~ table_name %}
    {% set single_parquet = false %}
    {% if config.get('from') %}
        {% set path = table_name ~ " (" ~ setting ~ ".from)" %}
        {% set source_sql = "(" ~ config.get('from') | replace('{raw_dir}', raw_dir) ~ ")" %}
    {% else %}
        {% set pattern = config.get('file') or table_name %}
        {% set candidates = run_query(
            "select file from glob('" ~ raw_dir ~ "/" ~ pattern ~ "') "
            ~ "union all select file from glob('" ~ raw_dir ~ "/" ~ pattern ~ ".*') order by file"
        ).columns[0].values() | unique | list %}
        {% set readable = [] %}
        {% for file in candidates if file.lower().endswith(('.csv', '.tsv', '.txt', '.parquet', '.gz')) or config.get('format') %}
            {% do readable.append(file) %}
        {% endfor %}
        {% set formats = [] %}
        {% for file in readable %}{% do formats.append('parquet' if file.lower().endswith('.parquet') else 'csv') %}{% endfor %}
        {% if readable | length == 0 and candidates | length > 0 %}
            {% do problems.append(
                "Raw file '" ~ candidates[0] ~ "' is neither CSV nor Parquet: export " ~ table_name
                ~ " as .csv or .parquet, or set " ~ setting ~ ".format.") %}
        {% elif readable | length == 0 and config.get('file') %}
            {% do problems.append(
                "No file matches '" ~ config.get('file') ~ "' (" ~ setting ~ ".file) in raw folder '"
                ~ raw_dir ~ "': fix the file name in the mapping or add the file.") %}
        {% elif readable | length == 0 and spec.required %}
            {% do problems.append(
                "No " ~ table_name ~ ".csv or " ~ table_name ~ ".parquet in raw folder '" ~ raw_dir
                ~ "': add the file, or name it with " ~ setting ~ ".file.") %}
        {% elif readable | length == 0 %}
            {% do log("No " ~ table_name ~ " file in '" ~ raw_dir ~ "': segmenting without it.", info=true) %}
        {% elif formats | unique | list | length > 1 and not config.get('format') %}
            {% do problems.append(
                "Raw folder '" ~ raw_dir ~ "' holds " ~ table_name ~ " as both CSV and Parquet ("
                ~ readable | join(', ') ~ "): keep one format, or name the file with " ~ setting ~ ".file.") %}
        {% endif %}
        {% if readable and not problems %}
            {% set path = readable[0] if readable | length == 1 else raw_dir ~ '/' ~ pattern %}
            {% set file_format = config.get('format') or formats[0] %}
            {% set source_sql = raw_reader(path, file_format, config.get('csv')) %}
            {% set single_parquet = file_format == 'parquet' and readable | length == 1 %}
        {% endif %}
    {% endif %}
    {% if problems %}{{ return(problems) }}{% endif %}

    {% if source_sql is not defined %}
        {% set empty = [] %}
        {% for column in spec.columns %}{% do empty.append('cast(null as varchar) as ' ~ column) %}{% endfor %}
        {% do run_query(
            "create or replace view raw." ~ table_name ~ " as select " ~ empty | join(', ')
            ~ ", cast(null as bigint) as source_row_number, cast(null as varchar) as source_file where false") %}
        {{ return(problems) }}
    {% endif %}

    {% do run_query("create or replace view raw." ~ table_name ~ "__file as select * from " ~ source_sql) %}
    {% set present = run_query(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        ~ "and table_name = '" ~ table_name ~ "__file' order by ordinal_position"
    ).columns[0].values() | list %}
    {#- The row's position in its file, 1 for the first data row. A single Parquet file
        is numbered by its reader, in parallel (unless it has a column of that name);
        otherwise row_number() over () counts rows in file order, which DuckDB does on
        one thread (a streaming window), so CSV and globs of files are slower. -#}
    {% if single_parquet and 'file_row_number' not in present %}
        {% do run_query(
            "create or replace view raw." ~ table_name ~ "__file as select * from "
            ~ raw_reader(path, 'parquet', none, numbered=true)) %}
        {% set row_number = 'file_row_number + 1' %}
    {% else %}
        {% set row_number = 'row_number() over ()' %}
    {% endif %}
    {% set columns = config.get('columns') or {} %}
    {% set expressions = config.get('expressions') or {} %}
    {% set selected = [] %}
    {% for column in spec.columns %}
        {% set source_column = columns.get(column, column) %}
        {% if column in expressions %}
            {% do selected.append('cast((' ~ expressions[column] ~ ') as varchar) as ' ~ column) %}
        {% elif source_column in present %}
            {% do selected.append('cast(' ~ adapter.quote(source_column) ~ ' as varchar) as ' ~ column) %}
        {% elif column in spec.required_columns or column in columns %}
            {% do problems.append(
                "Raw file '" ~ path ~ "' has no column '" ~ source_column ~ "' for " ~ table_name
                ~ "." ~ column ~ ": map it with " ~ setting ~ ".columns." ~ column
                ~ " (the file has: " ~ present | join(', ') ~ ").") %}
        {% else %}
            {% do selected.append('cast(null as varchar) as ' ~ column) %}
        {% endif %}
    {% endfor %}
    {% for column in config.get('extra_columns') or [] %}
        {% if column not in present %}
            {% do problems.append(
                "Raw file '" ~ path ~ "' has no column '" ~ column ~ "' named in " ~ setting
                ~ ".extra_columns (the file has: " ~ present | join(', ') ~ ").") %}
        {% endif %}
        {% do selected.append('cast(' ~ adapter.quote(column) ~ ' as varchar) as ' ~ safe_name(column)) %}
    {% endfor %}
    {% if problems %}{{ return(problems) }}{% endif %}

    {% if config.get('distinct') %}
        {#- Distinct rows numbered in a fixed order, so the same file always gives the
            same row numbers (and the same survivor of a duplicate). -#}
        {% do run_query(
            "create or replace view raw." ~ table_name ~ " as select *, row_number() over (order by "
            ~ spec.columns | join(', ') ~ ") as source_row_number, '" ~ path ~ "' as source_file "
            ~ "from (select distinct " ~ selected | join(', ') ~ " from raw." ~ table_name ~ "__file) as distinct_rows") %}
    {% else %}
        {% do run_query(
            "create or replace view raw." ~ table_name ~ " as select " ~ selected | join(', ')
            ~ ", " ~ row_number ~ " as source_row_number, '" ~ path ~ "' as source_file"
            ~ " from raw." ~ table_name ~ "__file") %}
    {% endif %}

    {% set rows = run_query("select count(*) from raw." ~ table_name).columns[0].values()[0] %}
    {% if rows == 0 and spec.required %}
        {% do problems.append("Raw file '" ~ path ~ "' has no rows: export the " ~ table_name ~ " with their data.") %}
    {% endif %}
    {% if check_only and rows > 0 %}
        {% for column in spec.columns if raw_type_check(column) %}
            {% set bad = run_query(
                "select count(*), any_value(" ~ column ~ ") from raw." ~ table_name
                ~ " where nullif(trim(" ~ column ~ "), '') is not null and " ~ raw_type_check(column) ~ " is null") %}
            {% set count = bad.columns[0].values()[0] %}
            {% if count > 0 %}
                {% do problems.append(
                    "WARNING " ~ table_name ~ "." ~ column ~ ": " ~ count ~ " of " ~ rows ~ " values cannot be read as "
                    ~ ("a date" if 'date' in column else "a number") ~ " (for example '" ~ bad.columns[1].values()[0]
                    ~ "'); they will be rejected or set to null and logged.") %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}
