"""The report's charts: typed context in, `Chart` (an embedded image plus its alt text
and caption) out.

- One palette, keyed by segment_id and made once per report (`palette_for`): a
  segment has the same colour in every chart and on its card.
- Style is set once, by `chart_style()`, around all drawing (render.py enters it).
- Figures are `matplotlib.figure.Figure` objects drawn on an explicit Agg canvas,
  never registered with pyplot: nothing global is switched (a notebook importing this
  keeps its backend) and no figure outlives the function that drew it. `_encode`
  clears each figure after encoding it, the equivalent of `plt.close(fig)`.
- Scatter plots (thousands of points) are PNG; everything else is SVG. Both are
  embedded as data: URIs, so the report needs no network and no other file.

The file is long because it holds every chart of the report, one function each, and
they share the palette, the style and the encoding above; a chart read on its own
needs nothing else from here.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import LogLocator, NullFormatter

from customer_segments.report.errors import ReportError
from customer_segments.report.formatting import feature_value, integer, label, number, percent
from customer_segments.report.types import (
    SEPARATION_WORDS,
    FeatureProfile,
    KCandidate,
    Migration,
    Model,
    Projection,
    ReportContext,
    Scatter,
    Segment,
)

Labels = Callable[[str], str]  # feature -> the words people read it by

# Tableau 10: distinguishable, and readable on white.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
COLOUR_NAMES = dict(
    zip(
        PALETTE,
        ("blue", "orange", "red", "teal", "green", "yellow", "purple", "pink", "brown", "grey"),
        strict=True,
    )
)
OTHER = "#7f7f7f"  # a segment of an earlier run that no longer exists
INK = "#222222"
MUTED = "#666666"

STYLE = {
    "font.family": "sans-serif",
    "font.size": 10,
    "text.parse_math": False,  # a '$' in a segment name is a dollar sign, not TeX
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#999999",
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "svg.fonttype": "none",  # text stays text: smaller, sharp, searchable
    "svg.hashsalt": "segment-report",  # the same data gives the same bytes
    "figure.facecolor": "white",
}
PNG_DPI = 150
CSS_DPI = 96  # the browser's pixels per inch: the size the image is laid out at
NAME_LENGTH = 30


@contextmanager
def chart_style() -> Iterator[None]:
    """The report's matplotlib style, for everything drawn inside the block."""
    with mpl.rc_context(STYLE):
        yield


@dataclass(frozen=True)
class Palette:
    colours: Mapping[int, str]

    def __call__(self, segment_id: int | None) -> str:
        return self.colours.get(segment_id, OTHER) if segment_id is not None else OTHER

    def name(self, segment_id: int) -> str:
        return COLOUR_NAMES.get(self(segment_id), "grey")

    def ink(self, segment_id: int | None) -> str:
        """Text colour that reads on the segment's colour: dark on light, white on dark."""
        red, green, blue = (int(self(segment_id)[i : i + 2], 16) / 255 for i in (1, 3, 5))
        luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
        return INK if luminance > 0.55 else "#ffffff"


def palette_for(segment_ids: Iterable[int]) -> Palette:
    """Colour i of the palette for segment id i (so a segment keeps its colour from run
    to run); by rank instead when ids would share a colour."""
    ids = sorted(set(segment_ids))
    colours = {i: PALETTE[(i - 1) % len(PALETTE)] for i in ids}
    if len(set(colours.values())) < len(ids):
        colours = {i: PALETTE[n % len(PALETTE)] for n, i in enumerate(ids)}
    return Palette(colours)


@dataclass(frozen=True)
class Chart:
    key: str  # the figure's id in the page
    title: str
    uri: str  # data: URI of the image
    alt: str
    caption: str
    width: int  # CSS pixels
    height: int


@dataclass(frozen=True)
class Charts:
    shares: Chart
    income_spending: Chart | None
    projection: Chart | None
    profile_heatmap: Chart | None
    distributions: tuple[Chart, ...]
    k_choice: Chart | None
    silhouette: Chart | None
    migration: Chart | None


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _encode(figure: Figure, fmt: str) -> tuple[str, int, int]:
    """The figure as a data: URI and its CSS size; the figure is cleared afterwards."""
    try:
        buffer = io.BytesIO()
        if fmt == "png":
            figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
            mime = "image/png"
        else:
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
            mime = "image/svg+xml"
        width, height = figure.get_size_inches()
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f"data:{mime};base64,{data}", round(width * CSS_DPI), round(height * CSS_DPI)
    finally:
        figure.clear()


