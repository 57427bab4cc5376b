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
        wider file (customers or orders derived from transaction lines);
      - raw_tables.customers.extra_columns keeps more numeric columns under
        snake-case names (safe_name), with labels (extra_column_labels).

    Before any of it, var segments.features and log_features are checked against
    the numeric columns marts.customer_features will have (segments_feature_problems).

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
            'columns': ['order_id', 'line_number', 'product_id', 'product_name', 'category',
                        'quantity', 'unit_price'],
            'required_columns': ['order_id', 'quantity', 'unit_price'],
        },
    }) }}
{% endmacro %}


{#- A source column name as a snake-case SQL identifier: camelCase and acronyms are
    split, everything is lower case, each run of other characters becomes one `_`,
    and a leading digit gets the prefix c_:
    MntWines -> mnt_wines, NumWebPurchases -> num_web_purchases, HTTPCode -> http_code,
    "Annual Income (k$)" -> annual_income_k, Z_CostContact -> z_cost_contact,
    "2nd Phone" -> c_2nd_phone. -#}
{% macro safe_name(column) -%}
    {%- set re = modules.re -%}
    {%- set name = re.sub('([A-Z]+)([A-Z][a-z])', '\\1_\\2', column | string) -%}
    {%- set name = re.sub('([a-z])([A-Z])', '\\1_\\2', name) -%}
    {%- set name = re.sub('([0-9])([A-Z][a-z])', '\\1_\\2', name) -%}
    {%- set name = re.sub('[^a-z0-9]+', '_', name | lower).strip('_') -%}
    {{ return('c_' ~ name if name[:1].isdigit() else name) }}
{%- endmacro %}


{#- A snake-case name as words for people: mnt_wines -> "Mnt wines". -#}
{% macro readable_name(name) -%}
    {%- set words = name | replace('_', ' ') | trim -%}
    {{ return(words[:1] | upper ~ words[1:]) }}
{%- endmacro %}


{#- The items of var raw_tables.customers.extra_columns (or of the given customers
    mapping), each as {column: source column, name: SQL name, label: readable label}.
    An item is a column name, or {column: MntWines, label: "Spend on wine"}; without a
    label the name is made readable. Items without a column are left out here (the
    raw-file check reports them). -#}
{% macro extra_column_specs(customers=none) %}
    {% if customers is none %}
        {% set customers = (var('raw_tables', {}) or {}).get('customers') or {} %}
    {% endif %}
    {% set specs = [] %}
    {% for item in customers.get('extra_columns') or [] %}
        {% set column = item.get('column') if item is mapping else item %}
        {% set label = item.get('label') if item is mapping else none %}
        {% if column is not none and (column | string | trim) %}
            {% set name = safe_name(column | string) %}
            {% do specs.append({
                'column': column | string,
                'name': name,
                'label': (label | string | trim) if label else readable_name(name),
            }) %}
        {% endif %}
    {% endfor %}
    {{ return(specs) }}
{% endmacro %}


{#- The extra numeric customer attributes (var raw_tables.customers.extra_columns),
    as the column names they get in staging and in marts.customer_features. -#}
{% macro extra_customer_columns() %}
    {% set names = [] %}
    {% for spec in extra_column_specs() %}{% do names.append(spec.name) %}{% endfor %}
    {{ return(names) }}
{% endmacro %}


{#- {feature name: label} of the extra customer attributes: the item's label, else
    the name made readable (mnt_wines -> "Mnt wines"). -#}
{% macro extra_column_labels() %}
    {% set labels = {} %}
    {% for spec in extra_column_specs() %}{% do labels.update({spec.name: spec.label}) %}{% endfor %}
    {{ return(labels) }}
{% endmacro %}


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


{#- One problem per setting of var segments (features, log_features) that names a
    column marts.customer_features will not have. An absent setting is valid (the
    Python defaults apply; a --vars segments replaces the whole dict). -#}
{% macro segments_feature_problems() %}
    {% set problems = [] %}
    {% set segments = var('segments', {}) or {} %}
    {% set valid = valid_feature_names() %}
    {% if segments is not mapping or not valid %}{{ return(problems) }}{% endif %}
    {% for key in ['features', 'log_features'] %}
        {% set given = segments.get(key) %}
        {% set given = [given] if given is string else (given or []) %}
        {% set unknown = [] %}
        {% for name in given if (name | string) not in valid %}{% do unknown.append(name | string) %}{% endfor %}
        {% if unknown %}
            {% do problems.append(
                "var segments." ~ key ~ " names " ~ unknown | join(', ') ~ ", not "
                ~ ("a numeric column" if unknown | length == 1 else "numeric columns")
                ~ " of marts.customer_features: use some of " ~ valid | join(', ')
                ~ " (extra columns of var raw_tables.customers.extra_columns included).") %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}


{#- The problems of var raw_tables.customers.extra_columns itself: an item without a
    column, a name without letters or digits, a name that another column already has. -#}
{% macro extra_column_problems(config) %}
    {% set setting = "var raw_tables.customers.extra_columns" %}
    {% set problems = [] %}
    {% set contract = raw_contract().customers.columns %}
    {% set taken = {'source_row_number': 'raw.customers', 'source_file': 'raw.customers'} %}
    {% for model_name in ['stg_raw__customers', 'int_customers_validated', 'customer_features'] %}
        {% for name in model_columns(model_name) if name not in taken %}
            {% do taken.update({name: ('marts.' if model_name == 'customer_features' else '') ~ model_name}) %}
        {% endfor %}
    {% endfor %}
    {% set seen = {} %}
    {% for item in config.get('extra_columns') or [] %}
        {% set column = item.get('column') if item is mapping else item %}
        {% if item is mapping and (column is none or not (column | string | trim)
                or (item.keys() | reject('in', ['column', 'label']) | list)) %}
            {% do problems.append(
                setting ~ " item " ~ item | tojson ~ " is not a column: write the column name, or "
                ~ "{column: <column name>, label: <text>}.") %}
        {% elif column is none or not (column | string | trim) %}
            {% do problems.append(setting ~ " has an empty item: remove it.") %}
        {% else %}
            {% set column = column | string %}
            {% set name = safe_name(column) %}
            {% if not name %}
                {% do problems.append(
                    setting ~ ": '" ~ column ~ "' has no letters or digits to name a column: "
                    ~ "rename it in the export, or leave it out.") %}
            {% elif name in contract %}
                {% do problems.append(
                    setting ~ ": '" ~ column ~ "' becomes the column " ~ name ~ ", which is a contract "
                    ~ "column of customers: map it with var raw_tables.customers.columns." ~ name
                    ~ ", or leave it out of extra_columns.") %}
            {% elif name in taken %}
                {% do problems.append(
                    setting ~ ": '" ~ column ~ "' becomes the column " ~ name ~ ", which is already a "
                    ~ "column of " ~ taken[name] ~ ": leave it out of extra_columns.") %}
            {% elif name in seen %}
                {% do problems.append(
                    setting ~ ": '" ~ seen[name] ~ "' and '" ~ column ~ "' both become the column "
                    ~ name ~ ": leave one of them out.") %}
            {% else %}
                {% do seen.update({name: column}) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
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
    {% if execute %}
        {% for problem in segments_feature_problems() %}
            {{ exceptions.raise_compiler_error(problem) }}
        {% endfor %}
    {% endif %}
    {% do raw_files(check_only=false) %}
    {{ return('') }}
{% endmacro %}


{#- `dbt run-operation check_raw_files`: every missing file or column, every feature
    that customer_features will not have, every column in which nothing parses, and
    every value that will not parse (warnings), in one list, before any build; then
    the name and label of each extra column. -#}
{% macro check_raw_files() %}
    {% set found = segments_feature_problems() + raw_files(check_only=true) %}
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
        {{ exceptions.raise_compiler_error(problems | length ~ " problem(s) in the raw files or the settings; see the list above.") }}
    {% endif %}
    {% for extra in extra_column_specs() %}
        {% do log("EXTRA: '" ~ extra.column ~ "' -> " ~ extra.name ~ ", label '" ~ extra.label ~ "'", info=true) %}
    {% endfor %}
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
    {% set extras = extra_column_specs(config) if table_name == 'customers' else [] %}
    {% if table_name == 'customers' %}{% do problems.extend(extra_column_problems(config)) %}{% endif %}
    {% for extra in extras %}
        {% if extra.column not in present %}
            {% do problems.append(
                "Raw file '" ~ path ~ "' has no column '" ~ extra.column ~ "' named in " ~ setting
                ~ ".extra_columns (the file has: " ~ present | join(', ') ~ ").") %}
        {% endif %}
        {% do selected.append('cast(' ~ adapter.quote(extra.column) ~ ' as varchar) as ' ~ extra.name) %}
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
        {% set typed = {} %}
        {% set shown = {} %}
        {% for column in spec.columns if raw_type_check(column) %}{% do typed.update({column: raw_type_check(column)}) %}{% endfor %}
        {% for extra in extras %}
            {% do typed.update({extra.name: parse_number(extra.name, 'double')}) %}
            {% do shown.update({extra.name: extra.name ~ " (extra column '" ~ extra.column ~ "')"}) %}
        {% endfor %}
        {% for column, parsed in typed.items() %}
            {% set unreadable = "nullif(trim(" ~ column ~ "), '') is not null and " ~ parsed ~ " is null" %}
            {% set bad = run_query(
                "select count(*) filter (where nullif(trim(" ~ column ~ "), '') is not null), "
                ~ "count(*) filter (where " ~ unreadable ~ "), "
                ~ "any_value(" ~ column ~ ") filter (where " ~ unreadable ~ ") from raw." ~ table_name) %}
            {% set given = bad.columns[0].values()[0] %}
            {% set count = bad.columns[1].values()[0] %}
            {% set kind = "a date" if column in ('birth_date', 'signup_date', 'order_date') else "a number" %}
            {% set example = " (for example '" ~ bad.columns[2].values()[0] ~ "')" %}
            {% if count > 0 and count == given %}
                {#- Nothing in the column parses: a wrong format or a wrong column, not dirt. -#}
                {% if column == 'order_date' %}
                    {% set fix = "add their format to the var timestamp_formats (strptime codes; it has: "
                        ~ var('timestamp_formats') | join(', ') ~ ")" %}
                {% elif kind == "a date" %}
                    {% set fix = "add their format to the var date_formats (strptime codes; it has: "
                        ~ var('date_formats') | join(', ') ~ ")" %}
                {% elif column in spec.columns %}
                    {% set fix = "map the column that holds it with " ~ setting ~ ".columns." ~ column
                        ~ " or compute it with " ~ setting ~ ".expressions." ~ column %}
                {% else %}
                    {% set fix = "leave this column out of " ~ setting ~ ".extra_columns (only numbers can be features)" %}
                {% endif %}
                {% do problems.append(
                    table_name ~ "." ~ shown.get(column, column) ~ ": none of the " ~ given
                    ~ " non-empty values can be read as " ~ kind
                    ~ example ~ ": " ~ fix ~ ".") %}
            {% elif count > 0 %}
                {% do problems.append(
                    "WARNING " ~ table_name ~ "." ~ shown.get(column, column) ~ ": " ~ count ~ " of " ~ rows
                    ~ " values cannot be read as "
                    ~ kind ~ example ~ "; they will be rejected or set to null and logged.") %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}
