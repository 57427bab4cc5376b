"""What sets each segment apart: one row per segment x model feature, the segment's
median against the clustered population's, the direction, the effect size in the
model's scaled space and whether it is material (customer_segments.naming).

On DuckDB only: Spark cannot run dbt Python models, so there the CLI runs the same
package functions between two dbt invocations (customer_segments.sparkfit) and
fitted_on_spark/segment_traits.sql takes this model's place (README "Run on Spark").
"""

from customer_segments.naming import labels_from
from customer_segments.segmentation import read_features, traits_table


def model(dbt, session):
    centroids = dbt.ref("segment_centroids").df()
    features = read_features(dbt.ref("customer_features"), centroids["feature"].unique())
    playbook = dbt.ref("marketing_playbook").df()
    labels = labels_from(dbt.ref("int_feature_labels").df())
    return traits_table(features, centroids, playbook, labels)
