"""The fitted model: each segment's centroid per feature, in scaled and original units,
with the imputation, transform, clipping and scaling of every feature, enough to assign
a segment in pure SQL (macro assign_segment). Fits KMeans at the chosen k; segment ids
are matched to the previous run's centroids so that they stay stable.
"""

from customer_segments.segmentation import centroids_table
from customer_segments.settings import SegmentSettings


def previous_run(dbt, session):
    try:
        return session.sql(f"select * from {dbt.this}").df()
    except Exception:  # no previous run yet: ids start at 1
        return None


def model(dbt, session):
    settings = SegmentSettings.from_mapping(dbt.config.get("segments"))
    features = dbt.ref("customer_features").df()
    k_selection = dbt.ref("segment_k_selection").df()
    return centroids_table(features, k_selection, settings, previous_run(dbt, session))
