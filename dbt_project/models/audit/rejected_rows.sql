{#- Every raw row that was not accepted: which file, which row, its key, why, and
    the original values as JSON. For every raw table read = accepted + rejected
    (see row_reconciliation). The JSON is built here, for the rejected rows only
    (macro with_raw_values): no model carries it for the accepted millions. The
    orders' and order lines' rejects come from int_orders_rejected and
    int_order_items_rejected, the one pass that judges every row of each. -#}
with

{% set sources = {
    'customers': ('int_customers_validated', 'customer_id'),
    'orders': ('int_orders_rejected', 'order_id'),
    'order_items': ('int_order_items_rejected',
                    "order_id || '#' || coalesce(cast(line_number as string), '?')"),
} %}

{% for table, (validated, key) in sources.items() %}
rejected_{{ table }} as (

    select
        '{{ table }}' as source_table,
        source_row_number,
        {{ key }} as record_key,
        rejection_reason
    from {{ ref(validated) }}
    where rejection_reason is not null

),

{% endfor %}

unioned as (

    {% for table in sources %}
    {{ with_raw_values('rejected_' ~ table, table) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
