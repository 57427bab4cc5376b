{#- Every accepted customer's segment with every feature: the one join of
    customer_segments to customer_features that marts.segments,
    segment_composition, the affinity marts and the report read. A view, so the
    features are not copied. -#}
{{ config(materialized='view') }}

select
    customer_segments.segment_id,
    customer_segments.segment_name,
    customer_segments.segment_kind,
    customer_segments.model_id,
    customer_features.*
from {{ ref('customer_segments') }} as customer_segments
inner join {{ ref('customer_features') }} as customer_features
    on customer_segments.customer_id = customer_features.customer_id
