{#-
    Every staged order line, accepted or rejected with the first reason that applies:
      unknown_order (no order with that id in the orders file), order_rejected (its
      order was rejected), missing_line_number, duplicate_order_line (same order and
      line number; the last occurrence survives), unparseable_quantity,
      unparseable_unit_price, non_positive_quantity, negative_unit_price.

    The staged lines are read by name in both places below, not through one CTE:
    DuckDB stores a CTE that is read twice, and for the 40M lines of the dense
    benchmark that copy (1.7 GB) spilled past the 3 GB memory limit. The pass took
    12.0 / 12.1 / 12.4 s reading the view twice against 13.9 / 13.6 / 14.8 s through
    the CTE; on the 10.8M lines of the standard shape, which fit, 3.6 / 3.6 / 3.7 s
    against 3.3 / 3.3 / 3.2 s (runs alternated).
-#}
with

{# Order ids are unique among accepted orders (duplicates are rejected), so both
    lookups are plain joins without a grouping of the millions of orders. -#}
accepted_orders as (

    select order_id from {{ ref('int_orders_accepted') }}

),

rejected_order_ids as (

    select distinct order_id from {{ ref('int_orders_rejected') }}
    where order_id is not null

),

duplicated_lines as (

    {{ duplicated_keys(ref('stg_raw__order_items'), ['order_id', 'line_number']) }}

),

marked as (

    select
        order_items.*,
        accepted_orders.order_id is not null as has_accepted_order,
        accepted_orders.order_id is not null or rejected_order_ids.order_id is not null
            as has_known_order,
        {{ is_earlier_occurrence('order_items', 'duplicated_lines') }} as is_earlier_occurrence
    from {{ ref('stg_raw__order_items') }} as order_items
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
