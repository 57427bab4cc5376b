{#- The one date that recency, age and tenure are measured against. var
    reference_date overrides it; otherwise it comes from the data, so the same data
    always gives the same features: the day after the last accepted order, or, with no
    accepted order, the day after the last signup date. Only data with neither falls
    back to today's date (current_date); then there is no recency or tenure to
    measure, and only ages computed from a birth date depend on the day of the build. -#}
with

{#- The customer aggregates hold each customer's latest accepted order (any status):
    their maximum is the latest accepted order, without another pass over the orders. #}
customer_orders as (

    select latest_order_at from {{ ref('int_orders_aggregated_to_customers') }}

),

accepted_customers as (

    select signup_date from {{ ref('int_customers_validated') }}
    where rejection_reason is null

),

reference as (

    select
        {% if var('reference_date') %}
        cast('{{ var("reference_date") }}' as date)
        {% else %}
        coalesce(
            cast({{ dbt.dateadd('day', 1, '(select max(latest_order_at) from customer_orders)') }} as date),
            cast({{ dbt.dateadd('day', 1, '(select max(signup_date) from accepted_customers)') }} as date),
            current_date
        )
        {% endif %} as reference_date

)

select * from reference
