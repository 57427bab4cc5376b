"""dbt's command line as the `dbt` script runs it, for the CLI's child process
(runner.run_dbt_events), except that the process ends without Python's teardown.

At 1M customers the child took 1.2 s to exit after dbt's last event; in a run that
closed the warehouse first (0.5 s), the rest of the exit still took 1.3 s: the
interpreter's own teardown of everything the process holds (dbt's manifest, the
Python models' pandas and scikit-learn), while the CLI waits for the warehouse.
Here the exit handlers run as they would (dbt-duckdb's closes the warehouse: its
checkpoint, then the file lock goes; logging's flushes the log file), stdout and
stderr are flushed, and the process ends with dbt's exit code (0.07 s after the
handlers).

A build also imports scikit-learn in a background thread from the start: at 1M
customers a run took 47.2 / 46.9 s with it against 48.1 / 47.9 s without (runs
alternated; the k selection node 3.2 s against 4.0 s), and 15.7 s against 15.6 s at
10k, where the import competes with dbt's parse for the interpreter."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading


def import_scikit_learn() -> None:
    """What the k selection imports first (about 2 s, 1.0 s of it scipy.stats):
    imported while dbt parses and the SQL models run, so the Python models find it
    loaded. An import error is left to the model's own import, which reports it."""
    with contextlib.suppress(Exception):
        import sklearn.cluster  # noqa: F401
        import sklearn.metrics  # noqa: F401


def main() -> None:
    if {"build", "run"} & set(sys.argv[1:2]):
        # A daemon: the process ends with os._exit below, never waiting for it.
        threading.Thread(target=import_scikit_learn, daemon=True).start()
    from dbt.cli.main import cli

    try:
        cli(prog_name="dbt")
        code = 0
    except SystemExit as stop:
        if isinstance(stop.code, str):  # as sys.exit("...") would: the text, then 1
            sys.stderr.write(stop.code + "\n")
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
