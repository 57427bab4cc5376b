"""The one error the report raises on purpose: its message is shown to the user as is."""

from __future__ import annotations


class ReportError(Exception):
    """The report cannot be rendered from this warehouse; the one-line message says why."""
