-- title: Why this number of segments
-- returns: k, prediction_strength, smallest_share, silhouette, is_eligible, is_chosen, reason
select k, prediction_strength, smallest_share, silhouette, is_eligible, is_chosen, reason
from marts.segment_k_selection
order by k;
