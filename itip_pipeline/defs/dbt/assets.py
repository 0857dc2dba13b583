"""The dbt project as Dagster assets: every model and seed an asset, every dbt test an asset check.

dbt sources on the raw schema are mapped onto the ingest assets, so the lineage reads landing files →
ingest → staging → intermediate → marts. Importing this module brings the manifest up to date first.
"""

import importlib
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.settings import get_settings
from itip_pipeline.core.survey_years import survey_year_keys
from itip_pipeline.defs.dbt.cli_resource import DbtCliWithoutInProcessAdapter
from itip_pipeline.defs.dbt.dagster_side import DagsterDbtTranslator, DbtCliResource, dbt_assets
from itip_pipeline.defs.dbt.invocation_dirs import invocation_root, prune_invocation_dirs
from itip_pipeline.defs.dbt.mart_manifest import mart_declarations
from itip_pipeline.defs.dbt.project import dbt_environment, dbt_project, prepare_dbt_manifest
from itip_pipeline.defs.dbt.source_tests import quiet_source_test_notices
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE
from itip_pipeline.report import two_processes
from itip_pipeline.warehouse import candidates, kept_reference
from itip_pipeline.warehouse.marts_copy import KeyViolation
from itip_pipeline.warehouse.working_db import writer_lock

RAW_SOURCE = "raw"


class ItipDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # Sources keep the raw table's name, which is the ingest asset's key; models and seeds are keyed
        # by their schema (staging, intermediate, marts, reference), as a BI user sees them.
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([RAW_SOURCE, dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


DBT_PROJECT = dbt_project()
prepare_dbt_manifest()  # parses only when the project changed since the last manifest
quiet_source_test_notices(DBT_PROJECT.manifest_path)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=ItipDbtTranslator(),
    name="itip_dbt",
)
def itip_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    settings = get_settings()
    with writer_lock(settings.work_db), progress.step("dbt build") as step:
        inputs = _build_inputs(settings)  # in this hold of the lock: what this build is made from
        reference = kept_reference.plan(
            settings.work_db, DBT_PROJECT.manifest_path, inputs, whole_project=not context.is_subset
        )
        with dbt_environment():  # the dbt process starts inside cli()
            invocation = dbt.cli(["build", *reference.dbt_args], context=context, raise_on_error=False)
        try:
            # First: Dagster takes a multi-asset's outputs in the order of its graph, and the reference part comes
            # before every node that reads delivered data. Stored before the import thread below starts: storing
            # an event imports parts of SQLAlchemy, which two threads must not import at once.
            yield from _kept_outputs(context, reference)
            # The checks step after this one imports Great Expectations, seconds of CPU: imported now, on the core
            # dbt's process leaves free while this thread waits for dbt's events, it is off the critical path.
            threading.Thread(target=_import_all, args=(IMPORTED_WHILE_DBT_BUILDS,), daemon=True).start()
            # So do the figure book's two drawing processes, which import and start their renderer now and wait.
            two_processes.start_ahead()
            counter = progress.NodeCounter(_nodes_to_build(context) - len(reference.kept))
            step.detail = counter.at
            # Each node's events are stored as it finishes, while dbt builds the next ones, not all after the
            # build. Dagster records a model as materialized when it is built, before the freeze below could
            # refuse the build; nothing is published from a refused build.
            for event in _events_with_row_counts(invocation, context):
                if isinstance(event, NODE_DONE):
                    counter.tick(_node_id(event))
                yield event
        except BaseException:  # the run stopped (or storing an event failed) while dbt builds
            _stop_dbt(invocation)
            raise
        counter.finish()
        if invocation.is_successful():
            kept_reference.remember(settings.work_db, reference, inputs, context.run_id)
            # Frozen in this same hold of the lock: what the checks read and publish publishes is what dbt
            # built and tested here, whatever another run does to the working database afterwards.
            candidate = candidates.candidate_path(settings.candidates_dir, context.run_id)
            try:
                declared = mart_declarations(DBT_PROJECT.manifest_path)
                candidates.snapshot(settings.work_db, candidate, inputs, declared.keys, declared.docs)
            except KeyViolation as violation:
                raise dg.Failure(description=str(violation), allow_retries=False) from None
        candidates.prune(settings.candidates_dir, lambda run_id: _in_progress(context.instance, run_id))
        prune_invocation_dirs(
            invocation_root(DBT_PROJECT.project_dir, DBT_PROJECT.target_path), keep=invocation.target_path
        )
        step.done(_build_outcome(invocation, counter, reference))
    if not invocation.is_successful():
        raise dg.Failure(description=_build_failure(invocation), allow_retries=False)


# What the checks step imports (itip_pipeline.quality.mart_suite), its submodules included.
IMPORTED_WHILE_DBT_BUILDS = (
    "great_expectations",
    "great_expectations.expectations",
    "great_expectations.core.run_identifier",
)


def _import_all(modules: tuple[str, ...]) -> None:
    """`modules` imported; one that fails to import is left to the step that needs it, whose own import then
    fails with the error in the step's sentence."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - said by the step that imports it again
            return


def _build_inputs(settings) -> dict:
    """The build's inputs (itip_pipeline.core.build_state); the landing folder's only if every landed year is loaded
    exactly as it lies there (a file that arrived after its year's load is not in this build)."""
    from itip_pipeline.core import build_state
    from itip_pipeline.ingest.loading.landing_watch import landing_folders, loaded_fingerprints, years_as_loaded

    landed = landing_folders(settings.landing_dir, {int(key) for key in survey_year_keys()}).years
    loaded = loaded_fingerprints(settings.work_db, lock_held=True)
    return build_state.capture(settings, years_as_loaded(settings.landing_dir, landed, loaded) == landed)


def _build_outcome(invocation, counter, reference: kept_reference.Plan) -> str:
    if not invocation.is_successful():
        return "FAILED"
    kept = f"; {len(reference.kept)} reference nodes kept, unchanged since their build" if reference.kept else ""
    return f"{counter.seen} nodes built and tested{kept}"


def _kept_outputs(context: AssetExecutionContext, reference: kept_reference.Plan):
    """An output for each model and seed of the reference part this build keeps (kept_reference.py), saying so:
    the tables are the ones the run `reference.kept_from` built, unchanged, whatever this build does, and the
    steps after this one read them as they read the tables built now. Their tests do not run again; their last
    results stand."""
    translator = ItipDbtTranslator()
    for node in reference.kept:
        if node.relation is None:
            continue
        key = translator.get_asset_key(node.props)
        metadata = {
            "unique_id": node.unique_id,
            "kept": f"not rebuilt: built by run {reference.kept_from} from the same code, dbt project, profiles and "
            "packages, and unchanged since (columns and rows hashed)",
        }
        if node.resource_type == "seed" or node.props["config"].get("materialized") == "table":
            metadata["dagster/row_count"] = reference.row_counts[node.relation]
        yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key), metadata=metadata)


