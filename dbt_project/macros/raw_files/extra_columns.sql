{#- The extra numeric customer attributes of var raw_tables.customers.extra_columns:
    their SQL names, labels, and what is wrong with the setting. -#}

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
    label the name is made readable. Items without a column are left out here
    (extra_column_problems reports them). -#}
{% macro extra_column_specs(customers=none) %}
    {% if customers is none %}
        {% set customers = raw_table_config('customers') %}
    {% endif %}
    {% set items = customers.get('extra_columns') or [] %}
    {#- Not a list: raw_mapping_problems stops check and the build on it. -#}
    {% set items = items if is_list(items) else [] %}
    {% set specs = [] %}
    {% for item in items %}
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


{#- The extra customer attributes as the column names they get in staging and in
    marts.customer_features. -#}
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


{#- The problems (raw_problem) of the customers mapping's extra_columns: an item
    without a column, a name without letters or digits, a name that a contract
    column or another column of the project already has, two items with one name. -#}
{% macro extra_column_problems(config) %}
    {% set setting = "var raw_tables.customers.extra_columns" %}
    {% set problems = [] %}
    {% set contract = raw_contract().customers %}
    {% set taken = {} %}
    {% for name in contract.added_columns %}{% do taken.update({name: 'raw.customers'}) %}{% endfor %}
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
            {% do problems.append(raw_problem('error',
                setting ~ " item " ~ item | tojson ~ " is not a column: write the column name, or "
                ~ "{column: <column name>, label: <text>}.")) %}
        {% elif column is none or not (column | string | trim) %}
            {% do problems.append(raw_problem('error', setting ~ " has an empty item: remove it.")) %}
        {% else %}
            {% set column = column | string %}
            {% set name = safe_name(column) %}
            {% if not name %}
                {% do problems.append(raw_problem('error',
                    setting ~ ": '" ~ column ~ "' has no letters or digits to name a column: "
                    ~ "rename it in the export, or leave it out.")) %}
            {% elif name in contract.columns %}
                {% do problems.append(raw_problem('error',
                    setting ~ ": '" ~ column ~ "' becomes the column " ~ name ~ ", which is a contract "
                    ~ "column of customers: map it with var raw_tables.customers.columns." ~ name
                    ~ ", or leave it out of extra_columns.")) %}
            {% elif name in taken %}
                {% do problems.append(raw_problem('error',
                    setting ~ ": '" ~ column ~ "' becomes the column " ~ name ~ ", which is already a "
                    ~ "column of " ~ taken[name] ~ ": leave it out of extra_columns.")) %}
            {% elif name in seen %}
                {% do problems.append(raw_problem('error',
                    setting ~ ": '" ~ seen[name] ~ "' and '" ~ column ~ "' both become the column "
                    ~ name ~ ": leave one of them out.")) %}
            {% else %}
                {% do seen.update({name: column}) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
