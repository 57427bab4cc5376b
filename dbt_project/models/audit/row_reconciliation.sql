{#- For every raw table: rows read, accepted and rejected. A data test fails the
    build unless rows_read = rows_accepted + rows_rejected.

    The three counts come from three different passes, so that a row lost or
    doubled by one of them shows:
      - read: count(*) of the staged table, a pass of its own (for Parquet, DuckDB
        reads it from the file's metadata);
      - accepted: for customers, the accepted rows of int_customers_validated; for
        orders and order lines, what the customer aggregate's pass counted
        (int_orders_aggregated_to_customers.order_count and line_count: the
        accepted orders grouped to their customers, and the accepted lines joined
        to those orders), so the millions of accepted orders and lines are never
        stored or counted in a pass of their own;
      - rejected: the rows of audit.rejected_rows. -#}
with

{% set accepted = {
    'customers': "select count(*) from " ~ ref('int_customers_validated') ~ " where rejection_reason is null",
    'orders': "select coalesce(sum(order_count), 0) from " ~ ref('int_orders_aggregated_to_customers'),
    'order_items': "select coalesce(sum(line_count), 0) from " ~ ref('int_orders_aggregated_to_customers'),
} %}

{% for table, accepted_count in accepted.items() %}
read_{{ table }} as (

    select '{{ table }}' as source_table, count(*) as rows_read
    from {{ ref('stg_raw__' ~ table) }}

),

accepted_{{ table }} as (

    select cast(({{ accepted_count }}) as bigint) as rows_accepted

),
{% endfor %}

rejected as (

    select source_table, count(*) as rows_rejected
    from {{ ref('rejected_rows') }}
    group by source_table

),

counted as (

    {% for table in accepted %}
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
