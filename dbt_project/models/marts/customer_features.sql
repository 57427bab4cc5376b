{#-
    One row per accepted customer: demographics and purchase behaviour, the input of
    the clustering. Purchase features are facts, never made up:
      - with orders in the data, a customer without a completed order has frequency 0
        and monetary value 0 (true counts), no recency, no average order value and no
        spending score; segment_rule says such customers form the rule segment
        "No purchase yet" and are not clustered;
      - without any order data (customers-only exports), every purchase feature is
        null and spending_score is the file's own or null;
      - with orders but no accepted order line (an export of order headers only),
        what is bought is unknown: monetary value, average order value and units are
        null, not zero, and so is the derived spending score.
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

{#- Every accepted order belongs to one row of the customer aggregates, and every
    accepted line is counted in one row's line_count. -#}
order_data as (

    select
        count(*) > 0 as has_orders,
        coalesce(sum(line_count), 0) > 0 as has_lines
    from behaviour

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
        {#- bigint on every engine: dbt.datediff is an int on Spark. -#}
        cast({{ dbt.datediff('customers.signup_date', 'reference_dates.reference_date', 'day') }} as bigint)
            as tenure_days,

        ----------  behaviour (null throughout when the data has no orders)
        case when order_data.has_orders then coalesce(behaviour.order_count, 0) end as order_count,
        case when order_data.has_orders then coalesce(behaviour.frequency, 0) end as frequency,
        ----------  (and what was bought: null when no order line was accepted)
        case when order_data.has_lines
            then cast(coalesce(behaviour.monetary_value, 0) as double) end as monetary_value,
        case when order_data.has_lines
            then cast(behaviour.avg_order_value as double) end as avg_order_value,
        case when order_data.has_lines
            then cast(coalesce(behaviour.item_quantity, 0) as bigint) end as item_quantity,
        {#- bigint on every engine: dbt.datediff is an int on Spark. -#}
        cast({{ dbt.datediff('cast(behaviour.last_order_at as date)', 'reference_dates.reference_date', 'day') }}
            as bigint) as recency_days,
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
        case when order_data.has_orders then coalesce(behaviour.frequency, 0) > 0 end
            as has_completed_orders,

        ----------  strings
        {# The one place that decides who is clustered: null = clustered by KMeans;
           otherwise the rule segment the customer belongs to. #}
        case when order_data.has_orders and coalesce(behaviour.frequency, 0) = 0
            then 'no_purchase' end as segment_rule

    from customers
    cross join reference_dates
    cross join order_data
    left join behaviour
        on customers.customer_id = behaviour.customer_id

),

scored as (

    select
        * except (stated_spending_score),
        {#- The raw table's own score when it has one; otherwise the customer's
            percentile of monetary value (1-100) among the customers with a completed
            order, as in the classic mall-customers data. Null for a customer without
            a completed order, and for everyone when there are no orders or no order
            lines: there is no spending to rank, and a percentile of zeros would be
            made up. -#}
        cast(coalesce(
            case when stated_spending_score between 1 and 100 then stated_spending_score end,
            case when has_completed_orders and monetary_value is not null
                then ceil(100 * cume_dist() over (
                    partition by has_completed_orders order by monetary_value
                )) end
        ) as double) as spending_score
    from joined

)

{#- Stored in customer_id order: the clustering reads the rows in this order (no
    sort in Python) and analysts get the table sorted. -#}
select * from scored
order by customer_id
