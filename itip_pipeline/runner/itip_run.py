"""`itip run`: every year in the landing folder loaded, then the marts built, checked and published.

Runs the same Dagster jobs the UI and the sensor run, in this process, against the persistent instance
in DAGSTER_HOME, so the runs show up in the UI afterwards. Synthetic deliveries are generated first when
the landing folder is empty (a fresh clone).
"""

from __future__ import annotations

import errno
import sys
import tempfile
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from itip_pipeline.alerting.failure_sentences import failure_text
from itip_pipeline.core import progress
from itip_pipeline.core.settings import Settings
from itip_pipeline.core.survey_years import survey_landing, survey_year_keys, year_ranges

DEFAULT_YEARS = list(range(2021, 2026))
# Step events stay in the Dagster UI and the log; the terminal shows the progress module's lines.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunSummary:
    years: list[int]  # loaded in this run
    unchanged: list[int]  # landed, already loaded exactly as delivered, so skipped
    refused: list[int]  # their load failed (a refused delivery is quarantined): nothing of the year loaded
    generated: bool
    failed_years: dict[int, str]  # year (0 = the build and publish step) -> what went wrong
    skipped: dict[str, str]  # entries of the landing folder that are not a survey year's folder -> why
    orphaned_runs: list[str]  # runs whose process had died, marked failed at start-up
    published: bool
    warnings: list[str]  # non-blocking checks that failed (published all the same), one text each
    seconds: float
    log: Path | None  # None when nothing ran
    up_to_date: str | None = None  # why nothing was run: the published version was built from these inputs
    version: str | None = None  # the version this run published (also when a step after publish failed)
    failed_after_publish: str | None = None  # the step that failed after `version` was published, in words
    changed_during_run: list[str] = field(default_factory=list)  # inputs edited while the run built
    notes: list[str] = field(default_factory=list)  # why the run is a real one when a state file was damaged


def run_all(
    settings: Settings,
    years: list[int] | None = None,
    seed: int = 2025,
    terminal: TextIO | None = None,
    force: bool = False,
) -> RunSummary:
    """Load `years` (default: every landed year that is new or changed), then build, check and publish once.

    Without `years` or `force`, a published version built from exactly today's inputs (itip_pipeline.core.build_state)
    ends the run at once, with the standard library only: before DuckDB, pandas, Dagster or dbt are imported.
    Progress lines go to `terminal` (default: this process's stdout as it is when called).
    """
    terminal = terminal or sys.stdout
    started = time.monotonic()
    _check_writable(settings)
    if not (years or force):
        up_to_date = _up_to_date(settings, started)
        if up_to_date:
            return up_to_date
    from itip_pipeline.core import build_state

    # What this run is built from: hashed before the pipeline's code is imported or dbt reads its project.
    build_state.mark_run_start(settings)
    notes = [] if force else [why for why in [_why_rebuilding(settings)] if why]
    # Progress lines from here on, and the gaps between steps (imports, Dagster starting a step) say so too.
    with progress.to_terminal(terminal), progress.watch("itip run"):
        for note in notes:
            progress.say(note)
        try:
            summary = _load_build_publish(settings, years, seed, started)
        except OSError as error:  # outside Dagster's steps (theirs end as failed steps with a sentence)
            raise SystemExit(os_error_sentence(error)) from None
        except RuntimeError as error:
            from itip_pipeline.warehouse.working_db import WorkingDatabaseUnavailable

            if isinstance(error, WorkingDatabaseUnavailable):
                raise SystemExit(str(error)) from None
            raise
    return replace(summary, changed_during_run=build_state.changed_since_start(settings), notes=notes)


# What to do about the operating system's refusals a run can meet before or between its Dagster steps.
OS_ERROR_ADVICE = {
    errno.ENOSPC: "the disk is full: free space on it",
    errno.EDQUOT: "the disk quota is used up: free space or raise the quota",
    errno.EACCES: "this user may not use it: change its permissions or owner",
    errno.EPERM: "this user may not use it: change its permissions or owner",
    errno.EROFS: "it is on a read-only file system: point the setting for it elsewhere",
    errno.ENOENT: "it is missing: restore it, or check the ITIP_* folder settings",
    errno.EISDIR: "a folder is where a file should be: move the folder aside",
    errno.ENOTDIR: "a file is where a folder should be: move the file aside",
}


