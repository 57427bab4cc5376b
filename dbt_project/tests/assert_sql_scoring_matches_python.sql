-- The SQL scoring macro assigns every clustered customer exactly the segment the
-- Python step assigned. Returns the customers where they disagree (none, or the test
-- fails). Customers of a rule segment are not clustered, so not scored.
with

clustered as (

    select * from {{ ref('customer_features') }}
    where segment_rule is null

),

scored_in_sql as (

    {{ assign_segment('clustered') }}

)

select
    customer_segments.customer_id,
    customer_segments.segment_id as python_segment_id,
    scored_in_sql.segment_id as sql_segment_id,
    customer_segments.distance_to_centroid as python_distance,
    scored_in_sql.distance_to_centroid as sql_distance
from {{ ref('customer_segments') }} as customer_segments
left join scored_in_sql
    on customer_segments.customer_id = scored_in_sql.customer_id
where customer_segments.segment_kind = 'cluster' and (
    scored_in_sql.segment_id is null
    or scored_in_sql.segment_id != customer_segments.segment_id
    or abs(scored_in_sql.distance_to_centroid - customer_segments.distance_to_centroid) > 1e-9)
