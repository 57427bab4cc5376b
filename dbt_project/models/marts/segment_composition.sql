{#- Categorical attributes are left out of the fit by default (KMeans distances on
    one-hot columns are dominated by their encoding); instead each segment's mix of
    them is shown here: one row per segment, attribute and value. -#}
with

members as (

    select segment_id, gender, country, preferred_channel from {{ ref('segment_members') }}

),

{% set attributes = ['gender', 'country', 'preferred_channel'] %}

counted as (

    {% for attribute in attributes %}
    select
        segment_id,
        '{{ attribute }}' as attribute,
        coalesce(cast({{ attribute }} as {{ dbt.type_string() }}), '(unknown)') as attribute_value,
        count(*) as customer_count
    from members
    group by segment_id, coalesce(cast({{ attribute }} as {{ dbt.type_string() }}), '(unknown)')
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

shares as (

    select
        segment_id,
        attribute,
        attribute_value,
        customer_count,
        cast(customer_count as double)
            / sum(customer_count) over (partition by segment_id, attribute) as share_of_segment,
        cast(sum(customer_count) over (partition by attribute, attribute_value) as double)
            / sum(customer_count) over (partition by attribute) as share_overall
    from counted

)

select * from shares