def _chart(figure: Figure, fmt: str, key: str, title: str, alt: str, caption: str) -> Chart:
    uri, width, height = _encode(figure, fmt)
    return Chart(key, title, uri, alt, caption, width, height)


def axis_number(value: float) -> str:
    """A tick label: whole numbers without decimals (1, 10, 1,000), others as `number`."""
    return f"{value:,.0f}" if float(value).is_integer() else number(value)


def compact_number(value: float) -> str:
    """A short tick label for wide ranges: 500, 2k, 150k, 1.5M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{suffix}"
    return axis_number(value)


def short(name: str, length: int = NAME_LENGTH) -> str:
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def segment_label(segment_id: int, name: str | None) -> str:
    return f"{segment_id} · {short(name)}" if name else f"Segment {segment_id}"


def _colour_list(segments: Sequence[Segment], palette: Palette) -> str:
    return "; ".join(f"{s.segment_id} {s.name} ({palette.name(s.segment_id)})" for s in segments)


def sample_caption(scatter: Scatter, what: str) -> str:
    """What the points are: all customers, or a fixed sample of them."""
    if scatter.sampled < scatter.total:
        text = (
            f"Showing {integer(scatter.shown)} of {integer(scatter.total)} customers: a fixed "
            "sample (the same customers every time), so the file stays small."
        )
    elif scatter.shown < scatter.total:
        text = f"Showing {integer(scatter.shown)} of {integer(scatter.total)} customers."
    else:
        text = f"Showing all {integer(scatter.total)} customers."
    left_out = scatter.sampled - scatter.shown
    if left_out:
        text += f" {integer(left_out)} without {what} are left out."
    return text


# --- charts -----------------------------------------------------------------------


def shares_chart(segments: Sequence[Segment], palette: Palette, has_revenue: bool) -> Chart:
    """Share of customers against share of revenue, one pair of bars per segment; share
    of customers alone when the data has no revenue (no bars of a revenue nobody has)."""
    figure = _figure(6.4, (0.62 if has_revenue else 0.42) * len(segments) + 1.4)
    ax = figure.add_subplot()
    positions = np.arange(len(segments))[::-1]
    height = 0.38 if has_revenue else 0.6
    for y, segment in zip(positions, segments, strict=True):
        colour = palette(segment.segment_id)
        customers = segment.share_of_customers
        if has_revenue:
            revenue = segment.share_of_revenue or 0.0
            ax.barh(y + height / 2, customers, height, color=colour, alpha=0.4, edgecolor=colour)
            ax.barh(y - height / 2, revenue, height, color=colour)
            bars = ((customers, height / 2), (revenue, -height / 2))
        else:
            ax.barh(y, customers, height, color=colour)
            bars = ((customers, 0.0),)
        for value, offset in bars:
            ax.text(value, y + offset, f" {percent(value)}", va="center", fontsize=8.5)
    ax.set_yticks(positions, [segment_label(s.segment_id, s.name) for s in segments])
    top = max(
        max(s.share_of_customers, (s.share_of_revenue or 0.0) if has_revenue else 0.0)
        for s in segments
    )
    ax.set_xlim(0, top * 1.15 + 0.01)
    ax.xaxis.set_major_formatter(lambda value, _: percent(value))
    ax.grid(axis="y", visible=False)
    if not has_revenue:
        alt = "Bar chart of each segment's share of customers. " + " ".join(
            f"{s.name}: {percent(s.share_of_customers)} of customers." for s in segments
        )
        largest = max(segments, key=lambda s: s.share_of_customers)
        smallest = min(segments, key=lambda s: s.share_of_customers)
        if percent(largest.share_of_customers) == percent(smallest.share_of_customers):
            sizes = f"every segment holds {percent(largest.share_of_customers)} of them"
        else:
            sizes = f"the largest is {largest.name} with {percent(largest.share_of_customers)}"
        caption = (
            f"Share of customers in each segment; {sizes}. No revenue is shown: the data has "
            "no completed orders with a value."
        )
        return _chart(figure, "svg", "chart-shares", "Customers by segment", alt, caption)
    figure.legend(
        handles=[
            Patch(facecolor="#999999", alpha=0.4, edgecolor="#999999", label="share of customers"),
            Patch(facecolor="#999999", label="share of revenue"),
        ],
        loc="outside upper left",
        ncols=2,
    )
    best = max(segments, key=lambda s: s.share_of_revenue or 0.0)
    alt = "Bar chart of each segment's share of customers and share of revenue. " + " ".join(
        f"{s.name}: {percent(s.share_of_customers)} of customers, "
        f"{percent(s.share_of_revenue or 0.0)} of revenue."
        for s in segments
    )
    caption = (
        f"Pale bars: share of customers; solid bars: share of revenue. {best.name} brings "
        f"{percent(best.share_of_revenue)} of revenue with {percent(best.share_of_customers)} "
        "of the customers."
    )
    return _chart(figure, "svg", "chart-shares", "Customers and revenue by segment", alt, caption)


def _scatter_points(ax, scatter: Scatter, palette: Palette) -> None:
    """All points in one layer, in sample order, so no segment is painted over the rest."""
    dense = scatter.shown > 5_000
    colours = [palette(int(segment_id)) for segment_id in scatter.segment_ids]
    ax.scatter(
        scatter.x,
        scatter.y,
        s=2.5 if dense else 9,
        alpha=0.4 if dense else 0.7,
        c=colours,
        linewidths=0,
        rasterized=True,
    )


def _centre_markers(ax, centres: Mapping[int, tuple[float, float]], palette: Palette) -> None:
    """A numbered marker at each segment's centre, matching the card numbers."""
    for segment_id, (x, y) in centres.items():
        if x is None or y is None or not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax.scatter(
            [x],
            [y],
            s=260,
            color=palette(segment_id),
            edgecolors="white",
            linewidths=1.8,
            zorder=5,
        )
        ax.text(
            x,
            y,
            str(segment_id),
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color=palette.ink(segment_id),
            zorder=6,
        )


