"""The scatter plots: a fixed sample of customers, the income / spending score view
and the PCA projection of the clustering space.

The sample is chosen in SQL (`order by hash(customer_id)`) and holds at most
SAMPLE_SIZE customers, so the same warehouse always gives the same picture and a
million customers never reach Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_segments.clustering import transform
from customer_segments.report.types import Projection, Scatter
from customer_segments.report.values import as_float, as_int
from customer_segments.report.warehouse import CUSTOMER_FEATURES, SEGMENT_MEMBERS, Warehouse, quoted
from customer_segments.segmentation import scalings_from

SAMPLE_SIZE = 20_000
# The income / spending score scatter needs this many customers with both values.
MIN_SCATTER_POINTS = 10


def read_sample(warehouse: Warehouse, clustering: tuple[str, ...]) -> pd.DataFrame:
    """A fixed sample of at most SAMPLE_SIZE customers: the same ones every time.

    Every feature comes as float64 (NULL as NaN), so nothing downstream meets pandas NA.
    """
    wanted = [
        c
        for c in dict.fromkeys(("annual_income", "spending_score", *clustering))
        if warehouse.has(SEGMENT_MEMBERS, c)
    ]
    select = "".join(f", cast({quoted(c)} as double) as {quoted(c)}" for c in wanted)
    frame = warehouse.frame(
        f"""
        select customer_id, segment_id{select}
        from {SEGMENT_MEMBERS}
        where segment_id is not null
        order by hash(customer_id), customer_id
        limit ?
        """,
        [SAMPLE_SIZE],
    )
    frame["segment_id"] = frame["segment_id"].astype("int64")
    for column in wanted:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def income_spending(
    warehouse: Warehouse, sample: pd.DataFrame, total: int
) -> tuple[Scatter | None, str | None]:
    """The classic mall-customers view, or why it is left out.

    It is drawn only when customers have both an income and a spending score, and
    both vary: a scatter of a constant is a flat line that says nothing.
    """
    x, y = "annual_income", "spending_score"
    present = [c for c in (x, y) if warehouse.has(CUSTOMER_FEATURES, c)]
    figures = {c: (0, None, None) for c in (x, y)}
    if present:
        aggregates = ", ".join(
            f"count({quoted(c)}), min(cast({quoted(c)} as double)), "
            f"max(cast({quoted(c)} as double))"
            for c in present
        )
        row = warehouse.rows(f"select {aggregates} from {CUSTOMER_FEATURES}")[0]
        for i, column in enumerate(present):
            figures[column] = (
                as_int(row[3 * i]) or 0,
                as_float(row[3 * i + 1]),
                as_float(row[3 * i + 2]),
            )
    lead = "No income against spending score chart: "
    counts = {c: figures[c][0] for c in (x, y)}
    if not counts[x] and not counts[y]:
        return None, lead + "the data has neither an annual income nor a spending score."
    if not counts[x]:
        return None, lead + "the data has no annual income."
    if not counts[y]:
        return None, lead + "the data has no spending score."
    for column, what in ((x, "annual income"), (y, "spending score")):
        _, low, high = figures[column]
        if low is not None and low == high:
            return None, lead + f"every customer has the same {what} ({low:g})."
    shown = sample.dropna(subset=[x, y]) if {x, y} <= set(sample.columns) else sample.iloc[:0]
    if len(shown) < MIN_SCATTER_POINTS or shown[x].nunique() < 2 or shown[y].nunique() < 2:
        return None, lead + (
            f"only {len(shown):,} of the customers drawn have both an annual income and a "
            "spending score."
        )
    return (
        Scatter(
            x=shown[x].to_numpy(dtype=float),
            y=shown[y].to_numpy(dtype=float),
            segment_ids=shown["segment_id"].to_numpy(dtype=int),
            x_feature=x,
            y_feature=y,
            sampled=len(sample),
            total=int(total),
        ),
        None,
    )


def projection(
    sample: pd.DataFrame | None, centroids: pd.DataFrame | None, total: int
) -> Projection | None:
    """PCA (numpy SVD) of the customers' scaled features, as the model saw them.

    The scaled matrix is rebuilt from the stored scalings with the package's own
    `transform`, so the picture is the clustering space itself; centroids are
    projected onto the same axes. Only customers of cluster segments belong here.
    """
    if sample is None or centroids is None:
        return None
    scaling_columns = ["transform", "impute_value", "clip_low", "clip_high", "center", "scale"]
    per_feature = centroids.drop_duplicates("feature")
    if per_feature[scaling_columns[1:]].isna().to_numpy().any():
        return None
    if (per_feature["scale"].astype(float) == 0).any():
        return None
    scalings = scalings_from(centroids)
    names = [s.feature for s in scalings]
    if len(names) < 2 or len(sample) < 3 or not set(names) <= set(sample.columns):
        return None
    matrix, _ = transform(sample, scalings)
    matrix = np.asarray(matrix, dtype=float)
    if not np.isfinite(matrix).all():
        return None
    mean = matrix.mean(axis=0)
    _, singular, vt = np.linalg.svd(matrix - mean, full_matrices=False)
    if len(singular) < 2 or float((singular**2).sum()) <= 0:
        return None
    components = vt[:2]
    # Fix the sign of each axis (its strongest loading positive) so it never flips.
    strongest = np.abs(components).argmax(axis=1)
    components = components * np.sign(components[np.arange(2), strongest])[:, None]
    variance = singular**2 / float((singular**2).sum())
    points = (matrix - mean) @ components.T
    wide = centroids.pivot(index="segment_id", columns="feature", values="centroid_scaled")[names]
    wide = wide.astype(float).dropna()
    centres = (wide.to_numpy(dtype=float) - mean) @ components.T
    loadings = tuple(
        tuple(
            (names[i], float(axis[i]))
            for i in sorted(range(len(names)), key=lambda i: -abs(axis[i]))
        )
        for axis in components
    )
    return Projection(
        points=Scatter(
            x=points[:, 0],
            y=points[:, 1],
            segment_ids=sample["segment_id"].to_numpy(dtype=int),
            x_feature="component_1",
            y_feature="component_2",
            sampled=len(sample),
            total=int(total),
        ),
        centroids={
            int(segment_id): (float(x), float(y))
            for segment_id, (x, y) in zip(wide.index, centres, strict=True)
        },
        explained=(float(variance[0]), float(variance[1])),
        loadings=loadings,
    )
