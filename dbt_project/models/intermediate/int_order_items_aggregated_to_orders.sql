with

order_items as (

    select * from {{ ref('int_order_items_validated') }}
    where rejection_reason is null

),

aggregated as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as item_quantity,
        sum(quantity * unit_price) as order_amount,
        count(distinct category) as category_count
    from order_items
    group by order_id

)

select * from aggregated
