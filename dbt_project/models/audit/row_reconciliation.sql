{#- For every raw table: rows read, accepted and rejected. A data test fails the
    build unless rows_read = rows_accepted + rows_rejected. -#}
with

{% set tables = {
    'customers': 'int_customers_validated',
    'orders': 'int_orders_validated',
    'order_items': 'int_order_items_validated',
} %}

{% for table, validated in tables.items() %}
read_{{ table }} as (

    select '{{ table }}' as source_table, count(*) as rows_read
    from {{ ref('stg_raw__' ~ table) }}

),

accepted_{{ table }} as (

    select count(*) as rows_accepted
    from {{ ref(validated) }}
    where rejection_reason is null

),
{% endfor %}

rejected as (

    select source_table, count(*) as rows_rejected
    from {{ ref('rejected_rows') }}
    group by source_table

),

counted as (

    {% for table in tables %}
    select
        read_{{ table }}.source_table,
        read_{{ table }}.rows_read,
        accepted_{{ table }}.rows_accepted,
        coalesce(rejected.rows_rejected, 0) as rows_rejected
    from read_{{ table }}
    cross join accepted_{{ table }}
    left join rejected
        on read_{{ table }}.source_table = rejected.source_table
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        *,
        rows_read = rows_accepted + rows_rejected as is_reconciled
    from counted

)

select * from final
