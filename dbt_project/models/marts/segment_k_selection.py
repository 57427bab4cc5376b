"""One row per candidate k with its quality figures, and which k was chosen and why.

Thin on purpose: all logic lives in the customer_segments package.
"""

from customer_segments.segmentation import k_selection_table
from customer_segments.settings import SegmentSettings


def model(dbt, session):
    settings = SegmentSettings.from_mapping(dbt.config.get("segments"))
    features = dbt.ref("customer_features").df()
    return k_selection_table(features, settings)
