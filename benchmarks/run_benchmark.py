"""Time the pipeline at several panel scales against the plain-SQL floor, and write benchmarks/RESULTS.md.

Per scale, in a fresh folder under --work-dir (one ITIP_DATA_DIR per measurement, nothing shared):
  generate    `itip generate` of the 2021-2025 deliveries (timed on its own, then copied into landings); from
              scale PANEL_FORMAT_FROM_SCALE on, the panel as Parquet (`--panel-format parquet`), as a vendor
              sends a million rows, instead of the plan's xlsx/SPSS years;
  end-to-end  `itip run` on a landing holding all five years, nothing loaded yet;
  no-op       a second `itip run` on the same folder, which should say "Nothing changed" and stop;
  --force     `itip run --force` on the same folder: a rebuild that loads nothing (every year unchanged), up
              to scale NEW_YEAR_MAX_SCALE;
  strays      `itip run` after a folder that is not a survey year (`2020/`), a `notes/` folder and READMEs
              beside and in the year folders were added: the load passes them over, so the no-op must
              answer; they are removed again before the floor reads the landing folder;
  new year    `itip run` after 2025 is added to a warehouse already holding 2021-2024 (unchanged years
              are skipped by their file hashes, so this is one year's load plus the rebuild and publish);
              up to scale NEW_YEAR_MAX_SCALE only (at 1000 it would be two more million-row loads, and its
              target is at scale 1);
  floor       benchmarks/floor.py on the same files, and its shares checked against the published ones;
  hostile     at scale PROFILED_SCALE: the duplicate check on a million rows and a workbook bomb refused
              (hostile_input.py), each in a process of its own;
  profile     the end-to-end run's Dagster runs and steps, and a separate `dbt build`'s slowest nodes; at
              scale PROFILED_SCALE also a cProfile of a whole end-to-end `itip run`, its threads included
              (thread_profile.py), in a folder of its own (profiling slows it, so it is not the timed run).
Wall times are of whole processes (imports included); peak RSS is the largest sum over the process tree.
The targets and their judgement are in targets.py; report.py writes RESULTS.md from results.json.

    python benchmarks/run_benchmark.py [--scales 1,100,1000] [--work-dir benchmarks/work] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from hostile_input import measure as measure_hostile_input
from proctree import run_measured
from python_profile import summarise
from report import write_report
from step_profile import dbt_build_alone, run_durations, slowest_steps

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
YEARS = list(range(2021, 2026))
NEW_YEAR = YEARS[-1]
RAW_COUNTS = ("org_respondents", "panel_respondents", "org_answers", "panel_answers")
PANEL_FORMAT_FROM_SCALE = 100
PANEL_FORMAT = "parquet"
NEW_YEAR_MAX_SCALE = 100
PROFILED_SCALE = 1
TOP_STEPS, TOP_NODES = 15, 12
NOTHING_CHANGED = "Nothing changed"  # how `itip run` starts its answer when it has nothing to do


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


SPEED_LOOP = 10_000_000  # additions in machine_speed's loop


def machine_speed() -> float:
    """Seconds a fixed pure-Python loop takes, the fastest of three: the machine's speed as a number. The cores
    are shared, and their speed changes for minutes at a time with nothing else running here and no steal time
    counted; the load average does not show it. The same loop on another day tells a slow machine from a slow
    pipeline."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(SPEED_LOOP):
            total += number
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def _env(data_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ITIP_") and k != "DAGSTER_HOME"}
    return {**clean, "ITIP_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1"}


def _copy_years(deliveries: Path, landing: Path, years: list[int]) -> None:
    for year in years:
        shutil.copytree(deliveries / str(year), landing / str(year))


def _measured(measured) -> dict:
    # `itip run` exits 1 when a year or the build failed, and then publishes nothing.
    return {
        "seconds": measured.seconds,
        "peak_rss_mb": measured.peak_rss_bytes / 2**20,
        "published": measured.returncode == 0,
    }


def _itip_run(data_dir: Path, log_name: str, *flags: str) -> dict:
    measured = run_measured([str(BIN / "itip"), "run", *flags], _env(data_dir), data_dir / log_name)
    if measured.returncode != 0:
        raise RuntimeError(f"`itip run` in {data_dir} failed:\n{measured.output[-3000:]}")
    return _measured(measured)


# The no-op check alone, as `itip run` makes it before importing anything: the build state compared and every
# published file (version, export set) hashed against its manifest. Timed in a fresh process, after its imports.
NO_OP_CHECK = (
    "import json, time\n"
    "from itip_pipeline.core.settings import get_settings\n"
    "from itip_pipeline.runner.itip_run import _up_to_date\n"
    "settings = get_settings()\n"
    "started = time.perf_counter()\n"
    "up_to_date = _up_to_date(settings, 0.0)\n"
    "print(json.dumps({'seconds': time.perf_counter() - started, 'up_to_date': up_to_date is not None}))\n"
)


def _no_op(data_dir: Path) -> dict:
    """A second `itip run` on a published folder: timed, and whether it said it had nothing to do; and the no-op
    check alone (`check_seconds`), which must stay under a second at scale 1."""
    measured = run_measured([str(BIN / "itip"), "run"], _env(data_dir), data_dir / "run_no_op.log")
    check = subprocess.run(
        [sys.executable, "-c", NO_OP_CHECK], env=_env(data_dir), capture_output=True, text=True, check=True
    )
    checked = json.loads(check.stdout.strip().splitlines()[-1])
    return {
        **_measured(measured),
        "nothing_changed": measured.returncode == 0 and NOTHING_CHANGED in measured.output,
        "check_seconds": checked["seconds"] if checked["up_to_date"] else None,
    }


# What the load passes over, by name (core.survey_years.survey_landing, core.contract.read_by_load): a year
# folder outside the survey years, a folder of notes, and READMEs beside and in the year folders.
STRAYS = {
    f"{YEARS[0] - 1}/README.txt": "not a survey year\n",
    "notes/minutes.txt": "meeting notes\n",
    "README.md": "what lies in this folder\n",
    f"{NEW_YEAR}/README.txt": "about this delivery\n",
}


def _strays(data_dir: Path) -> dict:
    """`itip run` after the STRAYS were added to a published folder, which must answer "Nothing changed";
    the strays are removed afterwards."""
    landing = data_dir / "landing"
    added = [landing / name for name in STRAYS]
    new_folders = {path.parent for path in added if not path.parent.exists()}
    for path, text in zip(added, STRAYS.values(), strict=True):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    try:
        measured = run_measured([str(BIN / "itip"), "run"], _env(data_dir), data_dir / "run_strays.log")
    finally:
        for path in added:
            path.unlink()
        for folder in new_folders:
            folder.rmdir()
    return {**_measured(measured), "nothing_changed": measured.returncode == 0 and NOTHING_CHANGED in measured.output}


def _loaded_years(data_dir: Path) -> list[int]:
    with duckdb.connect(str(data_dir / "work" / "itip_work.duckdb"), read_only=True) as con:
        return [
            row[0]
            for row in con.execute("select distinct survey_year from raw.panel_respondents order by 1").fetchall()
        ]


def _first_four_years(data_dir: Path) -> dict:
    """`itip run` on 2021-2024: the years load, but without 2025 the reconciliation with the 2025 report
    fails, so nothing may be published. Loaded is what counts, read from the working database: if they did
    not all load, the "new year" run loads more than a year and its target is judged missed (targets.py)."""
    measured = run_measured([str(BIN / "itip"), "run"], _env(data_dir), data_dir / "run_2021_2024.log")
    return {**_measured(measured), "all_loaded": _loaded_years(data_dir) == YEARS[:-1]}


def _rows_loaded(data_dir: Path) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "work" / "itip_work.duckdb"), read_only=True) as con:
        return {table: con.execute(f"select count(*) from raw.{table}").fetchone()[0] for table in RAW_COUNTS}


