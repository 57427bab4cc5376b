with

source as (

    select * from {{ source('raw', 'order_items') }}

),

renamed as (

    select
        ----------  ids
        source_row_number,
        {{ clean_text('order_id') }} as order_id,
        {{ parse_number('line_number', 'integer') }} as line_number,
        {{ clean_text('product_id') }} as product_id,

        ----------  strings
        {{ clean_text('product_name') }} as product_name,
        lower({{ clean_text('category') }}) as category,

        ----------  numerics
        {{ parse_number('quantity', 'integer') }} as quantity,
        {{ parse_number('unit_price') }} as unit_price,

        ----------  what could not be read
        ({{ parse_number('quantity', 'integer') }} is null) as is_quantity_unreadable,
        ({{ parse_number('unit_price') }} is null) as is_unit_price_unreadable

    from source

)

select * from renamed