def _legend_below(figure: Figure, segments: Sequence[Segment], palette: Palette) -> None:
    if not segments:
        return
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7,
            color=palette(s.segment_id),
            label=segment_label(s.segment_id, s.name),
        )
        for s in segments
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(2, len(segments)))


def _drawn(scatter: Scatter, segments: Sequence[Segment]) -> tuple[list[Segment], list[Segment]]:
    """The segments with points in the scatter, and those without any."""
    present = {int(i) for i in np.unique(scatter.segment_ids)}
    return (
        [s for s in segments if s.segment_id in present],
        [s for s in segments if s.segment_id not in present],
    )


def income_spending_chart(
    scatter: Scatter,
    segments: Sequence[Segment],
    profiles: Mapping[str, FeatureProfile],
    palette: Palette,
    labels: Labels = label,
) -> Chart:
    figure = _figure(5.8, 5.0)
    ax = figure.add_subplot()
    _scatter_points(ax, scatter, palette)
    shown, absent = _drawn(scatter, segments)
    income, score = profiles.get(scatter.x_feature), profiles.get(scatter.y_feature)
    if income is not None and score is not None:
        centres = {
            s.segment_id: (
                income.by_segment[s.segment_id].mean,
                score.by_segment[s.segment_id].mean,
            )
            for s in shown
            if s.segment_id in income.by_segment and s.segment_id in score.by_segment
        }
        _centre_markers(ax, centres, palette)
    ax.set_xlabel(labels(scatter.x_feature))
    ax.set_ylabel(labels(scatter.y_feature))
    ax.xaxis.set_major_formatter(lambda value, _: axis_number(value))
    _legend_below(figure, shown, palette)
    alt = (
        f"Scatter plot of annual income (horizontal) against spending score (vertical) for "
        f"{integer(scatter.shown)} customers, coloured by segment: "
        f"{_colour_list(shown, palette)}. Numbered circles mark each segment's average."
    )
    caption = (
        "Each dot is a customer; numbered circles mark each segment's average. "
        + sample_caption(scatter, "income or spending score")
    )
    if absent:
        caption += (
            f" Not in the picture: {', '.join(s.name for s in absent)} (no customer there "
            "has both values)."
        )
    return _chart(
        figure, "png", "chart-income-spending", "Annual income and spending score", alt, caption
    )


