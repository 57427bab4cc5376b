{#- One row per product id x category pair on the accepted lines (either may be null:
    a line with neither is in the pair whose two are null), with an integer key and its
    line count. int_customer_products holds its tens of millions of rows by this key,
    not by the two texts: on the dense benchmark (34.5M rows) the texts made the
    grouping and its write 5 s slower. int_products ranks each product's categories
    from the line counts here. -#}
with

pairs as (

    select product_id, category, count(*) as line_count
    from {{ ref('int_order_items_accepted') }}
    group by product_id, category

),

final as (

    select
        {# bigint on every engine: row_number() is an int on Spark; nulls placed
            explicitly, as the engines' defaults differ. -#}
        cast(row_number() over (
            order by product_id nulls last, category nulls last
        ) as bigint) as product_category_key,
        product_id,
        category,
        line_count
    from pairs

)

select * from final