def os_error_sentence(error: OSError) -> str:
    """An operating-system refusal met by `itip run`, as a sentence naming the file and what to do."""
    where = f" on {error.filename}" if error.filename else ""
    advice = OS_ERROR_ADVICE.get(error.errno, "see the message, fix the cause")
    return (
        f"`itip run` stopped: {error.strerror or error}{where}; {advice}, then run again. This run published "
        "nothing: the published warehouse was left as it was."
    )


def _why_rebuilding(settings: Settings) -> str | None:
    from itip_pipeline.core.build_state import why_rebuilding
    from itip_pipeline.core.published_layout import current_version_dir

    return why_rebuilding(settings, current_version_dir(settings.marts_dir))


def _load_build_publish(settings: Settings, years: list[int] | None, seed: int, started: float) -> RunSummary:
    """run_all once it has something to do: the landing folder read (generated when empty), then load and publish."""
    from itip_pipeline.defs.dbt.environment import dbt_env
    from itip_pipeline.defs.dbt.project import SAVED_PARSE, TARGET, parse_ahead
    from itip_pipeline.defs.dbt.warm import warm_dbt

    # dbt is imported in a process of its own while this one checks, imports Dagster and loads: the build starts
    # warm. A stale manifest is parsed meanwhile too, on the other core, once the checks pass (the parse waits
    # for the server's imports anyway): importing the definitions then finds it fresh. The server does not open
    # the working database, and a check that stops the run ends the server with it.
    with warm_dbt(dbt_env(settings.work_db), saved_parse=settings.dbt_project_dir / TARGET / SAVED_PARSE):
        with progress.step("starting", "checking the working database and the landing folder"):
            _check_work_db_free(settings)
            from itip_pipeline.ingest.loading.landing_watch import landing_folders

            known = {int(key) for key in survey_year_keys()}
            before = landing_folders(settings.landing_dir, known)
        if not before.years and before.skipped:
            # Synthetic deliveries are generated only into an empty landing folder, never beside what someone put
            # there.
            raise SystemExit(
                f"No survey year's delivery folder in {settings.landing_dir}, so nothing was loaded and the "
                "published warehouse was left as it was:\n"
                + "\n".join(f"  {reason}" for reason in before.skipped.values())
            )
        threading.Thread(target=parse_ahead, args=(settings,), name="dbt parse ahead", daemon=True).start()
        return _generate_load_publish(settings, years, seed, started, before.years, known)