def _axis_words(loadings: tuple[tuple[str, float], ...], labels: Labels = label) -> str:
    """What grows along a principal axis: 'more completed orders, less recency (days)'."""
    strong = [(f, w) for f, w in loadings if abs(w) >= 0.3][:3] or list(loadings[:1])
    return ", ".join(f"{'more' if w > 0 else 'less'} {labels(f).lower()}" for f, w in strong)


def projection_chart(
    projection: Projection,
    segments: Sequence[Segment],
    palette: Palette,
    labels: Labels = label,
) -> Chart:
    figure = _figure(5.8, 5.0)
    ax = figure.add_subplot()
    _scatter_points(ax, projection.points, palette)
    _centre_markers(ax, projection.centroids, palette)
    first, second = projection.explained
    ax.set_xlabel(f"Component 1 ({percent(first)} of the variance)")
    ax.set_ylabel(f"Component 2 ({percent(second)} of the variance)")
    clustered = [s for s in segments if not s.is_rule]
    _legend_below(figure, clustered, palette)
    alt = (
        "Scatter plot of customers on the first two principal components of the scaled "
        f"clustering features, which explain {percent(first)} and {percent(second)} of the "
        f"variance; coloured by segment: {_colour_list(clustered, palette)}. Numbered circles "
        "mark the segment centroids."
    )
    caption = (
        "The clustering space seen from its two most informative directions (PCA of the "
        "scaled features the model used). Rightwards: "
        f"{_axis_words(projection.loadings[0], labels)}; upwards: "
        f"{_axis_words(projection.loadings[1], labels)}. "
        "Well separated clouds mean distinct segments. "
        + sample_caption(projection.points, "features")
    )
    rules = [s for s in segments if s.is_rule]
    if rules:
        verb = "is" if len(rules) == 1 else "are"
        caption += (
            f" {' and '.join(s.name for s in rules)} {verb} set by a rule, not clustered, "
            f"and {verb} not shown."
        )
    return _chart(figure, "png", "chart-projection", "The segments in two dimensions", alt, caption)


