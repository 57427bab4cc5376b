-- Score any table with the feature columns against the stored model, in pure SQL,
-- without refitting. Replace ref('customer_features') with your relation.
select
    scored.customer_id,
    scored.segment_id,
    segments.segment_name,
    scored.distance_to_centroid
from ({{ assign_segment(ref('customer_features')) }}) as scored
inner join {{ ref('segments') }} as segments
    on scored.segment_id = segments.segment_id
