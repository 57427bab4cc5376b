{#- Text that goes into SQL goes through a quoting macro, never between pasted quotes:
    a folder named "it's my data" must not end a string, and a crafted name must not
    run SQL of its own. String literals: sql_string (each ' doubled:
    it's -> 'it''s'); identifiers: quote_identifier; paths for DuckDB's
    readers: sql_file_path; reader option values: sql_value. -#}


{#- A value as a SQL string literal, its quotes doubled: it's -> 'it''s'. -#}
{% macro sql_string(value) -%}
    {{- return(adapter.dispatch('sql_string')(value)) -}}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    {{- return("'" ~ (value | string) | replace("'", "''") ~ "'") -}}
{%- endmacro %}

{#- Spark's string literals read backslash escapes: '\s' would be 's', a folder
    C:\new would hold a line break. Each backslash is doubled before the quotes. -#}
{% macro spark__sql_string(value) -%}
    {{- return("'" ~ (value | string) | replace("\\", "\\\\") | replace("'", "''") ~ "'") -}}
{%- endmacro %}


{#- A name as a quoted SQL identifier, each " doubled: Annual Income (k$) ->
    "Annual Income (k$)". -#}
{% macro quote_identifier(name) -%}
    {{- return(adapter.dispatch('quote_identifier')(name)) -}}
{%- endmacro %}

{% macro default__quote_identifier(name) -%}
    {{- return('"' ~ (name | string) | replace('"', '""') ~ '"') -}}
{%- endmacro %}

{#- Spark quotes names with backticks (double quotes make a string there). -#}
{% macro spark__quote_identifier(name) -%}
    {{- return('`' ~ (name | string) | replace('`', '``') ~ '`') -}}
{%- endmacro %}


{#- A path as a glob pattern that matches only itself. DuckDB's readers and glob()
    expand * ? [ anywhere in a path, so a folder "Müller [2024]" would be read as
    "Müller 2", "Müller 0" or "Müller 4"; each of the three becomes a one-character
    class ([*] [?] [[]) that matches just that character. DuckDB-specific, as the
    readers are. -#}
{% macro glob_escape(path) -%}
    {{- return(modules.re.sub('([\\[*?])', '[\\1]', path | string)) -}}
{%- endmacro %}


{#- A path for DuckDB's readers and glob(): glob-escaped, then a string literal. -#}
{% macro sql_file_path(path) -%}
    {{- return(sql_string(glob_escape(path))) -}}
{%- endmacro %}


{#- A YAML value as an SQL literal, for reader options: text quoted, true/false,
    numbers as written, lists as [..], mappings as {'key': value} (DuckDB structs). -#}
{% macro sql_value(value) -%}
    {%- if value is none -%}{{ return('null') }}
    {%- elif value is sameas true or value is sameas false -%}{{ return(value | string | lower) }}
    {%- elif value is number -%}{{ return(value | string) }}
    {%- elif value is string -%}{{ return(sql_string(value)) }}
    {%- elif value is mapping -%}
        {%- set items = [] -%}
        {%- for key, item in value.items() -%}{%- do items.append(sql_string(key) ~ ': ' ~ sql_value(item)) -%}{%- endfor -%}
        {{- return('{' ~ items | join(', ') ~ '}') -}}
    {%- else -%}
        {%- set items = [] -%}
        {%- for item in value -%}{%- do items.append(sql_value(item)) -%}{%- endfor -%}
        {{- return('[' ~ items | join(', ') ~ ']') -}}
    {%- endif -%}
{%- endmacro %}