def heatmap_chart(
    segments: Sequence[Segment],
    profiles: Sequence[FeatureProfile],
    palette: Palette,
    labels: Labels = label,
) -> Chart | None:
    """Segment means coloured by their distance from the overall mean (in SDs); a
    segment without values for a feature gets a grey cell."""
    profiles = [p for p in profiles if p.overall.std]
    if not profiles:
        return None
    rows = len(segments) + 1
    raw_z = [[0.0] * len(profiles)] + [[p.z(s.segment_id) for p in profiles] for s in segments]
    z = np.array([[np.nan if v is None else v for v in row] for row in raw_z], dtype=float)
    values = [[p.overall.mean for p in profiles]] + [
        [
            p.by_segment[s.segment_id].mean if s.segment_id in p.by_segment else None
            for p in profiles
        ]
        for s in segments
    ]
    has_gaps = bool(np.isnan(z).any())
    width = max(7.2, 1.0 * len(profiles) + 2.8)
    figure = _figure(width, 0.46 * rows + 1.9)
    ax = figure.add_subplot()
    limit = max(1.0, min(2.5, float(np.nanmax(np.abs(z)))))
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="#e9e9e9")
    image = ax.imshow(
        np.ma.masked_invalid(z),
        cmap=cmap,
        norm=TwoSlopeNorm(0, -limit, limit),
        aspect="auto",
        interpolation="none",
    )
    for r in range(rows):
        for c, profile in enumerate(profiles):
            colour = "white" if np.isfinite(z[r, c]) and abs(z[r, c]) > limit * 0.6 else INK
            weight = "bold" if r == 0 else "normal"
            text = feature_value(values[r][c], profile.feature)
            ax.text(c, r, text, ha="center", va="center", fontsize=8, color=colour, weight=weight)
    ax.set_xticks(
        range(len(profiles)), [labels(p.feature) for p in profiles], rotation=30, ha="right"
    )
    ax.set_yticks(
        range(rows),
        [profiles[0].overall_label] + [segment_label(s.segment_id, s.name) for s in segments],
    )
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.axhline(0.5, color="white", linewidth=3)
    for r, segment in enumerate(segments, start=1):
        ax.add_patch(
            Rectangle((-0.5, r - 0.5), 0.1, 1, color=palette(segment.segment_id), clip_on=False)
        )
    bar = figure.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label("standard deviations from the average")
    bar.outline.set_visible(False)
    strongest = []
    for r, segment in enumerate(segments, start=1):
        distances = np.where(np.isfinite(z[r]), np.abs(z[r]), -1.0)
        c = int(np.argmax(distances))
        if distances[c] <= 0:
            strongest.append(f"{segment.name}: at the average or without values")
            continue
        direction = "above" if z[r, c] > 0 else "below"
        strongest.append(
            f"{segment.name}: {labels(profiles[c].feature).lower()} furthest {direction} "
            f"average ({feature_value(values[r][c], profiles[c].feature)} vs "
            f"{feature_value(values[0][c], profiles[c].feature)})"
        )
    alt = (
        "Heatmap of each segment's average feature values, coloured red above and blue below "
        "the all-customer average. " + "; ".join(strongest) + "."
    )
    caption = (
        "Each cell is the segment's mean; red is above the average customer, blue below, "
        "by how many standard deviations. The top row is the average of "
        + profiles[0].overall_label.lower()
        + "."
    )
    if has_gaps:
        caption += " Grey cells: no customer in the segment has a value."
    return _chart(
        figure,
        "svg",
        "chart-profile-heatmap",
        "Segment profiles against the average",
        alt,
        caption,
    )


def distribution_chart(
    profile: FeatureProfile,
    segments: Sequence[Segment],
    palette: Palette,
    log_scale: bool,
    labels: Labels = label,
) -> Chart | None:
    """Box plots from quantiles computed in SQL: 5th, 25th, 50th, 75th, 95th percentile.
    Segments without values for the feature are left out and named in the caption."""
    rows = [(profile.overall_label, profile.overall, "#bbbbbb")] + [
        (
            segment_label(s.segment_id, s.name),
            profile.by_segment[s.segment_id],
            palette(s.segment_id),
        )
        for s in segments
        if s.segment_id in profile.by_segment
    ]
    rows = [row for row in rows if row[1].quantiles is not None]
    if len(rows) < 2:
        return None
    without = [
        s.name
        for s in segments
        if profile.by_segment.get(s.segment_id) is None
        or profile.by_segment[s.segment_id].quantiles is None
    ]
    stats = []
    for name, feature_stats, _ in rows:
        p5, p25, p50, p75, p95 = feature_stats.quantiles
        stats.append(
            {
                "label": name,
                "whislo": p5,
                "q1": p25,
                "med": p50,
                "q3": p75,
                "whishi": p95,
                "mean": feature_stats.mean if feature_stats.mean is not None else p50,
                "fliers": [],
            }
        )
    name = labels(profile.feature)
    figure = _figure(4.8, 0.36 * len(rows) + 1.2)
    ax = figure.add_subplot()
    boxes = ax.bxp(
        stats[::-1],
        orientation="horizontal",
        showfliers=False,
        showmeans=True,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": INK, "linewidth": 1.4},
        meanprops={
            "marker": "D",
            "markerfacecolor": "white",
            "markeredgecolor": INK,
            "markersize": 4,
        },
        whiskerprops={"color": MUTED},
        capprops={"color": MUTED},
    )
    for patch, (_, _, colour) in zip(boxes["boxes"], rows[::-1], strict=True):
        patch.set_facecolor(colour)
        patch.set_edgecolor(colour)
        patch.set_alpha(0.85)
    low = min(s["whislo"] for s in stats)
    if log_scale and low > 0:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(lambda value, _: compact_number(value))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_title(name)
    ax.tick_params(axis="y", length=0, labelsize=8.5)
    ax.grid(axis="y", visible=False)
    medians = "; ".join(
        f"{row}: median {feature_value(s.quantiles[2], profile.feature)}" for row, s, _ in rows
    )
    alt = f"Box plots of {name.lower()} per segment. {medians}."
    scale = " Log scale." if ax.get_xscale() == "log" else ""
    caption = (
        f"{name}: box = middle half (25th–75th percentile), line = median, "
        f"diamond = mean, whiskers = 5th–95th percentile.{scale}"
    )
    if without:
        caption += f" Left out, without values: {', '.join(without)}."
    return _chart(
        figure,
        "svg",
        f"chart-distribution-{profile.feature.replace('_', '-')}",
        f"Distribution of {name.lower()}",
        alt,
        caption,
    )


