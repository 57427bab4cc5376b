"""Copy tables of a built warehouse into a new DuckDB file: what storing their rows costs.

The benchmark's floor uses it on the validated tables, which hold every raw row once,
accepted or rejected.

    python benchmarks/copy_tables.py WAREHOUSE NEW_FILE TABLE [TABLE ...]

Prints one JSON line: the seconds of the copies, without Python start-up.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb


def main(warehouse: str, new_file: str, tables: list[str]) -> None:
    with duckdb.connect(new_file) as connection:
        # The project's default cap (profiles.yml).
        connection.execute("set memory_limit = '3GB'")
        connection.execute(f"attach '{warehouse}' as built (read_only)")
        started = time.perf_counter()
        for number, table in enumerate(tables):
            connection.execute(f"create table copy_{number} as select * from built.{table}")
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit("usage: python benchmarks/copy_tables.py WAREHOUSE NEW_FILE TABLE ...")
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
