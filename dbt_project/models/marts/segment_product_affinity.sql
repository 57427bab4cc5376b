{#- The products to offer each segment, two lists of var affinity_top_products:
      - basis 'lift', cluster segments only: the segment's supported products with lift
        above 1 (bought more often than by the average clustered customer), ranked by
        affinity_rank (macro segment_affinity);
      - basis 'best_seller', every segment: the population's best sellers, ranked by
        how many clustered customers bought them, with the segment's own figures where
        it has them (a rule segment bought nothing: null).
    customer_recommendations draws every recommendation from these rows: the lift list
    first, then the best sellers. -#}
with

{{ segment_affinity('product_id') }},

products as (

    select * from {{ ref('int_products') }}

),

favourites as (

    select
        segment_id,
        segment_name,
        'lift' as basis,
        product_id,
        segment_customers,
        segment_buyers,
        segment_share_of_buyers,
        segment_spend,
        segment_share_of_spend,
        population_customers,
        population_buyers,
        population_share_of_buyers,
        population_spend,
        population_share_of_spend,
        lift,
        affinity_rank
    from ranked
    where meets_min_support and lift > 1
        and affinity_rank <= {{ var('affinity_top_products') }}

),

best_sellers as (

    select
        item,
        -- bigint on every engine (Spark: int)
        cast(row_number() over (order by buyers desc, spend desc, item) as bigint) as seller_rank
    from population_items

),

{#- Every segment, rule segments included, with the population's best sellers;
    a cluster segment's own figures for them are kept (its lift may be below 1). -#}
segments as (

    select distinct segment_id, segment_name, segment_kind
    from {{ ref('customer_segments') }}

),

item_totals as (

    select distinct
        product_id, population_customers, population_buyers, population_share_of_buyers,
        population_spend, population_share_of_spend
    from ranked

),

for_everyone as (

    select
        segments.segment_id,
        segments.segment_name,
        'best_seller' as basis,
        best_sellers.item as product_id,
        ranked.segment_customers,
        ranked.segment_buyers,
        ranked.segment_share_of_buyers,
        ranked.segment_spend,
        ranked.segment_share_of_spend,
        item_totals.population_customers,
        item_totals.population_buyers,
        item_totals.population_share_of_buyers,
        item_totals.population_spend,
        item_totals.population_share_of_spend,
        ranked.lift,
        best_sellers.seller_rank as affinity_rank
    from segments
    cross join best_sellers
    inner join item_totals
        on best_sellers.item = item_totals.product_id
    left join ranked
        on segments.segment_id = ranked.segment_id
        and best_sellers.item = ranked.product_id
    where best_sellers.seller_rank <= {{ var('affinity_top_products') }}

),

final as (

    select
        offered.segment_id,
        offered.segment_name,
        offered.basis,
        offered.affinity_rank,
        offered.product_id,
        products.product_name,
        products.category,
        offered.segment_customers,
        offered.segment_buyers,
        offered.segment_share_of_buyers,
        offered.segment_spend,
        offered.segment_share_of_spend,
        offered.population_customers,
        offered.population_buyers,
        offered.population_share_of_buyers,
        offered.population_spend,
        offered.population_share_of_spend,
        offered.lift
    from (
        select * from favourites
        union all
        select * from for_everyone
    ) as offered
    left join products
        on offered.product_id = products.product_id

)

select * from final
