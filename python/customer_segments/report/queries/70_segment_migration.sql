-- title: Movement between the last two runs (no from segment: new customers; no to segment: gone)
-- returns: from_segment_id, from_segment_name, to_segment_id, to_segment_name, customers
select from_segment_id, from_segment_name, to_segment_id, to_segment_name,
    customers
from marts.segment_migration
order by from_segment_id nulls first, to_segment_id nulls first;
