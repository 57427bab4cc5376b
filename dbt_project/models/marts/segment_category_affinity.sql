{#- One row per cluster segment x category: how much more (or less) often the
    segment's customers buy the category than the average clustered customer. See
    macro segment_affinity for every column; README "What to offer each segment". -#}
with

{{ segment_affinity('category') }}

select
    segment_id,
    segment_name,
    item as category,
    segment_customers,
    segment_buyers,
    segment_share_of_buyers,
    segment_spend,
    segment_share_of_spend,
    population_customers,
    population_buyers,
    population_share_of_buyers,
    population_spend,
    population_share_of_spend,
    lift,
    meets_min_support,
    affinity_rank
from ranked
