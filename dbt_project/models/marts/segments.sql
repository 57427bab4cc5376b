{#- One row per segment: who is in it, what it is worth, what sets it apart, and
    what marketing should do (from the editable seed marketing_playbook, followed by
    what to lead with from the affinity marts). Cluster
    segments come from the fitted model; rule segments (customers without a completed
    order) from their rule. The traits text is built from marts.segment_traits. -#}
with

members as (

    select * from {{ ref('segment_members') }}

),

segment_centroids as (

    select * from {{ ref('segment_centroids') }}

),

marketing_playbook as (

    select * from {{ ref('marketing_playbook') }}

),

segment_traits as (

    select * from {{ ref('segment_traits') }}

),

{#- What to lead with, named in the action: the segment's top two categories by
    lift, else its top two products by lift; for a rule segment, the two best
    sellers. Only items with lift above 1 and enough buyers are on those lists. -#}
{%- set lift_text = dbt.concat(["' ('", "cast(round(lift, 1) as " ~ dbt.type_string() ~ ")", "'x)'"]) %}
favourite_categories as (

    select
        segment_id,
        {{ ordered_listagg(
            dbt.concat(["upper(substring(category, 1, 1))", "substring(category, 2)", lift_text]),
            "', '", "affinity_rank") }} as names
    from {{ ref('segment_category_affinity') }}
    where affinity_rank <= 2 and lift > 1
    group by segment_id

),

favourite_products as (

    select
        segment_id,
        basis,
        {{ ordered_listagg(
            "case when basis = 'lift' then " ~ dbt.concat(["coalesce(product_name, product_id)", lift_text])
            ~ " else coalesce(product_name, product_id) end",
            "', '", "affinity_rank") }} as names
    from {{ ref('segment_product_affinity') }}
    where affinity_rank <= 2
    group by segment_id, basis

),

offers as (

    select
        segment_ids.segment_id,
        case
            when favourite_categories.names is not null then {{ dbt.concat([
                "' Lead with the categories they buy more often than the average customer: '",
                "favourite_categories.names", "'.'"]) }}
            when product_lift.names is not null then {{ dbt.concat([
                "' Lead with the products they buy more often than the average customer: '",
                "product_lift.names", "'.'"]) }}
            when segment_ids.segment_kind = 'rule' and best_sellers.names is not null then
                {{ dbt.concat(["' Start with the best sellers: '", "best_sellers.names", "'.'"]) }}
            else ''
        end as sentence
    from (select distinct segment_id, segment_kind from members) as segment_ids
    left join favourite_categories
        on segment_ids.segment_id = favourite_categories.segment_id
    left join favourite_products as product_lift
        on segment_ids.segment_id = product_lift.segment_id and product_lift.basis = 'lift'
    left join favourite_products as best_sellers
        on segment_ids.segment_id = best_sellers.segment_id
        and best_sellers.basis = 'best_seller'

),

clusters as (

    select distinct segment_id, segment_name, 'cluster' as segment_kind, archetype, model_id
    from segment_centroids

),

{#- A rule segment's archetype is its rule (customer_features.segment_rule). -#}
rules as (

    select distinct segment_id, segment_name, segment_kind, segment_rule as archetype, model_id
    from members
    where segment_kind = 'rule'

),

segment_descriptions as (

    select * from clusters
    union all
    select * from rules

),

{#- "Recency (days) 12 vs 48; Completed orders 5 vs 2": the material traits,
    strongest first, with the medians shown to people; and their phrases, for the
    descriptions that are made of the traits ("{traits}" in the playbook). -#}
material_traits as (

    select
        segment_id,
        {{ ordered_listagg(
            "feature_label || ' ' || " ~ dbt.concat(["cast(round(segment_value, 1) as " ~ dbt.type_string() ~ ")", "' vs '", "cast(round(population_value, 1) as " ~ dbt.type_string() ~ ")"]),
            "'; '", "trait_rank") }} as key_traits,
        {{ ordered_listagg("phrase", "', '", "trait_rank") }} as trait_phrases
    from segment_traits
    where is_material
    group by segment_id

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
        segment_descriptions.segment_kind,
        segment_descriptions.archetype,
        marketing_playbook.archetype_label,
        replace(marketing_playbook.description, '{traits}', coalesce(material_traits.trait_phrases, ''))
            as description,
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
        material_traits.key_traits,
        {{ dbt.concat([
            "replace(marketing_playbook.recommended_action, '{traits}', coalesce(material_traits.trait_phrases, ''))",
            "coalesce(offers.sentence, '')"]) }} as recommended_action,
        segment_descriptions.model_id
    from per_segment
    cross join totals
    inner join segment_descriptions
        on per_segment.segment_id = segment_descriptions.segment_id
    left join marketing_playbook
        on segment_descriptions.archetype = marketing_playbook.archetype
    left join material_traits
        on per_segment.segment_id = material_traits.segment_id
    left join offers
        on per_segment.segment_id = offers.segment_id

)

select * from final
