"""Run dbt as a child process in the repository root and read what it reports as dbt's
structured events: with `--log-format json` dbt writes one JSON object per line,
`{"info": {"name", "level", "msg", ...}, "data": {...}}`. The log file keeps dbt's
usual text (`--log-format-file`, default debug) for people."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from customer_segments.paths import Paths


@dataclass(frozen=True)
class DbtEvent:
    """One event of dbt's JSON log: `name` is dbt's event type (LogModelResult,
    JinjaLogInfo, MainEncounteredError, ...), `msg` the text dbt would have printed,
    `data` the event's fields. Output that is not a JSON event (a library writing to
    stdout) is an event with name "" and the line as its msg."""

    name: str
    level: str
    msg: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_line(cls, line: str) -> DbtEvent:
        try:
            event = json.loads(line)
            info = event["info"]
            return cls(
                name=str(info.get("name") or ""),
                level=str(info.get("level") or "info"),
                msg=str(info.get("msg") or ""),
                data=event.get("data") or {},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(name="", level="info", msg=line)

    @property
    def node(self) -> dict[str, Any]:
        """The node the event is about (node_info: unique_id, resource_type, node_name,
        ...), empty when it is about none."""
        return self.data.get("node_info") or {}

    @property
    def lines(self) -> list[str]:
        return self.msg.splitlines() or [""]


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def run_dbt_events(
    args: list[str],
    paths: Paths,
    on_event: Callable[[DbtEvent], None] | None = None,
    dbt_vars: str | None = None,
) -> tuple[int, list[DbtEvent]]:
    """Run `dbt <args>` against `paths` (with `--vars dbt_vars` when given); return the
    exit code and every event, each also handed to `on_event` as it comes."""
    if dbt_vars:
        args = [*args, "--vars", dbt_vars]
    command = [
        dbt_executable(),
        *args,
        "--log-format",
        "json",
        "--project-dir",
        str(paths.root),
        "--profiles-dir",
        str(paths.root),
    ]
    environment = {
        **paths.environment(),
        "DBT_USE_COLORS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # --log-format sets the log file's format too, unless that is set: keep it text.
    environment.setdefault("DBT_LOG_FORMAT_FILE", "debug")
    events: list[DbtEvent] = []
    with subprocess.Popen(
        command,
        cwd=paths.root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            event = DbtEvent.from_line(line.rstrip("\n"))
            events.append(event)
            if on_event:
                on_event(event)
    return process.returncode, events


def run_dbt(
    args: list[str],
    paths: Paths,
    on_line: Callable[[str], None] | None = None,
    dbt_vars: str | None = None,
) -> tuple[int, list[str]]:
    """run_dbt_events as text: the exit code and every line dbt printed (each event's
    msg), each also handed to `on_line`."""

    def each_line(event: DbtEvent) -> None:
        if on_line:
            for line in event.lines:
                on_line(line)

    code, events = run_dbt_events(args, paths, each_line, dbt_vars)
    return code, [line for event in events for line in event.lines]
