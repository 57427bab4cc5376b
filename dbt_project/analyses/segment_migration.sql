-- Movement between segments from the previous run to the latest one:
-- one row per (from, to) pair with the number of customers.
with

runs as (

    select run_id, run_started_at,
        row_number() over (order by run_started_at desc, run_id desc) as recency_rank
    from (select distinct run_id, run_started_at from {{ ref('segment_history') }}) as distinct_runs

),

latest as (

    select history.customer_id, history.segment_name
    from {{ ref('segment_history') }} as history
    inner join runs on history.run_id = runs.run_id and runs.recency_rank = 1

),

previous as (

    select history.customer_id, history.segment_name
    from {{ ref('segment_history') }} as history
    inner join runs on history.run_id = runs.run_id and runs.recency_rank = 2

)

select
    coalesce(previous.segment_name, '(new customer)') as from_segment,
    coalesce(latest.segment_name, '(gone)') as to_segment,
    count(*) as customers
from previous
full outer join latest on previous.customer_id = latest.customer_id
group by 1, 2
order by 1, 2
