{#- The orders that fail validation, with their reason: the one pass that computes
    every order's verdict (int_orders_validated, a view, is never stored) and keeps
    only what fails. The accepted orders are read through int_orders_accepted,
    which leaves these rows out. -#}
select
    source_row_number,
    order_id,
    customer_id,
    rejection_reason
from {{ ref('int_orders_validated') }}
where rejection_reason is not null
