{#- One row per segment: who is in it, what it is worth, what sets it apart, and
    what marketing should do (from the editable seed marketing_playbook). -#}
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_centroids as (

    select * from {{ ref('segment_centroids') }}

),

marketing_playbook as (

    select * from {{ ref('marketing_playbook') }}

),

segment_descriptions as (

    select distinct segment_id, segment_name, archetype, key_traits, model_id
    from segment_centroids

),

members as (

    select
        customer_segments.segment_id,
        customer_features.*
    from customer_segments
    inner join customer_features
        on customer_segments.customer_id = customer_features.customer_id

),

per_segment as (

    select
        segment_id,
        count(*) as customer_count,
        {{ exact_sum('monetary_value', 2) }} as revenue,
        avg(age) as avg_age,
        {{ exact_avg('annual_income', 2) }} as avg_annual_income,
        avg(recency_days) as avg_recency_days,
        avg(frequency) as avg_frequency,
        {{ exact_avg('monetary_value', 2) }} as avg_monetary_value,
        {{ exact_avg('avg_order_value') }} as avg_order_value,
        {{ exact_avg('spending_score') }} as avg_spending_score,
        {{ exact_avg('return_rate') }} as avg_return_rate
    from members
    group by segment_id

),

totals as (

    select count(*) as customer_count, {{ exact_sum('monetary_value', 2) }} as revenue
    from members

),

final as (

    select
        per_segment.segment_id,
        segment_descriptions.segment_name,
        segment_descriptions.archetype,
        marketing_playbook.archetype_label,
        marketing_playbook.description,
        per_segment.customer_count,
        cast(per_segment.customer_count as double) / totals.customer_count as share_of_customers,
        cast(per_segment.revenue as double) / nullif(totals.revenue, 0) as share_of_revenue,
        per_segment.revenue,
        per_segment.avg_age,
        per_segment.avg_annual_income,
        per_segment.avg_recency_days,
        per_segment.avg_frequency,
        per_segment.avg_monetary_value,
        per_segment.avg_order_value,
        per_segment.avg_spending_score,
        per_segment.avg_return_rate,
        segment_descriptions.key_traits,
        marketing_playbook.recommended_action,
        segment_descriptions.model_id
    from per_segment
    cross join totals
    inner join segment_descriptions
        on per_segment.segment_id = segment_descriptions.segment_id
    left join marketing_playbook
        on segment_descriptions.archetype = marketing_playbook.archetype

)

select * from final