def _k_axis(ax, candidates: Sequence[KCandidate]) -> None:
    ax.set_xticks([c.k for c in candidates])
    ax.set_xlabel("k (number of segments)")
    ax.grid(axis="x", visible=False)


def _mark_chosen(ax, chosen: KCandidate, value: float, text_offset: tuple[float, float]) -> None:
    ax.axvline(chosen.k, color="#c0392b", linestyle="--", linewidth=1, zorder=1)
    ax.scatter([chosen.k], [value], s=90, color="#c0392b", zorder=4)
    ax.annotate(
        f"chosen: k = {chosen.k}",
        (chosen.k, value),
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
        xytext=text_offset,
        textcoords="offset points",
        color="#c0392b",
        fontweight="bold",
        fontsize=9,
    )


def k_choice_chart(model: Model) -> Chart | None:
    """Prediction strength per k (does each segment reproduce on half samples?) above
    the smallest segment's share per k, with the rule's thresholds where the warehouse
    shows them, the eligible k filled and the chosen k marked. The caption is the
    warehouse's own reason for the chosen k."""
    candidates = [c for c in model.candidates if c.prediction_strength is not None]
    chosen = model.chosen
    if len(candidates) < 2:
        return None
    ks = [c.k for c in candidates]
    strength_line, share_line = model.min_prediction_strength, model.min_segment_share
    figure = _figure(5.6, 4.4)
    top, bottom = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 2)}, squeeze=True
    )
    top.plot(ks, [c.prediction_strength for c in candidates], color=PALETTE[0], zorder=2)
    for c in candidates:
        filled = bool(c.is_eligible)
        top.scatter(
            [c.k],
            [c.prediction_strength],
            s=44,
            color=PALETTE[0] if filled else "white",
            edgecolors=PALETTE[0],
            linewidths=1.5,
            zorder=3,
        )
    if strength_line is not None:
        top.axhline(
            strength_line,
            color=MUTED,
            linestyle=":",
            linewidth=1.2,
            zorder=1,
            label=f"must reach {strength_line:.2f}",
        )
        top.legend(loc="best", fontsize=8, handlelength=1.6)
    top.set_ylim(0, 1.08)
    top.set_ylabel("Prediction strength")
    top.set_title("Do the segments reproduce?")
    shares = [c.smallest_share for c in candidates]
    bar_colours = [PALETTE[0] if c.is_eligible else "#c9c9c9" for c in candidates]
    bottom.bar(ks, [v or 0.0 for v in shares], width=0.55, color=bar_colours, zorder=2)
    if share_line is not None:
        bottom.axhline(
            share_line,
            color=MUTED,
            linestyle=":",
            linewidth=1.2,
            zorder=3,
            label=f"at least {percent(share_line)}",
        )
        bottom.legend(loc="best", fontsize=8, handlelength=1.6)
    bottom.set_ylabel("Smallest segment")
    bottom.yaxis.set_major_formatter(lambda value, _: percent(value))
    _k_axis(bottom, candidates)
    top.grid(axis="x", visible=False)
    if chosen is not None and chosen.prediction_strength is not None:
        _mark_chosen(top, chosen, chosen.prediction_strength, (8, -16))
        bottom.axvline(chosen.k, color="#c0392b", linestyle="--", linewidth=1, zorder=1)
    described = ", ".join(
        f"k={c.k}: {c.prediction_strength:.2f}, smallest segment {percent(c.smallest_share)}"
        f"{' (eligible)' if c.is_eligible else ''}"
        for c in candidates
    )
    alt = (
        "Prediction strength (top) and the smallest segment's share of customers (bottom) "
        f"for each k ({described})" + (f"; the chosen k={chosen.k} is marked." if chosen else ".")
    )
    rule = "Filled points and blue bars: the k that meet the rule"
    if strength_line is not None and share_line is not None:
        rule += (
            f" (prediction strength at least {strength_line:.2f} and every segment at least "
            f"{percent(share_line)} of the customers)"
        )
    caption = (
        "Prediction strength: how reliably even the least reproducible segment comes back "
        "when the customers are split in two halves and each half is clustered (1 = always). "
        f"{rule}."
    )
    if chosen is not None and chosen.reason:
        caption += f" {chosen.reason}"
    elif chosen is None:
        caption += " No k is marked as chosen in marts.segment_k_selection."
    return _chart(
        figure, "svg", "chart-k-choice", "Choosing k: reproducible segments", alt, caption
    )


