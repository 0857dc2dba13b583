"""Faults with real processes: two loads at once, one of them killed in its dbt build; the other, paused between
its checks and its publish, is overtaken by a third run that rebuilds the working database and fails.

Every `itip run` here is a child process in its own process group (session), so SIGKILL reaches it and its
`dbt` child together, exactly as an out-of-memory kill or a pulled plug would. The runs share one copy of the
session's published folder and happen once, in the module fixture `overlapping_runs`; each test checks one
consequence. One scenario rather than one per fault: each `itip run` is a full build, the most expensive
thing the suite does, and these faults compose (a killed run, a waiting run, an overtaking run).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from itip_pipeline.core.settings import REPO_ROOT, get_settings
from itip_pipeline.defs.dbt.invocation_dirs import INVOCATION_DIR, KEEP_INVOCATIONS
from itip_pipeline.warehouse.working_db import WarehouseBusy, open_for_writing

from support.data_folders import copy_published
from support.itip_processes import ITIP, itip_env
from support.redeliveries import indicator_share, municipal_ai_adoption_corrected, rewrite_column

YEARS = [2021, 2022, 2023, 2024, 2025]
CHANGED_YEAR = 2025
RUN_TIMEOUT_S = 1500  # a safety net only: a loaded shared machine has taken over 600 s for one run


def _load(name: str):
    """A benchmarks/ module (not a package): the floor's independent shares and the process-tree walk."""
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", REPO_ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


floor = _load("floor")
proctree = _load("proctree")


