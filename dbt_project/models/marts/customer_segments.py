"""Every accepted customer's segment: the nearest centroid of marts.segment_centroids."""

from customer_segments.segmentation import customer_segments_table


def model(dbt, session):
    features = dbt.ref("customer_features").to_arrow_table()
    centroids = dbt.ref("segment_centroids").df()
    return customer_segments_table(features, centroids)
