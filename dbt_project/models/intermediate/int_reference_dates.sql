{#- The one date that recency, age and tenure are measured against. It comes from
    the data (the day after the last accepted order), never from today's date, so the
    same data always gives the same features. var reference_date overrides it. -#}
with

accepted_orders as (

    select ordered_at from {{ ref('int_orders_validated') }}
    where rejection_reason is null

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
            cast({{ dbt.dateadd('day', 1, '(select max(ordered_at) from accepted_orders)') }} as date),
            cast({{ dbt.dateadd('day', 1, '(select max(signup_date) from accepted_customers)') }} as date),
            current_date
        )
        {% endif %} as reference_date

)

select * from reference
