"""`make bench`'s judging and reporting on small results dicts (no pipeline runs): the speed targets met or
missed from the numbers, RESULTS.md's tables, the profiles of missed targets, cProfile grouped by package,
and Dagster runs named by job and partition (range) whatever the jobs are."""

from __future__ import annotations

import cProfile
import pstats
import sqlite3
import subprocess
import sys

import pytest

from itip_pipeline.core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))  # its modules import each other by name, as scripts do
import python_profile  # noqa: E402
import report  # noqa: E402
import step_profile  # noqa: E402
import targets  # noqa: E402

GB_IN_MB = 1e9 / 2**20


def _result(
    scale: float,
    *,
    e2e: float = 20.0,
    floor: float = 10.0,
    no_op: float = 1.0,
    nothing_changed: bool = True,
    new_year: float | None = 10.0,
    force: float | None = 9.0,
    strays: float = 0.8,
    strays_answered: bool = True,
    slowest_model: float = 3.0,
    rows: int = 6700,
    peak_mb: float = 800.0,
    cprofile: bool = False,
) -> dict:
    result = {
        "scale": scale,
        "started": "2026-11-28 20:00 UTC",
        "uptime_before": "load average: 1.00",
        "uptime_after": "load average: 1.50",
        "panel_format": "as planned",
        "generate_s": 1.5,
        "generate_peak_rss_mb": 150.0,
        "end_to_end": {"seconds": e2e, "peak_rss_mb": peak_mb, "published": True},
        "no_op": {"seconds": no_op, "peak_rss_mb": 60.0, "published": True, "nothing_changed": nothing_changed},
        "strays": {"seconds": strays, "peak_rss_mb": 60.0, "published": True, "nothing_changed": strays_answered},
        "rows_loaded": {
            "org_respondents": 1700,
            "panel_respondents": rows - 1700,
            "org_answers": 20000,
            "panel_answers": 12991,
        },
        "floor": {
            "seconds": floor,
            "respondent_rows": 6700,
            "shares": 218,
            "check": {"compared": 218, "missing": 0, "max_abs_diff": 0.0, "equal": True},
        },
        "profile": {
            "runs": [
                {"run": "annual_load 2021–2025", "status": "SUCCESS", "seconds": 17.0},
                {"run": "ingest_year 2024", "status": "FAILURE", "seconds": None},
            ],
            "steps": [{"run": "annual_load 2021–2025", "step": "itip_dbt", "seconds": 9.5}],
            "dbt_build_s": 8.0,
            "dbt_nodes_count": 172,
            "dbt_nodes_s": 4.4,
            "dbt_nodes": [{"node": "model.itip.int_answers_long", "seconds": 0.47}],
            "slowest_model": {"node": "model.itip.int_disclosure_control", "seconds": slowest_model},
        },
    }
    if force is not None:
        result["force"] = {"seconds": force, "peak_rss_mb": 700.0, "published": True}
    if new_year is not None:
        result["first_four_years"] = {"seconds": 18.0, "peak_rss_mb": 700.0, "published": False, "all_loaded": True}
        result["new_year"] = {"seconds": new_year, "peak_rss_mb": 750.0, "published": True}
    if cprofile:
        result["cprofile"] = {
            "wall_s": 40.0,
            "profiled_s": 30.0,
            "groups": [
                {
                    "group": "import",
                    "self_s": 1.2,
                    "top": [{"function": "<frozen importlib._bootstrap>:1165 _find_and_load", "cumulative_s": 9.3}],
                },
                {
                    "group": "dbt",
                    "self_s": 0.4,
                    "top": [{"function": "dagster_dbt/core/dbt_cli_invocation.py:1 stream", "cumulative_s": 11.0}],
                },
            ],
        }
    return result


def _verdicts(results: list[dict]) -> dict[str, str]:
    return {j.target.describe(): j.verdict for j in targets.judge(results)}


