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

{#- Order ids are unique among accepted orders (duplicates are rejected), so both
    lookups are plain joins without a grouping of the millions of orders. -#}
accepted_orders as (

    select order_id from {{ ref('int_orders_accepted') }}

),

rejected_order_ids as (

    select distinct order_id from {{ ref('int_orders_rejected') }}
    where order_id is not null

),

duplicated_lines as (

    {{ duplicated_keys('order_items', ['order_id', 'line_number']) }}

),

marked as (

    select
        order_items.*,
        accepted_orders.order_id is not null as has_accepted_order,
        accepted_orders.order_id is not null or rejected_order_ids.order_id is not null
            as has_known_order,
        {{ is_earlier_occurrence('order_items', 'duplicated_lines') }} as is_earlier_occurrence
    from order_items
    left join accepted_orders
        on order_items.order_id = accepted_orders.order_id
    left join rejected_order_ids
        on order_items.order_id = rejected_order_ids.order_id
    left join duplicated_lines
        on order_items.order_id = duplicated_lines.order_id
        and order_items.line_number = duplicated_lines.line_number

),

checked as (

    select
        source_row_number,
        order_id,
        line_number,
        product_id,
        product_name,
        category,
        quantity,
        unit_price,
        case
            when not has_known_order then 'unknown_order'
            when not has_accepted_order then 'order_rejected'
            when line_number is null then 'missing_line_number'
            when is_earlier_occurrence then 'duplicate_order_line'
            when is_quantity_unreadable then 'unparseable_quantity'
            when is_unit_price_unreadable then 'unparseable_unit_price'
            when quantity <= 0 then 'non_positive_quantity'
            when unit_price < 0 then 'negative_unit_price'
        end as rejection_reason
    from marked

)

select * from checked