def _generate_load_publish(
    settings: Settings, years: list[int] | None, seed: int, started: float, landed: list[int], known: set[int]
) -> RunSummary:
    """_load_build_publish once the landing folder is known to hold a year's folder or nothing at all."""
    generated = False
    if not landed:
        from itip_pipeline.synthetic.generator import generate_deliveries

        with progress.step("synthetic deliveries", "generating (SYNTHETIC data)"):
            generate_deliveries(settings.landing_dir, DEFAULT_YEARS, seed=seed)
        generated = True
    with progress.step("Dagster instance", "opening"):
        from itip_pipeline.instance.opening import open_instance

        orphaned = open_instance(settings).orphaned_runs
    outside = sorted(set(years or []) - known)
    if outside:
        raise SystemExit(f"{outside} are not survey years of this warehouse ({min(known)}–{max(known)})")
    from itip_pipeline.ingest.loading.landing_watch import landing_folders

    folders = landing_folders(settings.landing_dir, known)
    landed = folders.years
    missing = sorted(set(years or []) - set(landed))
    if missing:
        raise SystemExit(f"no delivery folder in {settings.landing_dir} for {missing}")
    unchanged = [] if years else _unchanged_years(settings, landed)
    years = years or [y for y in landed if y not in unchanged]
    log_path = settings.reports_dir / "itip_run.log"
    # dbt's output and Dagster's warnings go to the log; the terminal gets progress lines and the summary.
    with log_path.open("w", encoding="utf-8") as log, redirect_stdout(log), redirect_stderr(log):
        for year in unchanged:
            progress.say(f"{year}: unchanged since its last load, skipped")
        try:
            outcome = _load_and_publish(years, unchanged)
        finally:
            from itip_pipeline.report import predraw, two_processes

            # The book's charts drawn ahead (report/predraw.py) and its drawing processes started ahead end with
            # the run, also when its book step did not.
            two_processes.stop_ahead()
            with predraw.stopped(settings.chart_cache_dir):
                pass
            predraw.reap(wait_s=predraw.STOP_WAIT_S)
    return RunSummary(
        outcome.loaded,
        sorted(set(unchanged + outcome.unchanged)),
        sorted(set(outcome.failed) - {0}),
        generated,
        outcome.failed,
        folders.skipped,
        orphaned,
        outcome.published,
        outcome.warnings,
        time.monotonic() - started,
        log_path,
        version=outcome.version,
        failed_after_publish=outcome.failed_after_publish,
    )


def _up_to_date(settings: Settings, started: float) -> RunSummary | None:
    """The summary of a run with nothing to do, or None."""
    from itip_pipeline.core.build_state import unchanged_since_publish
    from itip_pipeline.core.published_intact import intact
    from itip_pipeline.core.published_layout import current_version_dir

    reason = unchanged_since_publish(settings, current_version_dir(settings.marts_dir))
    if reason is None or not intact(settings.marts_dir, settings.warehouse_db):
        return None
    # The folder names only: the check above has just hashed what the load reads in them. What the load
    # passes over is named as a real run names it.
    landing = survey_landing(settings.landing_dir)
    return RunSummary(
        [], list(landing.years), [], False, {}, landing.skipped, [], False, [], time.monotonic() - started, None, reason
    )


def _check_writable(settings: Settings) -> None:
    """Every folder the run writes, created and written to now: a sentence at once, not a failure at publish."""
    for folder in settings.written_dirs:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise SystemExit(
                f"Cannot write to {folder} ({error.strerror or error}). Make it a folder this user can write "
                "(or point ITIP_DATA_DIR, ITIP_WAREHOUSE_DB or ITIP_MARTS_DIR elsewhere) and run again; "
                "nothing was loaded and the published warehouse was left as it was."
            ) from None


def _check_work_db_free(settings: Settings) -> None:
    """Another program holding DuckDB's lock on the working database, or a damaged file, would fail every step:
    say so now."""
    from itip_pipeline.warehouse.working_db import WorkingDatabaseUnavailable, open_for_writing

    try:
        with open_for_writing(settings.work_db):
            pass
    except WorkingDatabaseUnavailable as unavailable:
        raise SystemExit(str(unavailable)) from None


def _unchanged_years(settings: Settings, landed: list[int]) -> list[int]:
    """Landed years whose delivery is exactly what the load log says is loaded: nothing to reload."""
    from itip_pipeline.ingest.loading.landing_watch import loaded_fingerprints, years_as_loaded

    return years_as_loaded(settings.landing_dir, landed, loaded_fingerprints(settings.work_db, timeout_s=600))


@dataclass
class _Outcome:
    loaded: list[int]
    unchanged: list[int]
    failed: dict[int, str]
    published: bool = False
    warnings: list[str] = field(default_factory=list)  # non-blocking checks that failed
    version: str | None = None  # the version the build step published
    failed_after_publish: str | None = None  # the step, in words, that failed after the version was published


