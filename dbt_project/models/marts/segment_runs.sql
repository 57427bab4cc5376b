{#- One row per build, appended: the model it used, its stability across seeds, and
    the share of customers who kept their segment since the previous build. -#}
{{ config(materialized='incremental', unique_key='run_id', on_schema_change='fail') }}

with

segment_history as (

    select * from {{ ref('segment_history') }}

),

segment_centroids as (

    select distinct model_id, k, stability_ari from {{ ref('segment_centroids') }}

),

segment_migration as (

    select * from {{ ref('segment_migration') }}

),

compared as (

    select
        max(previous_run_id) as previous_run_id,
        cast(coalesce(sum(case when from_segment_id is not null and to_segment_id is not null
            then customers end), 0) as bigint) as customers_in_both_runs,
        cast(coalesce(sum(case when from_segment_id = to_segment_id then customers end), 0)
            as bigint) as customers_kept_segment
    from segment_migration

),

final as (

    select
        '{{ invocation_id }}' as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_started_at,
        '{{ var("segments_mode") }}' as segments_mode,
        segment_centroids.model_id,
        segment_centroids.k,
        segment_centroids.stability_ari,
        (select count(*) from segment_history where run_id = '{{ invocation_id }}') as customers,
        compared.previous_run_id,
        compared.customers_in_both_runs,
        cast(compared.customers_kept_segment as double)
            / nullif(compared.customers_in_both_runs, 0) as kept_segment_share
    from segment_centroids
    cross join compared

)

select * from final
