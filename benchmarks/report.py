"""benchmarks/RESULTS.md from the benchmark's results (results.json): machine, targets, one table per
scale, fixed cost and growth, and the profiles of every scale with a missed target (or one that asks for a
profile). Rendering only: every number comes from the results, every verdict from targets.py."""

from __future__ import annotations

import platform
import time
from importlib.metadata import version
from pathlib import Path

from python_profile import CHAIN_SHARE, SPINE_SHARE
from targets import judge, scales_to_profile

GIB = 2**30


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")
    cores = sum(line.startswith("processor") for line in cpuinfo)
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    ram_gib = int(meminfo["MemTotal"].split()[0]) * 1024 / GIB
    packages = ", ".join(f"{name} {version(name)}" for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster"))
    return [
        f"- CPU: {model}, {cores} cores; RAM {ram_gib:.1f} GiB",
        f"- Python {platform.python_version()}; {packages}",
    ]


def _seconds(measured: dict | None) -> str:
    """A run's seconds, or a dash when it was not measured (or, a Dagster run, never finished)."""
    return "–" if measured is None or measured["seconds"] is None else f"{measured['seconds']:.1f}"


def _scale_section(result: dict) -> list[str]:
    e2e, floor, no_op = result["end_to_end"], result["floor"], result["no_op"]
    new_year, first_four, strays = result.get("new_year"), result.get("first_four_years"), result.get("strays")
    rows, check = result["rows_loaded"], floor["check"]
    peaks = f"{e2e['peak_rss_mb']:.0f} / {new_year['peak_rss_mb']:.0f}" if new_year else f"{e2e['peak_rss_mb']:.0f} / –"
    lines = [
        f"### Scale {result['scale']:g}",
        "",
        f"Measured from {result['started']}; panel files {result['panel_format']}; "
        f"{rows['panel_respondents']:,} panel respondents loaded over the five years.",
        "",
        "| generate s (peak MB) | end-to-end s | no-op s | new year s | `--force` s | beside strays s | floor s "
        "| end-to-end / floor | peak RSS MB (e2e / new year) | rows loaded (respondents / answers) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['generate_s']:.1f} ({result['generate_peak_rss_mb']:.0f}) | {e2e['seconds']:.1f} "
        f"| {no_op['seconds']:.1f} | {_seconds(new_year)} | {_seconds(result.get('force'))} "
        f"| {_seconds(strays)} | {floor['seconds']:.1f} "
        f"| {e2e['seconds'] / floor['seconds']:.1f} | {peaks} "
        f"| {rows['org_respondents'] + rows['panel_respondents']:,} "
        f"/ {rows['org_answers'] + rows['panel_answers']:,} |",
        "",
        "The no-op (a second `itip run` on the published folder) "
        + (
            'said "Nothing changed" and stopped. '
            if no_op["nothing_changed"]
            else 'did NOT say "Nothing changed": it ran again. '
        ),
    ]
    if strays:
        lines[-1] += (
            "With a stray folder that is not a survey year, a `notes/` folder and READMEs added, `itip run` "
            + ('said "Nothing changed". ' if strays["nothing_changed"] else 'did NOT say "Nothing changed". ')
        )
    if first_four:
        lines[-1] += (
            f"Loading 2021–2024 before the new year took {first_four['seconds']:.1f} s"
            + (
                ""
                if first_four["published"]
                else " and published nothing (the reconciliation with the "
                "2025 report fails without 2025; the four years stay loaded in the working database)"
            )
            + ("" if first_four["all_loaded"] else ", and NOT all four years loaded")
            + ". "
        )
    else:
        lines[-1] += "The new year was not measured at this scale. "
    lines[-1] += (
        f"Floor check: {check['compared']} published shares compared, {check['missing']} missing from "
        f"the floor, largest difference {check['max_abs_diff']:.1e} → "
        f"{'equal' if check['equal'] else 'NOT EQUAL'} (tolerance 1e-9)."
    )
    load = f"Load: before `{result['uptime_before']}`; after `{result['uptime_after']}`."
    if "speed_before" in result:  # results written before the bench measured it have none
        load += (
            f" Machine speed (run_benchmark.machine_speed, a fixed Python loop; larger is slower): "
            f"{result['speed_before']:.2f} s before, {result['speed_after']:.2f} s after."
        )
    return lines + [load, ""]


def _respondent_rows(result: dict) -> int:
    rows = result["rows_loaded"]
    return rows["org_respondents"] + rows["panel_respondents"]


def _line_through(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(fixed seconds, seconds per row) of the line through the first and last (rows, seconds) point."""
    (rows_0, seconds_0), (rows_1, seconds_1) = points[0], points[-1]
    per_row = (seconds_1 - seconds_0) / (rows_1 - rows_0)
    return seconds_0 - per_row * rows_0, per_row


def _growth_section(results: list[dict]) -> list[str]:
    """Each scale's end-to-end time as a fixed cost plus a per-row cost, from the line through the smallest
    and the largest scale measured, and the curve from the one to the other against the floor's."""
    ordered = sorted(results, key=lambda r: r["scale"])
    small, large = ordered[0], ordered[-1]
    if _respondent_rows(small) == _respondent_rows(large):
        return []
    fixed, per_row = _line_through([(_respondent_rows(r), r["end_to_end"]["seconds"]) for r in (small, large)])
    floor_fixed, floor_per_row = _line_through([(_respondent_rows(r), r["floor"]["seconds"]) for r in (small, large)])
    lines = [
        "## Fixed cost and per-row cost",
        "",
        f"Along the line through scale {small['scale']:g} and scale {large['scale']:g} (time = fixed cost + "
        f"per-row cost × respondent rows loaded), the pipeline's fixed cost is {fixed:.1f} s and its per-row cost "
        f"{per_row * 1e6:.1f} µs a respondent row; the floor's are {floor_fixed:.1f} s and "
        f"{floor_per_row * 1e6:.1f} µs. Each scale's end-to-end time, split so (a scale between the two that "
        "lies off the line shows it in its per-row cost):",
        "",
        "| scale | respondent rows | end-to-end s | = fixed s | + per-row s | µs a row | floor s "
        "| end-to-end / floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in ordered:
        rows, seconds, floor = _respondent_rows(result), result["end_to_end"]["seconds"], result["floor"]["seconds"]
        lines.append(
            f"| {result['scale']:g} | {rows:,} | {seconds:.1f} | {fixed:.1f} | {seconds - fixed:.1f} "
            f"| {(seconds - fixed) / rows * 1e6:.1f} | {floor:.1f} | {seconds / floor:.1f} |"
        )
    e2e = [r["end_to_end"]["seconds"] for r in (small, large)]
    floors = [r["floor"]["seconds"] for r in (small, large)]
    overhead = e2e[0] - floors[0]
    return lines + [
        "",
        f"At scale {small['scale']:g} the pipeline spends {overhead:.1f} s more than the floor. Were that a pure "
        f"constant and the pipeline's data path as fast as the floor's, scale {large['scale']:g} would take "
        f"{floors[1] + overhead:.1f} s, {(floors[1] + overhead) / floors[1]:.1f} × the floor (measured: "
        f"{e2e[1] / floors[1]:.1f} ×).",
        "",
    ]


def _cprofile_section(result: dict, cprofile: dict) -> list[str]:
    lines = [
        f"Python profile of a whole end-to-end `itip run` at scale {result['scale']:g} (cProfile with its "
        f"threads, benchmarks/thread_profile.py, in a folder of its own: {cprofile['wall_s']:.1f} s wall under "
        f"the profiler, {cprofile['profiled_s']:.1f} s profiled over its threads). dbt runs as a child "
        "process, so its time is dagster-dbt waiting on dbt's events; the figure book draws every other "
        "page in a second Python process (itip_pipeline/report/two_processes.py), whose charts are not in "
        "this profile; a thread's time is counted there and again as the main thread's wait "
        "(`_thread.lock.acquire`, other). Self time adds up to the profiled total; a cumulative time "
        "includes everything beneath it, in any package (the top `import` function is the time spent "
        f"importing). Left out: functions spanning {SPINE_SHARE:.0%} of the run or more, and those within "
        f"{CHAIN_SHARE:.0%} of one listed (the same chain of calls):",
        "",
        "| package | self s | largest cumulative functions (s) |",
        "| --- | ---: | --- |",
    ]
    for group in cprofile["groups"]:
        top = "; ".join(f"`{f['function']}` {f['cumulative_s']:.1f}" for f in group["top"])
        lines.append(f"| {group['group']} | {group['self_s']:.1f} | {top} |")
    return lines + [""]


def _profile_section(result: dict) -> list[str]:
    profile = result["profile"]
    lines = [
        f"### Where the time goes at scale {result['scale']:g}",
        "",
        "Dagster runs of the end-to-end `itip run`, oldest first:",
        "",
        "| run (job, partitions) | status | s |",
        "| --- | --- | ---: |",
    ]
    lines += [f"| {run['run']} | {run['status']} | {_seconds(run)} |" for run in profile["runs"]]
    lines += ["", "Their slowest steps (from the runs' step events):", "", "| run | step | s |", "| --- | --- | ---: |"]
    lines += [f"| {step['run']} | {step['step']} | {step['seconds']:.1f} |" for step in profile["steps"]]
    lines += [
        "",
        f"`dbt build` alone on the same working database: {profile['dbt_build_s']:.1f} s wall, "
        f"{profile['dbt_nodes_count']} nodes summing to {profile['dbt_nodes_s']:.1f} s of execution; the "
        f"{len(profile['dbt_nodes'])} slowest (run_results.json):",
        "",
        "| node | s |",
        "| --- | ---: |",
    ]
    lines += [f"| {node['node']} | {node['seconds']:.2f} |" for node in profile["dbt_nodes"]]
    if profile.get("slowest_model"):
        slowest = profile["slowest_model"]
        lines += ["", f"The slowest model: `{slowest['node']}`, {slowest['seconds']:.1f} s."]
    lines.append("")
    if "cprofile" in result:
        lines += _cprofile_section(result, result["cprofile"])
    return lines


def render(results: list[dict], started: float | None) -> str:
    """`started` (time.time() when measuring began) gives the benchmark's wall time; None when rewriting
    from saved results."""
    took = f"Benchmark wall time: {(time.time() - started) / 60:.0f} min. " if started else ""
    speed = (
        ", and the machine's speed as the time of a fixed loop (the cores' speed changes with no load to show for "
        "it: compare a time with its own scale's floor)"
        if any("speed_before" in result for result in results)
        else ""
    )
    judgements = judge(results)
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (benchmarks/run_benchmark.py); rerun it to replace this file. "
        "All data are SYNTHETIC (`itip generate`).",
        "",
        "## Machine",
        "",
        *machine(),
        f"- Measured from {results[0]['started']}; this file written {time.strftime('%Y-%m-%d %H:%M %Z')}.",
        f"- {took}Other jobs shared the cores; the load average before and after each scale is given below{speed}.",
        "",
        "Peak RSS is the largest sum of resident memory over `itip run` and its children (the `dbt` "
        "process), sampled from /proc every 0.1 s. Times are wall times of whole processes, imports "
        "included; the floor times itself from before its imports.",
        "",
        "## Targets",
        "",
        *(judgement.line() for judgement in judgements),
        "",
        "## Results",
        "",
    ]
    for result in results:
        lines += _scale_section(result)
    lines += _growth_section(results)
    by_scale = {result["scale"]: result for result in results}
    profiled = [by_scale[scale] for scale in scales_to_profile(judgements)]
    if profiled:
        lines += [
            "## Where the remaining seconds go",
            "",
            "Profiles of scale 1 (its time is mostly fixed cost), scale 1000, and any scale with a missed target.",
            "",
        ]
        for result in profiled:
            lines += _profile_section(result)
    return "\n".join(lines)


# Sections from this heading on are written by hand (why the design is as it is, with its measurements):
# a new benchmark run rewrites everything above it and keeps them.
KEPT_BY_HAND = "## Measurements behind design choices"


def write_report(results: list[dict], path: Path, started: float | None) -> None:
    old = path.read_text() if path.exists() else ""
    kept = old[old.index(KEPT_BY_HAND) :] if KEPT_BY_HAND in old else ""
    path.write_text(render(results, started) + ("\n\n" + kept if kept else ""))