def silhouette_chart(candidates: Sequence[KCandidate]) -> Chart | None:
    points = [c for c in candidates if c.silhouette is not None]
    chosen = next((c for c in points if c.is_chosen), None)
    if len(points) < 2:
        return None
    figure = _figure(4.8, 3.4)
    ax = figure.add_subplot()
    ax.plot([c.k for c in points], [c.silhouette for c in points], marker="o", color=PALETTE[4])
    for level, words in SEPARATION_WORDS:
        ax.axhline(level, color="#bbbbbb", linewidth=0.8, linestyle=":")
        ax.text(points[0].k, level, f" {words}", va="bottom", fontsize=8, color=MUTED)
    if chosen is not None:
        _mark_chosen(ax, chosen, chosen.silhouette, (8, -18))
    _k_axis(ax, points)
    top = max(c.silhouette for c in points)
    ax.set_ylim(min(0.0, min(c.silhouette for c in points)), max(0.6, top + 0.08))
    ax.set_ylabel("Silhouette (higher is better)")
    ax.set_title("Silhouette")
    described = ", ".join(f"k={c.k}: {c.silhouette:.2f}" for c in points)
    alt = f"Line chart of the silhouette score against k ({described})" + (
        f"; the chosen k={chosen.k} is marked." if chosen else "."
    )
    caption = (
        "How clearly each customer sits in its own segment rather than the next one "
        "(−1 to 1). "
        + "; ".join(f"above {level:.2f}: {words}" for level, words in SEPARATION_WORDS)
        + " (Kaufman and Rousseeuw)."
    )
    return _chart(figure, "svg", "chart-silhouette", "Silhouette by k", alt, caption)


def migration_chart(migration: Migration, palette: Palette) -> Chart | None:
    if not migration.cells:
        return None
    sources = sorted({c.from_id for c in migration.cells if c.from_id is not None})
    targets = sorted({c.to_id for c in migration.cells if c.to_id is not None})
    has_new = any(c.from_id is None for c in migration.cells)
    has_gone = any(c.to_id is None for c in migration.cells)
    row_keys: list[int | None] = [*sources, *([None] if has_new else [])]
    col_keys: list[int | None] = [*targets, *([None] if has_gone else [])]
    counts = np.zeros((len(row_keys), len(col_keys)))
    for cell in migration.cells:
        counts[row_keys.index(cell.from_id), col_keys.index(cell.to_id)] = cell.customers
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure = _figure(max(6.4, 1.1 * len(col_keys) + 3.6), 0.5 * len(row_keys) + 2.2)
    ax = figure.add_subplot()
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="none")
    for r in range(len(row_keys)):
        for c in range(len(col_keys)):
            if counts[r, c]:
                colour = "white" if shares[r, c] > 0.55 else INK
                ax.text(
                    c,
                    r,
                    f"{integer(counts[r, c])}\n{percent(shares[r, c])}",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=colour,
                    linespacing=1.1,
                )
    previous = migration.previous_names
    ax.set_yticks(
        range(len(row_keys)),
        [segment_label(k, previous.get(k)) if k is not None else "New customers" for k in row_keys],
    )
    ax.set_xticks(
        range(len(col_keys)),
        [str(k) if k is not None else "Gone" for k in col_keys],
    )
    ax.set_ylabel("Previous run")
    ax.set_xlabel("Last run (segment id)")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for r, key in enumerate(row_keys):
        if key is not None:
            ax.add_patch(Rectangle((-0.5, r - 0.5), 0.08, 1, color=palette(key), clip_on=False))
        if key is not None and key in col_keys:  # stayed in the same segment
            c = col_keys.index(key)
            ax.add_patch(
                Rectangle(
                    (c - 0.47, r - 0.47), 0.94, 0.94, fill=False, edgecolor=INK, linewidth=1.2
                )
            )
    for c, key in enumerate(col_keys):
        if key is not None:
            ax.add_patch(Rectangle((c - 0.5, -0.5), 1, 0.08, color=palette(key), clip_on=False))
    stayed = migration.stayed_share
    alt = (
        f"Matrix of customers by segment in the previous run (rows) and the last run "
        f"(columns). {percent(stayed)} of the customers in both runs kept their segment; "
        f"{integer(migration.new)} are new and {integer(migration.gone)} are gone."
    )
    caption = (
        "Rows: segment in the previous run; columns: segment in the last run. Each cell "
        "counts customers and the share of its row; the diagonal is customers who stayed."
    )
    return _chart(figure, "svg", "chart-migration", "Movement since the previous run", alt, caption)


