{%- set decimal = decimal_separator('order_items') %}
with

source as (

    select * from {{ source('raw', 'order_items') }}

),

renamed as (

    select
        ----------  ids
        source_row_number,
        {{ clean_id('order_id') }} as order_id,
        {{ parse_number('line_number', 'integer', decimal) }} as line_number,
        {{ clean_text('product_id') }} as product_id,

        ----------  strings
        {{ clean_text('product_name') }} as product_name,
        lower({{ clean_text('category') }}) as category,

        ----------  numerics
        {{ parse_number('quantity', 'integer', decimal) }} as quantity,
        {{ parse_number('unit_price', decimal=decimal) }} as unit_price

    from source

),

{#- What could not be read, from the typed columns: each parse is written once. -#}
flagged as (

    select
        *,
        quantity is null as is_quantity_unreadable,
        unit_price is null as is_unit_price_unreadable
    from renamed

)

select * from flagged
