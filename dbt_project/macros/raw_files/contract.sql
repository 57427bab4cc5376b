{#- The raw contract as the source `raw` states it (models/staging/_raw__sources.yml,
    the one place it is written; customer_segments.contract reads the same file):
    {table: {required, columns, required_columns, parsed_as, added_columns,
    when_missing, references, numbered_within}}, in the file's order. From dbt's
    graph, so only at execution time ({} while parsing). -#}
{% macro raw_contract() %}
    {% set contract = {} %}
    {% if not execute %}{{ return(contract) }}{% endif %}
    {% for node in raw_source_nodes() %}
        {% set spec = {'required': node.meta.get('required'), 'columns': [], 'required_columns': [],
                       'parsed_as': {}, 'added_columns': [], 'when_missing': {}, 'references': {},
                       'numbered_within': {}} %}
        {% if spec.required is none %}
            {% do exceptions.raise_compiler_error(
                node.original_file_path ~ ": table raw." ~ node.name ~ " has no meta.required.") %}
        {% endif %}
        {% for column in node.columns.values() %}
            {% set meta = column.meta or {} %}
            {% if meta.get('added') %}
                {% do spec.added_columns.append(column.name) %}
            {% elif meta.get('required') is none %}
                {% do exceptions.raise_compiler_error(
                    node.original_file_path ~ ": column " ~ column.name ~ " of raw." ~ node.name
                    ~ " has no meta.required.") %}
            {% else %}
                {% do spec.columns.append(column.name) %}
                {% if meta.required %}{% do spec.required_columns.append(column.name) %}{% endif %}
                {% if meta.get('parsed_as') %}{% do spec.parsed_as.update({column.name: meta.parsed_as}) %}{% endif %}
                {% if meta.get('when_missing') %}{% do spec.when_missing.update({column.name: meta.when_missing}) %}{% endif %}
                {% if meta.get('references') %}{% do spec.references.update({column.name: meta.references}) %}{% endif %}
                {% if meta.get('numbered_within') %}{% do spec.numbered_within.update({column.name: meta.numbered_within}) %}{% endif %}
            {% endif %}
        {% endfor %}
        {% do contract.update({node.name: spec}) %}
    {% endfor %}
    {{ return(contract) }}
{% endmacro %}


{#- How the source `raw` reads a file: {file_formats: {ending: reader}, csv_options}. -#}
{% macro raw_reading() %}
    {% set meta = {} %}
    {% for node in raw_source_nodes() %}{% do meta.update(node.source_meta or {}) %}{% endfor %}
    {{ return({'file_formats': meta.get('file_formats') or {}, 'csv_options': meta.get('csv_options') or {}}) }}
{% endmacro %}


{#- The tables of the source `raw` of this project, as graph nodes. -#}
{% macro raw_source_nodes() %}
    {% set nodes = [] %}
    {% if not execute %}{{ return(nodes) }}{% endif %}
    {% for node in graph.sources.values()
        if node.source_name == 'raw' and node.package_name == project_name %}
        {% do nodes.append(node) %}
    {% endfor %}
    {{ return(nodes) }}
{% endmacro %}
