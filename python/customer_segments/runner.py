"""Run dbt as a child process in the repository root, streaming its log lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from customer_segments.paths import Paths


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(
    args: list[str],
    paths: Paths,
    on_line: Callable[[str], None] | None = None,
    dbt_vars: str | None = None,
) -> tuple[int, list[str]]:
    """Run `dbt <args>` against `paths` (with `--vars dbt_vars` when given); return the
    exit code and every output line."""
    if dbt_vars:
        args = [*args, "--vars", dbt_vars]
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(paths.root),
        "--profiles-dir",
        str(paths.root),
    ]
    lines: list[str] = []
    with subprocess.Popen(
        command,
        cwd=paths.root,
        env={
            **paths.environment(),
            "DBT_USE_COLORS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if on_line:
                on_line(line)
    return process.returncode, lines
