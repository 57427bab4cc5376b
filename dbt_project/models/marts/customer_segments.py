"""Every accepted customer's segment: the nearest centroid of marts.segment_centroids,
or the rule segment of a customer who is not clustered (customer_features.segment_rule).

On DuckDB only: Spark cannot run dbt Python models; there
fitted_on_spark/customer_segments.sql takes this model's place and assigns the same
segments in SQL (macro assign_segment; README "Run on Spark").
"""

from customer_segments.segmentation import customer_segments_table, read_features


def model(dbt, session):
    centroids = dbt.ref("segment_centroids").df()
    features = read_features(dbt.ref("customer_features"), centroids["feature"].unique())
    return customer_segments_table(features, centroids, dbt.ref("marketing_playbook").df())
