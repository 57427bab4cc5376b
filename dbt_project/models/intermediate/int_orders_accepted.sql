{#- The accepted orders: every staged order but the rejected ones
    (int_orders_rejected, a small table). A view: reading it scans the raw orders and
    leaves out the rejects by row number, without the verdict's duplicate check and
    its join to the customers. Order ids are unique here (duplicates are rejected),
    and every order belongs to an accepted customer. -#}
{{ accepted_rows(
    ref('stg_raw__orders'), ref('int_orders_rejected'),
    ['source_row_number', 'order_id', 'customer_id', 'status', 'channel', 'ordered_at']
) }}
