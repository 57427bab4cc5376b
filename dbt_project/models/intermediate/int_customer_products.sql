{#-
    What each customer ordered, per product and category: one row per customer x
    product x category over the accepted lines of accepted orders, the customer by
    its integer key (macro customer_keys), the product and category by theirs
    (int_product_categories). Completed orders are purchases (they feed the affinity
    marts); every order, whatever its status, counts as "already ordered" for the
    recommendations, so a customer is never offered a product they ordered,
    cancelled or returned.

    This is the one join of the order lines to their orders: every accepted line
    lands in exactly one row (a line without product and category in the row of the
    pair whose two are null), so int_orders_aggregated_to_customers adds up revenue
    and line counts from here instead of joining the lines again.
-#}
with

{# Every accepted order has an accepted customer (int_orders_validated), so the
    inner join keeps every order; the reconciliation would fail the build if not. #}
orders as (

    select orders.order_id, customers.customer_key, orders.status
    from {{ ref('int_orders_accepted') }} as orders
    inner join ({{ customer_keys() }}) as customers
        on orders.customer_id = customers.customer_id

),

{#- Every accepted line has its pair in int_product_categories, made from the same
    lines, so the inner join keeps every line (the reconciliation checks it). The
    pairs are matched null-safely: a null product or category is a pair too. -#}
order_lines as (

    select
        order_lines.order_id,
        pairs.product_category_key,
        order_lines.quantity,
        order_lines.unit_price
    from {{ ref('int_order_items_accepted') }} as order_lines
    inner join {{ ref('int_product_categories') }} as pairs
        on order_lines.product_id is not distinct from pairs.product_id
        and order_lines.category is not distinct from pairs.category

),

grouped as (

    select
        orders.customer_key,
        order_lines.product_category_key,
        count(*) as line_count,
        sum(case when orders.status = 'completed' then order_lines.quantity end)
            as purchased_quantity,
        sum(case when orders.status = 'completed'
            then order_lines.quantity * order_lines.unit_price else 0 end) as purchased_spend
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    group by orders.customer_key, order_lines.product_category_key

),

{#- Purchased when a line is in a completed order, which is when purchased_quantity
    has a sum (an accepted line always has a quantity): read off the sum, not a
    fourth aggregate (bool_or): 16.4-16.7 s against 16.7-17.4 s for the dense
    benchmark's table, three runs each, alternated. -#}
final as (

    select
        customer_key,
        product_category_key,
        line_count,
        purchased_quantity is not null as is_purchased,
        purchased_quantity,
        purchased_spend
    from grouped

)

select * from final
