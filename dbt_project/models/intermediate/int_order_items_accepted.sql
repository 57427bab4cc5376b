{#- The accepted order lines: every staged line but the rejected ones
    (int_order_items_rejected, a small table). A view: reading it scans the raw
    lines and leaves out the rejects by row number, without the verdict's joins to
    the orders and its duplicate check. Lines of rejected or unknown orders are
    among the rejects, so every line here belongs to an accepted order. -#}
{{ accepted_rows(
    ref('stg_raw__order_items'), ref('int_order_items_rejected'),
    ['source_row_number', 'order_id', 'line_number', 'product_id', 'product_name',
     'category', 'quantity', 'unit_price']
) }}
