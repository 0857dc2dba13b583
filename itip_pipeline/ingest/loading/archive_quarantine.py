"""Where delivered files go after validation, so that nothing is ever lost.

Accepted files are copied to data/archive/<sha256><suffix> (content-addressed: the same file archived twice
is stored once). Rejected files are copied to data/quarantine/<year>/<survey>/<timestamp>/ beside a report
in Markdown (for people) and JSON (for tools). The landing folder itself is never modified.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from itip_pipeline.core.escaping import for_markdown, for_terminal
from itip_pipeline.ingest.problems import Problem

QUARANTINE_STAMP = "%Y%m%dT%H%M%S%fZ"  # the name of an attempt's folder: when it was refused (UTC)


def archive(path: Path, sha256: str, archive_dir: Path) -> Path:
    target = archive_dir / f"{sha256}{path.suffix.lower()}"
    if not target.exists():
        archive_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return target


# A refusal lists at most this many problems of one rule, then how many more of that rule there are: a file
# with one mistake repeated on every row (a delivery concatenated with itself) stays readable and still shows
# every other rule broken. The JSON reports keep every problem.
PER_RULE_SHOWN = 20


def problems_by_rule(problems: list[Problem], per_rule: int = PER_RULE_SHOWN) -> list[tuple[list[Problem], int]]:
    """The problems grouped by rule in order of first appearance: (the first `per_rule` of each, how many more).

    A rule's sentence may name the row, code or column it is about ("also in row 80", "K07"): its numbers do
    not make another rule, so a repeated mistake is one group however its sentences differ in them."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(_DIGITS.sub("#", problem.rule), []).append(problem)
    return [(group[:per_rule], len(group) - len(group[:per_rule])) for group in groups.values()]


_DIGITS = re.compile(r"\d+")


def _more_of_rule(rest: int) -> str:
    return f"… and {rest} more problem(s) of the rule above"


def problems_markdown(problems: list[Problem], limit: int | None = None, per_rule: int = PER_RULE_SHOWN) -> str:
    """The problems as a Markdown table (file, row, column, value, rule), every delivered text escaped, at most
    `per_rule` rows of a rule followed by a row counting the rest of it, and at most `limit` rows in all."""
    return _problems_table(problems, limit, per_rule, for_markdown)


def problems_table_for_terminal(problems: list[Problem], per_rule: int = PER_RULE_SHOWN) -> str:
    """The same table printed on a terminal (`itip check`): control characters shown as codes, a `|` in a cell
    escaped as in Markdown, and the rest as delivered (no HTML entities, which a terminal would show as such)."""
    return _problems_table(problems, None, per_rule, lambda text: for_terminal(text).replace("|", "\\|"))


def _problems_table(problems: list[Problem], limit: int | None, per_rule: int, escaped) -> str:
    rows = ["| file | row | column | value | rule |", "| --- | --- | --- | --- | --- |"]
    shown = 0
    for group, rest in problems_by_rule(problems, per_rule):
        for p in group[: None if limit is None else max(0, limit - shown)]:
            cells = [p.file, "" if p.row is None else p.row, p.column or "", "" if p.value is None else p.value, p.rule]
            rows.append("| " + " | ".join(escaped(c) for c in cells) + " |")
            shown += 1
        if rest:
            rows.append(f"| | | | | {escaped(_more_of_rule(rest))} |")
    if limit is not None and len(problems) > shown:
        rows.append(f"\n{len(problems) - shown} problem(s) not shown here in all (see the quarantine report)")
    return "\n".join(rows)


def problems_text(problems: list[Problem], per_rule: int = PER_RULE_SHOWN) -> str:
    """The problems for the terminal, one a line, at most `per_rule` of a rule followed by the count of the rest."""
    lines = []
    for group, rest in problems_by_rule(problems, per_rule):
        lines += [f"  - {p}" for p in group]
        if rest:
            lines.append(f"  - {_more_of_rule(rest)}")
    return for_terminal(f"{len(problems)} problem(s) in the delivery:\n" + "\n".join(lines), lines=True)


def _report_markdown(year: int, survey: str, files: list[Path], problems: list[Problem]) -> str:
    lines = [
        f"# Rejected delivery: {survey} survey, {year}",
        "",
        "Nothing from these files was loaded; the warehouse is as it was before. Correct the file(s) and",
        "deliver again to data/landing/<year>/ (a corrected delivery replaces that year's data).",
        "",
        "Files: " + ", ".join(for_markdown(f.name) for f in files),
        "",
        problems_markdown(problems),
    ]
    return "\n".join(lines) + "\n"


def quarantine(files: list[Path], problems: list[Problem], quarantine_dir: Path, year: int, survey: str) -> Path:
    """Copy the rejected files and write the report; returns the quarantine folder of this attempt."""
    stamp = datetime.now(UTC).strftime(QUARANTINE_STAMP)
    folder = quarantine_dir / str(year) / survey / stamp
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, folder / path.name)
    (folder / "report.md").write_text(_report_markdown(year, survey, files, problems), encoding="utf-8")
    (folder / "report.json").write_text(
        json.dumps(
            {
                "year": year,
                "survey": survey,
                "files": [f.name for f in files],
                "problems": [p.as_dict() for p in problems],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return folder
