-- title: One segment's customers with their features (here segment {{ segment_id }}, {{ segment_name }})
-- returns: customer_id, segment_id, segment_name, segment_kind
select *
from marts.segment_members
where segment_id = {{ segment_id }};