def _build_failure(invocation) -> str:
    """The failed build as a sentence naming the nodes that failed, from dbt's run_results.json."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, ValueError, KeyError):  # dbt stopped before writing it (a parse or connection error)
        results = []
    failed = [
        f"{r['unique_id']} ({r['status']}{_refused_rule(r.get('message') or '')})"
        for r in results
        if r.get("status") in ("error", "fail")
    ]
    if not failed:
        return "dbt build failed before building any node; dbt's own messages are in the run's log."
    return (
        f"dbt build failed: {len(failed)} of {len(results)} nodes did not pass: {', '.join(failed[:20])}"
        + (f" and {len(failed) - 20} more" if len(failed) > 20 else "")
        + ". dbt's own messages are in the run's log. Nothing was published."
    )


# DuckDB's refusal of a row that breaks a contract constraint names the table and the rule, never a value:
# "CHECK constraint failed on table "x" with expression CHECK((n_base BETWEEN 1 AND 1000000))" or
# "NOT NULL constraint failed: x."year"". Other errors can quote delivered values, so only these are repeated.
_CHECK_REFUSED = re.compile(r"CHECK constraint failed on table \S+ with expression CHECK\((.*)\)")
_NOT_NULL_REFUSED = re.compile(r"NOT NULL constraint failed: \S+?\.\"?(\w+)")


def _refused_rule(message: str) -> str:
    """`: a row breaks its rule …` for a model whose contract refused a row, else ''."""
    if found := _CHECK_REFUSED.search(message):
        return f": a row breaks its rule {found.group(1)}"
    if found := _NOT_NULL_REFUSED.search(message):
        return f": a row has no {found.group(1)}, which its contract requires"
    return ""


# What dagster-dbt yields as a node finishes: a model or seed's output, a test's check result, or an
# observation for a test on a table outside the selection (a raw source).
NODE_DONE = (dg.Output, dg.AssetCheckResult, dg.AssetObservation, dg.AssetCheckEvaluation)


def _node_id(event) -> str | None:
    """The dbt unique_id an event reports on (dagster-dbt puts it in the metadata), or None."""
    value = (event.metadata or {}).get("unique_id")
    return getattr(value, "value", value)


def _nodes_to_build(context: AssetExecutionContext) -> int:
    """dbt nodes (models, seeds, tests) the build will run: the manifest's when the whole project is selected."""
    import json

    nodes = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    kinds = [n["resource_type"] for n in nodes]
    if len(context.selected_output_names) >= kinds.count("model") + kinds.count("seed"):
        return sum(kind in ("model", "seed", "test", "snapshot") for kind in kinds)
    return len(context.selected_output_names) + len(context.selected_asset_check_keys)


def _in_progress(instance: dg.DagsterInstance, run_id: str) -> bool:
    run = instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


def _stop_dbt(invocation) -> None:
    """dbt stopped as dagster-dbt stops it (an interrupt, then killed after its termination timeout) and waited
    for, so that the writer lock is never let go while dbt still writes the working database. dagster-dbt does
    so itself only when the stop reaches it while it reads dbt's output, not while Dagster stores an event."""
    process = invocation.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=invocation.termination_timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The line dbt's post-hook log_row_count (dbt_project/macros/row_counts.sql) says for each table it built.
ROW_COUNT_LOG = re.compile(r"^itip row count: (\d+)$")


def _events_with_row_counts(invocation, context: AssetExecutionContext):
    """dagster-dbt's events of the build as each node finishes, a table's output with its row count.

    dbt's post-hook says a table's count in the log before the node finishes; dagster-dbt's own conversion of
    each event (`stream()` does the same) is kept, and the count added to the output of the same node."""
    counts: dict[str, int] = {}
    for raw in invocation.stream_raw_events():
        info = raw.raw_event["info"]
        if info["name"] == "JinjaLogInfo" and (found := ROW_COUNT_LOG.match(info["msg"])):
            unique_id = raw.raw_event["data"].get("node_info", {}).get("unique_id")
            if unique_id:
                counts[unique_id] = int(found.group(1))
            continue
        for event in raw.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            count = counts.get(_node_id(event)) if isinstance(event, dg.Output) else None
            yield event if count is None else event.with_metadata({**event.metadata, "dagster/row_count": count})


def dbt_resource() -> DbtCliResource:
    return DbtCliWithoutInProcessAdapter(
        project_dir=DBT_PROJECT, profiles_dir=str(get_settings().dbt_profiles_dir), dbt_executable=CLIENT_EXECUTABLE
    )
