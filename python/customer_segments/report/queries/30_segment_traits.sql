-- title: What sets each segment apart (medians against all clustered customers)
-- returns: segment_id, segment_name, trait_rank, feature_label, segment_value, population_value, direction, phrase
select segment_id, segment_name, trait_rank, feature_label,
    segment_value, population_value, direction, phrase
from marts.segment_traits
where is_material
order by segment_id, trait_rank;
