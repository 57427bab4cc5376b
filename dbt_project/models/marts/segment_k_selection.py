"""One row per candidate k with its quality figures, and which k was chosen and why.

Thin on purpose: all logic lives in the customer_segments package. With
var segments_mode = 'score' the stored table is kept as it is (no refit).

On DuckDB only: Spark cannot run dbt Python models, so there the CLI runs the same
package functions between two dbt invocations (customer_segments.sparkfit) and
fitted_on_spark/segment_k_selection.sql takes this model's place (README "Run on Spark").
"""

from customer_segments.segmentation import k_selection_table, read_features, stored_model
from customer_segments.settings import SegmentSettings


def model(dbt, session):
    if dbt.config.get("segments_mode") == "score":
        return stored_model(session, str(dbt.this))
    settings = SegmentSettings.from_mapping(dbt.config.get("segments"))
    features = read_features(dbt.ref("customer_features"), settings.features)
    return k_selection_table(features, settings)
