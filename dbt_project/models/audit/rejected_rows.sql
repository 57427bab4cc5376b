{#- Every raw row that was not accepted: which file, which row, its key, why, and
    the original values as JSON. For every raw table read = accepted + rejected
    (see row_reconciliation). -#}
with

customers as (

    select * from {{ ref('int_customers_validated') }}
    where rejection_reason is not null

),

orders as (

    select * from {{ ref('int_orders_validated') }}
    where rejection_reason is not null

),

order_items as (

    select * from {{ ref('int_order_items_validated') }}
    where rejection_reason is not null

),

unioned as (

    select
        'customers' as source_table,
        source_row_number,
        customer_id as record_key,
        rejection_reason,
        raw_values
    from customers

    union all

    select
        'orders' as source_table,
        source_row_number,
        order_id as record_key,
        rejection_reason,
        raw_values
    from orders

    union all

    select
        'order_items' as source_table,
        source_row_number,
        order_id || '#' || coalesce(cast(line_number as varchar), '?') as record_key,
        rejection_reason,
        raw_values
    from order_items

)

select * from unioned
