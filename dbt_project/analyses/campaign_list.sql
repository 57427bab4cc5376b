-- A campaign list for one segment: each customer with their e-mail and the products
-- to put in the e-mail, best first, with why. Change the segment id to target another.
-- `dbt compile --select campaign_list` writes the SQL to run under target/compiled/.
select
    customer_recommendations.customer_id,
    customer_features.email,
    customer_recommendations.segment_id,
    segments.segment_name,
    {{ dbt.listagg(
        "coalesce(customer_recommendations.product_name, customer_recommendations.product_id)",
        "' | '", "order by customer_recommendations.recommendation_rank") }} as products,
    {{ dbt.listagg("customer_recommendations.reason", "' | '",
        "order by customer_recommendations.recommendation_rank") }} as reasons
from {{ ref('customer_recommendations') }} as customer_recommendations
inner join {{ ref('customer_features') }} as customer_features
    on customer_recommendations.customer_id = customer_features.customer_id
inner join {{ ref('segments') }} as segments
    on customer_recommendations.segment_id = segments.segment_id
where customer_recommendations.segment_id = 1
group by
    customer_recommendations.customer_id,
    customer_features.email,
    customer_recommendations.segment_id,
    segments.segment_name
order by customer_recommendations.customer_id
