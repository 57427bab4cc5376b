{#-
    Every staged customer row, accepted or rejected with a reason.

    Whole row rejected (the row cannot identify a customer):
      missing_customer_id     blank or absent id
      duplicate_customer_id   the id appears again later in the file; the LAST
                              occurrence survives (exports append newer versions)
    Field set to null, the customer stays (logged in audit.field_issues, imputed
    for clustering and flagged): unreadable or impossible birth date, age, income,
    signup date, and unrecognised gender spellings.
-#}
with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

duplicated_customer_ids as (

    {{ duplicated_keys('customers', ['customer_id']) }}

),

marked as (

    select
        customers.*,
        {{ is_earlier_occurrence('customers', 'duplicated_customer_ids') }} as is_earlier_occurrence
    from customers
    left join duplicated_customer_ids
        on customers.customer_id = duplicated_customer_ids.customer_id

),

checked as (

    select
        source_row_number,
        customer_id,
        email,
        gender,
        city,
        country,
        stated_spending_score,
        {% for column in extra_customer_columns() %}
        {{ column }},
        {% endfor %}

        case
            when customer_id is null then 'missing_customer_id'
            when is_earlier_occurrence then 'duplicate_customer_id'
        end as rejection_reason,

        ----------  field checks
        is_birth_date_unparseable,
        {{ is_date_out_of_range('birth_date', 'min_birth_date') }} as is_birth_date_out_of_range,
        is_age_unparseable,
        (stated_age < 0 or stated_age > 120) as is_age_out_of_range,
        is_income_unparseable,
        (annual_income < 0) as is_income_negative,
        is_signup_date_unparseable,
        (signup_date > current_date) as is_signup_date_in_future,
        is_gender_unrecognised,

        ----------  values that passed their checks
        case
            when not {{ is_date_out_of_range('birth_date', 'min_birth_date') }} then birth_date
        end as birth_date,
        case when stated_age between 0 and 120 then stated_age end as stated_age,
        case when annual_income >= 0 then annual_income end as annual_income,
        case when signup_date <= current_date then signup_date end as signup_date

    from marked

)

select * from checked
