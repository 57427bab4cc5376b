{#- Movement between segments from the previous build to this one: one row per
    (from, to) pair with its customers. A null from_segment_id is a customer new in
    this build, a null to_segment_id one who is gone. The previous build is the latest
    other run in segment_history (ties: the larger run_id); on the first build there
    is none and the table is empty. segment_runs and the report read it. -#}
with

segment_history as (

    select * from {{ ref('segment_history') }}

),

previous_run_id as (

    select run_id
    from (select distinct run_id, run_started_at from segment_history) as runs
    where run_id != '{{ invocation_id }}'
    order by run_started_at desc, run_id desc
    limit 1

),

this_run as (

    select customer_id, segment_id, segment_name from segment_history
    where run_id = '{{ invocation_id }}'

),

previous_run as (

    select segment_history.customer_id, segment_history.segment_id, segment_history.segment_name
    from segment_history
    inner join previous_run_id
        on segment_history.run_id = previous_run_id.run_id

),

final as (

    select
        '{{ invocation_id }}' as run_id,
        (select run_id from previous_run_id) as previous_run_id,
        previous_run.segment_id as from_segment_id,
        max(previous_run.segment_name) as from_segment_name,
        this_run.segment_id as to_segment_id,
        max(this_run.segment_name) as to_segment_name,
        count(*) as customers
    from previous_run
    full outer join this_run
        on previous_run.customer_id = this_run.customer_id
    group by previous_run.segment_id, this_run.segment_id

)

select * from final