def _load_and_publish(years: list[int], unchanged: list[int]) -> _Outcome:
    """One `annual_load` run over the years' range (each year loaded, then one build, check and publish), or
    `build_and_publish` alone when no year is to be loaded. Years with another year between them that is
    not unchanged cannot share a range: the earlier ranges are loaded first by `ingest_year` runs."""
    import dagster as dg

    with progress.step("preparing", "importing Dagster and the dbt project"):
        from itip_pipeline.definitions import defs  # brings the dbt manifest up to date on import

    instance = dg.DagsterInstance.get()
    outcome = _Outcome([], [], {})
    ranges = year_ranges(years, unchanged)
    for first, last in ranges[:-1]:
        _record_loads(outcome, _execute(defs, "ingest_year", instance, first, last), first, last)
    if ranges and outcome.failed:  # a year already refused: load what can be loaded, build nothing
        _record_loads(outcome, _execute(defs, "ingest_year", instance, *ranges[-1]), *ranges[-1])
    elif ranges:
        result = _execute(defs, "annual_load", instance, *ranges[-1])
        _record_loads(outcome, result, *ranges[-1])
        if not outcome.failed:
            _record_build(outcome, result)
    else:
        _record_build(outcome, _execute(defs, "build_and_publish", instance))
    # A rejected year keeps its previous raw rows, but publishing now would hide that the run is incomplete:
    # the published warehouse stays as it was until every delivery loads.
    if any(outcome.failed):
        progress.say("build, checks and publish: not run, because a year was refused")
    return outcome


def _execute(defs, job: str, instance, first: int | None = None, last: int | None = None):
    from itip_pipeline.defs.partitions import range_tags

    single = first is not None and first == last
    tags = {} if first is None or single else range_tags(first, last)
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=QUIET,
        tags=tags,
        partition_key=str(first) if single else None,
    )


def _record_loads(outcome: _Outcome, result, first: int, last: int) -> None:
    """Each year of the run's range as loaded, unchanged (asked for, but exactly as already loaded) or failed."""
    statuses: dict[int, set[str]] = {}
    for materialization in result.asset_materializations_for_node("ingest_delivery"):
        statuses.setdefault(int(materialization.partition), set()).add(materialization.metadata["status"].value)
    refusals = _refusals(result)
    for year in range(first, last + 1):
        if year in statuses:
            (outcome.unchanged if statuses[year] == {"unchanged"} else outcome.loaded).append(year)
        elif str(year) in refusals or not refusals:
            outcome.failed[year] = refusals.get(str(year)) or failure_text(result.all_events)


def _refusals(result) -> dict[str, str]:
    """The ingest step's refused years and their sentences (none when it failed for another reason)."""
    from itip_pipeline.defs.ingest_assets import REFUSALS

    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.event_specific_data.user_failure_data:
            refusals = event.event_specific_data.user_failure_data.metadata.get(REFUSALS)
            if refusals is not None:
                return refusals.value
    return {}


def _record_build(outcome: _Outcome, result) -> None:
    """Published or not judged by the publish step's own record (the version it made), not by the whole run:
    a step after publish can fail while the new version is already what readers see."""
    from itip_pipeline.alerting.failure_sentences import AFTER_PUBLISH_STEPS, step_failures

    outcome.version = _published_version(result)
    outcome.published = outcome.version is not None
    outcome.warnings = _warning_texts(result)
    if not result.success:
        outcome.failed[0] = failure_text(result.all_events)
        if outcome.published:
            failed = [AFTER_PUBLISH_STEPS.get(key, f"the step {key}") for key, _ in step_failures(result.all_events)]
            outcome.failed_after_publish = " and ".join(failed) or "a step after publish"


def _published_version(result) -> str | None:
    """The version the run's publish step made, or None when it did not publish."""
    from itip_pipeline.defs.publish_assets import WAREHOUSE_KEY

    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key == WAREHOUSE_KEY and "version" in materialization.metadata:
                return str(materialization.metadata["version"].value)
    return None


def _warning_texts(result) -> list[str]:
    import dagster as dg

    return [
        f"{check.check_name}: {check.description or 'failed'}"
        for check in (
            event.event_specific_data
            for event in result.all_events
            if event.event_type_value == "ASSET_CHECK_EVALUATION"
        )
        if not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    ]
