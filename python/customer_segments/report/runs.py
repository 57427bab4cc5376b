"""The runs: the last build recorded in marts.segment_history, and how customers moved
since the one before it, as marts.segment_migration has it (never recomputed here)."""

from __future__ import annotations

from datetime import UTC, datetime

from customer_segments.report.types import Migration, MigrationCell, RunInfo
from customer_segments.report.values import as_float, as_int, as_text
from customer_segments.report.warehouse import HISTORY, MIGRATION, Warehouse


def read_runs(warehouse: Warehouse, run_seconds: float | None) -> tuple[RunInfo, Migration | None]:
    """The last run in marts.segment_history, and movement since the run before it
    (marts.segment_migration, when it compares those two runs)."""
    runs: list[tuple] = []
    if warehouse.has(HISTORY, "run_id", "run_started_at", "customer_id", "segment_id"):
        model = "any_value(model_id)" if warehouse.has(HISTORY, "model_id") else "null"
        runs = warehouse.rows(
            f"""
            select run_id, max(run_started_at) as run_started_at, {model} as model_id,
                count(*) over () as runs
            from {HISTORY}
            where run_id is not null
            group by run_id
            order by run_started_at desc nulls last, run_id desc
            limit 2
            """
        )
    run = RunInfo(
        warehouse=warehouse.name,
        engine=warehouse.engine,
        generated_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        run_id=str(runs[0][0]) if runs else None,
        run_started_at=runs[0][1] if runs and isinstance(runs[0][1], datetime) else None,
        runs_recorded=as_int(runs[0][3]) or 0 if runs else 0,
        run_seconds=as_float(run_seconds),
    )
    if len(runs) < 2 or not warehouse.has(
        MIGRATION, "previous_run_id", "from_segment_id", "to_segment_id", "customers"
    ):
        return run, None
    current, previous = runs
    cells = warehouse.rows(
        f"""
        select from_segment_id, from_segment_name, to_segment_id, to_segment_name, customers
        from {MIGRATION}
        where run_id = ? and previous_run_id = ?
        order by from_segment_id nulls last, to_segment_id nulls last
        """,
        [current[0], previous[0]],
    )
    if not cells:
        return run, None
    names: dict[str, dict[int, str]] = {"from": {}, "to": {}}
    for from_id, from_name, to_id, to_name, _ in cells:
        for side, segment_id, name in (("from", from_id, from_name), ("to", to_id, to_name)):
            if as_int(segment_id) is not None and as_text(name):
                names[side][int(segment_id)] = str(name)
    return run, Migration(
        previous_run_id=str(previous[0]),
        previous_at=previous[1] if isinstance(previous[1], datetime) else None,
        current_run_id=str(current[0]),
        current_at=current[1] if isinstance(current[1], datetime) else None,
        previous_names=names["from"],
        current_names=names["to"],
        cells=tuple(
            MigrationCell(from_id=as_int(a), to_id=as_int(b), customers=as_int(n) or 0)
            for a, _, b, _, n in cells
        ),
        model_changed=previous[2] != current[2],
    )
