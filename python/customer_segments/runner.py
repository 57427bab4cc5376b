"""Run dbt in the repository root and read what it reports as dbt's structured events:
with `--log-format json` dbt writes one JSON object per line,
`{"info": {"name", "level", "msg", ...}, "data": {...}}`. The log file keeps dbt's
usual text (`--log-format-file`, default debug) for people.

dbt runs as a child process (run_dbt_events), except on Apache Spark, where it runs
in this process (run_dbt_in_process): dbt-spark's session method starts a driver JVM
in the process that runs dbt, the CLI's fit between two dbt invocations uses the same
SparkSession, and the Derby catalog admits one JVM at a time. Both hand on the same
DbtEvent objects."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
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


def profile_target(paths: Paths, target: str | None) -> tuple[str, dict[str, Any]]:
    """The name and output of a target of the project's profiles.yml (None: its
    default), rendered as dbt renders it (env_var with its default) in the environment
    a build of `paths` gets. Raises ValueError naming the targets when there is none."""
    import jinja2
    import yaml

    profiles = yaml.safe_load((paths.root / "profiles.yml").read_text()) or {}
    profile = profiles.get("customer_segments") or {}
    outputs = profile.get("outputs") or {}
    name = target or profile.get("target")
    if name not in outputs:
        raise ValueError(
            f"profiles.yml has no target '{name}': use one of {', '.join(sorted(outputs))}."
        )
    environment = paths.environment()

    def env_var(variable: str, default: str | None = None) -> str:
        if variable in environment:
            return environment[variable]
        if default is None:
            raise ValueError(f"profiles.yml target '{name}' needs the variable {variable}.")
        return default

    def render(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, str):
            return jinja2.Template(value).render(env_var=env_var)
        return value

    return str(name), render(outputs[name])


def dbt_environment(paths: Paths) -> dict[str, str]:
    """The environment of a dbt run against `paths`, in a child process or this one."""
    return {
        **paths.environment(),
        "DBT_USE_COLORS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_child() -> list[str]:
    """The command of the child dbt process: dbt's command line under this Python,
    ending without the interpreter's teardown (customer_segments.dbt_child)."""
    return [sys.executable, "-m", "customer_segments.dbt_child"]


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
        *dbt_child(),
        *args,
        "--log-format",
        "json",
        "--project-dir",
        str(paths.root),
        "--profiles-dir",
        str(paths.root),
    ]
    environment = dbt_environment(paths)
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


@contextlib.contextmanager
def _inside(paths: Paths) -> Iterator[None]:
    """The working directory and environment a child dbt process would get, for a dbt
    run in this process; both are put back afterwards."""
    saved_environment, saved_directory = dict(os.environ), Path.cwd()
    os.environ.update(dbt_environment(paths))
    os.chdir(paths.root)
    try:
        yield
    finally:
        os.chdir(saved_directory)
        os.environ.clear()
        os.environ.update(saved_environment)


def run_dbt_in_process(
    args: list[str],
    paths: Paths,
    on_event: Callable[[DbtEvent], None] | None = None,
    dbt_vars: str | None = None,
) -> tuple[int, list[DbtEvent], Any]:
    """run_dbt_events in this process (dbt's dbtRunner): the exit code as the dbt
    command gives it (0 success, 1 a node failed, 2 dbt stopped with an error), every
    event, and dbt's result object (for a build: one result per node, with its
    relation). dbt prints nothing itself; every event goes to `on_event`."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_json

    if dbt_vars:
        args = [*args, "--vars", dbt_vars]
    command = [
        *args,
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
        "--project-dir",
        str(paths.root),
        "--profiles-dir",
        str(paths.root),
    ]
    events: list[DbtEvent] = []

    def each(message: Any) -> None:
        event = DbtEvent.from_line(msg_to_json(message))
        events.append(event)
        if on_event:
            on_event(event)

    with _inside(paths):
        outcome = dbtRunner(callbacks=[each]).invoke(command)
    if outcome.exception is not None:
        # dbt logs its error as an event; one it raised before logging starts is added.
        if not any(event.level == "error" for event in events):
            events.append(DbtEvent("MainEncounteredError", "error", str(outcome.exception)))
        return 2, events, outcome.result
    return (0 if outcome.success else 1), events, outcome.result


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