FIVE_YEARS = "scale 1: five-year run after install < 45 s"
NEW_YEAR = "scale 1: a new year < 30 s"
FORCE = "scale 1: a rebuild that loads nothing (`itip run --force`) < 30 s"
STRAYS = "scale 1: `itip run` beside a stray folder (`2020/`, `notes/`) and READMEs, answered by the no-op < 3 s"
OVER_FLOOR_100 = "scale 100: end to end / floor ≤ 5 ×"
OVER_FLOOR_1000 = "scale 1000: end to end / floor ≤ 8 ×"
PEAK_1000 = "scale 1000: peak RSS end to end < 4 GB"
SLOWEST_MODEL = "scale 1000: slowest single dbt model < 30 s"


@pytest.mark.parametrize(
    "changes,target,verdict",
    [
        ({"e2e": 44.9}, FIVE_YEARS, "met"),
        ({"e2e": 45.0}, FIVE_YEARS, "missed"),
        ({"new_year": 29.9}, NEW_YEAR, "met"),
        ({"new_year": 30.1}, NEW_YEAR, "missed"),
        ({"force": 29.9}, FORCE, "met"),
        ({"force": 30.0}, FORCE, "missed"),
        ({"no_op": 2.9}, "scale 1: no-op `itip run` < 3 s", "met"),
        ({"no_op": 3.0}, "scale 1: no-op `itip run` < 3 s", "missed"),
        ({"strays": 2.9}, STRAYS, "met"),
        ({"strays": 3.0}, STRAYS, "missed"),
    ],
)
def test_the_scale_1_targets_are_judged_from_their_numbers(changes, target, verdict):
    assert _verdicts([_result(1, **changes)])[target] == verdict


@pytest.mark.parametrize(
    "scale,changes,target,verdict",
    [
        (100, {"e2e": 50.0, "floor": 10.0}, OVER_FLOOR_100, "met"),  # within: ≤
        (100, {"e2e": 50.1, "floor": 10.0}, OVER_FLOOR_100, "missed"),
        (1000, {"e2e": 400.0, "floor": 50.0}, OVER_FLOOR_1000, "met"),
        (1000, {"e2e": 400.1, "floor": 50.0}, OVER_FLOOR_1000, "missed"),
        (1000, {"peak_mb": 3.99 * GB_IN_MB}, PEAK_1000, "met"),
        (1000, {"peak_mb": 4.01 * GB_IN_MB}, PEAK_1000, "missed"),
        (1000, {"slowest_model": 29.9}, SLOWEST_MODEL, "met"),
        (1000, {"slowest_model": 30.0}, SLOWEST_MODEL, "missed"),
    ],
)
def test_the_large_scale_targets_are_judged_at_their_own_scale(scale, changes, target, verdict):
    verdicts = _verdicts([_result(1), _result(scale, **changes)])
    assert verdicts[target] == verdict
    # The same numbers at another scale judge nothing there.
    assert _verdicts([_result(1), _result(10, **changes)])[target] == "not measured"


def test_a_no_op_that_did_not_say_nothing_changed_is_missed_however_fast():
    [no_op] = [
        j for j in targets.judge([_result(1, no_op=0.2, nothing_changed=False)]) if j.target.what == "no-op `itip run`"
    ]
    assert no_op.verdict == "missed" and "Nothing changed" in no_op.note
    assert no_op.line() == (
        '- scale 1: no-op `itip run` < 3 s (0.20 s): **missed**; the second run did not say "Nothing changed"'
    )


def test_a_new_year_on_top_of_years_that_did_not_all_load_is_missed_however_fast():
    result = _result(1, new_year=5.0)
    result["first_four_years"]["all_loaded"] = False
    [new_year] = [j for j in targets.judge([result]) if j.target.what == "a new year"]
    assert new_year.verdict == "missed" and new_year.note == "2021–2024 had not all loaded before it"
    assert "NOT all four years loaded" in report.render([result], None)


