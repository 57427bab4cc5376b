{#-
    Affinity of every cluster segment for every item (a product or a category) that
    its customers bought, in completed orders: one row per segment x item, the full
    grid, so that an item a segment never buys is there with 0 buyers.

      share_of_buyers  the share of the segment's customers who bought the item
      share_of_spend   the item's spend over the segment's revenue (monetary_value)
      lift             segment share of buyers / population share of buyers: 2.0 =
                       the segment's customers buy it twice as often as the average
                       clustered customer (the population)
      meets_min_support  at least var affinity_min_buyers of the segment's customers
                       bought it; only those are ranked, so that an item bought by
                       three customers is not called a favourite
      affinity_rank    1 = highest lift among the supported items (ties: more buyers,
                       then the item's id)

    The last CTE, `ranked`, has these columns, the item under the name `item_column`.

    Rule segments (customers without a completed order) bought nothing and get no
    rows here; `item_column` is product_id or category of int_product_categories.
    Lines of the products in var affinity_exclude_products (postage, fees, discounts:
    lines that are not merchandise) are left out; they still count as revenue.
-#}
{% macro segment_affinity(item_column) %}

members as (

    select customer_id, segment_id, segment_name, monetary_value
    from {{ ref('segment_members') }}
    where segment_kind = 'cluster'

),

member_keys as (

    select customers.customer_key, members.segment_id
    from members
    inner join ({{ customer_keys() }}) as customers
        on members.customer_id = customers.customer_id

),

{#- The items a customer can reach through more than one row of
    int_customer_products: a product sold under several categories, a category of
    several products. Only their rows are grouped per customer, to count each buyer
    once; any other item has one row per buyer already (int_customer_products holds
    one row per customer x product x category), so its rows are counted as they
    come. For products, most of which have one category, the dense benchmark's 30M
    purchase rows then fall into a few thousand groups instead of 30M
    (segment_product_affinity 4.9 -> 0.7 s, the same table); nearly every
    category holds several products, so the category affinity still groups by
    customer. -#}
shared_items as (

    select {{ item_column }} as item
    from {{ ref('int_product_categories') }}
    where {{ item_column }} is not null
    group by {{ item_column }}
    having count(*) > 1

),

{#- One row per segment x item, and per customer for a shared item; for an item that
    is not shared, each of its purchase_rows is one buyer. -#}
customer_items as (

    select
        member_keys.segment_id,
        pairs.{{ item_column }} as item,
        case when shared_items.item is not null then purchases.customer_key end as customer_key,
        count(*) as purchase_rows,
        sum(purchases.purchased_spend) as spend
    from {{ ref('int_customer_products') }} as purchases
    inner join member_keys
        on purchases.customer_key = member_keys.customer_key
    inner join {{ ref('int_product_categories') }} as pairs
        on purchases.product_category_key = pairs.product_category_key
    left join shared_items
        on pairs.{{ item_column }} = shared_items.item
    where purchases.is_purchased and pairs.{{ item_column }} is not null
        {%- set excluded = var('affinity_exclude_products') or [] %}
        {%- if excluded %}
        and (pairs.product_id is null or pairs.product_id not in (
            {%- for product in excluded %}{{ sql_string(product) }}{{ ', ' if not loop.last }}{% endfor %}))
        {%- endif %}
    group by
        member_keys.segment_id,
        pairs.{{ item_column }},
        case when shared_items.item is not null then purchases.customer_key end

),

segment_items as (

    select
        segment_id,
        item,
        cast(sum(case when customer_key is null then purchase_rows else 1 end) as bigint) as buyers,
        sum(spend) as spend
    from customer_items
    group by segment_id, item

),

population_items as (

    select item, cast(sum(buyers) as bigint) as buyers, sum(spend) as spend
    from segment_items
    group by item

),

segment_sizes as (

    select
        segment_id,
        segment_name,
        count(*) as customers,
        {{ exact_sum('monetary_value', 2) }} as revenue
    from members
    group by segment_id, segment_name

),

population_size as (

    select count(*) as customers, {{ exact_sum('monetary_value', 2) }} as revenue
    from members

),

grid as (

    select
        segment_sizes.segment_id,
        segment_sizes.segment_name,
        population_items.item,
        segment_sizes.customers as segment_customers,
        coalesce(segment_items.buyers, 0) as segment_buyers,
        cast(coalesce(segment_items.spend, 0) as decimal(38, 2)) as segment_spend,
        segment_sizes.revenue as segment_revenue,
        population_size.customers as population_customers,
        population_items.buyers as population_buyers,
        cast(population_items.spend as decimal(38, 2)) as population_spend,
        population_size.revenue as population_revenue
    from segment_sizes
    cross join population_items
    cross join population_size
    left join segment_items
        on segment_sizes.segment_id = segment_items.segment_id
        and population_items.item = segment_items.item

),

measured as (

    select
        segment_id,
        segment_name,
        item as {{ item_column }},
        segment_customers,
        segment_buyers,
        cast(segment_buyers as double) / segment_customers as segment_share_of_buyers,
        segment_spend,
        cast(segment_spend as double) / nullif(segment_revenue, 0) as segment_share_of_spend,
        population_customers,
        population_buyers,
        cast(population_buyers as double) / population_customers as population_share_of_buyers,
        population_spend,
        cast(population_spend as double) / nullif(population_revenue, 0)
            as population_share_of_spend,
        (cast(segment_buyers as double) / segment_customers)
            / (cast(population_buyers as double) / population_customers) as lift,
        segment_buyers >= {{ var('affinity_min_buyers') }} as meets_min_support
    from grid

),

ranked as (

    select
        measured.*,
        {#- bigint on every engine: row_number() is an int on Spark. -#}
        case when meets_min_support then
            cast(row_number() over (
                partition by segment_id, meets_min_support
                order by lift desc, segment_buyers desc, {{ item_column }}
            ) as bigint)
        end as affinity_rank
    from measured

)

{% endmacro %}
