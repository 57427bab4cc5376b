{#- One row per cluster segment x category: how much more (or less) often the
    segment's customers buy the category than the average clustered customer. See
    macro segment_affinity for every column; README "What to offer each segment". -#}
with

{{ segment_affinity('category') }}

select * from ranked
