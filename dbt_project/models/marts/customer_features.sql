{#-
    One row per accepted customer: demographics and purchase behaviour, the input of
    the clustering. Customers without a completed order have frequency 0, monetary
    value 0 and no recency (imputed, and flagged, by the clustering step).
-#}
with

customers as (

    select * from {{ ref('int_customers_validated') }}
    where rejection_reason is null

),

behaviour as (

    select * from {{ ref('int_orders_aggregated_to_customers') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

joined as (

    select
        ----------  ids
        customers.customer_id,

        ----------  demographics
        customers.email,
        customers.gender,
        customers.city,
        customers.country,
        cast(coalesce(
            customers.stated_age,
            floor({{ dbt.datediff('customers.birth_date', 'reference_dates.reference_date', 'day') }} / 365.25)
        ) as integer) as age,
        cast(customers.annual_income as double) as annual_income,
        customers.signup_date,
        {{ dbt.datediff('customers.signup_date', 'reference_dates.reference_date', 'day') }} as tenure_days,

        ----------  behaviour
        coalesce(behaviour.order_count, 0) as order_count,
        coalesce(behaviour.frequency, 0) as frequency,
        cast(coalesce(behaviour.monetary_value, 0) as double) as monetary_value,
        cast(behaviour.avg_order_value as double) as avg_order_value,
        cast(coalesce(behaviour.item_quantity, 0) as bigint) as item_quantity,
        behaviour.recency_days,
        behaviour.return_rate,
        behaviour.cancel_rate,
        behaviour.preferred_channel,
        behaviour.first_order_at,
        behaviour.last_order_at,
        customers.stated_spending_score,
        {% for column in extra_customer_columns() %}
        customers.{{ column }},
        {% endfor %}

        ----------  booleans
        coalesce(behaviour.frequency, 0) > 0 as has_completed_orders

    from customers
    cross join reference_dates
    left join behaviour
        on customers.customer_id = behaviour.customer_id

),

scored as (

    select
        * exclude (stated_spending_score),
        {#- The customer's percentile of monetary value (1-100), as in the classic
            mall-customers data, unless the raw table provides a score. -#}
        cast(coalesce(
            case when stated_spending_score between 1 and 100 then stated_spending_score end,
            ceil(100 * cume_dist() over (order by monetary_value))
        ) as double) as spending_score
    from joined

)

{#- Stored in customer_id order: the clustering reads the rows in this order (no
    sort in Python) and analysts get the table sorted. -#}
select * from scored
order by customer_id
