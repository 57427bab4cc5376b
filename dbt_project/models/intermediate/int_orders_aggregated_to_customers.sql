{#-
    Purchase behaviour per customer. Only completed orders are revenue: cancelled
    and returned orders never add to monetary value or frequency; they feed the
    cancel and return rates.
-#}
with

orders as (

    select * from {{ ref('int_orders_validated') }}
    where rejection_reason is null

),

order_lines as (

    select * from {{ ref('int_order_items_validated') }}
    where rejection_reason is null

),

{#- Order lines to order totals in a CTE, not a model of its own: at 1M customers a
    stored table of 7M order totals cost more to write and test than to compute. -#}
order_totals as (

    select
        order_id,
        sum(quantity) as item_quantity,
        sum(quantity * unit_price) as order_amount
    from order_lines
    group by order_id

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

orders_with_totals as (

    select
        orders.customer_id,
        orders.order_id,
        orders.status,
        orders.channel,
        orders.ordered_at,
        coalesce(order_totals.order_amount, 0) as order_amount,
        coalesce(order_totals.item_quantity, 0) as item_quantity
    from orders
    left join order_totals
        on orders.order_id = order_totals.order_id

),

channel_ranks as (

    select
        customer_id,
        channel,
        row_number() over (
            partition by customer_id order by count(*) desc, channel
        ) as channel_rank
    from orders_with_totals
    where status = 'completed' and channel is not null
    group by customer_id, channel

),

aggregated as (

    select
        customer_id,
        count(*) as order_count,
        count(case when status = 'completed' then 1 end) as frequency,
        count(case when status = 'cancelled' then 1 end) as cancelled_order_count,
        count(case when status = 'returned' then 1 end) as returned_order_count,
        coalesce(sum(case when status = 'completed' then order_amount end), 0) as monetary_value,
        coalesce(sum(case when status = 'completed' then item_quantity end), 0) as item_quantity,
        min(case when status = 'completed' then ordered_at end) as first_order_at,
        max(case when status = 'completed' then ordered_at end) as last_order_at
    from orders_with_totals
    group by customer_id

),

final as (

    select
        aggregated.customer_id,
        aggregated.order_count,
        aggregated.frequency,
        aggregated.cancelled_order_count,
        aggregated.returned_order_count,
        aggregated.monetary_value,
        aggregated.item_quantity,
        aggregated.first_order_at,
        aggregated.last_order_at,
        {{ dbt.datediff('cast(aggregated.last_order_at as date)', 'reference_dates.reference_date', 'day') }}
            as recency_days,
        case when aggregated.frequency > 0
            then aggregated.monetary_value / aggregated.frequency end as avg_order_value,
        cast(aggregated.returned_order_count as double)
            / nullif(aggregated.frequency + aggregated.returned_order_count, 0) as return_rate,
        cast(aggregated.cancelled_order_count as double) / aggregated.order_count as cancel_rate,
        channel_ranks.channel as preferred_channel
    from aggregated
    cross join reference_dates
    left join channel_ranks
        on aggregated.customer_id = channel_ranks.customer_id
        and channel_ranks.channel_rank = 1

)

select * from final
