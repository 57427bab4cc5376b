-- title: The products to offer each customer of segment {{ segment_id }}, best first, with why
-- returns: customer_id, recommendation_rank, product_id, product_name, score, reason
select customer_id, recommendation_rank, product_id, product_name, score, reason
from marts.customer_recommendations
where segment_id = {{ segment_id }}
order by customer_id, recommendation_rank;