def _cprofile(deliveries: Path, root: Path) -> dict:
    """A whole end-to-end `itip run` under cProfile, in a folder of its own; the summary by package."""
    data_dir = root / "profiled"
    _copy_years(deliveries, data_dir / "landing", YEARS)
    profile = root / "itip_run.prof"
    measured = run_measured(
        [sys.executable, str(HERE / "thread_profile.py"), "-o", str(profile), str(BIN / "itip"), "run"],
        _env(data_dir),
        data_dir / "run_profiled.log",
    )
    if measured.returncode != 0:
        raise RuntimeError(f"the profiled `itip run` in {data_dir} failed:\n{measured.output[-3000:]}")
    return {"wall_s": measured.seconds, "file": str(profile), **summarise(profile)}


def _profile(full: Path, root: Path) -> dict:
    """The end-to-end run's Dagster runs and slowest steps, and a separate `dbt build`'s slowest nodes."""
    runs = run_durations(full)
    dbt_seconds, nodes = dbt_build_alone(full, root / "dbt_target")
    return {
        "runs": [{key: run[key] for key in ("run", "status", "seconds")} for run in runs],
        "steps": slowest_steps(runs, TOP_STEPS),
        "dbt_build_s": dbt_seconds,
        "dbt_nodes_count": len(nodes),
        "dbt_nodes_s": sum(node["seconds"] for node in nodes),
        "dbt_nodes": nodes[:TOP_NODES],
        "slowest_model": next((node for node in nodes if node["node"].startswith("model.")), None),
    }


