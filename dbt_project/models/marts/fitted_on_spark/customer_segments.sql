{#- On Spark: every accepted customer's segment, assigned in SQL (macro
    assign_segment) from the fitted model, so assignment scales with the cluster; the
    same rows as the DuckDB Python model marts/customer_segments.py
    (segmentation.customer_segments_table). A customer who is not clustered
    (segment_rule set) goes to the rule's segment, without a distance. -#}
{{ config(enabled=target.type == 'spark') }}

{%- if execute -%}
    {%- set features = run_query(
        "select distinct feature, feature_position from " ~ ref('segment_centroids') ~ " order by feature_position"
    ).columns[0].values() -%}
{%- else -%}
    {%- set features = [] -%}
{%- endif %}

with

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_centroids as (

    select * from {{ ref('segment_centroids') }}

),

rule_segments as (

    select * from {{ source('fitted', 'rule_segments') }}

),

clustered as (

    select * from customer_features
    where segment_rule is null

),

scored as (

    {{ assign_segment('clustered') }}

),

fitted_segments as (

    select distinct segment_id, segment_name, model_id from segment_centroids

),

model as (

    select distinct model_id from segment_centroids

),

{#- The features that were missing and imputed, in model order ('age, recency_days'). -#}
imputed as (

    select
        customer_id,
        nullif(concat_ws(', '
            {%- for feature in features %},
            case when {{ feature }} is null then '{{ feature }}' end
            {%- endfor %}
        ), '') as imputed_features
    from clustered

),

cluster_members as (

    select
        scored.customer_id,
        scored.segment_id,
        fitted_segments.segment_name,
        'cluster' as segment_kind,
        scored.distance_to_centroid,
        scored.distance_to_second_centroid,
        imputed.imputed_features,
        fitted_segments.model_id
    from scored
    left join fitted_segments
        on scored.segment_id = fitted_segments.segment_id
    left join imputed
        on scored.customer_id = imputed.customer_id

),

rule_members as (

    select
        customer_features.customer_id,
        rule_segments.segment_id,
        rule_segments.segment_name,
        'rule' as segment_kind,
        cast(null as double) as distance_to_centroid,
        cast(null as double) as distance_to_second_centroid,
        cast(null as {{ dbt.type_string() }}) as imputed_features,
        model.model_id
    from customer_features
    inner join rule_segments
        on customer_features.segment_rule = rule_segments.segment_rule
    cross join model

),

unioned as (

    select * from cluster_members
    union all
    select * from rule_members

)

select * from unioned
