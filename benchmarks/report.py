"""benchmarks/RESULTS.md from the benchmark's measurements: machine, one table per scale, targets, profiles."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

GIB = 2**30
TOP_NODES = 12


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")
    cores = sum(line.startswith("processor") for line in cpuinfo)
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    ram_gib = int(meminfo["MemTotal"].split()[0]) * 1024 / GIB
    packages = ", ".join(f"{name} {version(name)}" for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster"))
    return [f"- CPU: {model}, {cores} cores; RAM {ram_gib:.1f} GiB",
            f"- Python {platform.python_version()}; {packages}",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}"]


def targets(result: dict) -> list[tuple[str, bool]]:
    """(target, met) pairs that apply at the result's scale."""
    e2e, new_year = result["end_to_end"], result["new_year"]
    checks = []
    if result["scale"] == 1:
        checks += [(f"five-year run < 60 s ({e2e['seconds']:.1f} s)", e2e["seconds"] < 60),
                   (f"new year < 30 s ({new_year['seconds']:.1f} s)", new_year["seconds"] < 30)]
    if result["scale"] == 100:
        ratio = e2e["seconds"] / result["floor"]["seconds"]
        peak = max(e2e["peak_rss_mb"], new_year["peak_rss_mb"])
        checks += [(f"end-to-end ≤ 3 × floor ({ratio:.1f} ×)", ratio <= 3),
                   (f"peak RSS < 2 GB ({peak:.0f} MB)", peak * 2**20 < 2e9)]
    return checks


def _scale_section(result: dict) -> list[str]:
    e2e, new_year, floor = result["end_to_end"], result["new_year"], result["floor"]
    rows = result["rows_loaded"]
    check = floor["check"]
    return [
        f"### Scale {result['scale']:g}", "",
        "| generate s | end-to-end s | new year s | floor s | end-to-end / floor | peak RSS MB (e2e / new year) "
        "| rows loaded (respondents / answers) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['generate_s']:.1f} | {e2e['seconds']:.1f} | {new_year['seconds']:.1f} | {floor['seconds']:.1f} "
        f"| {e2e['seconds'] / floor['seconds']:.1f} | {e2e['peak_rss_mb']:.0f} / {new_year['peak_rss_mb']:.0f} "
        f"| {rows['org_respondents'] + rows['panel_respondents']:,} / {rows['org_answers'] + rows['panel_answers']:,} |",
        "",
        f"Loading 2021–2024 before the new year took {result['first_four_years']['seconds']:.1f} s"
        f"{'' if result['first_four_years']['published'] else ' and published nothing (the reconciliation with the 2025 report fails without 2025; the four years stay loaded in the working database)'}. "
        f"Floor check: {check['compared']} published shares compared, {check['missing']} missing from the floor, "
        f"largest difference {check['max_abs_diff']:.1e} → {'equal' if check['equal'] else 'NOT EQUAL'} "
        "(tolerance 1e-9).",
        f"Load: before `{result['uptime_before']}`; after `{result['uptime_after']}`.", "",
    ]


def _profile_section(result: dict, profile: dict) -> list[str]:
    lines = [f"### Where the time goes at scale {result['scale']:g}", "",
             "Dagster steps of the end-to-end run (from the run's step events), slowest first:", "",
             "| job | partition | step | s |", "| --- | --- | --- | ---: |"]
    lines += [f"| {s['job']} | {s['partition']} | {s['step']} | {s['seconds']:.1f} |" for s in profile["steps"][:15]]
    lines += ["", f"`dbt build` alone on the same working database: {profile['dbt_build_s']:.1f} s wall, "
              f"{len(profile['dbt_nodes'])} nodes summing to {sum(n['seconds'] for n in profile['dbt_nodes']):.1f} s "
              f"of execution; the {TOP_NODES} slowest (run_results.json):", "",
              "| node | s |", "| --- | ---: |"]
    lines += [f"| {n['node']} | {n['seconds']:.2f} |" for n in profile["dbt_nodes"][:TOP_NODES]]
    return lines + [""]


def _growth_section(results: list[dict]) -> list[str]:
    """How much of the end-to-end time is constant and how much grows with the data, from the smallest to
    the largest scale measured."""
    small, large = min(results, key=lambda r: r["scale"]), max(results, key=lambda r: r["scale"])
    if small is large:
        return []
    e2e = [r["end_to_end"]["seconds"] for r in (small, large)]
    floor = [r["floor"]["seconds"] for r in (small, large)]
    overhead = e2e[0] - floor[0]
    return [
        "## Fixed cost and growth", "",
        f"From scale {small['scale']:g} to {large['scale']:g} the floor grows by {floor[1] - floor[0]:.1f} s and the "
        f"pipeline by {e2e[1] - e2e[0]:.1f} s, while at scale {small['scale']:g} the pipeline already spends "
        f"{overhead:.1f} s more than the floor. That extra time is nearly constant: Python imports of Dagster, "
        "dagster-dbt and Great Expectations, dbt's own start-up and its nodes (each a query plus its tests, "
        "recorded as Dagster events), the Great Expectations suite, and one Dagster run per loaded year. "
        "The data path itself (read, validate, load, aggregate) grows about as the floor does, so the ratio "
        "end-to-end/floor falls as the data grow; the 3× target at scale 100 is missed on the constant, not "
        "on the data path.", "",
    ]


def write_report(results: list[dict], path: Path, profiler: Callable[[dict], dict], started: float | None) -> None:
    """`started` (time.time() when measuring began) gives the total; None when rewriting from saved results."""
    took = f"Benchmark wall time: {(time.time() - started) / 60:.0f} min. " if started else ""
    lines = ["# Benchmark results", "",
             "Written by `make bench` (benchmarks/run_benchmark.py); rerun it to replace this file.", "",
             "## Machine", "", *machine(),
             f"- {took}Other jobs shared the cores; "
             "the load average before and after each scale is given below.", "",
             "Peak RSS is the largest sum of resident memory over `itip run` and its children (the `dbt` "
             "process), sampled from /proc every 0.1 s. Times are wall times of whole processes, imports "
             "included; the floor times itself from before its imports.", "",
             "## Results", ""]
    profiled = []
    summary = ["## Targets", ""]
    for result in results:
        lines += _scale_section(result)
        checks = targets(result)
        summary += [f"- scale {result['scale']:g}: {text}: **{'met' if met else 'missed'}**" for text, met in checks]
        if not all(met for _, met in checks):
            profiled.append(result)
    lines += summary + [""] + _growth_section(results)
    if profiled:
        lines += ["## Profiles of the missed targets", ""]
        for result in profiled:
            lines += _profile_section(result, profiler(result))
    path.write_text("\n".join(lines))
