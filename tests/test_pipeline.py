"""The whole pipeline on generated data: a real dbt build into a temporary DuckDB file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from sklearn.metrics import adjusted_rand_score

from conftest import Build, build, paths_in, query
from customer_segments.generate import NO_PURCHASE_PERSONA, PERSONAS

pytestmark = pytest.mark.integration


def segments_of(paths) -> list[tuple]:
    return query(
        paths,
        "select customer_id, segment_id, segment_name, distance_to_centroid, "
        "distance_to_second_centroid, imputed_features, model_id "
        "from marts.customer_segments order by customer_id",
    )


def test_every_accepted_customer_has_exactly_one_segment(built: Build) -> None:
    features = query(built.paths, "select count(*) from marts.customer_features")[0][0]
    counts = query(
        built.paths,
        "select segment_id, segment_name, count(*) from marts.customer_segments group by all",
    )
    assert features > 19_000
    assert sum(count for _, _, count in counts) == features
    orphans = query(
        built.paths,
        "select count(*) from marts.customer_features f "
        "left join marts.customer_segments s using (customer_id) where s.customer_id is null",
    )
    assert orphans == [(0,)]
    assert query(
        built.paths,
        "select count(*) - count(distinct customer_id) from marts.customer_segments",
    ) == [(0,)]


def test_the_build_leaves_the_warehouse_closed(built: Build) -> None:
    """dbt's child process ends without Python's teardown (customer_segments.dbt_child)
    but after the exit handlers: the warehouse was checkpointed and closed (no WAL
    left beside it), and dbt's log file holds its closing line."""
    warehouse = built.paths.duckdb_path
    assert warehouse.is_file()
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    log = (warehouse.parent / "logs" / "dbt.log").read_text()
    assert "Command `dbt build` succeeded" in log


def test_every_raw_row_is_accounted_for(built: Build) -> None:
    rows = query(
        built.paths,
        "select source_table, rows_read, rows_accepted, rows_rejected from audit.row_reconciliation",
    )
    assert {table for table, *_ in rows} == {"customers", "orders", "order_items"}
    for table, read, accepted, rejected in rows:
        assert read == accepted + rejected, table
        assert rejected > 0, f"the generator plants dirt in {table}"


def test_default_settings_recover_the_planted_personas(built: Build) -> None:
    with duckdb.connect(str(built.paths.duckdb_path), read_only=True) as connection:
        rows = connection.sql(
            f"select truth.persona, segments.segment_id, segments.segment_kind "
            f"from read_csv('{built.truth_path}') as truth "
            f"inner join marts.customer_segments as segments using (customer_id)"
        ).fetchall()
        chosen = connection.sql(
            "select k from marts.segment_k_selection where is_chosen"
        ).fetchall()
    buyers = [(persona, segment) for persona, segment, kind in rows if kind == "cluster"]
    personas, segments = zip(*buyers, strict=True)
    score = adjusted_rand_score(personas, segments)
    print(f"adjusted Rand index on {len(buyers):,} buyers: {score:.4f}; k={chosen[0][0]}")
    assert score >= 0.85
    assert chosen == [(len(PERSONAS),)]
    assert set(personas) == set(PERSONAS)
    planted = [kind for persona, _, kind in rows if persona == NO_PURCHASE_PERSONA]
    assert planted and set(planted) == {"rule"}, "no planted non-buyer is clustered"


def test_every_table_has_key_tests_and_no_view_has_data_tests(built: Build) -> None:
    """Every table has a not_null test and a key: a dbt key test, or keys its SQL
    guarantees (meta unique_by_construction: a GROUP BY, a row_number()), which are
    proven here on every CI build instead of rescanned in every run."""
    manifest = json.loads((built.paths.duckdb_path.parent / "target" / "manifest.json").read_text())
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            for parent in node["depends_on"]["nodes"]:
                tested.setdefault(parent, set()).add(node["test_metadata"]["name"])
    by_construction = 0
    for unique_id, node in manifest["nodes"].items():
        if (
            node["resource_type"] in ("model", "seed")
            and node["package_name"] == "customer_segments"
        ):
            kinds = tested.get(unique_id, set())
            if node["config"]["materialized"] == "view":
                # a test on a staging view would read the raw file again
                assert not kinds, f"{node['name']} is a view with data tests {kinds}"
                continue
            assert "not_null" in kinds, f"{node['name']} has no not_null test"
            keys = node["config"]["meta"].get("unique_by_construction", [])
            relation = f"{node['schema']}.{node['alias']}"
            if keys:
                rows = query(built.paths, f"select count(*) from {relation}")[0][0]
            for key in keys:
                columns = ", ".join(key)
                duplicated = query(
                    built.paths,
                    f"select count(*) from (select {columns} from {relation} "
                    f"group by {columns} having count(*) > 1)",
                )
                assert duplicated == [(0,)] and rows > 0, f"{relation} ({columns}): {duplicated}"
                by_construction += 1
            assert keys or kinds & {"unique", "unique_combination"}, (
                f"{node['name']} has no key test"
            )
    assert by_construction == 4


def test_same_input_gives_identical_segments(built: Build, tmp_path: Path) -> None:
    again = paths_in(tmp_path, built.paths.raw_dir)
    code, output = build(again)
    assert code == 0, "\n".join(output[-40:])
    assert segments_of(again) == segments_of(built.paths)


def test_rebuild_keeps_segments_and_appends_history(built: Build, tmp_path: Path) -> None:
    copy = paths_in(tmp_path, built.paths.raw_dir)
    shutil.copy(built.paths.duckdb_path, copy.duckdb_path)
    code, output = build(copy)
    assert code == 0, "\n".join(output[-40:])
    assert segments_of(copy) == segments_of(built.paths)
    runs = query(copy, "select count(distinct run_id), count(*) from marts.segment_history")
    customers = query(copy, "select count(*) from marts.customer_segments")[0][0]
    assert runs == [(2, 2 * customers)]


def test_every_model_and_column_is_described(built: Build) -> None:
    manifest = json.loads((built.paths.duckdb_path.parent / "target" / "manifest.json").read_text())
    models = {
        (node["schema"], node["name"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    columns = query(
        built.paths,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts', 'audit')",
    )
    by_name = {node["name"]: node for node in models.values()}
    undocumented = []
    for schema, table, column in columns:
        node = models.get((schema, table))
        assert node is not None and node["description"].strip(), f"{schema}.{table}"
        # a view that passes another model's columns through names it in meta.columns_from
        source = by_name.get(node["config"].get("meta", {}).get("columns_from", ""), {})
        described = node["columns"].get(column) or source.get("columns", {}).get(column) or {}
        if not described.get("description", "").strip():
            undocumented.append(f"{schema}.{table}.{column}")
    assert undocumented == []