def _draw(what: str, function: Callable[..., Chart | None], *args, **kwargs) -> Chart | None:
    """One chart; any failure becomes a ReportError that names the chart."""
    try:
        return function(*args, **kwargs)
    except ReportError:
        raise
    except Exception as error:
        detail = (str(error).strip().splitlines() or [""])[0]
        raise ReportError(
            f"The report failed while drawing {what}: {type(error).__name__}"
            + (f": {detail}" if detail else "")
        ) from error


def draw_charts(context: ReportContext, palette: Palette) -> Charts:
    """Every chart of the report. Call inside `chart_style()`."""
    segments = context.segments
    labels = context.label
    profiles = {p.feature: p for p in context.profiles}
    model = context.model
    log_features = {f.feature for f in model.features if f.transform == "log1p"} if model else set()
    distributions = []
    for feature in context.clustering_features:
        if feature in profiles:
            chart = _draw(
                f"the distribution of {labels(feature).lower()}",
                distribution_chart,
                profiles[feature],
                segments,
                palette,
                log_scale=feature in log_features,
                labels=labels,
            )
            if chart is not None:
                distributions.append(chart)
    shares = _draw(
        "the customers and revenue chart", shares_chart, segments, palette, context.has_revenue
    )
    assert shares is not None
    income_spending = projection = migration = k_choice = silhouette = None
    if context.income_spending is not None:
        income_spending = _draw(
            "the income and spending score chart",
            income_spending_chart,
            context.income_spending,
            segments,
            profiles,
            palette,
            labels,
        )
    if context.projection is not None:
        projection = _draw(
            "the two-dimensional view",
            projection_chart,
            context.projection,
            segments,
            palette,
            labels,
        )
    if model is not None:
        k_choice = _draw("the chart of choosing k", k_choice_chart, model)
        silhouette = _draw("the silhouette chart", silhouette_chart, model.candidates)
    if context.migration is not None:
        migration = _draw("the migration matrix", migration_chart, context.migration, palette)
    heatmap = _draw(
        "the profile heatmap", heatmap_chart, segments, heatmap_profiles(context), palette, labels
    )
    return Charts(
        shares=shares,
        income_spending=income_spending,
        projection=projection,
        profile_heatmap=heatmap,
        distributions=tuple(distributions),
        k_choice=k_choice,
        silhouette=silhouette,
        migration=migration,
    )


HEATMAP_EXTRAS = ("spending_score", "avg_order_value", "return_rate", "tenure_days")


def heatmap_profiles(context: ReportContext) -> list[FeatureProfile]:
    """The clustering features, then a few that marketers read the segments by."""
    names = list(dict.fromkeys([*context.clustering_features, *HEATMAP_EXTRAS]))
    return [p for name in names if (p := context.profile(name)) is not None]
