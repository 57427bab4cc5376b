{#- Text to a timestamp with the first of `formats` (strptime codes, as the vars
    date_formats and timestamp_formats write them) that reads it; null when none
    does. The value is not trimmed here. -#}
{% macro parse_datetime(expression, formats) -%}
    {{- return(adapter.dispatch('parse_datetime')(expression, formats)) -}}
{%- endmacro %}

{#- DuckDB tries a list of formats in one call. -#}
{% macro duckdb__parse_datetime(expression, formats) -%}
    {%- set quoted = [] -%}
    {%- for format in formats -%}{%- do quoted.append(sql_string(format)) -%}{%- endfor -%}
    try_strptime({{ expression }}, [{{ quoted | join(', ') }}])
{%- endmacro %}

{#- Spark: one try_to_timestamp per format, the first non-null wins. -#}
{% macro spark__parse_datetime(expression, formats) -%}
    {%- set tries = [] -%}
    {%- for format in formats -%}
        {%- do tries.append('try_to_timestamp(' ~ expression ~ ', ' ~ sql_string(spark_datetime_pattern(format)) ~ ')') -%}
    {%- endfor -%}
    {{- tries[0] if tries | length == 1 else 'coalesce(' ~ tries | join(', ') ~ ')' -}}
{%- endmacro %}


{#- A strptime format as a Spark datetime pattern: %Y-%m-%dT%H:%M -> y-M-d'T'H:m.
    One letter per number, as DuckDB's strptime reads one or two digits (2023-1-5)
    and any number of year digits; letters of the text are quoted. Numbers with no
    separator between them (%Y%m%d: 19970315) have fixed widths, as they must to be
    told apart: yyyyMMdd. A code Spark has no equivalent for stops the build with the
    format it is in. -#}
{% macro spark_datetime_pattern(format) -%}
    {%- set codes = {'Y': 'y', 'y': 'yy', 'm': 'M', 'd': 'd', 'H': 'H', 'I': 'h', 'M': 'm',
                     'S': 's', 'f': 'SSSSSS', 'p': 'a', 'b': 'MMM', 'B': 'MMMM', 'a': 'EEE',
                     'A': 'EEEE', 'j': 'D', 'z': 'Z'} -%}
    {%- set fixed = {'Y': 'yyyy', 'm': 'MM', 'd': 'dd', 'H': 'HH', 'I': 'hh', 'M': 'mm', 'S': 'ss'} -%}
    {%- set tokens = modules.re.findall('%.|[A-Za-z\']+|[^%A-Za-z\']+', format | string) -%}
    {%- set parts = [] -%}
    {%- for token in tokens -%}
        {%- set touching = (not loop.first and tokens[loop.index0 - 1].startswith('%'))
            or (not loop.last and tokens[loop.index0 + 1].startswith('%')) -%}
        {%- if token.startswith('%') and touching and token[1:] in fixed -%}{%- do parts.append(fixed[token[1:]]) -%}
        {%- elif token.startswith('%') and token[1:] in codes -%}{%- do parts.append(codes[token[1:]]) -%}
        {%- elif token == '%%' -%}{%- do parts.append('%') -%}
        {%- elif token.startswith('%') -%}
            {%- do exceptions.raise_compiler_error(
                "Date format '" ~ format ~ "' uses " ~ token ~ ", which Spark cannot read: "
                ~ "use %Y %y %m %d %H %I %M %S %f %p %b %B %a %A %j %z in date_formats and timestamp_formats.") -%}
        {%- elif modules.re.match('[A-Za-z\']', token) -%}{%- do parts.append("'" ~ token | replace("'", "''") ~ "'") -%}
        {%- else -%}{%- do parts.append(token) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(parts | join('')) -}}
{%- endmacro %}
