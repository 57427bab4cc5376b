{#-
    What each customer ordered, per product and category: one row per customer x
    product x category over the accepted lines of accepted orders, the customer by
    its integer key (macro customer_keys). Completed orders
    are purchases (they feed the affinity marts); every order, whatever its status,
    counts as "already ordered" for the recommendations, so a customer is never
    offered a product they ordered, cancelled or returned.

    This is the one join of the order lines to their orders: every accepted line
    lands in exactly one row (a line without product and category in the row whose
    two are null), so int_orders_aggregated_to_customers adds up revenue and line
    counts from here instead of joining the lines again.
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

order_lines as (

    select order_id, product_id, category, quantity, unit_price
    from {{ ref('int_order_items_accepted') }}

),

final as (

    select
        orders.customer_key,
        order_lines.product_id,
        order_lines.category,
        count(*) as line_count,
        bool_or(orders.status = 'completed') as is_purchased,
        sum(case when orders.status = 'completed' then order_lines.quantity end)
            as purchased_quantity,
        sum(case when orders.status = 'completed'
            then order_lines.quantity * order_lines.unit_price else 0 end) as purchased_spend
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    group by orders.customer_key, order_lines.product_id, order_lines.category

)

select * from final