def _start(data_dir: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [ITIP, "run"], env=itip_env(data_dir), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published_state(data_dir: Path) -> dict:
    """Hashes of the published file and every Parquet export, and the published tables' row counts."""
    warehouse = data_dir / "warehouse" / "itip.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        counts = {table: con.execute(f"select count(*) from marts.{table}").fetchone()[0] for table in tables}
        years = [r[0] for r in con.execute("select distinct year from marts.fct_indicator order by 1").fetchall()]
    return {
        "warehouse": _sha(warehouse),
        "parquet": {p.name: _sha(p) for p in sorted((data_dir / "marts").glob("*.parquet"))},
        "counts": counts,
        "years": years,
    }


def _published_matches_landing(data_dir: Path, landing: Path | None = None) -> dict:
    con, _ = floor.compute(landing or data_dir / "landing")
    try:
        return floor.compare(con, data_dir / "warehouse" / "itip.duckdb")
    finally:
        con.close()


def _has_dbt_build(process: subprocess.Popen) -> bool:
    for pid in proctree.tree_pids(process.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # dbt itself, or the client through which a fork of the dbt imported ahead runs it (defs/dbt/warm.py).
        is_dbt = any(arg.endswith(b"/dbt") for arg in argv) or (
            b"itip_pipeline.defs.dbt.warm" in argv and b"client" in argv
        )
        if is_dbt and b"build" in argv:
            return True
    return False


def _wait_for_dbt_build(process: subprocess.Popen, timeout_s: float = RUN_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "`itip run` finished before its dbt build started"
        if _has_dbt_build(process):
            return
        time.sleep(0.05)
    raise AssertionError("no `dbt build` child appeared")


def _kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_alive(process.pid):
        assert time.monotonic() < deadline, "a process of the killed run survived"
        time.sleep(0.1)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _write_locks_held(pids: set[int]) -> list[str]:
    """Lines of /proc/locks for exclusive locks (the writer flock, DuckDB's and SQLite's write locks) held by any
    of `pids`. Shared (READ) locks are left out: an open SQLite run history in WAL mode holds one for as long as
    the process lives, and a reader never makes another run wait."""
    fields = [line.split() for line in Path("/proc/locks").read_text().splitlines()]
    return [" ".join(f) for f in fields if len(f) > 4 and f[3] == "WRITE" and f[4].isdigit() and int(f[4]) in pids]


def _pause_once_its_build_is_frozen(process: subprocess.Popen, candidates_dir: Path) -> None:
    """SIGSTOP the run's process group after its candidate build exists, at a moment it holds no exclusive lock
    (a run paused holding the writer lock would only make the other run wait, which proves nothing)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run finished before it could be paused"
        if candidates_dir.is_dir() and any(
            p.suffix == ".duckdb" and not p.name.startswith(".") for p in candidates_dir.iterdir()
        ):
            os.killpg(process.pid, signal.SIGSTOP)
            if not _write_locks_held(set(proctree.tree_pids(process.pid))):
                return
            os.killpg(process.pid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the run never froze a candidate build")


def _a_question_left_blank(data_dir: Path, year: int) -> None:
    """Valid codes, a question with no answers: every municipality's AI adoption (K01) is blank. Ingest loads it
    (a blank is a skipped question), dbt rebuilds fct_indicator without the municipal AI-adoption figure, and
    the hard test that every catalogued figure is estimated fails the build: nothing of B's may be published."""
    rewrite_column(data_dir / "landing" / str(year) / "org_survey_kommune_synthetic.csv", "K01", lambda value: "")


def _reconciliation(database: Path, figure_id: str) -> dict:
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.execute("select * from marts.published_reconciliation where figure_id = ?", [figure_id]).df()
    return frame.iloc[0].to_dict()


def _run_statuses(data_dir: Path) -> set[str]:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(data_dir / "dagster_home"))) as instance:
        return {run.status.value for run in instance.get_runs()}


@dataclass
class Overlap:
    """What the runs left, observed at the moment each fault's promise is due."""

    data_dir: Path
    before: dict  # the published state before any run
    at_kill: dict  # the published state right after the kill
    leftovers_at_kill: list[str]
    stale: list[Path]  # what a publish killed earlier would have left; the next publish must remove it
    landing_of_a: Path  # the survivor's (run A's) deliveries, as it loaded them
    a_code: int
    a_log: str
    b_code: int
    b_log: str
    b_share: float | None  # run B's municipal AI adoption, in the working database it rebuilt
    statuses: set[str]
    after: dict


def _first_to_build(processes: list[subprocess.Popen]) -> subprocess.Popen:
    """The run whose `dbt build` child appears first; the writer lock lets only one build at a time."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, "an `itip run` finished before either could be interrupted"
            if _has_dbt_build(process):
                return process
        time.sleep(0.05)
    raise AssertionError("no `dbt build` child appeared")


@pytest.fixture(scope="module")
def overlapping_runs(published_once, tmp_path_factory) -> Overlap:
    """On a copy of the session's published folder: the municipalities' 2025 delivery is corrected (valid, so
    it publishes, with a reconciliation warning). Two `itip run`s start at once; the first to reach its dbt
    build is killed there (K), the other (A) waits for the writer lock, builds, and is paused between freezing
    its build and checking it. Then the delivery is spoilt and run B loads it, rebuilds the working database
    and fails its hard checks; A is resumed and publishes."""
    settings, summary, _ = published_once
    assert summary.published, "the session's first run did not publish"
    root = tmp_path_factory.mktemp("faults")
    data_dir = copy_published(settings.data_dir, root / "data")
    for stray in ("2020", "misc"):  # the e2e module's stray folders; the floor recomputation reads every year folder
        shutil.rmtree(data_dir / "landing" / stray)
    before = _published_state(data_dir)
    municipal_ai_adoption_corrected(data_dir, CHANGED_YEAR)
    assert not _published_matches_landing(data_dir)["equal"], "the redelivery must change published shares"

    logs = [root / "first.log", root / "second.log"]
    runs = [_start(data_dir, log) for log in logs]
    try:
        killed = _first_to_build(runs)
        survivor = runs[1 - runs.index(killed)]
        a_log = logs[runs.index(survivor)]
        _kill_group(killed)
        at_kill = _published_state(data_dir)
        leftovers = [
            p.name for f in ("warehouse", "marts") for p in (data_dir / f).iterdir() if p.name.endswith(".new")
        ]
        # A kill during publish() leaves its pid-named staged files beside the real ones; the next publish must
        # neither trip over them nor keep them.
        stale = [
            data_dir / "warehouse" / f".itip.duckdb.{2**22 + 1}.new",
            data_dir / "warehouse" / f".itip.duckdb.{2**22 + 1}.new.wal",
            data_dir / "marts" / f".fct_indicator.parquet.{2**22 + 1}.new",
        ]
        for path in stale:
            path.write_bytes(b"half-written")
        # flock is released by the kernel when its holder dies: the waiting run gets the lock and builds.
        _wait_for_dbt_build(survivor)
        _pause_once_its_build_is_frozen(survivor, data_dir / "work" / "candidates")
        landing_of_a = root / "landing_of_a"
        shutil.copytree(data_dir / "landing", landing_of_a)

        _a_question_left_blank(data_dir, CHANGED_YEAR)  # run B: loads, builds, fails its hard checks
        b_log = root / "b.log"
        runs.append(_start(data_dir, b_log))
        b_code = runs[-1].wait(timeout=RUN_TIMEOUT_S)
        b_share = indicator_share(data_dir / "work" / "itip_work.duckdb", "ai_adoption", "kommune", CHANGED_YEAR)
        os.killpg(survivor.pid, signal.SIGCONT)
        a_code = survivor.wait(timeout=RUN_TIMEOUT_S)
    except BaseException:
        for run in runs:  # a scenario that went wrong leaves no run behind, paused or not
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait(timeout=30)
        raise
    return Overlap(
        data_dir=data_dir,
        before=before,
        at_kill=at_kill,
        leftovers_at_kill=leftovers,
        stale=stale,
        landing_of_a=landing_of_a,
        a_code=a_code,
        a_log=a_log.read_text(),
        b_code=b_code,
        b_log=b_log.read_text(),
        b_share=b_share,
        statuses=_run_statuses(data_dir),
        after=_published_state(data_dir),
    )


def test_a_load_killed_during_its_dbt_build_leaves_the_published_warehouse_intact(overlapping_runs):
    run = overlapping_runs
    assert run.at_kill == run.before
    assert run.leftovers_at_kill == []


def test_of_two_loads_at_once_the_survivor_of_a_kill_gets_the_lock_and_publishes(overlapping_runs):
    run = overlapping_runs
    assert run.a_code == 0, run.a_log[-3000:]
    assert [p.name for p in run.stale if p.exists()] == []
    # The killed run does not count as in progress (it would hold the one-run queue of `make ui`).
    assert run.statuses == {"SUCCESS", "FAILURE"}
    assert run.after["warehouse"] != run.before["warehouse"] and run.after["years"] == YEARS
    assert set(run.after["parquet"]) == set(run.before["parquet"])
    target = get_settings().dbt_project_dir / "target"
    invocations = [p for p in target.iterdir() if INVOCATION_DIR.match(p.name)]
    assert len(invocations) <= KEEP_INVOCATIONS + 1, "dbt's target folder stays bounded, the killed run's too"


def test_a_run_publishes_the_build_it_checked_though_another_run_rebuilt_the_marts_before_its_publish(
    overlapping_runs,
):
    run = overlapping_runs
    assert run.b_code == 1, run.b_log[-3000:]
    assert "assert_every_indicator_estimated_when_asked" in run.b_log, run.b_log[-3000:]
    assert "another load" not in run.b_log, "B failed on its own delivery, not on A's lock"
    assert run.b_share is None, "B rebuilt the shared working database with its own numbers"
    assert run.a_code == 0, run.a_log[-3000:]
    warehouse = run.data_dir / "warehouse" / "itip.duckdb"
    assert _published_matches_landing(run.data_dir, run.landing_of_a)["equal"], "A published exactly A's build"
    assert indicator_share(warehouse, "ai_adoption", "kommune", CHANGED_YEAR) > 40
    assert list((run.data_dir / "work" / "candidates").glob("*.duckdb")) == [], "A's candidate went with its publish"


def test_a_corrected_delivery_out_of_tolerance_is_published_with_a_warning_naming_the_figure(overlapping_runs):
    # The correction moves F002 (municipal AI adoption 2025, 51 % in the report) out of tolerance: published
    # all the same, with a warning naming the figure (the reconciliation is a definition finder, not a gate).
    run = overlapping_runs
    warehouse = run.data_dir / "warehouse" / "itip.duckdb"
    f002 = _reconciliation(warehouse, "F002")
    assert not f002["within_tolerance"] and f002["diff_pp"] > 1
    assert indicator_share(warehouse, "ai_adoption", "kommune", CHANGED_YEAR) == pytest.approx(f002["warehouse_pct"])
    assert "WARNING (published all the same) reproduces_published_figures: 1 of" in run.a_log
    assert (
        f"F002 ai_adoption kommune 2025: published 51.0 %, warehouse {f002['warehouse_pct']:.1f} %, "
        f"difference {f002['diff_pp']:+.1f} pp"
    ) in run.a_log


def test_a_writer_waits_for_a_lock_held_by_another_process_then_gets_it_when_that_process_dies(tmp_path):
    work_db = tmp_path / "work" / "itip_work.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom itip_pipeline.warehouse.working_db import writer_lock\n"
            f"with writer_lock(Path({str(work_db)!r})):\n    print('held', flush=True)\n    time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy, open_for_writing(work_db, timeout_s=1):
            pass
        assert 1 <= time.monotonic() - started < 10
        assert str(work_db) in str(busy.value) and "another load" in str(busy.value)
    finally:
        holder.kill()
        holder.wait()
    with open_for_writing(work_db, timeout_s=5) as con:
        assert con.execute("select count(*) from raw.load_log").fetchone()[0] == 0
