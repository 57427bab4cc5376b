"""The fitted model: each segment's centroid per feature, in scaled and original units,
with the imputation, transform, clipping and scaling of every feature, enough to assign
a segment in pure SQL (macro assign_segment). Fits KMeans at the chosen k; segment ids
are matched to the previous run's centroids so that they stay stable. With
var segments_mode = 'score' the stored model is kept and customers are only scored.

On DuckDB only: Spark cannot run dbt Python models, so there the CLI runs the same
package functions between two dbt invocations (customer_segments.sparkfit) and
fitted_on_spark/segment_centroids.sql takes this model's place (README "Run on Spark").
"""

from customer_segments.naming import labels_from
from customer_segments.segmentation import centroids_table, read_features, stored_model
from customer_segments.settings import SegmentSettings


def model(dbt, session):
    if dbt.config.get("segments_mode") == "score":
        return stored_model(session, str(dbt.this))
    settings = SegmentSettings.from_mapping(dbt.config.get("segments"))
    features = read_features(dbt.ref("customer_features"), settings.features)
    k_selection = dbt.ref("segment_k_selection").df()
    previous = stored_model(session, str(dbt.this), required=False)
    labels = labels_from(dbt.ref("int_feature_labels").df())
    return centroids_table(features, k_selection, settings, previous, labels)
