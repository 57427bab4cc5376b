"""Shared fixtures: a real dbt build on freshly generated data, in a temporary folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_segments.generate import generate
from customer_segments.paths import Paths, project_root
from customer_segments.runner import run_dbt

ROOT = project_root()
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = ROOT / "data" / "sample"  # the bundled sample
SHAPES = FIXTURES / "shapes"
# The real UCI Online Retail export, in shared/ beside the repository (CI copies it
# there too). Its mapping is recipe 2 of the README.
ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail"


@dataclass(frozen=True)
class Build:
    paths: Paths
    truth_path: Path
    exit_code: int
    output: list[str]

    @property
    def log(self) -> str:
        return "\n".join(self.output)


def paths_in(folder: Path, raw_dir: Path) -> Paths:
    return Paths(
        root=ROOT,
        raw_dir=raw_dir,
        duckdb_path=folder / "warehouse.duckdb",
        report_path=folder / "segment_report.html",
    )


def build(paths: Paths, *extra: str) -> tuple[int, list[str]]:
    """`dbt build` into `paths`, with dbt's artifacts and logs beside the warehouse."""
    beside = paths.duckdb_path.parent
    return run_dbt(
        [
            "build",
            "--target-path",
            str(beside / "target"),
            "--log-path",
            str(beside / "logs"),
            *extra,
        ],
        paths,
    )


def query(paths: Paths, sql: str) -> list[tuple]:
    """Rows of a query against a built warehouse (read-only)."""
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.sql(sql).fetchall()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """20,000 generated customers with the default dirt, built once for the session."""
    folder = tmp_path_factory.mktemp("built")
    summary = generate(20_000, folder / "raw", seed=7)
    paths = paths_in(folder, folder / "raw")
    code, output = build(paths)
    assert code == 0, "\n".join(output[-60:])
    return Build(paths, summary.truth_path, code, output)


def mapping(shape: str) -> str:
    """The dbt vars of a fixture: tests/fixtures/shapes/<shape>/mapping.yml, or
    tests/fixtures/<shape>/mapping.yml for a fixture whose data lives elsewhere."""
    path = SHAPES / shape / "mapping.yml"
    return (path if path.exists() else FIXTURES / shape / "mapping.yml").read_text()


def raw_dir_of(shape: str) -> Path:
    if shape == "online_retail":
        assert (ONLINE_RETAIL / "online_retail.csv.gz").is_file(), (
            f"The real Online Retail export is missing at {ONLINE_RETAIL}: the tests need "
            "shared/data/online_retail beside the repository."
        )
        return ONLINE_RETAIL
    return SHAPES / shape


@pytest.fixture(scope="session")
def built_shape(tmp_path_factory: pytest.TempPathFactory):
    """Build a fixture shape (or the Online Retail export) through its mapping, once
    per test session."""
    built: dict[str, Paths] = {}

    def get(name: str) -> Paths:
        if name not in built:
            paths = paths_in(tmp_path_factory.mktemp(name), raw_dir_of(name))
            code, output = build(paths, "--vars", mapping(name))
            assert code == 0, "\n".join(output[-40:])
            built[name] = paths
        return built[name]

    return get


# --- the real browser of the report tests (Debian's Chromium, driven by Playwright) ---

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_missing(reason: str) -> None:
    """No browser here: a failure on CI (where one must exist), a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        browser_missing(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", os.environ.get("TERM", "dumb"))


SCRIPT = "<script>alert(1)</script>"


def plant_script(warehouse: Path) -> None:
    """A segment name and the most common city that are HTML, as a hostile export might."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update marts.segments set segment_name = ? "
            "where segment_id = (select min(segment_id) from marts.segments)",
            [SCRIPT],
        )
        connection.execute(
            "update marts.customer_features set city = ? "
            "where city = (select mode(city) from marts.customer_features)",
            [SCRIPT],
        )


