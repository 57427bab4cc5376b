{#- The clustering settings of this run as far as Jinja knows them: the project's own
    `segments:` (dbt_project.yml) with a run's `--vars segments` laid over it key by
    key, as python/customer_segments/settings.py merges them (its docstring says why).
    The defaults are not here: a key absent from the result takes its default from
    SegmentSettings.

    dbt does not merge nested vars: with --vars segments, var('segments') is the run's
    dict alone and the project's is nowhere in the context. Then the project's dict is
    read from its dbt_project.yml (project_segments), which needs a query: while dbt
    only parses, or on an engine without project_segments, the result is the run's
    dict alone. -#}
{% macro segment_settings() %}
    {% set given = var('segments', {}) or {} %}
    {% set run_vars = invocation_args_dict.get('vars') or {} %}
    {% if run_vars is not mapping or 'segments' not in run_vars %}{{ return(given) }}{% endif %}
    {% set merged = {} %}
    {% do merged.update(project_segments()) %}
    {% do merged.update(given if given is mapping else {}) %}
    {{ return(merged) }}
{% endmacro %}


{#- The `segments:` under `vars:` in the dbt_project.yml of the project being built,
    as written ({} when it writes none, or when it cannot be read without a query). -#}
{% macro project_segments() %}
    {{ return(adapter.dispatch('project_segments')()) }}
{% endmacro %}

{% macro default__project_segments() %}
    {{ return({}) }}
{% endmacro %}

{#- DuckDB reads the file itself (read_text). -#}
{% macro duckdb__project_segments() %}
    {% if not execute %}{{ return({}) }}{% endif %}
    {% set path = (invocation_args_dict.get('project_dir') or '.') ~ '/dbt_project.yml' %}
    {% set rows = run_query(
        "select content from read_text(" ~ sql_file_path(path) ~ ")").rows %}
    {% if rows | length != 1 %}
        {% do exceptions.raise_compiler_error(
            "segment_settings: cannot read " ~ path ~ " to merge --vars segments with it.") %}
    {% endif %}
    {{ return(segments_of_project_yml(rows[0][0])) }}
{% endmacro %}

{#- Spark reads it with its text source, one row per line, in order (one small
    file is one partition). -#}
{% macro spark__project_segments() %}
    {% if not execute %}{{ return({}) }}{% endif %}
    {% set path = (invocation_args_dict.get('project_dir') or '.') ~ '/dbt_project.yml' %}
    {% set lines = run_query("select value from text." ~ quote_identifier(literal_path(path))).columns[0].values() %}
    {{ return(segments_of_project_yml(lines | join('\n'))) }}
{% endmacro %}

{#- The segments: under vars: of a dbt_project.yml's text. -#}
{% macro segments_of_project_yml(text) %}
    {% set project = fromyaml(text) or {} %}
    {{ return((project.get('vars') or {}).get('segments') or {}) }}
{% endmacro %}