def test_a_stray_folder_that_caused_a_rebuild_is_missed_however_fast():
    [strays] = [
        j for j in targets.judge([_result(1, strays=0.5, strays_answered=False)]) if j.target.describe() == STRAYS
    ]
    assert strays.verdict == "missed" and "did not say" in strays.note
    text = report.render([_result(1, strays_answered=False)], None)
    assert 'READMEs added, `itip run` did NOT say "Nothing changed".' in text


def test_targets_whose_scale_or_run_was_not_measured_are_never_met():
    verdicts = _verdicts([_result(1, new_year=None, force=None)])
    assert verdicts[NEW_YEAR] == verdicts[FORCE] == "not measured"
    assert verdicts[OVER_FLOOR_100] == verdicts[OVER_FLOOR_1000] == "not measured"
    assert verdicts[PEAK_1000] == verdicts[SLOWEST_MODEL] == "not measured"


def test_profiles_are_for_scale_1_scale_1000_and_scales_with_a_missed_target():
    met_everywhere = [_result(1), _result(100, e2e=20.0, floor=10.0), _result(1000)]
    assert targets.scales_to_profile(targets.judge(met_everywhere)) == [1, 1000]
    slow = [_result(1, e2e=50.0), _result(100, e2e=60.0, floor=10.0), _result(1000)]
    assert targets.scales_to_profile(targets.judge(slow)) == [1, 100, 1000]


def test_a_new_report_keeps_the_sections_written_by_hand(tmp_path):
    path = tmp_path / "RESULTS.md"
    by_hand = f"{report.KEPT_BY_HAND}\n\n| rule | measured |\n| one flush per event | 20 s |\n"
    path.write_text(f"# Benchmark results\n\nold numbers 99.9 s\n\n{by_hand}")
    results = [_result(1, e2e=31.2, no_op=1.4)]
    report.write_report(results, path, None)
    text = path.read_text()
    assert "old numbers 99.9 s" not in text and "(31.2 s)" in text
    assert text.endswith(by_hand) and text.count(report.KEPT_BY_HAND) == 1
    report.write_report(results, path, None)  # and again: kept once, not appended twice
    assert path.read_text() == text


