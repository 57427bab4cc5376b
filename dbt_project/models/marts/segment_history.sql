{#- Each run's assignment of every customer, appended: movement between segments
    from one run to the next is marts.segment_migration. -#}
{{ config(materialized='incremental', on_schema_change='fail') }}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

stamped as (

    select
        '{{ invocation_id }}' as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_started_at,
        customer_id,
        segment_id,
        segment_name,
        model_id
    from customer_segments

)

select * from stamped
