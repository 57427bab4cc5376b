{#- The order lines that fail validation, with their reason: the one pass that
    computes every line's verdict (int_order_items_validated, a view, is never
    stored) and keeps only what fails. The accepted lines are read through
    int_order_items_accepted, which leaves these rows out, so the verdict's joins
    and duplicate check run once per build, not once per model that reads lines. -#}
select
    source_row_number,
    order_id,
    line_number,
    rejection_reason
from {{ ref('int_order_items_validated') }}
where rejection_reason is not null
