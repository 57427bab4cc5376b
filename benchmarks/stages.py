"""Where the full job's time goes: dbt's nodes and the fixed costs around them, by stage.

A node's stage is its `meta.stage` (dbt_project.yml per folder, a model's yml per
model); tests are "data tests", the on-run-start hook is the raw registration. The
fixed costs (start-up, parse, between and after the nodes) come from the moments in
dbt's log and the measured command's own start and end. Read from a finished run's
target/ (run_results.json, manifest.json) and logs/dbt.log.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from measure import Measured

# Stages of the full job, in the order they run; dbt nodes are grouped into them.
STAGES = (
    "start-up (CLI, Python, dbt)",
    "dbt parses the project",
    "raw registration hook",
    "staging and validation",
    "features",
    "k selection",
    "fit",
    "assignment",
    "describe",
    "affinity and recommendations",
    "data tests",
    "dbt between nodes",
    "after the build (dbt exit, CLI checks, report imports)",
    "report",
)
# The fixed costs around the nodes, in the order they happen.
FIXED = (STAGES[0], STAGES[1], STAGES[-3], STAGES[-2])


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def node_stage(unique_id: str, nodes: dict) -> str:
    """A test's stage is "data tests", the on-run-start hook's its own; a model's or
    seed's is its meta.stage (dbt_project.yml per folder, the model's yml per model)."""
    kind = unique_id.split(".")[0]
    if kind in ("test", "unit_test"):
        return "data tests"
    if kind == "operation":
        return "raw registration hook"
    if kind == "exposure":  # the report's exposure: a no-op node, dbt's own time
        return "dbt between nodes"
    stage = ((nodes.get(unique_id) or {}).get("config") or {}).get("meta", {}).get("stage")
    if stage not in STAGES:
        raise SystemExit(
            f"{unique_id} has meta.stage {stage!r}: give it one of the stages in "
            "benchmarks/stages.py STAGES (in its yml, or per folder in dbt_project.yml)."
        )
    return stage


def tests_by_layer(target: Path) -> dict[str, tuple[int, float]]:
    """Data and unit tests grouped by the folder of the model they test: count, seconds."""
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    layers: dict[str, tuple[int, float]] = {}
    for result in json.loads((target / "run_results.json").read_text())["results"]:
        unique_id = result["unique_id"]
        if not unique_id.startswith(("test.", "unit_test.")):
            continue
        node = nodes.get(unique_id) or manifest.get("unit_tests", {}).get(unique_id, {})
        parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p in nodes]
        folders = {nodes[p]["fqn"][1] for p in parents if len(nodes[p]["fqn"]) > 2}
        kind = "unit tests" if unique_id.startswith("unit_test.") else "data tests"
        layer = f"{kind} on {' + '.join(sorted(folders)) or 'seeds'}"
        count, seconds = layers.get(layer, (0, 0.0))
        layers[layer] = (count + 1, seconds + result["execution_time"])
    return dict(sorted(layers.items(), key=lambda item: -item[1][1]))


def log_moments(log: Path, day_of: float) -> dict[str, float]:
    """Epochs of dbt's log lines that bound the parse: adapter registered, nodes found."""
    marks = {"adapter": "Registered adapter", "parsed": "Found "}
    moments: dict[str, float] = {}
    day = dt.datetime.fromtimestamp(day_of).date()
    if not log.is_file():
        return moments
    for line in log.read_text(errors="replace").splitlines():
        for key, text in marks.items():
            if key not in moments and text in line:
                clock = dt.time.fromisoformat(line.split()[0])
                moment = dt.datetime.combine(day, clock).timestamp()
                moments[key] = moment + (86_400 if moment < day_of - 3_600 else 0)
    return moments


def stages_of(full: Measured, target: Path, logs: Path, report_seconds: float) -> tuple[dict, list]:
    """Seconds and peak memory per stage; the slowest nodes."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    seconds = dict.fromkeys(STAGES, 0.0)
    peaks = dict.fromkeys(STAGES, 0)
    nodes, starts, ends = [], [], []
    for result in results:
        stage = node_stage(result["unique_id"], manifest)
        spans = [t for t in result["timing"] if t.get("started_at") and t.get("completed_at")]
        start = min((_epoch(t["started_at"]) for t in spans), default=None)
        end = max((_epoch(t["completed_at"]) for t in spans), default=None)
        took = (end - start) if start is not None else result["execution_time"]
        peak = full.peak_between(start, end) if start is not None else 0
        seconds[stage] += took
        peaks[stage] = max(peaks[stage], peak)
        nodes.append((result["unique_id"].split(".", 1)[1], took, peak))
        if start is not None:
            starts.append(start)
            ends.append(end)
    begin, finish = full.started_at, full.started_at + full.seconds
    first, last = (min(starts), max(ends)) if starts else (begin, begin)
    in_nodes = sum(seconds.values())
    # Around the nodes: start-up until dbt has its adapter, the parse until it has
    # found the nodes, dbt's own work before and between nodes, and after the last
    # node until the report starts (dbt closes the warehouse, the CLI checks the fit
    # and imports the report). The report is timed by the CLI itself.
    moments = log_moments(logs / "dbt.log", begin)
    adapter = moments.get("adapter", first)
    parsed = moments.get("parsed", adapter)
    seconds[FIXED[0]] = adapter - begin
    seconds[FIXED[1]] = parsed - adapter
    seconds[FIXED[2]] = (first - parsed) + max(0.0, (last - first) - in_nodes)
    seconds[FIXED[3]] = max(0.0, finish - last - report_seconds)
    seconds["report"] = report_seconds
    peaks[FIXED[0]] = full.peak_between(begin, adapter)
    peaks[FIXED[1]] = full.peak_between(adapter, parsed)
    peaks[FIXED[2]] = full.peak_between(parsed, first)
    peaks[FIXED[3]] = full.peak_between(last, finish - report_seconds)
    peaks["report"] = full.peak_between(finish - report_seconds, finish)
    stages = {stage: (seconds[stage], peaks[stage]) for stage in STAGES}
    return stages, sorted(nodes, key=lambda n: -n[1])[:12]
