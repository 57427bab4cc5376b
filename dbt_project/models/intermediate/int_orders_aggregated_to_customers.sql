{#-
    Purchase behaviour per customer. Only completed orders are revenue: cancelled
    and returned orders never add to monetary value or frequency; they feed the
    cancel and return rates.
-#}
with

orders as (

    select * from {{ ref('int_orders_accepted') }}

),

{#- Revenue and line counts from the customer x product rows, the one join of the
    lines to their orders (int_customer_products): a grouping of those rows to a
    million customers, not a second join of 11M lines to 7M orders. Its line counts
    cover every accepted line (any status): audit.row_reconciliation adds them up, so
    a line that the verdict accepted but the join lost fails the build. -#}
line_totals as (

    select
        customers.customer_id,
        by_key.line_count,
        by_key.item_quantity,
        by_key.monetary_value
    from (
        select
            customer_key,
            sum(line_count) as line_count,
            sum(purchased_quantity) as item_quantity,
            sum(purchased_spend) as monetary_value
        from {{ ref('int_customer_products') }}
        group by customer_key
    ) as by_key
    inner join ({{ customer_keys() }}) as customers
        on by_key.customer_key = customers.customer_key

),

channel_ranks as (

    select
        customer_id,
        channel,
        row_number() over (
            partition by customer_id order by count(*) desc, channel
        ) as channel_rank
    from orders
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
        min(case when status = 'completed' then ordered_at end) as first_order_at,
        max(case when status = 'completed' then ordered_at end) as last_order_at,
        max(ordered_at) as latest_order_at
    from orders
    group by customer_id

),

final as (

    select
        aggregated.customer_id,
        aggregated.order_count,
        aggregated.frequency,
        aggregated.cancelled_order_count,
        aggregated.returned_order_count,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.monetary_value, 0) as monetary_value,
        coalesce(line_totals.item_quantity, 0) as item_quantity,
        aggregated.first_order_at,
        aggregated.last_order_at,
        aggregated.latest_order_at,
        case when aggregated.frequency > 0
            {# a double before dividing: Spark would divide the decimal to 6 places #}
            then cast(coalesce(line_totals.monetary_value, 0) as double) / aggregated.frequency
        end as avg_order_value,
        cast(aggregated.returned_order_count as double)
            / nullif(aggregated.frequency + aggregated.returned_order_count, 0) as return_rate,
        cast(aggregated.cancelled_order_count as double) / aggregated.order_count as cancel_rate,
        channel_ranks.channel as preferred_channel
    from aggregated
    left join line_totals
        on aggregated.customer_id = line_totals.customer_id
    left join channel_ranks
        on aggregated.customer_id = channel_ranks.customer_id
        and channel_ranks.channel_rank = 1

)

select * from final
