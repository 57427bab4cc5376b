{#- The accepted order lines: every staged line but the rejected ones
    (int_order_items_rejected, a small table). A view: reading it scans the raw
    lines and leaves out the rejects by row number, without the verdict's joins to
    the orders and its duplicate check. Lines of rejected or unknown orders are
    among the rejects, so every line here belongs to an accepted order. -#}
with

order_items as (

    select * from {{ ref('stg_raw__order_items') }}

),

rejected as (

    select source_row_number from {{ ref('int_order_items_rejected') }}

),

accepted as (

    select
        order_items.source_row_number,
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        order_items.product_name,
        order_items.category,
        order_items.quantity,
        order_items.unit_price
    from order_items
    left join rejected
        on order_items.source_row_number = rejected.source_row_number
    where rejected.source_row_number is null

)

select * from accepted
