"""Segments that stay put: ids across reruns and data changes, SQL scoring, history."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from conftest import Build, build, paths_in, query
from customer_segments.generate import generate
from customer_segments.paths import Paths
from customer_segments.runner import run_dbt

pytestmark = pytest.mark.integration


def assignments(paths: Paths) -> dict[str, int]:
    rows = query(paths, "select customer_id, segment_id from marts.customer_segments")
    return dict(rows)


def copy_of(built: Build, folder: Path, raw_dir: Path | None = None) -> Paths:
    paths = paths_in(folder, raw_dir or built.paths.raw_dir)
    shutil.copy(built.paths.duckdb_path, paths.duckdb_path)
    return paths


# The new customers' ids, prefixed so they cannot clash with the existing ones.
RENAMED = {
    "customers": "'N' || customer_id as customer_id",
    "orders": "'N' || order_id as order_id, 'N' || customer_id as customer_id",
    "order_items": "'N' || order_id as order_id",
}


def changed_raw(source: Path, target: Path, seed: int) -> None:
    """The same raw data with 1% of the customers removed and 1% new ones added."""
    target.mkdir()
    generate(200, target / "new", seed=seed + 100, dirt=False)
    with duckdb.connect() as connection:
        for table, renamed in RENAMED.items():
            kept = f"where hash(customer_id || '{seed}') % 100 != 0" if table == "customers" else ""
            connection.execute(
                f"""
                copy (
                    select * from read_csv('{source}/{table}.csv', all_varchar = true) {kept}
                    union all
                    select * replace ({renamed})
                    from read_csv('{target}/new/{table}.csv', all_varchar = true)
                ) to '{target}/{table}.csv' (header)
                """
            )
    shutil.rmtree(target / "new")


@pytest.fixture(scope="module")
def changed(built: Build, tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The built warehouse rebuilt on data with 1% of customers removed and 1% added."""
    folder = tmp_path_factory.mktemp("changed")
    changed_raw(built.paths.raw_dir, folder / "raw", seed=5)
    paths = copy_of(built, folder, folder / "raw")
    code, output = build(paths)
    assert code == 0, "\n".join(output[-40:])
    return paths


def test_one_percent_change_keeps_almost_every_segment_id(built: Build, changed: Paths) -> None:
    before, after = assignments(built.paths), assignments(changed)
    common = before.keys() & after.keys()
    assert len(common) < len(before) and len(after.keys() - before.keys()) > 150
    kept = np.mean([before[c] == after[c] for c in common])
    print(f"{kept:.4%} of {len(common):,} remaining customers kept their segment id")
    assert kept >= 0.98
    recorded = query(
        changed,
        "select kept_segment_share from marts.segment_runs order by run_started_at desc limit 1",
    )[0][0]
    assert recorded == pytest.approx(kept)


def test_names_stay_the_same_across_reruns(built: Build, changed: Paths) -> None:
    names_before = dict(query(built.paths, "select segment_id, segment_name from marts.segments"))
    names_after = dict(query(changed, "select segment_id, segment_name from marts.segments"))
    assert len(set(names_before.values())) == len(names_before)
    assert names_after == names_before


def test_the_migration_table_accounts_for_every_customer(changed: Paths) -> None:
    matrix = query(
        changed, "select from_segment_id, to_segment_id, customers from marts.segment_migration"
    )
    moves = {(source, target): count for source, target, count in matrix}
    customers = query(changed, "select count(*) from marts.customer_segments")[0][0]
    assert sum(c for (s, t), c in moves.items() if t is not None) == customers
    stayed = sum(c for (s, t), c in moves.items() if s == t)
    assert stayed / customers > 0.95
    assert any(s is None for s, _ in moves) and any(t is None for _, t in moves)
    # segment_runs' kept share is the same table's diagonal
    kept = query(
        changed,
        "select kept_segment_share from marts.segment_runs "
        "order by run_started_at desc, run_id desc limit 1",
    )[0][0]
    both = sum(c for (s, t), c in moves.items() if s is not None and t is not None)
    assert kept == pytest.approx(stayed / both)


def test_sql_scoring_is_checked_on_every_build_and_can_fail(built: Build, tmp_path: Path) -> None:
    assert "PASS assert_sql_scoring_matches_python" in built.log
    paths = copy_of(built, tmp_path)
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        connection.execute(
            "update marts.segment_centroids set centroid_scaled = centroid_scaled + 3 "
            "where segment_id = (select min(segment_id) from marts.segment_centroids)"
        )
    code, output = run_dbt(
        [
            "test",
            "--select",
            "assert_sql_scoring_matches_python",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        paths,
    )
    assert code != 0
    assert "FAIL" in "\n".join(output)


def test_score_mode_keeps_the_stored_model(built: Build, tmp_path: Path) -> None:
    folder = tmp_path / "score"
    folder.mkdir()
    changed_raw(built.paths.raw_dir, folder / "raw", seed=9)
    paths = copy_of(built, folder, folder / "raw")
    code, output = build(paths, "--vars", "{segments_mode: score}")
    assert code == 0, "\n".join(output[-40:])
    model_before = query(built.paths, "select * from marts.segment_centroids order by all")
    assert query(paths, "select * from marts.segment_centroids order by all") == model_before
    assert query(
        paths, "select segments_mode from marts.segment_runs order by run_started_at desc limit 1"
    ) == [("score",)]
    assert (
        len(assignments(paths))
        == query(paths, "select count(*) from marts.customer_features")[0][0]
    )