def bench_scale(scale: float, work: Path, seed: int) -> dict:
    root = work / f"scale_{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    result: dict = {"scale": scale, "started": time.strftime("%Y-%m-%d %H:%M %Z"), "uptime_before": _uptime()}
    result["speed_before"] = machine_speed()
    deliveries = root / "deliveries"
    panel_format = PANEL_FORMAT if scale >= PANEL_FORMAT_FROM_SCALE else None
    generate = run_measured(
        [
            str(BIN / "itip"),
            "generate",
            "--years",
            f"{YEARS[0]}-{YEARS[-1]}",
            "--seed",
            str(seed),
            "--scale",
            f"{scale:g}",
            "--out",
            str(deliveries),
            *(["--panel-format", panel_format] if panel_format else []),
        ],
        _env(root / "unused"),
        root / "generate.log",
    )
    if generate.returncode != 0:
        raise RuntimeError(f"generation failed:\n{generate.output[-3000:]}")
    result.update(
        panel_format=panel_format or "as planned",
        generate_s=generate.seconds,
        generate_peak_rss_mb=generate.peak_rss_bytes / 2**20,
    )

    full = root / "full"
    _copy_years(deliveries, full / "landing", YEARS)
    result["end_to_end"] = _itip_run(full, "run.log")
    result["rows_loaded"] = _rows_loaded(full)
    result["no_op"] = _no_op(full)
    if scale <= NEW_YEAR_MAX_SCALE:
        result["force"] = _itip_run(full, "run_force.log", "--force")
    result["strays"] = _strays(full)

    if scale <= NEW_YEAR_MAX_SCALE:
        incremental = root / "new_year"
        _copy_years(deliveries, incremental / "landing", YEARS[:-1])
        result["first_four_years"] = _first_four_years(incremental)
        _copy_years(deliveries, incremental / "landing", [NEW_YEAR])
        result["new_year"] = _itip_run(incremental, f"run_add_{NEW_YEAR}.log")

    floor = subprocess.run(
        [
            sys.executable,
            str(HERE / "floor.py"),
            str(full / "landing"),
            "--warehouse",
            str(full / "warehouse" / "itip.duckdb"),
        ],
        capture_output=True,
        text=True,
        env=_env(full),
    )
    if floor.returncode not in (0, 1):
        raise RuntimeError(f"floor.py failed:\n{floor.stderr[-3000:]}")
    result["floor"] = json.loads(floor.stdout)
    result["profile"] = _profile(full, root)
    if scale == PROFILED_SCALE:
        result["cprofile"] = _cprofile(deliveries, root)
        result["hostile_input"] = measure_hostile_input(root / "hostile_input")
    result["uptime_after"] = _uptime()
    result["speed_after"] = machine_speed()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,100,1000", help="comma-separated panel scale factors")
    parser.add_argument("--work-dir", type=Path, default=HERE / "work")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from the last results.json")
    args = parser.parse_args(argv)
    started = time.time()
    if args.report_only:
        results = json.loads((args.work_dir / "results.json").read_text())
        write_report(results, args.results, None)
        return
    results = []
    args.work_dir.mkdir(parents=True, exist_ok=True)
    for scale in (float(s) for s in args.scales.split(",")):
        print(f"scale {scale:g} ...", flush=True)
        result = bench_scale(scale, args.work_dir, args.seed)
        print(json.dumps({k: result[k] for k in ("generate_s", "end_to_end", "no_op", "floor")}), flush=True)
        results.append(result)
        # Saved after every scale: a failure at a large scale keeps the smaller ones' numbers.
        (args.work_dir / "results.json").write_text(json.dumps(results, indent=2))
    write_report(results, args.results, started)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
