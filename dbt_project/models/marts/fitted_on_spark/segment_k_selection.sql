{#- On Spark: the table the fit step wrote (python/customer_segments/sparkfit.py),
    published as the DuckDB Python model marts/segment_k_selection.py is. -#}
{{ config(enabled=target.type == 'spark') }}

select * from {{ source('fitted', 'segment_k_selection') }}
