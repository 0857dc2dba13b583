"""Time the pipeline at several panel scales against the plain-SQL floor, and write benchmarks/RESULTS.md.

Per scale, in a fresh folder under --work-dir (one ITIP_DATA_DIR per measurement, nothing shared):
  generate    `itip generate` of the 2021-2025 deliveries (timed on its own, then copied into landings);
  end-to-end  `itip run` on a landing holding all five years, nothing loaded yet;
  new year    `itip run` after 2025 is added to a warehouse already holding 2021-2024 (unchanged years
              are skipped by their file hashes, so this is one year's load plus the rebuild and publish);
  floor       benchmarks/floor.py on the same files, and its shares checked against the published ones.
Wall times are of whole processes (imports included); peak RSS is the largest sum over the process tree.

    python benchmarks/run_benchmark.py [--scales 1,10,100] [--work-dir benchmarks/work]
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
from proctree import run_measured
from report import write_report
from step_profile import dbt_build_alone, step_durations

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
YEARS = list(range(2021, 2026))
NEW_YEAR = YEARS[-1]
RAW_COUNTS = ("org_respondents", "panel_respondents", "org_answers", "panel_answers")


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "ITIP_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1"}


def _copy_years(deliveries: Path, landing: Path, years: list[int]) -> None:
    for year in years:
        shutil.copytree(deliveries / str(year), landing / str(year))


def _itip_run(data_dir: Path, log_name: str, build_may_fail: bool = False) -> dict:
    measured = run_measured([str(BIN / "itip"), "run"], _env(data_dir), data_dir / log_name)
    # Without 2025 the reconciliation with the 2025 report fails, so nothing is published; the years load.
    only_build_failed = "FAILED build and publish" in measured.output and "\nFAILED 20" not in measured.output
    if measured.returncode != 0 and not (build_may_fail and only_build_failed):
        raise RuntimeError(f"`itip run` in {data_dir} failed:\n{measured.output[-3000:]}")
    return {"seconds": measured.seconds, "peak_rss_mb": measured.peak_rss_bytes / 2**20,
            "published": measured.returncode == 0}


def _rows_loaded(data_dir: Path) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "work" / "itip_work.duckdb"), read_only=True) as con:
        return {table: con.execute(f"select count(*) from raw.{table}").fetchone()[0] for table in RAW_COUNTS}


def bench_scale(scale: float, work: Path, seed: int) -> dict:
    root = work / f"scale_{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    result: dict = {"scale": scale, "uptime_before": _uptime()}
    deliveries = root / "deliveries"
    generate = run_measured([str(BIN / "itip"), "generate", "--years", f"{YEARS[0]}-{YEARS[-1]}", "--seed",
                             str(seed), "--scale", f"{scale:g}", "--out", str(deliveries)],
                            _env(root / "unused"), root / "generate.log")
    if generate.returncode != 0:
        raise RuntimeError(f"generation failed:\n{generate.output[-3000:]}")
    result["generate_s"] = generate.seconds

    full = root / "full"
    _copy_years(deliveries, full / "landing", YEARS)
    result["end_to_end"] = _itip_run(full, "run.log")
    result["rows_loaded"] = _rows_loaded(full)

    incremental = root / "new_year"
    _copy_years(deliveries, incremental / "landing", YEARS[:-1])
    result["first_four_years"] = _itip_run(incremental, "run_2021_2024.log", build_may_fail=True)
    _copy_years(deliveries, incremental / "landing", [NEW_YEAR])
    result["new_year"] = _itip_run(incremental, f"run_add_{NEW_YEAR}.log")

    floor = subprocess.run([sys.executable, str(HERE / "floor.py"), str(full / "landing"), "--warehouse",
                            str(full / "warehouse" / "itip.duckdb")], capture_output=True, text=True,
                           env=_env(full))
    if floor.returncode not in (0, 1):
        raise RuntimeError(f"floor.py failed:\n{floor.stderr[-3000:]}")
    result["floor"] = json.loads(floor.stdout)
    result["uptime_after"] = _uptime()
    return result


def profile(result: dict, work: Path) -> dict:
    """Dagster step durations of the end-to-end run and a separate `dbt build`'s slowest nodes."""
    full = work / f"scale_{result['scale']:g}" / "full"
    steps = sorted(step_durations(full), key=lambda step: -step["seconds"])
    dbt_seconds, nodes = dbt_build_alone(full, full.parent / "dbt_target")
    return {"steps": steps, "dbt_build_s": dbt_seconds, "dbt_nodes": nodes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated panel scale factors")
    parser.add_argument("--work-dir", type=Path, default=HERE / "work")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from the last results.json")
    args = parser.parse_args(argv)
    started = time.time()
    if args.report_only:
        results = json.loads((args.work_dir / "results.json").read_text())
        write_report(results, args.results, lambda result: profile(result, args.work_dir), None)
        return
    results = []
    for scale in (float(s) for s in args.scales.split(",")):
        print(f"scale {scale:g} ...", flush=True)
        result = bench_scale(scale, args.work_dir, args.seed)
        print(json.dumps({k: v for k, v in result.items() if not k.startswith("uptime")}), flush=True)
        results.append(result)
    (args.work_dir / "results.json").write_text(json.dumps(results, indent=2))
    write_report(results, args.results, lambda result: profile(result, args.work_dir), started)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
