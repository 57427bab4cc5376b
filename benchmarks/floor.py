"""dbt's own price, a part of the floor under the full job: `dbt build` of an empty
project (one `select 1` model, a fresh target folder), which no change to this project
removes. The data-dependent part of the floor is `least_job.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from measure import BIN, Measured, measure

EMPTY_PROJECT = {
    "dbt_project.yml": "name: floor\nversion: '1.0'\nconfig-version: 2\nprofile: floor\n"
    "model-paths: [models]\n",
    "profiles.yml": "floor:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{path}', "
    "threads: 1}}\n",
    "models/one.sql": "select 1 as one\n",
}


def empty_dbt_build(work: Path) -> Measured:
    project = work / "floor"
    shutil.rmtree(project, ignore_errors=True)
    for name, text in EMPTY_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text.format(path=project / "floor.duckdb"))
    measured = measure(
        [str(BIN / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        {
            "DBT_TARGET_PATH": str(project / "target"),
            "DBT_LOG_PATH": str(project / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    shutil.rmtree(project, ignore_errors=True)
    return measured
