"""The HTML segment report: the warehouse's segment tables -> one self-contained file.

warehouse.py   the read-only warehouse (DuckDB or Spark) every SQL statement goes through
context.py     load_context: the readers (segments.py, affinity.py, profiles.py,
               model_card.py, projection.py, runs.py, data_quality.py,
               how_to_query.py with queries/*.sql) -> the typed context
types.py       that context: frozen dataclasses, no SQL
charts.py      context -> matplotlib charts embedded as data: URIs
render.py      one Jinja environment, templates/*.j2, atomic write
"""

from __future__ import annotations

from customer_segments.report.errors import ReportError
from customer_segments.report.render import render_report

__all__ = ["ReportError", "render_report"]
