"""The pipeline's speed and memory targets, in one table, and their judgement from a benchmark's results.

Each target names the scale it applies at, how to read its number from that scale's result (run_benchmark.py's
dict), its limit, and any condition without which the number does not count (a "no-op" that rebuilt
something is no no-op). A target whose scale was not measured is reported as not measured, never as met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

GB = 1e9


@dataclass(frozen=True)
class Target:
    scale: float
    what: str
    limit: float
    unit: str
    value: Callable[[dict], float | None]  # None: not measured in this result
    inclusive: bool = False  # "within" (≤) rather than "under" (<)
    invalid: Callable[[dict], str | None] = lambda result: None  # why the number does not count, if it does not
    needs_profile: bool = False  # profiled even when met

    def describe(self) -> str:
        return f"scale {self.scale:g}: {self.what} {'≤' if self.inclusive else '<'} {self.limit:g} {self.unit}"


def _said_nothing_changed(result: dict) -> str | None:
    return None if result["no_op"]["nothing_changed"] else 'the second run did not say "Nothing changed"'


def _only_the_new_year(result: dict) -> str | None:
    return None if result["first_four_years"]["all_loaded"] else "2021–2024 had not all loaded before it"


def _hostile(result: dict, *keys: str | int) -> float | None:
    """A number from the hostile-input measurements (hostile_input.py), None when they were not taken."""
    value = result.get("hostile_input")
    for key in keys:
        if value is None:
            return None
        value = value[key] if isinstance(key, int) else value.get(key)
    return value


def _bomb_refused(result: dict) -> str | None:
    return None if _hostile(result, "bomb", "refused") else "the workbook bomb was not refused"


def _published(result: dict) -> str | None:
    return None if result["end_to_end"]["published"] else "the run did not publish"


def _force_published(result: dict) -> str | None:
    return None if result["force"]["published"] else "the `--force` run did not publish"


def _strays_answered(result: dict) -> str | None:
    return (
        None
        if result["strays"]["nothing_changed"]
        else 'the run after the stray folders and READMEs were added did not say "Nothing changed"'
    )


def _over_floor(result: dict) -> float:
    return result["end_to_end"]["seconds"] / result["floor"]["seconds"]


def _slowest_model(result: dict) -> float | None:
    """The slowest dbt model's seconds in the separate `dbt build` (tests and seeds are not models)."""
    slowest = result.get("profile", {}).get("slowest_model")
    return None if slowest is None else slowest["seconds"]


TARGETS = (
    Target(1, "five-year run after install", 45, "s", lambda r: r["end_to_end"]["seconds"], needs_profile=True),
    Target(
        1,
        "a new year",
        30,
        "s",
        lambda r: r["new_year"]["seconds"] if "new_year" in r else None,
        invalid=_only_the_new_year,
    ),
    Target(
        1,
        "a rebuild that loads nothing (`itip run --force`)",
        30,
        "s",
        lambda r: r["force"]["seconds"] if "force" in r else None,
        invalid=_force_published,
    ),
    Target(1, "no-op `itip run`", 3, "s", lambda r: r["no_op"]["seconds"], invalid=_said_nothing_changed),
    Target(
        1,
        "`itip run` beside a stray folder (`2020/`, `notes/`) and READMEs, answered by the no-op",
        3,
        "s",
        lambda r: r["strays"]["seconds"] if "strays" in r else None,
        invalid=_strays_answered,
    ),
    Target(1, "duplicate-orgnr check on a million rows", 10, "s", lambda r: _hostile(r, "duplicates", -1, "seconds")),
    Target(
        1,
        "duplicate check growth, 100,000 to 1,000,000 rows",
        15,
        "×",
        lambda r: _hostile(r, "duplicates_growth", -1),
        inclusive=True,
    ),
    Target(
        1,
        "a 1.78 GB shared-strings workbook refused",
        30,
        "s",
        lambda r: _hostile(r, "bomb", "process_s"),
        invalid=_bomb_refused,
    ),
    Target(
        1,
        "its peak RSS",
        1,
        "GB",
        lambda r: (_hostile(r, "bomb", "peak_rss_mb") or 0) * 2**20 / GB if _hostile(r, "bomb") else None,
        invalid=_bomb_refused,
    ),
    Target(
        1,
        "up-to-date check of `itip run`: build state, every published file against its manifest",
        1,
        "s",
        lambda r: r["no_op"].get("check_seconds"),
        invalid=_said_nothing_changed,
    ),
    Target(100, "end to end / floor", 5, "×", _over_floor, inclusive=True, invalid=_published),
    Target(1000, "end to end / floor", 8, "×", _over_floor, inclusive=True, invalid=_published, needs_profile=True),
    Target(
        1000,
        "peak RSS end to end",
        4,
        "GB",
        lambda r: r["end_to_end"]["peak_rss_mb"] * 2**20 / GB,
        invalid=_published,
        needs_profile=True,
    ),
    Target(1000, "slowest single dbt model", 30, "s", _slowest_model, needs_profile=True),
)


@dataclass(frozen=True)
class Judgement:
    target: Target
    value: float | None
    verdict: str  # "met", "missed" or "not measured"
    note: str = ""

    def line(self) -> str:
        measured = "" if self.value is None else f" ({self.value:.{1 if self.value >= 1 else 2}f} {self.target.unit})"
        note = f"; {self.note}" if self.note else ""
        return f"- {self.target.describe()}{measured}: **{self.verdict}**{note}"


def judge(results: list[dict], targets: tuple[Target, ...] = TARGETS) -> list[Judgement]:
    """One judgement per target, in the table's order."""
    by_scale = {result["scale"]: result for result in results}
    judgements = []
    for target in targets:
        result = by_scale.get(target.scale)
        value = None if result is None else target.value(result)
        if value is None:
            judgements.append(Judgement(target, None, "not measured"))
            continue
        reason = target.invalid(result)
        within = value <= target.limit if target.inclusive else value < target.limit
        judgements.append(Judgement(target, value, "met" if within and not reason else "missed", reason or ""))
    return judgements


def scales_to_profile(judgements: list[Judgement]) -> list[float]:
    """The scales with a missed target or a target that asks for a profile, in the table's order."""
    scales: list[float] = []
    for judgement in judgements:
        wanted = judgement.verdict == "missed" or (judgement.target.needs_profile and judgement.verdict == "met")
        if wanted and judgement.target.scale not in scales:
            scales.append(judgement.target.scale)
    return scales
