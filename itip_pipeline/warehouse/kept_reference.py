"""The reference part of the dbt project, kept from the build before when nothing it is made from has changed.

The reference part is every seed, model and test of the dbt project that reads no dbt source, directly or
through other nodes: the seeds, their staging views, the tables made from them alone (dim_*, indicator_families,
policy_targets, …) and the tests on those. What they hold depends on the code, the dbt project, the profiles
and the installed packages (build_state's inputs), never on a delivery, so a new year, a corrected
delivery or `itip run --force` gives them the same rows. Building them again costs about a quarter of the nodes
of a `dbt build`, each with dbt's fixed cost per node.

The rule:
- A build of the whole project records, in the working database (RECORD), the hash of those inputs and a hash
  of every reference relation's columns and rows, once the whole build has passed.
- The next build leaves the reference part out of `dbt build` only when the inputs hash the same as recorded
  (none changed since its run started, none unknown) and every reference relation still hashes as recorded.
  Its tables are then exactly what a build of them would make, and every later model reads them as they are.
- Any other build builds them, and first removes the record: a failed or stopped build, or a build under other
  code, never leaves a record that its tables do not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from itip_pipeline.core.build_state import UNKNOWN
from itip_pipeline.warehouse.marts_copy import ident
from itip_pipeline.warehouse.working_db import connect

SCHEMA = "reference_kept"
RECORD = f"{SCHEMA}.record"
# The inputs a reference relation is made from: all of build_state's but the landing folder and the settings
# (the data folder's paths and the pseudonym key), which no reference node reads. The record lives in the working
# database, so a data folder moved or copied elsewhere keeps it, and a database moved aside takes it along.
NOT_AN_INPUT = ("landing", "settings")
BUILT = ("model", "seed")  # what makes a relation; a test makes none
RESOURCE_TYPES = (*BUILT, "test", "snapshot")


@dataclass(frozen=True)
class ReferenceNode:
    unique_id: str
    name: str
    resource_type: str
    fqn: str  # dbt's selector for exactly this node: fqn:<package>.<path>.<name>
    relation: str | None  # "schema"."alias" of a model or seed, None for a test
    props: dict  # the manifest's node, for Dagster's translator


@dataclass(frozen=True)
class Plan:
    """What one build does with the reference part `nodes`: keeps them, as the run `kept_from` built them (they
    are left out: dbt_args), or builds them; `record_after`: a build of the whole project that builds them, whose
    success `remember` records."""

    nodes: tuple[ReferenceNode, ...]
    kept_from: str = ""
    row_counts: Mapping[str, int] | None = None  # by relation, of the kept tables
    record_after: bool = False

    @property
    def kept(self) -> tuple[ReferenceNode, ...]:
        return self.nodes if self.kept_from else ()

    @property
    def dbt_args(self) -> list[str]:
        if not self.kept:
            return []
        # Only the nodes named: with dbt's default (eager) indirect selection, excluding a reference model also
        # excludes every test that reads it, the tests of the models built from delivered data among them.
        return ["--indirect-selection", "empty", "--exclude", " ".join(node.fqn for node in self.kept)]


def reference_nodes(manifest: Mapping) -> list[ReferenceNode]:
    """The manifest's seeds, models, snapshots and tests that read no source, however indirectly, each after the
    nodes it reads (Dagster takes a multi-asset's outputs in the order of its graph)."""
    nodes = manifest["nodes"]
    reads_source: dict[str, bool] = {}

    def parents(unique_id: str) -> list[str]:
        return sorted(nodes.get(unique_id, {}).get("depends_on", {}).get("nodes", []))

    def from_source(unique_id: str) -> bool:
        if unique_id.startswith("source."):
            return True
        if unique_id not in reads_source:
            reads_source[unique_id] = False  # a cycle cannot make a node read a source
            reads_source[unique_id] = any(from_source(parent) for parent in parents(unique_id))
        return reads_source[unique_id]

    reference = {
        unique_id
        for unique_id, node in nodes.items()
        if node["resource_type"] in RESOURCE_TYPES and not from_source(unique_id)
    }
    ordered: dict[str, None] = {}  # insertion-ordered

    def after_its_parents(unique_id: str) -> None:
        if unique_id in reference and unique_id not in ordered:
            for parent in parents(unique_id):
                after_its_parents(parent)
            ordered[unique_id] = None

    for unique_id in sorted(reference):
        after_its_parents(unique_id)
    return [_node(unique_id, nodes[unique_id]) for unique_id in ordered]


def _node(unique_id: str, node: dict) -> ReferenceNode:
    built = node["resource_type"] in BUILT
    return ReferenceNode(
        unique_id=unique_id,
        name=node["name"],
        resource_type=node["resource_type"],
        fqn="fqn:" + ".".join(node["fqn"]),
        relation=f"{ident(node['schema'])}.{ident(node.get('alias') or node['name'])}" if built else None,
        props=node,
    )


def inputs_hash(inputs: Mapping[str, object]) -> str | None:
    """One hash of the inputs the reference part is made from, or None when one of them is unknown (it changed
    after the run started)."""
    used = {name: value for name, value in inputs.items() if name not in NOT_AN_INPUT}
    if not used or UNKNOWN in used.values():
        return None
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()


def plan(work_db: Path, manifest_path: Path, inputs: Mapping[str, object], whole_project: bool) -> Plan:
    """The reference part kept (as the module's rule says), or built, the record removed first. The caller holds
    the writer lock until the build is over. `whole_project`: the build selects every node (a build of some
    assets only, chosen in Dagster, builds what it was asked for and may leave the reference part as it was)."""
    nodes = tuple(reference_nodes(json.loads(manifest_path.read_text(encoding="utf-8"))))
    wanted = inputs_hash(inputs)
    con = connect(work_db)
    try:
        recorded = _recorded(con)
        if whole_project and wanted and recorded and recorded["inputs"] == wanted:
            tables = _relations_hash(con, nodes)
            if tables is not None and tables[0] == recorded["relations"]:
                return Plan(nodes, recorded["run_id"], tables[1])
        if recorded:
            con.execute(f"delete from {RECORD}")
    finally:
        con.close()
    return Plan(nodes, record_after=whole_project)


def remember(work_db: Path, built: Plan, inputs: Mapping[str, object], run_id: str) -> bool:
    """Record that the build of run `run_id`, which followed the plan `built` from `inputs` and passed, built the
    reference part; False (and nothing recorded) when that build was not to be recorded (it kept the part, or
    built some assets only), an input is unknown or a reference relation is missing."""
    wanted = inputs_hash(inputs)
    if not built.record_after or wanted is None:
        return False
    con = connect(work_db)
    try:
        tables = _relations_hash(con, built.nodes)
        if tables is None:
            return False
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create table if not exists {RECORD} (inputs varchar, relations varchar, run_id varchar)")
        con.execute(f"delete from {RECORD}")
        con.execute(f"insert into {RECORD} values (?, ?, ?)", [wanted, tables[0], run_id])
        con.execute("commit")
    finally:
        con.close()
    return True


def _recorded(con) -> dict[str, str] | None:
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'record'", [SCHEMA]
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute(f"select inputs, relations, run_id from {RECORD}").fetchall()
    return dict(zip(("inputs", "relations", "run_id"), rows[0], strict=True)) if len(rows) == 1 else None


def _relations_hash(con, nodes: tuple[ReferenceNode, ...]) -> tuple[str, dict[str, int]] | None:
    """A hash of every reference relation's name, columns (names and types, in order) and rows (in any order,
    each row as often as it occurs), and each one's row count; None when one is missing."""
    relations = sorted(node.relation for node in nodes if node.relation)
    digest, counts = hashlib.sha256(), {}
    for relation in relations:
        try:
            columns = con.execute(f"describe {relation}").fetchall()
            rows, total = con.execute(
                f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {relation} as t"
            ).fetchall()[0]
        except duckdb.Error:  # gone, or no longer readable: the reference part is built again
            return None
        digest.update(json.dumps([relation, [c[:2] for c in columns], rows, str(total)]).encode())
        counts[relation] = rows
    return digest.hexdigest(), counts
