"""Measuring one command: its wall time and the peak memory of its whole process tree.

Each command runs as a child process in the repository root. Wall time is measured
around it; memory is sampled from /proc every SAMPLE_SECONDS over the child's process
tree (the CLI, dbt and everything they start), and the largest single process comes
from getrusage when the tree is waited for. The samples are kept, so that a part of the
run (a dbt node, a stage) can be given its own peak afterwards.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE_SECONDS = 0.1
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat (ppid is field 4)."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants, in KiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE_KB
        except OSError:
            continue
    return total


@dataclass
class Measured:
    """One measured command: wall time, memory and what it printed."""

    command: list[str]
    env: dict[str, str]
    seconds: float = 0.0
    returncode: int = 0
    peak_tree_kb: int = 0  # sampled sum over the process tree
    max_process_kb: int = 0  # largest single process (getrusage of the waited tree)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch, tree KiB)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    stdout: str = ""
    started_at: float = 0.0  # epoch

    @property
    def peak_kb(self) -> int:
        return max(self.peak_tree_kb, self.max_process_kb)

    def peak_between(self, start: float, end: float) -> int:
        inside = [kb for t, kb in self.samples if start <= t <= end]
        return max(inside, default=0)

    def shell(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return f"{env} {shlex.join(self.command)}".strip()


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run `command` in the repository root; sample its tree's memory while it runs."""
    extra = env or {}
    result = Measured(command, extra, load_before=os.getloadavg())
    started_wall = time.perf_counter()
    result.started_at = time.time()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    while True:
        try:
            waited, status, usage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if waited:
            break
        kb = tree_rss_kb(process.pid)
        result.samples.append((time.time(), kb))
        time.sleep(SAMPLE_SECONDS)
    result.seconds = time.perf_counter() - started_wall
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    result.returncode = process.returncode
    result.max_process_kb = usage.ru_maxrss
    result.peak_tree_kb = max((kb for _, kb in result.samples), default=0)
    result.load_after = os.getloadavg()
    result.stdout = "".join(output)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-30:])
        raise SystemExit(f"failed ({result.returncode}): {result.shell()}\n{tail}")
    return result
