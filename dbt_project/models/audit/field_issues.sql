{#- Values that were set to null while their customer was kept: one row per
    customer and issue. Such values are imputed for clustering and flagged. -#}
with

customers as (

    select * from {{ ref('int_customers_validated') }}
    where rejection_reason is null

),

{% set issues = {
    'birth_date_unparseable': 'is_birth_date_unparseable',
    'birth_date_out_of_range': 'is_birth_date_out_of_range',
    'age_unparseable': 'is_age_unparseable',
    'age_out_of_range': 'is_age_out_of_range',
    'income_unparseable': 'is_income_unparseable',
    'income_negative': 'is_income_negative',
    'signup_date_unparseable': 'is_signup_date_unparseable',
    'signup_date_in_future': 'is_signup_date_in_future',
    'gender_unrecognised': 'is_gender_unrecognised',
} %}

flagged as (

    {% for issue, flag in issues.items() %}
    select
        'customers' as source_table,
        source_row_number,
        customer_id,
        '{{ issue }}' as issue
    from customers
    where {{ flag }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_values as (

    {{ with_raw_values('flagged', 'customers') }}

)

select * from with_values
