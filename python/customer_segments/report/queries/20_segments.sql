-- title: The segments at a glance
-- returns: segment_id, segment_name, segment_kind, customer_count, share_of_customers, share_of_revenue, recommended_action
select segment_id, segment_name, segment_kind, customer_count, share_of_customers, share_of_revenue, recommended_action
from marts.segments
order by segment_id;