def test_the_report_states_verdicts_numbers_load_and_the_profiles():
    results = [
        _result(1, e2e=50.0, floor=2.0, no_op=1.4, rows=10_000, cprofile=True),
        _result(100, e2e=60.0, floor=15.0, rows=510_000),
        _result(1000, e2e=300.0, floor=90.0, new_year=None, force=None, rows=5_010_000, peak_mb=2700.0),
    ]
    for result in results[:2]:
        result.update(speed_before=0.9, speed_after=1.6)
    text = report.render(results, None)
    assert f"- {FIVE_YEARS} (50.0 s): **missed**" in text
    assert "- scale 1: no-op `itip run` < 3 s (1.4 s): **met**" in text
    assert f"- {FORCE} (9.0 s): **met**" in text and f"- {STRAYS} (0.80 s): **met**" in text
    assert f"- {OVER_FLOOR_100} (4.0 ×): **met**" in text and f"- {OVER_FLOOR_1000} (3.3 ×): **met**" in text
    assert f"- {PEAK_1000} (2.8 GB): **met**" in text and f"- {SLOWEST_MODEL} (3.0 s): **met**" in text
    assert "| 1.5 (150) | 50.0 | 1.4 | 10.0 | 9.0 | 0.8 | 2.0 | 25.0 | 800 / 750 | 10,000 / 32,991 |" in text
    assert "| 1.5 (150) | 300.0 | 1.0 | – | – | 0.8 | 90.0 | 3.3 | 2700 / – | 5,010,000 / 32,991 |" in text
    assert "The new year was not measured at this scale." in text
    assert text.count("Load: before `load average: 1.00`; after `load average: 1.50`.") == 3
    assert text.count("Machine speed (run_benchmark.machine_speed") == 2, "scale 1000's result predates it"
    assert "a fixed Python loop; larger is slower): 0.90 s before, 1.60 s after." in text
    assert "is given below, and the machine's speed as the time of a fixed loop" in text
    assert "and the machine's speed" not in report.render(results[2:], None), "no result measured it"
    assert "Measured from 2026-11-28 20:00 UTC" in text
    # Fixed + per-row cost along the line through scale 1 (10,000 rows, 50 s) and 1000 (5,010,000 rows, 300 s):
    # 50 µs a row, so 49.5 s fixed; the floor's line (2 s to 90 s) is 17.6 µs a row and 1.8 s fixed.
    assert "the pipeline's fixed cost is 49.5 s and its per-row cost 50.0 µs a respondent row" in text
    assert "the floor's are 1.8 s and 17.6 µs" in text
    assert "| 1 | 10,000 | 50.0 | 49.5 | 0.5 | 50.0 | 2.0 | 25.0 |" in text
    assert "| 100 | 510,000 | 60.0 | 49.5 | 10.5 | 20.6 | 15.0 | 4.0 |" in text
    assert "| 1000 | 5,010,000 | 300.0 | 49.5 | 250.5 | 50.0 | 90.0 | 3.3 |" in text
    # The scale-1 excess over the floor (48 s) on top of scale 1000's floor.
    assert "scale 1000 would take 138.0 s, 1.5 × the floor (measured: 3.3 ×)" in text
    # Profiles: scale 1 and 1000 always, not 100 (every target met).
    assert "## Where the remaining seconds go" in text
    assert "### Where the time goes at scale 1\n" in text and "### Where the time goes at scale 1000\n" in text
    assert "### Where the time goes at scale 100\n" not in text
    assert "| annual_load 2021–2025 | SUCCESS | 17.0 |" in text and "| ingest_year 2024 | FAILURE | – |" in text
    assert "The slowest model: `model.itip.int_disclosure_control`, 3.0 s." in text
    assert "| import | 1.2 | `<frozen importlib._bootstrap>:1165 _find_and_load` 9.3 |" in text
    assert text.count("Python profile of a whole end-to-end `itip run`") == 1  # only the scale with a cProfile


def test_one_scale_alone_has_no_per_row_cost_to_split():
    assert "## Fixed cost and per-row cost" not in report.render([_result(1)], None)


@pytest.mark.parametrize(
    "filename,function,group",
    [
        ("/x/.venv/lib/python3.11/site-packages/dagster/_core/execution/api.py", "execute_run", "dagster"),
        ("/x/.venv/lib/python3.11/site-packages/dagster_dbt/core/resource.py", "cli", "dbt"),
        ("/x/.venv/lib/python3.11/site-packages/great_expectations/core/suite.py", "run", "great_expectations"),
        ("~", "<method 'execute' of '_duckdb.DuckDBPyConnection' objects>", "duckdb"),
        ("~", "<built-in method vl_convert.vegalite_to_svg>", "vl_convert"),
        ("~", "<method 'execute' of 'sqlite3.Connection' objects>", "sqlite3"),
        ("/usr/lib/python3.11/sqlite3/dbapi2.py", "<module>", "sqlite3"),
        ("<frozen importlib._bootstrap>", "_find_and_load", "import"),
        ("~", "<built-in method marshal.loads>", "import"),
        ("/work/repo/itip_pipeline/publish/versions.py", "publish", "itip_pipeline"),
        ("/usr/lib/python3.11/subprocess.py", "wait", "other"),
        ("~", "<built-in method builtins.exec>", "other"),
    ],
)
def test_each_profiled_function_is_put_in_its_package_group(filename, function, group):
    assert python_profile.group_of(filename, function) == group


def _profiled_work() -> None:
    with sqlite3.connect(":memory:") as con:
        for _ in range(200):
            con.execute("select 1").fetchall()


