{#-
    Assign every row of `relation` to its nearest segment in pure SQL, from the
    stored model in marts.segment_centroids: the same imputation, log1p transform,
    clipping and scaling as the Python fit, then the Euclidean distance to every
    centroid; ties go to the lower segment id. Any relation with the feature columns
    works: new customers, a what-if table, another warehouse's copy of the features.

        select * from ({{ assign_segment(ref('customer_features')) }}) as scored

    Returns one row per input row: the key column, segment_id, distance_to_centroid
    and distance_to_second_centroid (the next-nearest centroid's).
    Portable SQL (dbt cross-database style); nothing DuckDB-specific.
-#}
{% macro assign_segment(relation, key_column='customer_id', centroids=none) %}
    {%- set centroids = centroids if centroids is not none else ref('segment_centroids') -%}
    {%- if execute -%}
        {%- set features = run_query(
            "select distinct feature, feature_position from " ~ centroids ~ " order by feature_position"
        ).columns[0].values() -%}
    {%- else -%}
        {%- set features = [] -%}
    {%- endif %}
    with

    parameters as (

        select
            {%- for feature in features %}
            max(case when feature = '{{ feature }}' then transform end) as {{ feature }}__transform,
            max(case when feature = '{{ feature }}' then impute_value end) as {{ feature }}__impute,
            max(case when feature = '{{ feature }}' then clip_low end) as {{ feature }}__low,
            max(case when feature = '{{ feature }}' then clip_high end) as {{ feature }}__high,
            max(case when feature = '{{ feature }}' then center end) as {{ feature }}__center,
            max(case when feature = '{{ feature }}' then scale end) as {{ feature }}__scale,
            {%- endfor %}
            count(*) as parameter_rows
        from {{ centroids }}

    ),

    centers as (

        select
            segment_id,
            {%- for feature in features %}
            max(case when feature = '{{ feature }}' then centroid_scaled end) as {{ feature }}__centroid{{ "," if not loop.last }}
            {%- endfor %}
        from {{ centroids }}
        group by segment_id

    ),

    scaled as (

        select
            rows_to_score.{{ key_column }} as {{ key_column }},
            {%- for feature in features %}
            (
                least(greatest(
                    case when parameters.{{ feature }}__transform = 'log1p'
                        then ln(1 + greatest(coalesce(cast(rows_to_score.{{ feature }} as double), parameters.{{ feature }}__impute), 0))
                        else coalesce(cast(rows_to_score.{{ feature }} as double), parameters.{{ feature }}__impute)
                    end,
                    parameters.{{ feature }}__low), parameters.{{ feature }}__high)
                - parameters.{{ feature }}__center
            ) / parameters.{{ feature }}__scale as {{ feature }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ relation }} as rows_to_score
        cross join parameters

    ),

    distances as (

        select
            scaled.{{ key_column }},
            centers.segment_id,
            sqrt(
                {%- for feature in features %}
                (scaled.{{ feature }} - centers.{{ feature }}__centroid) * (scaled.{{ feature }} - centers.{{ feature }}__centroid){{ " +" if not loop.last }}
                {%- endfor %}
            ) as distance_to_centroid
        from scaled
        cross join centers

    ),

    ranked as (

        select
            *,
            row_number() over (
                partition by {{ key_column }} order by distance_to_centroid, segment_id
            ) as distance_rank
        from distances

    )

    select
        {{ key_column }},
        max(case when distance_rank = 1 then segment_id end) as segment_id,
        max(case when distance_rank = 1 then distance_to_centroid end) as distance_to_centroid,
        max(case when distance_rank = 2 then distance_to_centroid end) as distance_to_second_centroid
    from ranked
    where distance_rank <= 2
    group by {{ key_column }}
{% endmacro %}
