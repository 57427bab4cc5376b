{#-
    Registers each raw file as a view in the `raw` schema, so the sources read the
    files in place. The reader follows the file's extension (.csv or .parquet). Every
    column is read as text: typing happens in staging with safe casts, so a bad value
    is quarantined with its reason instead of failing the whole read.

    customers is required; orders and order_items are optional (an empty view with
    the contract columns stands in, and the build says so).
-#}

{% macro raw_tables() %}
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


{% macro register_raw_files() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set raw_dir = var('raw_dir') | string %}
    {% do run_query('create schema if not exists raw') %}
    {% for table_name, spec in raw_tables().items() %}
        {% set found = run_query(
            "select file from glob('" ~ raw_dir ~ "/" ~ table_name ~ ".csv') "
            ~ "union all select file from glob('" ~ raw_dir ~ "/" ~ table_name ~ ".parquet') "
            ~ "order by file"
        ).columns[0].values() %}
        {% if found | length > 1 %}
            {{ exceptions.raise_compiler_error(
                "Raw folder '" ~ raw_dir ~ "' holds both " ~ table_name ~ ".csv and "
                ~ table_name ~ ".parquet: keep one of them.") }}
        {% elif found | length == 1 %}
            {% set path = found[0] %}
            {% if path.endswith('.parquet') %}
                {% set reader = "(select columns(*)::varchar from read_parquet('" ~ path ~ "'))" %}
            {% else %}
                {% set reader = "read_csv('" ~ path ~ "', all_varchar = true, header = true)" %}
            {% endif %}
            {% do run_query("create or replace view raw." ~ table_name ~ "__file as select * from " ~ reader) %}
            {% set present = run_query(
                "select column_name from information_schema.columns "
                ~ "where table_schema = 'raw' and table_name = '" ~ table_name ~ "__file'"
            ).columns[0].values() | map('lower') | list %}
            {% for column in spec.required_columns %}
                {% if column not in present %}
                    {{ exceptions.raise_compiler_error(
                        "Raw file '" ~ path ~ "' has no column '" ~ column ~ "': rename that column "
                        ~ "in the file or point SEGMENTS_RAW_DIR at a folder in the raw contract.") }}
                {% endif %}
            {% endfor %}
            {% set filler = [] %}
            {% for column in spec.columns if column not in present %}
                {% do filler.append('cast(null as varchar) as ' ~ column) %}
            {% endfor %}
            {% do run_query(
                "create or replace view raw." ~ table_name ~ " as select *"
                ~ (", " ~ filler | join(', ') if filler else "")
                ~ ", row_number() over () as source_row_number"
                ~ ", '" ~ path ~ "' as source_file"
                ~ " from raw." ~ table_name ~ "__file"
            ) %}
        {% elif spec.required %}
            {{ exceptions.raise_compiler_error(
                "No " ~ table_name ~ ".csv or " ~ table_name ~ ".parquet in raw folder '" ~ raw_dir
                ~ "': set SEGMENTS_RAW_DIR to the folder that holds your raw files.") }}
        {% else %}
            {% do log("No " ~ table_name ~ " file in '" ~ raw_dir ~ "': segmenting without it.", info=true) %}
            {% set columns = [] %}
            {% for column in spec.columns %}{% do columns.append('cast(null as varchar) as ' ~ column) %}{% endfor %}
            {% do run_query(
                "create or replace view raw." ~ table_name ~ " as select " ~ columns | join(', ')
                ~ ", cast(null as bigint) as source_row_number, cast(null as varchar) as source_file where false"
            ) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
