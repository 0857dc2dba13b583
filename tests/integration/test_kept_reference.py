"""The reference part of the dbt project is left out of a build only when a build under the same inputs built it
and its relations still hold what that build left; in every other case it is built, and the record goes first."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from itip_pipeline.core.build_state import UNKNOWN
from itip_pipeline.warehouse import kept_reference
from itip_pipeline.warehouse.kept_reference import plan, reference_nodes, remember

INPUTS = {"dbt_project": "p1", "dbt_profiles": "f1", "code": "c1", "dependencies": "d1", "settings": "s1"}


def _node(kind: str, name: str, parents: list[str], schema: str = "reference", materialized: str = "table") -> dict:
    return {
        "resource_type": kind,
        "name": name,
        "schema": schema,
        "alias": name,
        "fqn": ["itip", schema, name],
        "config": {"materialized": materialized},
        "depends_on": {"nodes": parents},
    }


# A seed, a view and a table made from it, a test on the table, and a model of delivered data with a test that
# reads both it and the reference table.
MANIFEST = {
    "nodes": {
        "model.itip.dim_kind": _node("model", "dim_kind", ["model.itip.stg_kinds"], "marts"),
        "model.itip.stg_kinds": _node("model", "stg_kinds", ["seed.itip.kinds"], "staging", "view"),
        "seed.itip.kinds": _node("seed", "kinds", []),
        "test.itip.unique_dim_kind": _node("test", "unique_dim_kind", ["model.itip.dim_kind"], "marts"),
        "model.itip.fct_answers": _node("model", "fct_answers", ["source.itip.raw.answers", "model.itip.dim_kind"]),
        "test.itip.relationships_fct_answers": _node(
            "test", "relationships_fct_answers", ["model.itip.fct_answers", "model.itip.dim_kind"]
        ),
    }
}


@pytest.fixture
def project(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    work_db = tmp_path / "work.duckdb"
    con = duckdb.connect(str(work_db))
    for statement in (
        "create schema reference",
        "create schema staging",
        "create schema marts",
        "create table reference.kinds as select * from (values (1, 'a'), (2, 'b')) as v(id, label)",
        "create view staging.stg_kinds as select id, upper(label) as label from reference.kinds",
        "create table marts.dim_kind as select * from staging.stg_kinds",
    ):
        con.execute(statement)
    con.close()
    return work_db, manifest


def _built(work_db: Path, manifest: Path, inputs: dict) -> bool:
    """A build of the whole project as the pipeline's dbt step makes one: planned, then (having passed)
    remembered; whether it was recorded."""
    return remember(work_db, plan(work_db, manifest, inputs, whole_project=True), inputs, "run-1")


def _change(work_db: Path, statement: str) -> None:
    con = duckdb.connect(str(work_db))
    con.execute(statement)
    con.close()


def test_the_reference_part_is_what_reads_no_source_each_node_after_the_nodes_it_reads():
    nodes = reference_nodes(MANIFEST)
    assert [n.unique_id for n in nodes] == [
        "seed.itip.kinds",
        "model.itip.stg_kinds",
        "model.itip.dim_kind",
        "test.itip.unique_dim_kind",
    ]
    assert [n.relation for n in nodes] == ['"reference"."kinds"', '"staging"."stg_kinds"', '"marts"."dim_kind"', None]


def test_a_build_keeps_the_reference_part_only_as_recorded_and_names_only_its_nodes_to_dbt(project):
    work_db, manifest = project
    assert plan(work_db, manifest, INPUTS, whole_project=True).kept == (), "nothing recorded yet: built"
    assert _built(work_db, manifest, INPUTS)
    kept = plan(work_db, manifest, INPUTS, whole_project=True)
    assert [n.name for n in kept.kept] == ["kinds", "stg_kinds", "dim_kind", "unique_dim_kind"]
    assert kept.kept_from == "run-1"
    assert kept.row_counts['"marts"."dim_kind"'] == 2
    # Named one by one, indirect selection off: the test that reads a delivered-data model is not left out.
    assert kept.dbt_args == [
        "--indirect-selection",
        "empty",
        "--exclude",
        "fqn:itip.reference.kinds fqn:itip.staging.stg_kinds fqn:itip.marts.dim_kind fqn:itip.marts.unique_dim_kind",
    ]
    assert not remember(work_db, kept, INPUTS, "run-2"), "a build that kept the part did not build it"
    assert plan(work_db, manifest, INPUTS, whole_project=True).kept_from == "run-1", "the record is as it was"
    partial = plan(work_db, manifest, INPUTS, whole_project=False)
    assert not remember(work_db, partial, INPUTS, "run-3"), "a build of some assets only is not recorded"


@pytest.mark.parametrize(
    "change",
    [
        "insert into reference.kinds values (3, 'c')",
        "update reference.kinds set label = 'z' where id = 2",
        "create or replace view staging.stg_kinds as select id, lower(label) as label from reference.kinds",
        "alter table marts.dim_kind alter column id type bigint",
        "alter table marts.dim_kind rename column label to name",
        "drop table marts.dim_kind",
        "delete from reference_kept.record",
    ],
)
def test_a_reference_relation_changed_since_the_record_is_built_again(project, change):
    work_db, manifest = project
    _built(work_db, manifest, INPUTS)
    _change(work_db, change)
    assert plan(work_db, manifest, INPUTS, whole_project=True).kept == ()


@pytest.mark.parametrize(
    ("inputs", "whole"),
    [
        ({**INPUTS, "dbt_project": "p2"}, True),  # a model or seed edited
        ({**INPUTS, "code": "c2"}, True),
        ({**INPUTS, "dependencies": "d2"}, True),  # dbt or DuckDB upgraded
        ({**INPUTS, "dbt_profiles": UNKNOWN}, True),  # changed after the run started
        (INPUTS, False),  # a build of some assets only
    ],
)
def test_other_inputs_or_a_partial_build_build_it_and_remove_the_record_first(project, inputs, whole):
    work_db, manifest = project
    _built(work_db, manifest, INPUTS)
    assert plan(work_db, manifest, inputs, whole_project=whole).kept == ()
    # The record went with that decision: a build that then fails, or that another code built, is never kept,
    # even once the inputs are back to what they were.
    assert plan(work_db, manifest, INPUTS, whole_project=True).kept == ()


def test_the_landing_folder_and_the_settings_are_not_inputs_of_the_reference_part(project):
    # A new year's delivery, or the data folder copied elsewhere (its paths are settings), changes none of it.
    work_db, manifest = project
    _built(work_db, manifest, {**INPUTS, "landing": {"2024": "a"}})
    moved = {**INPUTS, "landing": {"2024": "a", "2025": "b"}, "settings": "s2"}
    assert plan(work_db, manifest, moved, whole_project=True).kept


def test_nothing_is_recorded_when_an_input_is_unknown_or_a_relation_is_missing(project):
    work_db, manifest = project
    assert not _built(work_db, manifest, {**INPUTS, "code": UNKNOWN})
    assert _built(work_db, manifest, {**INPUTS, "settings": UNKNOWN})
    _change(work_db, "drop schema reference_kept cascade")
    _change(work_db, "drop view staging.stg_kinds")
    assert not _built(work_db, manifest, INPUTS)
    con = duckdb.connect(str(work_db), read_only=True)
    schemas = con.execute("select schema_name from duckdb_schemas()").fetchall()
    con.close()
    assert (kept_reference.SCHEMA,) not in schemas


def test_every_test_of_the_projects_reference_part_is_a_check_in_dagster(dbt_manifest):
    """A build that keeps the reference part shows its tests' last results from Dagster's records of checks; a
    dbt test Dagster holds no check for (a singular test reading two tables, unless its config names one) would
    then be missing from the check results page."""
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    tests = [n for n in reference_nodes(manifest) if n.resource_type == "test"]
    assert tests
    unattached = [
        n.name
        for n in tests
        if not (
            n.props.get("attached_node")
            or len(n.props["depends_on"]["nodes"]) == 1
            or n.props["config"].get("meta", {}).get("dagster", {}).get("ref")
        )
    ]
    assert unattached == []
