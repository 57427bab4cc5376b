-- Each segment with its size, value and what to do, largest first.
select
    segment_id,
    segment_name,
    customer_count,
    round(100 * share_of_customers, 1) as pct_customers,
    round(100 * share_of_revenue, 1) as pct_revenue,
    recommended_action
from {{ ref('segments') }}
order by customer_count desc
