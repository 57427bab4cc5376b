{#-
    Every staged order line, accepted or rejected with the first reason that applies:
      unknown_order (no order with that id in the orders file), order_rejected (its
      order was rejected), missing_line_number, duplicate_order_line (same order and
      line number; the last occurrence survives), unparseable_quantity,
      unparseable_unit_price, non_positive_quantity, negative_unit_price.
-#}
with

order_items as (

    select * from {{ ref('stg_raw__order_items') }}

),

orders as (

    select
        order_id,
        max(case when rejection_reason is null then 1 else 0 end) as is_accepted
    from {{ ref('int_orders_validated') }}
    where order_id is not null
    group by order_id

),

ranked as (

    select
        order_items.*,
        orders.order_id is not null as has_known_order,
        coalesce(orders.is_accepted, 0) = 1 as has_accepted_order,
        row_number() over (
            partition by order_items.order_id, order_items.line_number
            order by order_items.source_row_number desc
        ) as occurrence_from_last
    from order_items
    left join orders
        on order_items.order_id = orders.order_id

),

checked as (

    select
        source_row_number,
        order_id,
        line_number,
        product_id,
        category,
        quantity,
        unit_price,
        case
            when not has_known_order then 'unknown_order'
            when not has_accepted_order then 'order_rejected'
            when line_number is null then 'missing_line_number'
            when occurrence_from_last > 1 then 'duplicate_order_line'
            when is_quantity_unreadable then 'unparseable_quantity'
            when is_unit_price_unreadable then 'unparseable_unit_price'
            when quantity <= 0 then 'non_positive_quantity'
            when unit_price < 0 then 'negative_unit_price'
        end as rejection_reason
    from ranked

)

select * from checked
