"""The data-quality section: how many rows each raw file gave and what was rejected,
from audit.row_reconciliation, audit.rejected_rows and audit.field_issues."""

from __future__ import annotations

import re
from collections.abc import Sequence

from customer_segments.contract import raw_contract
from customer_segments.report.types import DataQuality, ReasonCount, SourceFile, SourceRows
from customer_segments.report.values import as_bool, as_int, as_text
from customer_segments.report.warehouse import (
    FIELD_ISSUES,
    RECONCILIATION,
    REJECTED_ROWS,
    Warehouse,
    quoted,
)

TOP_REASONS = 12
RAW_TABLES = tuple(raw_contract())  # the raw contract's tables, in order
# The file a raw view reads, in its definition: `'<path>' AS source_file`.
SOURCE_FILE = re.compile(r"'((?:[^']|'')*)'\s+AS\s+\"?source_file\"?", re.IGNORECASE)


def source_files(sources: Sequence[SourceRows]) -> tuple[SourceFile, ...]:
    """The raw files behind the tables, each once. A table with no known file is its
    own source; an empty table with no file (an optional file left out) is none."""
    groups: dict[str, list[SourceRows]] = {}
    for source in sources:
        if source.source_file is None and source.rows_read == 0:
            continue
        groups.setdefault(source.source_file or source.source_table, []).append(source)
    files = []
    for path, tables in groups.items():
        # The finest-grained reader: most rows, ties to the later contract table.
        order = {t: i for i, t in enumerate(RAW_TABLES)}
        main = max(tables, key=lambda s: (s.rows_read, order.get(s.source_table, len(order))))
        files.append(
            SourceFile(
                path=path,
                tables=tuple(s.source_table for s in tables),
                rows_read=main.rows_read,
                rows_accepted=main.rows_accepted,
                rows_rejected=main.rows_rejected,
                counted_as=main.source_table,
            )
        )
    return tuple(files)


def _reason_counts(
    warehouse: Warehouse, table: str, reason: str, key: str
) -> tuple[tuple[ReasonCount, ...], int]:
    if not warehouse.has(table, "source_table", reason):
        return (), 0
    example = f"min(cast({quoted(key)} as varchar))" if warehouse.has(table, key) else "null"
    rows = warehouse.rows(
        f"""
        select source_table, {quoted(reason)}, count(*) as row_count, {example},
            count(*) over () as kinds
        from {table}
        group by all
        order by row_count desc, source_table, {quoted(reason)}
        limit ?
        """,
        [TOP_REASONS],
    )
    counts = tuple(
        ReasonCount(
            source_table=as_text(r[0]) or "unknown",
            reason=as_text(r[1]) or "unknown",
            rows=as_int(r[2]) or 0,
            example=as_text(r[3]),
        )
        for r in rows
    )
    return counts, as_int(rows[0][4]) or 0 if rows else 0


def raw_files(warehouse: Warehouse) -> dict[str, str]:
    """The file each raw table was read from, from the build's raw views (their
    definitions only: no file is read). Empty when the views are not there."""
    files = {}
    for view, sql in warehouse.view_definitions("raw").items():
        match = SOURCE_FILE.search(sql)
        if view in RAW_TABLES and match:
            files[view] = match.group(1).replace("''", "'")
    return files


def read_data_quality(warehouse: Warehouse) -> DataQuality:
    sources: tuple[SourceRows, ...] = ()
    columns = ("source_table", "rows_read", "rows_accepted", "rows_rejected", "is_reconciled")
    if warehouse.has(RECONCILIATION, *columns):
        files = {} if warehouse.has(RECONCILIATION, "source_file") else raw_files(warehouse)
        select = warehouse.select(RECONCILIATION, [*columns, "source_file"])
        rows = warehouse.rows(
            f"select {select} from {RECONCILIATION} "
            "order by case source_table when 'customers' then 1 when 'orders' then 2 "
            "when 'order_items' then 3 else 4 end, source_table"
        )
        sources = tuple(
            SourceRows(
                source_table=as_text(r[0]) or "unknown",
                rows_read=as_int(r[1]) or 0,
                rows_accepted=as_int(r[2]) or 0,
                rows_rejected=as_int(r[3]) or 0,
                is_reconciled=bool(as_bool(r[4])),
                source_file=as_text(r[5]) or files.get(as_text(r[0]) or ""),
            )
            for r in rows
        )
    rejections, reasons = _reason_counts(warehouse, REJECTED_ROWS, "rejection_reason", "record_key")
    issues, kinds = _reason_counts(warehouse, FIELD_ISSUES, "issue", "customer_id")
    missing = tuple(
        t for t in (RECONCILIATION, REJECTED_ROWS, FIELD_ISSUES) if t not in warehouse.columns
    )
    return DataQuality(
        sources=sources,
        rejections=rejections,
        rejection_reasons=reasons,
        field_issues=issues,
        field_issue_kinds=kinds,
        missing_tables=missing,
        files=source_files(sources),
    )
