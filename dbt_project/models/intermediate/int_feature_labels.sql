{#- How every feature is shown to people: the fixed labels of the built-in features
    (seed feature_labels, editable) and the extra customer columns of the mapping
    (their `label`, else the column name made readable; macro extra_column_labels).
    Names, traits and the report read labels from here only. -#}
with

feature_labels as (

    select * from {{ ref('feature_labels') }}

),

extra_columns as (

    {% for feature, label in extra_column_labels().items() %}
    {#- A trait leaves the label's unit out: "Tenure (months)" -> "low tenure". -#}
    {%- set trait = (modules.re.sub('\\s*\\([^()]*\\)\\s*$', '', label) or label) | lower | replace("'", "''") %}
    select
        '{{ feature }}' as feature,
        '{{ label | replace("'", "''") }}' as feature_label,
        'high {{ trait }}' as higher_phrase,
        'low {{ trait }}' as lower_phrase,
        'attribute' as feature_kind
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as feature_label,
        cast(null as {{ dbt.type_string() }}) as higher_phrase,
        cast(null as {{ dbt.type_string() }}) as lower_phrase,
        cast(null as {{ dbt.type_string() }}) as feature_kind
    where 1 = 0
    {% endfor %}

),

{#- customer_features' spending_score is the customers file's own score where it has
    one, else the customer's percentile of spend: when no customer states one, every
    score is that percentile, and its label says so. -#}
stated_spending_scores as (

    select count(stated_spending_score) as stated
    from {{ ref('int_customers_validated') }}
    where rejection_reason is null

),

final as (

    select
        feature,
        case when feature = 'spending_score' and stated_spending_scores.stated = 0
            then 'Spending score (percentile of spend)'
            else feature_label
        end as feature_label,
        higher_phrase,
        lower_phrase,
        feature_kind
    from feature_labels
    cross join stated_spending_scores
    where feature not in (select feature from extra_columns)
    union all
    select feature, feature_label, higher_phrase, lower_phrase, feature_kind
    from extra_columns

)

select * from final
