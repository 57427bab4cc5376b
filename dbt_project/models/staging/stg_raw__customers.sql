{%- set decimal = decimal_separator('customers') %}
with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        ----------  ids
        source_row_number,
        {{ clean_id('customer_id') }} as customer_id,

        ----------  strings
        lower({{ clean_text('email') }}) as email,
        {{ normalise_gender('gender') }} as gender,
        {{ clean_text('city') }} as city,
        {{ clean_text('country') }} as country,

        ----------  numerics
        {{ parse_number('annual_income', decimal=decimal) }} as annual_income,
        {{ parse_number('age', 'integer', decimal) }} as stated_age,
        {{ parse_number('spending_score', 'double', decimal) }} as stated_spending_score,
        {% for column in extra_customer_columns() %}
        {{ parse_number(column, 'double', decimal) }} as {{ column }},
        {% endfor %}

        ----------  dates
        {{ parse_date('birth_date') }} as birth_date,
        {{ parse_date('signup_date') }} as signup_date,

        ----------  what could not be read
        {{ is_unparseable('annual_income', parse_number('annual_income', decimal=decimal)) }} as is_income_unparseable,
        {{ is_unparseable('age', parse_number('age', 'integer', decimal)) }} as is_age_unparseable,
        {{ is_unparseable('birth_date', parse_date('birth_date')) }} as is_birth_date_unparseable,
        {{ is_unparseable('signup_date', parse_date('signup_date')) }} as is_signup_date_unparseable,
        ({{ clean_text('gender') }} is not null and {{ normalise_gender('gender') }} is null) as is_gender_unrecognised

    from source

)

select * from renamed