def test_a_profile_is_summarised_by_group_with_self_times_adding_up(tmp_path):
    profiler = cProfile.Profile()
    profiler.runcall(_profiled_work)
    profiler.dump_stats(tmp_path / "work.prof")
    summary = python_profile.summarise(tmp_path / "work.prof")
    groups = {group["group"]: group for group in summary["groups"]}
    assert set(groups) <= {name for name, _ in python_profile.GROUPS} | {"other"}
    assert "sqlite3" in groups and groups["sqlite3"]["self_s"] > 0
    assert "sqlite3.Connection" in " ".join(f["function"] for f in groups["sqlite3"]["top"])
    assert summary["profiled_s"] == pytest.approx(sum(group["self_s"] for group in summary["groups"]))
    for group in summary["groups"]:
        cumulative = [f["cumulative_s"] for f in group["top"]]
        assert cumulative == sorted(cumulative, reverse=True) and len(cumulative) <= python_profile.TOP_FUNCTIONS


@pytest.mark.parametrize(
    "job,tags,label",
    [
        (
            "annual_load",
            {"dagster/asset_partition_range_start": "2021", "dagster/asset_partition_range_end": "2025"},
            "annual_load 2021–2025",
        ),
        (
            "annual_load",
            {"dagster/asset_partition_range_start": "2025", "dagster/asset_partition_range_end": "2025"},
            "annual_load 2025",
        ),
        ("ingest_year", {"dagster/partition": "2024"}, "ingest_year 2024"),
        ("build_and_publish", {}, "build_and_publish"),
    ],
)
def test_a_dagster_run_is_named_by_its_job_and_partitions_whatever_the_job(job, tags, label):
    assert step_profile.run_label(job, tags) == label


def test_the_slowest_steps_carry_their_runs_name():
    runs = [
        {"run": "ingest_year 2021", "steps": [{"step": "ingest_codebook", "seconds": 1.0}]},
        {
            "run": "annual_load 2022–2025",
            "steps": [{"step": "itip_dbt", "seconds": 9.0}, {"step": "publish_marts", "seconds": 0.2}],
        },
    ]
    assert step_profile.slowest_steps(runs, 2) == [
        {"run": "annual_load 2022–2025", "step": "itip_dbt", "seconds": 9.0},
        {"run": "ingest_year 2021", "step": "ingest_codebook", "seconds": 1.0},
    ]


THREADED_SCRIPT = """
import sqlite3, sys, threading

def in_a_thread():
    with sqlite3.connect(":memory:") as con:
        for _ in range(300):
            con.execute("select 1").fetchall()

worker = threading.Thread(target=in_a_thread)
worker.start()
worker.join()
sys.exit(3)
"""


def test_the_profile_covers_worker_threads_and_keeps_the_scripts_exit_code(tmp_path):
    script = tmp_path / "threaded.py"
    script.write_text(THREADED_SCRIPT)
    out = tmp_path / "threaded.prof"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "thread_profile.py"), "-o", str(out), str(script)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3, done.stderr
    # in_a_thread and the queries ran in the worker thread only: the main thread's profile has neither.
    assert "in_a_thread" in {function for _, _, function in pstats.Stats(str(out)).stats}
    [sqlite] = [group for group in python_profile.summarise(out)["groups"] if group["group"] == "sqlite3"]
    assert "<method 'execute' of 'sqlite3.Connection' objects>" in [f["function"] for f in sqlite["top"]]


def test_the_listed_functions_leave_out_the_runs_spine_and_the_rest_of_a_chain():
    functions = [
        (100.0, "itip main"),
        (99.0, "run_all"),
        (60.0, "itip_dbt"),
        (59.5, "stream_raw_events"),
        (30.0, "figure book"),
        (10.0, "publish"),
        (5.0, "imports"),
    ]
    listed = python_profile.telling_functions(functions, run=100.0, top=3)
    assert [f["function"] for f in listed] == ["itip_dbt", "figure book", "publish"]
