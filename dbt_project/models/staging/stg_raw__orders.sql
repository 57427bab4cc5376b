with

source as (

    select * from {{ source('raw', 'orders') }}

),

renamed as (

    select
        ----------  ids
        source_row_number,
        {{ clean_id('order_id') }} as order_id,
        {{ clean_id('customer_id') }} as customer_id,

        ----------  strings
        {{ normalise_status('status') }} as status,
        lower({{ clean_text('channel') }}) as channel,

        ----------  timestamps
        {{ parse_timestamp('order_date') }} as ordered_at,

        ----------  what could not be read
        {{ is_unparseable('order_date', parse_timestamp('order_date')) }} as is_order_date_unparseable,
        {{ clean_text('order_date') }} is null as is_order_date_missing,
        ({{ normalise_status('status') }} is null) as is_status_unrecognised

    from source

)

select * from renamed
