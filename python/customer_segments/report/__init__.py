"""The HTML segment report: the warehouse's segment tables -> one self-contained file.

context.py   SQL -> typed context (frozen dataclasses); the only module with SQL
charts.py    context -> matplotlib charts embedded as data: URIs
render.py    one Jinja environment, templates/*.j2, atomic write
"""

from __future__ import annotations

from customer_segments.report.errors import ReportError
from customer_segments.report.render import render_report

__all__ = ["ReportError", "render_report"]
