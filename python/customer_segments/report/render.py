"""The Jinja environment and the atomic write: context + charts -> one HTML file."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from customer_segments.report.charts import Charts, Palette, chart_style, draw_charts, palette_for
from customer_segments.report.context import load_context
from customer_segments.report.errors import ReportError
from customer_segments.report.formatting import FILTERS
from customer_segments.report.types import ReportContext
from customer_segments.report.warehouse import SparkTarget

TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class ReportView:
    """What the template receives: the data, its charts and the segment colours."""

    context: ReportContext
    charts: Charts
    palette: Palette


@functools.cache
def environment() -> Environment:
    """The report's one Jinja environment; every value is HTML-escaped unless a
    template says otherwise (none does)."""
    env = Environment(
        loader=PackageLoader("customer_segments.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(FILTERS)
    return env


@contextlib.contextmanager
def stage(what: str) -> Iterator[None]:
    """Any unexpected failure inside becomes a one-line ReportError naming `what`."""
    try:
        yield
    except ReportError:
        raise
    except Exception as error:
        detail = (str(error).strip().splitlines() or [""])[0]
        raise ReportError(
            f"The report failed while {what}: {type(error).__name__}"
            + (f": {detail}" if detail else "")
        ) from error


def render_html(context: ReportContext) -> str:
    segment_ids = [s.segment_id for s in context.segments]
    if context.migration is not None:
        segment_ids += [*context.migration.previous_names, *context.migration.current_names]
    palette = palette_for(segment_ids)
    with stage("drawing the charts"), chart_style():
        charts = draw_charts(context, palette)
    view = ReportView(context=context, charts=charts, palette=palette)
    with stage("filling in the page template"):
        return environment().get_template(TEMPLATE).render(report=view)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half.

    A temporary file in the same folder is written and flushed, then renamed over the
    target (os.replace is atomic on one file system). On any error the temporary file
    is removed and an existing report stays as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp creates the file private (0600); a report is meant to be shared.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def render_report(
    source: Path | SparkTarget, report_path: Path, *, run_seconds: float | None = None
) -> Path:
    """Render the segment report of the warehouse `source` names (a DuckDB file, or a
    Spark target) to `report_path`.

    Raises ReportError, with a one-line message for the user, on any failure: the
    warehouse cannot be read or has not been built, or reading it, drawing a chart,
    filling in the page or writing the file failed (the message names the part). The
    whole page is rendered in memory before anything is written, so a failure leaves an
    existing report untouched.
    """
    name = source.name if isinstance(source, SparkTarget) else str(source)
    with stage(f"reading the warehouse '{name}'"):
        context = load_context(source, run_seconds=run_seconds)
    html = render_html(context)
    report_path = Path(report_path)
    with stage(f"writing '{report_path}'"):
        write_atomically(report_path, html)
    return report_path
