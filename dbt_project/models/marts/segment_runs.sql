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

this_run as (

    select * from segment_history
    where run_id = '{{ invocation_id }}'

),

previous_run_id as (

    select run_id
    from (select distinct run_id, run_started_at from segment_history) as runs
    where run_id != '{{ invocation_id }}'
    order by run_started_at desc, run_id desc
    limit 1

),

previous_run as (

    select segment_history.*
    from segment_history
    inner join previous_run_id
        on segment_history.run_id = previous_run_id.run_id

),

compared as (

    select
        count(*) as customers_in_both_runs,
        count(case when previous_run.segment_id = this_run.segment_id then 1 end)
            as customers_kept_segment
    from this_run
    inner join previous_run
        on this_run.customer_id = previous_run.customer_id

),

final as (

    select
        '{{ invocation_id }}' as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_started_at,
        '{{ var("segments_mode") }}' as segments_mode,
        segment_centroids.model_id,
        segment_centroids.k,
        segment_centroids.stability_ari,
        (select count(*) from this_run) as customers,
        (select run_id from previous_run_id) as previous_run_id,
        compared.customers_in_both_runs,
        cast(compared.customers_kept_segment as double)
            / nullif(compared.customers_in_both_runs, 0) as kept_segment_share
    from segment_centroids
    cross join compared

)

select * from final