def add_previous_run(warehouse: Path) -> None:
    """A second, earlier run in segment_history where every tenth customer sat
    elsewhere, and the marts.segment_migration a build after it would have written."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            """
            insert into marts.segment_history
                (run_id, run_started_at, customer_id, segment_id, segment_name, model_id)
            select
                'an-earlier-run',
                run_started_at - interval 1 day,
                customer_id,
                case
                    when hash(customer_id) % 10 = 0
                        then segment_id % (select max(segment_id) from marts.segments) + 1
                    else segment_id
                end,
                segment_name,
                model_id
            from marts.segment_history
            """
        )
        connection.execute(
            """
            insert into marts.segment_migration
            select latest.run_id, 'an-earlier-run', earlier.segment_id,
                max(earlier.segment_name), latest.segment_id, max(latest.segment_name),
                count(*)
            from (select * from marts.segment_history where run_id = 'an-earlier-run')
                as earlier
            inner join (select * from marts.segment_history where run_id != 'an-earlier-run')
                as latest using (customer_id)
            group by all
            """
        )


# --- the CLI as a user runs it, every file it or dbt writes inside one folder ---

CLI = str(Path(sys.executable).with_name("customer-segments"))


def environment(raw_dir: Path, folder: Path) -> dict[str, str]:
    """The CLI's environment with every file it or dbt writes inside `folder`."""
    return {
        **os.environ,
        "SEGMENTS_RAW_DIR": str(raw_dir),
        "SEGMENTS_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "SEGMENTS_REPORT_PATH": str(folder / "report.html"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
    }


def cli(raw_dir: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args], env=environment(raw_dir, folder), capture_output=True, text=True, timeout=600
    )


# --- a local Apache Spark standalone cluster (scripts/spark-cluster.sh), for the spark tests ---


def spark_missing(reason: str) -> None:
    """No Spark here: a failure on CI (which installs Java and the spark extra), a skip
    elsewhere, with the reason."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the spark tests must run on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a master and one worker on 127.0.0.1, started for the test session on
    a free port (beside any cluster of `make spark-up`) and stopped after it."""
    from customer_segments.sparkfit import spark_unavailable

    unavailable = spark_unavailable()
    if unavailable:
        spark_missing(unavailable)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = str(ROOT / "scripts" / "spark-cluster.sh")
    settings = {
        **os.environ,
        "PYTHON": sys.executable,
        "SEGMENTS_SPARK_CLUSTER_DIR": str(tmp_path_factory.mktemp("spark-cluster")),
        "SEGMENTS_SPARK_PORT": str(port),
    }
    started = subprocess.run(
        [script, "start"], env=settings, capture_output=True, text=True, timeout=300
    )
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield f"spark://127.0.0.1:{port}"
    finally:
        subprocess.run([script, "stop"], env=settings, capture_output=True, timeout=120)


def spark_environment(raw_dir: Path, folder: Path, master: str) -> dict[str, str]:
    """The CLI's environment for a Spark build whose warehouse and catalog (and dbt's
    files and the report) all live inside `folder`."""
    return {
        **environment(raw_dir, folder),
        "SEGMENTS_SPARK_MASTER": master,
        "SEGMENTS_SPARK_WAREHOUSE": str(folder / "spark-warehouse"),
        "SEGMENTS_SPARK_METASTORE": str(folder / "spark-metastore"),
    }


@dataclass(frozen=True)
class EngineRun:
    """One `customer-segments run` (with the report) of the bundled sample."""

    env: dict[str, str]
    seconds: float
    output: str


@pytest.fixture(scope="session")
def sample_on_spark_and_duckdb(
    spark_master: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, EngineRun]:
    """The bundled sample built once per test session by `customer-segments run`, on
    the Spark cluster (`--target spark`) and on DuckDB, each with its report: the
    Spark tests (tables, report) share the two builds."""
    folder = tmp_path_factory.mktemp("engines")
    runs = {}
    for engine, env, args in (
        # Spark runs dbt's unit tests too (`run` leaves them out unless asked): the SQL
        # must give the same results on fixed inputs on both engines.
        (
            "spark",
            spark_environment(SAMPLE, folder / "spark", spark_master),
            ["--target", "spark", "--unit-tests"],
        ),
        ("duckdb", environment(SAMPLE, folder / "duckdb"), []),
    ):
        started = time.perf_counter()
        done = subprocess.run(
            [CLI, "run", *args], env=env, capture_output=True, text=True, timeout=3600
        )
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        runs[engine] = EngineRun(env, time.perf_counter() - started, done.stdout)
    return runs
