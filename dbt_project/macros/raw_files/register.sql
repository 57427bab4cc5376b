{#- The on-run-start hook (dbt_project.yml): registers each raw file as a view in the
    `raw` schema, so the sources read the files in place (nothing is copied). Before
    it, segments.features and log_features are checked against the columns
    marts.customer_features will have. The first error problem stops the build with
    its message; notes (an optional file that is absent) are logged. -#}
{% macro register_raw_files() %}
    {% if execute %}
        {% for problem in segments_feature_problems() %}{% do raise_raw_problem(problem) %}{% endfor %}
        {% for problem in raw_files(check_only=false) %}{% do raise_raw_problem(problem) %}{% endfor %}
    {% endif %}
    {{ return('') }}
{% endmacro %}


{#- Every table of the raw contract, in its order: registers the views and returns
    every problem found (raw_problem). check_only=false stops at the first table with
    an error (the next tables would be read against a wrong one); check_only=true goes
    on to check the values too, for the whole list. -#}
{% macro raw_files(check_only) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set raw_dir = var('raw_dir') | string %}
    {#- A mapping of the wrong shape is reported before any file is read. -#}
    {% set mapping_problems = raw_mapping_problems(var('raw_tables', {}) or {}, raw_contract()) %}
    {% if mapping_problems %}{{ return(mapping_problems) }}{% endif %}
    {#- The folder must hold files unless each required table is an existing relation
        (raw_tables.<table>.relation): an optional one without is then left out. -#}
    {% set reads_files = [] %}
    {% for table_name, spec in raw_contract().items()
        if spec.required and not raw_table_config(table_name).get('relation') %}
        {% do reads_files.append(table_name) %}
    {% endfor %}
    {% if reads_files and not find_raw_files(raw_dir, '*') %}
        {{ return([raw_problem('error',
            "Raw folder '" ~ raw_dir ~ "' does not exist or is empty: set SEGMENTS_RAW_DIR to the "
            ~ "folder that holds customers, orders and order_items (.csv or .parquet).")]) }}
    {% endif %}
    {% do run_query('create schema if not exists raw') %}
    {% set problems = [] %}
    {% for table_name, spec in raw_contract().items() %}
        {% set found = register_raw_table(table_name, spec, raw_table_config(table_name), raw_dir, check_only) %}
        {% do problems.extend(found) %}
        {% if not check_only and found | selectattr('level', 'equalto', 'error') | list %}
            {{ return(problems) }}
        {% endif %}
    {% endfor %}
    {#- The ids that join the tables, once every table reads (check only). -#}
    {% if check_only and not (problems | selectattr('level', 'equalto', 'error') | list) %}
        {% do problems.extend(raw_key_problems()) %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}


{#- One raw table: locate its file (locate_raw_file), create raw.<table>__file (the
    file as it is: register_raw_file, dispatched), map its columns (raw_select_list),
    create raw.<table> (the contract columns as text, source_row_number,
    source_file); with check_only, check its values (raw_value_problems). Returns its
    problems. -#}
{% macro register_raw_table(table_name, spec, config, raw_dir, check_only) %}
    {% set view = 'raw.' ~ quote_identifier(table_name) %}
    {% set found = locate_raw_file(table_name, spec, config, raw_dir, check_only) %}
    {% set problems = found.problems %}
    {% if found.files is none and found.query is none %}
        {% if not (problems | selectattr('level', 'equalto', 'error') | list) %}
            {% do run_query("create or replace view " ~ view ~ " as " ~ empty_raw_table(spec)) %}
        {% endif %}
        {{ return(problems) }}
    {% endif %}

    {% set registered = register_raw_file(table_name ~ '__file', found) %}
    {% set file_view = registered.relation %}
    {% set present = registered.columns %}
    {% set row_number = registered.row_number %}
    {% set numbered = with_numbered_rows(table_name, spec, config, present) %}
    {% set config = numbered.config %}
    {% do problems.extend(numbered.problems) %}
    {% set mapped = raw_select_list(table_name, spec, config, present, found.path) %}
    {% do problems.extend(mapped.problems) %}
    {#- An expression may use source_row_number, the row's position in its file (to
        number lines in file order: an export without line numbers). A distinct
        table's rows are numbered after the distinct, so there it cannot. -#}
    {% set numbers_rows = 'source_row_number' in ((config.get('expressions') or {}).values() | map('string') | join(' ')) %}
    {% if numbers_rows and config.get('distinct') %}
        {% do problems.append(raw_problem('error',
            "var raw_tables." ~ table_name ~ ".expressions uses source_row_number, which a "
            ~ "distinct table does not have (its rows are numbered after the distinct): "
            ~ "order by the file's columns instead.")) %}
    {% endif %}
    {% if problems | selectattr('level', 'equalto', 'error') | list %}{{ return(problems) }}{% endif %}

    {% if config.get('distinct') %}
        {#- Distinct rows numbered in a fixed order, so the same file always gives the
            same row numbers (and the same survivor of a duplicate). -#}
        {% set ordered = [] %}
        {% for column in spec.columns %}{% do ordered.append(quote_identifier(column)) %}{% endfor %}
        {% do run_query(
            "create or replace view " ~ view ~ " as select *, cast(row_number() over (order by "
            ~ ordered | join(', ') ~ ") as bigint) as source_row_number, " ~ sql_string(found.path) ~ " as source_file "
            ~ "from (select distinct " ~ mapped.selected | join(', ') ~ " from " ~ file_view ~ ") as distinct_rows") %}
    {% else %}
        {#- Numbered in a subquery first when an expression reads the number. -#}
        {% set rows = ("(select *, " ~ row_number ~ " as source_row_number from " ~ file_view
                       ~ ") as numbered_rows") if numbers_rows else file_view %}
        {% do run_query(
            "create or replace view " ~ view ~ " as select " ~ mapped.selected | join(', ')
            ~ ", " ~ ('source_row_number' if numbers_rows else row_number) ~ " as source_row_number, "
            ~ sql_string(found.path) ~ " as source_file from " ~ rows) %}
    {% endif %}

    {% set rows = run_query("select count(*) from " ~ view).columns[0].values()[0] %}
    {% if rows == 0 and spec.required %}
        {% do problems.append(raw_problem('error',
            "Raw file '" ~ found.path ~ "' has no rows: export the " ~ table_name ~ " with their data.")) %}
    {% endif %}
    {% if check_only and rows > 0 %}
        {% set extras = extra_column_specs(config) if table_name == 'customers' else [] %}
        {% do problems.extend(raw_value_problems(table_name, spec, extras, rows)) %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}


{#- The table's mapping with an expression for each column the contract numbers
    (meta.numbered_within) that the file does not have and the mapping does not name:
    the row's position in file order among the rows with the same value of the other
    column (an export without line numbers: each order's lines 1, 2, ...), and a note
    that says so. {config, problems}. A distinct table has no file order to number by:
    its column stays null. -#}
{% macro with_numbered_rows(table_name, spec, config, present) %}
    {% set columns = config.get('columns') or {} %}
    {% set expressions = {} %}
    {% do expressions.update(config.get('expressions') or {}) %}
    {% set problems = [] %}
    {% for column, within in spec.numbered_within.items()
        if column not in expressions and column not in columns and column not in present
        and not config.get('distinct') %}
        {% set partition = ('(' ~ expressions[within] ~ ')') if within in expressions
            else quote_identifier(columns.get(within, within) | string) %}
        {% do expressions.update({column:
            'row_number() over (partition by ' ~ partition ~ ' order by source_row_number)'}) %}
        {% do problems.append(raw_problem('note',
            table_name ~ " has no " ~ column ~ ": the rows of each " ~ within
            ~ " are numbered in file order (map var raw_tables." ~ table_name ~ ".columns."
            ~ column ~ " if the file has them).")) %}
    {% endfor %}
    {% set effective = {} %}
    {% do effective.update(config) %}
    {% do effective.update({'expressions': expressions}) %}
    {{ return({'config': effective, 'problems': problems}) }}
{% endmacro %}


{#- An optional table without a file: no rows, the contract columns and the added
    ones, all typed as the registered views type them. -#}
{% macro empty_raw_table(spec) %}
    {% set columns = [] %}
    {% for column in spec.columns %}{% do columns.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ quote_identifier(column)) %}{% endfor %}
    {{ return("select " ~ columns | join(', ')
        ~ ", cast(null as bigint) as source_row_number, cast(null as " ~ dbt.type_string() ~ ") as source_file where false") }}
{% endmacro %}
