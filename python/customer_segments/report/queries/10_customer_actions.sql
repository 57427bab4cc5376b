-- title: Every customer's segment and what to do with it
-- returns: customer_id, segment_id, segment_name, recommended_action
select
    customer_segments.customer_id,
    customer_segments.segment_id,
    customer_segments.segment_name,
    segments.recommended_action
from marts.customer_segments
inner join marts.segments
    on customer_segments.segment_id = segments.segment_id
order by customer_segments.customer_id;
