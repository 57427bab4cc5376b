{#- One row per product with one name and one category: the most frequent on its
    accepted lines, ties to the first alphabetically. An export may spell a
    product's name several ways (in Online Retail, 647 of its 4,070 stock codes carry
    more than one description). The categories are ranked by their line counts in
    int_product_categories, a null category counting no line, as count(category)
    would. -#}
with

order_lines as (

    select product_id, product_name
    from {{ ref('int_order_items_accepted') }}
    where product_id is not null

),

names as (

    select
        product_id,
        product_name,
        row_number() over (
            partition by product_id
            order by count(product_name) desc, product_name
        ) as name_rank
    from order_lines
    group by product_id, product_name

),

categories as (

    select
        product_id,
        category,
        row_number() over (
            partition by product_id
            order by case when category is null then 0 else line_count end desc, category
        ) as category_rank
    from {{ ref('int_product_categories') }}
    where product_id is not null

),

final as (

    select
        names.product_id,
        names.product_name,
        categories.category
    from names
    inner join categories
        on names.product_id = categories.product_id
        and categories.category_rank = 1
    where names.name_rank = 1

)

select * from final
