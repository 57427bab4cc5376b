{#- var recommendations_per_customer products per customer (fewer only when the
    offers run out), set-based, from marts.segment_product_affinity:
      - first the products of the customer's segment with lift above 1 (enough buyers),
        best lift first: basis 'lift', score = the product's lift in the segment;
      - then the population's best sellers: basis 'best_seller', score = the share of
        clustered customers who bought it. A rule segment (no purchase yet) gets only
        these.
    "Never ordered" means in no accepted order of any status (int_customer_products),
    so a cancelled or returned product is not offered again. -#}
with

customer_segments as (

    select customer_id, segment_id, segment_kind from {{ ref('customer_segments') }}

),

{#- Each segment's offers in the order they are made: its lift list, then the best
    sellers not already in it (one small table, before any customer is joined), with
    each offer's score and reason, written once per offer, not once per customer. -#}
offers as (

    select
        *,
        row_number() over (
            partition by segment_id order by basis_order, affinity_rank
        ) as offer_order,
        case basis when 'lift' then lift else population_share_of_buyers end as score,
        case basis
            when 'lift' then {{ dbt.concat([
                "'bought by '", percent_text('segment_share_of_buyers'), "'% of segment '",
                "cast(segment_id as " ~ dbt.type_string() ~ ")", "' ('", "segment_name", "'): '",
                "cast(round(lift, 1) as " ~ dbt.type_string() ~ ")", "'x the share among all buyers'",
            ]) }}
            else {{ dbt.concat([
                "'a best seller: bought by '", percent_text('population_share_of_buyers'),
                "'% of all buyers'",
            ]) }}
        end as reason
    from (
        select
            *,
            case basis when 'lift' then 1 else 2 end as basis_order,
            row_number() over (
                partition by segment_id, product_id
                order by case basis when 'lift' then 1 else 2 end
            ) as product_occurrence
        from {{ ref('segment_product_affinity') }}
    ) as listed
    where product_occurrence = 1

),

{#- Each segment's offers by their product x category keys (int_product_categories):
    a few hundred rows. -#}
offered_pairs as (

    select offers.segment_id, offers.offer_order, pairs.product_category_key
    from offers
    inner join {{ ref('int_product_categories') }} as pairs
        on offers.product_id = pairs.product_id

),

{#- Every customer's integer key beside its segment and id, as one relation, so that
    the tens of millions of customer x product rows below meet their customers on two
    integers. The grouping (one row per customer already) keeps it one relation:
    without it DuckDB joined those rows to the customer keys first and then to the
    segments on the id text (the model took 5.0 s on the dense benchmark, 4.0 s with
    it, the same rows). -#}
members as (

    select customers.customer_key, customer_segments.segment_id, customer_segments.customer_id
    from customer_segments
    inner join ({{ customer_keys() }}) as customers
        on customer_segments.customer_id = customers.customer_id
    group by customers.customer_key, customer_segments.segment_id, customer_segments.customer_id

),

{#- The offers each customer has already ordered: a join to the customer's own
    products, so it is as small as what they bought from their segment's list. -#}
already_ordered as (

    select distinct members.customer_id, offered_pairs.offer_order
    from {{ ref('int_customer_products') }} as products
    inner join offered_pairs
        on products.product_category_key = offered_pairs.product_category_key
    inner join members
        on products.customer_key = members.customer_key
        and offered_pairs.segment_id = members.segment_id

),

skipped as (

    select customer_id, count(*) as offers_ordered
    from already_ordered
    group by customer_id

),

{#- A customer's first N offers they have not ordered lie among their first
    N + (offers they ordered) offers: only those are joined, not the whole list. -#}
candidates as (

    select customer_segments.customer_id, customer_segments.segment_id, offers.offer_order
    from customer_segments
    left join skipped
        on customer_segments.customer_id = skipped.customer_id
    inner join offers
        on customer_segments.segment_id = offers.segment_id
        and offers.offer_order
            <= {{ var('recommendations_per_customer') }} + coalesce(skipped.offers_ordered, 0)
    left join already_ordered
        on customer_segments.customer_id = already_ordered.customer_id
        and offers.offer_order = already_ordered.offer_order
    where already_ordered.customer_id is null

),

{#- Each customer's first N offers they have not ordered, numbered in offer order:
    the window runs over three narrow columns, and the offer's text is joined after. -#}
ranked as (

    select
        customer_id,
        segment_id,
        offer_order,
        cast(row_number() over (
            partition by customer_id order by offer_order
        ) as bigint) as recommendation_rank  -- bigint on every engine (Spark: int)
    from candidates

),

final as (

    select
        ranked.customer_id,
        ranked.segment_id,
        ranked.recommendation_rank,
        offers.product_id,
        offers.product_name,
        offers.category,
        offers.basis,
        offers.score,
        offers.reason
    from ranked
    inner join offers
        on ranked.segment_id = offers.segment_id
        and ranked.offer_order = offers.offer_order
    where ranked.recommendation_rank <= {{ var('recommendations_per_customer') }}

)

select * from final
