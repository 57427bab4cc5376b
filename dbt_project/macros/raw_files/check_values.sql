{#- The parse staging applies to a typed contract column (its meta.parsed_as in the
    source `raw`), as SQL over the text column; none for a text column. -#}
{% macro raw_parsed(column, parsed_as, decimal='.') %}
    {% if parsed_as == 'integer' %}{{ return(parse_number(column, 'integer', decimal)) }}
    {% elif parsed_as == 'decimal' %}{{ return(parse_number(column, decimal=decimal)) }}
    {% elif parsed_as == 'double' %}{{ return(parse_number(column, 'double', decimal)) }}
    {% elif parsed_as == 'date' %}{{ return(parse_date(column)) }}
    {% elif parsed_as == 'timestamp' %}{{ return(parse_timestamp(column)) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}


{#- For `customer-segments check`: the values of raw.<table> that staging will not
    read. A typed column in which no value parses is an error (a wrong format or a
    wrong column, not dirt: the problem names the var to fix); one where only some
    fail is a warning (they will be rejected or set to null and logged). The extra
    columns count as numbers. `rows` is the table's row count. -#}
{% macro raw_value_problems(table_name, spec, extras, rows) %}
    {% set setting = "var raw_tables." ~ table_name %}
    {% set problems = [] %}
    {% set typed = [] %}
    {% for column, parsed_as in spec.parsed_as.items() %}
        {% do typed.append({'column': column, 'parsed_as': parsed_as, 'shown': column, 'extra': false}) %}
    {% endfor %}
    {% for extra in extras %}
        {% do typed.append({'column': extra.name, 'parsed_as': 'double', 'extra': true,
                            'shown': extra.name ~ " (extra column '" ~ extra.column ~ "')"}) %}
    {% endfor %}
    {% for item in typed %}
        {% set column = quote_identifier(item.column) %}
        {% set unreadable = "nullif(trim(" ~ column ~ "), '') is not null and "
            ~ raw_parsed(column, item.parsed_as, decimal_separator(table_name)) ~ " is null" %}
        {% set bad = run_query(
            "select count(*) filter (where nullif(trim(" ~ column ~ "), '') is not null), "
            ~ "count(*) filter (where " ~ unreadable ~ "), "
            ~ "any_value(" ~ column ~ ") filter (where " ~ unreadable ~ ") from raw."
            ~ quote_identifier(table_name)) %}
        {% set given = bad.columns[0].values()[0] %}
        {% set count = bad.columns[1].values()[0] %}
        {% set is_date = item.parsed_as in ('date', 'timestamp') %}
        {% set kind = "a date" if is_date else "a number" %}
        {% set sample = bad.columns[2].values()[0] %}
        {% set example = " (for example '" ~ sample ~ "')" %}
        {#- "12,50" or "1.234,56" in a table read with the decimal point -#}
        {% set decimal_comma = not is_date and decimal_separator(table_name) == '.'
            and modules.re.fullmatch('[-+]?[0-9.]*[0-9],[0-9]+',
                                     modules.re.sub('[' ~ number_symbols() ~ ']', '', (sample or '') | string)) %}
        {% set decimal_fix = "if ',' is its decimal separator, set " ~ setting ~ ".decimal_separator to ','" %}
        {% if count > 0 and count == given %}
            {% if decimal_comma %}
                {% set fix = decimal_fix %}
            {% elif is_date %}
                {% set formats_var = item.parsed_as ~ '_formats' %}
                {% set fix = "add their format to the var " ~ formats_var ~ " (strptime codes; it has: "
                    ~ var(formats_var) | join(', ') ~ ")" %}
                {% set readers = formats_reading_every_value(table_name, column) %}
                {% if readers | length == 1 %}
                    {% set fix = fix ~ "; '" ~ readers[0] ~ "' reads every one of them" %}
                {% elif readers %}
                    {% set fix = fix ~ "; '" ~ readers | join("' and '")
                        ~ "' each read every one of them: add the one your export writes" %}
                {% endif %}
            {% elif not item.extra %}
                {% set fix = "map the column that holds it with " ~ setting ~ ".columns." ~ item.column
                    ~ " or compute it with " ~ setting ~ ".expressions." ~ item.column %}
            {% else %}
                {% set fix = "leave this column out of " ~ setting ~ ".extra_columns (only numbers can be features)" %}
            {% endif %}
            {% do problems.append(raw_problem('error',
                table_name ~ "." ~ item.shown ~ ": none of the " ~ given
                ~ " non-empty values can be read as " ~ kind ~ example ~ ": " ~ fix ~ ".")) %}
        {% elif count > 0 %}
            {% do problems.append(raw_problem('warning',
                table_name ~ "." ~ item.shown ~ ": " ~ count ~ " of " ~ rows
                ~ " values cannot be read as " ~ kind ~ example
                ~ "; they will be rejected or set to null and logged"
                ~ (" (" ~ decimal_fix ~ ")" if decimal_comma else "") ~ ".")) %}
        {% endif %}
        {% if is_date and item.column in date_bounds() and count < given %}
            {% do problems.extend(raw_date_range_problems(
                table_name, item.column, raw_parsed(column, item.parsed_as), given - count)) %}
        {% endif %}
    {% endfor %}
    {% if table_name == 'orders' %}{% do problems.extend(raw_status_problems(rows)) %}{% endif %}
    {{ return(problems) }}
{% endmacro %}


{#- For `customer-segments check`: the order states validation will not read
    (normalise_status), which reject their orders as unrecognised_status. None read
    is an error (a shop system's own states, such as 'abgeschlossen' or
    'wc-completed': every order would be rejected); some is a warning. Both show the
    commonest unread values and the spellings that are read. -#}
{% macro raw_status_problems(rows) %}
    {% set status = quote_identifier('status') %}
    {#- One pass: the unread values grouped (every empty one in the null group), their
        total beside each group, the commonest four: three examples besides that group. -#}
    {% set unread = run_query(
        "select value, n, sum(n) over () as total from (select " ~ clean_text(status)
        ~ " as value, count(*) as n from raw.orders where " ~ normalise_status(status)
        ~ " is null group by " ~ clean_text(status) ~ ") as unread_values "
        ~ "order by n desc, value limit 4").rows %}
    {% if not unread %}{{ return([]) }}{% endif %}
    {% set count = unread[0][2] %}
    {% set examples = [] %}
    {% for value, n, total in unread if value is not none and examples | length < 3 %}
        {% do examples.append("'" ~ value ~ "' (" ~ n ~ ")") %}
    {% endfor %}
    {% set read = [] %}
    {% for state, spellings in status_spellings().items() %}
        {% do read.append(spellings | join(', ') ~ " as " ~ state) %}
    {% endfor %}
    {% set what = "orders.status: " ~ (("none of the " ~ rows ~ " values is") if count == rows
        else (count ~ " of " ~ rows ~ " values are not")) ~ " an order state this project reads ("
        ~ ("for example " ~ examples | join(', ') if examples else "all empty")
        ~ "; it reads " ~ read | join('; ') ~ ")" %}
    {% set source = (raw_table_config('orders').get('columns') or {}).get('status', 'status') %}
    {% set fix = "map them with var raw_tables.orders.expressions.status, for example \"case "
        ~ source ~ " when '...' then 'completed' ... end\"" %}
    {% if count == rows %}
        {{ return([raw_problem('error', what ~ ": " ~ fix ~ "; else every order is rejected.")]) }}
    {% endif %}
    {{ return([raw_problem('warning', what ~ ": they will be rejected as unrecognised_status; "
        ~ "to keep them, " ~ fix ~ ".")]) }}
{% endmacro %}


{#- The contract's dates that validation bounds (macro is_date_out_of_range): the
    var holding the earliest plausible date, and what becomes of a value outside. -#}
{% macro date_bounds() %}
    {{ return({
        'order_date': {'var': 'min_order_date', 'outcome': 'rejected as order_date_out_of_range'},
        'birth_date': {'var': 'min_birth_date', 'outcome': 'set to null and logged as birth_date_out_of_range'},
    }) }}
{% endmacro %}


{#- For `customer-segments check`: the readable values of raw.<table>.<column>
    (quoted; `parsed` is its parse) that validation will refuse as out of range:
    an error when every readable value is (a wrong var or format, not dirt), else a
    warning; the earliest value says which min_ date would keep them. -#}
{% macro raw_date_range_problems(table_name, column, parsed, readable) %}
    {% set bound = date_bounds()[column] %}
    {% set earliest = var(bound.var) %}
    {% set found = run_query(
        "select count(*) filter (where " ~ is_date_out_of_range(parsed, bound.var) ~ "), "
        ~ "cast(min(" ~ parsed ~ ") as date), cast(max(" ~ parsed ~ ") as date) from raw."
        ~ quote_identifier(table_name)) %}
    {% set count = found.columns[0].values()[0] %}
    {% if count == 0 %}{{ return([]) }}{% endif %}
    {% set first, last = found.columns[1].values()[0], found.columns[2].values()[0] %}
    {% set fix = "if they are real, set var " ~ bound.var ~ " to a date before " ~ first
        if first | string < earliest | string else "" %}
    {{ return([raw_problem('error' if count == readable else 'warning',
        table_name ~ "." ~ column ~ ": " ~ count ~ " of " ~ readable ~ " dates are before var "
        ~ bound.var ~ " (" ~ earliest ~ ") or in the future (they run from " ~ first ~ " to "
        ~ last ~ "); they will be " ~ bound.outcome ~ ("; " ~ fix if fix else "") ~ ".")]) }}
{% endmacro %}


{#- Common date formats that var date_formats and timestamp_formats leave out by
    default, for the check's hint: US and day-first dates with a slash, two-digit
    years, names of months, compact dates (19970315). Each must read on DuckDB and on Spark
    (spark_datetime_pattern). -#}
{% macro date_format_candidates() %}
    {{ return([
        '%m/%d/%Y', '%d/%m/%Y', '%m/%d/%Y %H:%M', '%d/%m/%Y %H:%M',
        '%m/%d/%Y %H:%M:%S', '%d/%m/%Y %H:%M:%S', '%m/%d/%y', '%d/%m/%y',
        '%m/%d/%y %H:%M', '%d/%m/%y %H:%M', '%d-%m-%Y', '%m-%d-%Y', '%d.%m.%Y %H:%M:%S',
        '%d %b %Y', '%b %d, %Y', '%d-%b-%Y', '%d-%b-%y', '%Y%m%d',
    ]) }}
{% endmacro %}


{#- The formats of date_format_candidates() that read every non-empty value of
    raw.<table>.<column> (quoted): one query, a count per format. -#}
{% macro formats_reading_every_value(table_name, column) %}
    {% set candidates = date_format_candidates() %}
    {% set counts = [] %}
    {% for format in candidates %}
        {% do counts.append("count(*) filter (where nullif(trim(" ~ column ~ "), '') is not null and "
            ~ parse_datetime("trim(" ~ column ~ ")", [format]) ~ " is null)") %}
    {% endfor %}
    {% set unread = run_query("select " ~ counts | join(', ') ~ " from raw." ~ quote_identifier(table_name)) %}
    {% set readers = [] %}
    {% for format in candidates %}
        {% if unread.columns[loop.index0].values()[0] == 0 %}{% do readers.append(format) %}{% endif %}
    {% endfor %}
    {{ return(readers) }}
{% endmacro %}


{#- For `customer-segments check`: each id column that must match another table's
    (meta.references in the raw contract: an order's customer, a line's order),
    compared as staging reads both (clean_id). None matching is an error: the two
    files write the id differently ('1308' against 'C0001308'), or the wrong column
    is mapped, and validation would reject every row. Fewer than half matching is a
    warning. Run after every table is registered, and only then. -#}
{% macro raw_key_problems() %}
    {% set problems = [] %}
    {% for table_name, spec in raw_contract().items() %}
        {% for column, target in spec.references.items() %}
            {% set parent_table, parent_column = target.split('.') %}
            {% set parent_id = clean_id(quote_identifier(parent_column)) %}
            {% set found = run_query(
                "select count(child.id), count(child.id) - count(parent.id), "
                ~ "min(case when parent.id is null then child.id end) "
                ~ "from (select " ~ clean_id(quote_identifier(column)) ~ " as id from raw."
                ~ quote_identifier(table_name) ~ ") as child "
                ~ "left join (select distinct " ~ parent_id ~ " as id from raw."
                ~ quote_identifier(parent_table) ~ ") as parent on child.id = parent.id") %}
            {% set given, unmatched, example = found.rows[0] %}
            {#- How the other table writes its ids: read only when none matched. -#}
            {% set parent_example = run_query(
                "select min(" ~ parent_id ~ ") from raw." ~ quote_identifier(parent_table)
            ).rows[0][0] if given > 0 and unmatched == given else none %}
            {% set what = table_name ~ "." ~ column ~ ": " %}
            {% if parent_example is not none %}
                {% do problems.append(raw_problem('error',
                    what ~ "none of the " ~ given ~ " ids matches a " ~ target ~ " (" ~ table_name
                    ~ " write '" ~ example ~ "', " ~ parent_table ~ " '" ~ parent_example ~ "'): map "
                    ~ "the column that holds the same id, or write it as " ~ parent_table ~ " do with "
                    ~ "var raw_tables." ~ table_name ~ ".expressions." ~ column ~ "; else every row "
                    ~ "is rejected.")) %}
            {% elif unmatched * 2 > given %}
                {% do problems.append(raw_problem('warning',
                    what ~ unmatched ~ " of " ~ given ~ " ids match no " ~ target
                    ~ " (for example '" ~ example ~ "'); they will be rejected.")) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
