"""Every accepted customer's segment: the nearest centroid of marts.segment_centroids."""

from customer_segments.segmentation import customer_segments_table, read_features


def model(dbt, session):
    centroids = dbt.ref("segment_centroids").df()
    features = read_features(dbt.ref("customer_features"), centroids["feature"].unique())
    return customer_segments_table(features, centroids)
