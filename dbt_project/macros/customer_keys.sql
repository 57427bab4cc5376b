{#- Every accepted customer's integer key beside its id: the customer's row number in
    its file (unique, and customer ids are unique among accepted customers).
    int_customer_products holds its tens of millions of rows by this key, not by the id
    text: on the dense benchmark (34.5M rows) the text column alone was 4 s of the
    write, and the joins of those rows to the segments run on integers. The models
    that read it join this table of a million rows to get back to customer_id. -#}
{% macro customer_keys() -%}
    select source_row_number as customer_key, customer_id
    from {{ ref('int_customers_validated') }}
    where rejection_reason is null
{%- endmacro %}
