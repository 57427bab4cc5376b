{#-
    Registers each raw file as a view in the `raw` schema, so the sources read the
    files in place (nothing is copied). For every table of the raw contract:

      - the file is var raw_tables.<table>.file inside raw_dir (a name, a name
        without extension, or a glob); the reader follows the extension (.csv or
        .parquet) unless raw_tables.<table>.format says otherwise;
      - CSV reader options come from raw_tables.<table>.csv (delim, header,
        encoding, quote, escape, ...);
      - each contract column is read from the source column of the same name, or
        the one named in raw_tables.<table>.columns, or computed by the SQL in
        raw_tables.<table>.expressions; every column is text, typing happens in
        staging with safe casts.

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


{% macro raw_reader(path, format, csv_options) %}
    {%- if format == 'parquet' -%}
        read_parquet('{{ path }}')
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
    {% if not execute %}{{ return('') }}{% endif %}
    {% set raw_dir = var('raw_dir') | string %}
    {% set mapping = var('raw_tables', {}) or {} %}
    {% set everything = run_query("select count(*) from glob('" ~ raw_dir ~ "/*')").columns[0].values()[0] %}
    {% if everything == 0 %}
        {{ exceptions.raise_compiler_error(
            "Raw folder '" ~ raw_dir ~ "' does not exist or is empty: set SEGMENTS_RAW_DIR to the "
            ~ "folder that holds customers, orders and order_items (.csv or .parquet).") }}
    {% endif %}
    {% do run_query('create schema if not exists raw') %}
    {% for table_name, spec in raw_contract().items() %}
        {% set config = mapping.get(table_name) or {} %}
        {% set pattern = config.get('file') or table_name %}
        {% set candidates = run_query(
            "select file from glob('" ~ raw_dir ~ "/" ~ pattern ~ "') "
            ~ "union all select file from glob('" ~ raw_dir ~ "/" ~ pattern ~ ".*') order by file"
        ).columns[0].values() | list %}
        {% set readable = [] %}
        {% for file in candidates if file.lower().endswith(('.csv', '.tsv', '.txt', '.parquet', '.gz')) or config.get('format') %}
            {% do readable.append(file) %}
        {% endfor %}
        {% if readable | length == 0 and candidates | length > 0 %}
            {{ exceptions.raise_compiler_error(
                "Raw file '" ~ candidates[0] ~ "' is neither CSV nor Parquet: export " ~ table_name
                ~ " as .csv or .parquet, or set var raw_tables." ~ table_name ~ ".format.") }}
        {% elif readable | length == 0 and spec.required %}
            {{ exceptions.raise_compiler_error(
                "No " ~ table_name ~ ".csv or " ~ table_name ~ ".parquet in raw folder '" ~ raw_dir
                ~ "': add the file, or name it with var raw_tables." ~ table_name ~ ".file.") }}
        {% elif readable | length == 0 %}
            {% do log("No " ~ table_name ~ " file in '" ~ raw_dir ~ "': segmenting without it.", info=true) %}
            {% set empty = [] %}
            {% for column in spec.columns %}{% do empty.append('cast(null as varchar) as ' ~ column) %}{% endfor %}
            {% do run_query(
                "create or replace view raw." ~ table_name ~ " as select " ~ empty | join(', ')
                ~ ", cast(null as bigint) as source_row_number, cast(null as varchar) as source_file where false"
            ) %}
        {% else %}
            {% set format = config.get('format') or ('parquet' if readable[0].lower().endswith('.parquet') else 'csv') %}
            {% for file in readable %}
                {% if (file.lower().endswith('.parquet')) != (format == 'parquet') and not config.get('format') %}
                    {{ exceptions.raise_compiler_error(
                        "Raw folder '" ~ raw_dir ~ "' holds " ~ table_name ~ " as both CSV and Parquet ("
                        ~ readable | join(', ') ~ "): keep one format.") }}
                {% endif %}
            {% endfor %}
            {% set path = readable[0] if readable | length == 1 else raw_dir ~ '/' ~ (config.get('file') or table_name ~ '.*') %}
            {% do run_query(
                "create or replace view raw." ~ table_name ~ "__file as select * from "
                ~ raw_reader(path, format, config.get('csv'))) %}
            {% set rows = run_query("select count(*) from raw." ~ table_name ~ "__file").columns[0].values()[0] %}
            {% if rows == 0 and spec.required %}
                {{ exceptions.raise_compiler_error(
                    "Raw file '" ~ path ~ "' has no rows: export the " ~ table_name ~ " with their data.") }}
            {% endif %}
            {% set present = run_query(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                ~ "and table_name = '" ~ table_name ~ "__file' order by ordinal_position"
            ).columns[0].values() | list %}
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
                    {{ exceptions.raise_compiler_error(
                        "Raw file '" ~ path ~ "' has no column '" ~ source_column ~ "' for " ~ table_name
                        ~ "." ~ column ~ ": map it with var raw_tables." ~ table_name ~ ".columns." ~ column
                        ~ " (the file has: " ~ present | join(', ') ~ ").") }}
                {% else %}
                    {% do selected.append('cast(null as varchar) as ' ~ column) %}
                {% endif %}
            {% endfor %}
            {% for column in config.get('extra_columns') or [] %}
                {% if column not in present %}
                    {{ exceptions.raise_compiler_error(
                        "Raw file '" ~ path ~ "' has no column '" ~ column ~ "' named in var raw_tables."
                        ~ table_name ~ ".extra_columns (the file has: " ~ present | join(', ') ~ ").") }}
                {% endif %}
                {% do selected.append('cast(' ~ adapter.quote(column) ~ ' as varchar) as ' ~ safe_name(column)) %}
            {% endfor %}
            {% do run_query(
                "create or replace view raw." ~ table_name ~ " as select " ~ selected | join(', ')
                ~ ", row_number() over () as source_row_number"
                ~ ", '" ~ path ~ "' as source_file"
                ~ " from raw." ~ table_name ~ "__file"
            ) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
