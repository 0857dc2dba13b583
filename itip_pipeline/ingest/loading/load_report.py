"""The load report the contract (docs/data_contract.md §9) promises: one per load, accepted or refused.

Each load of a year writes data/reports/loads/<year>/<part>/report.md (for people) and report.json (for
tools), part being codebook, org, panel, or delivery when a refusal is about several parts or the folder.
An accepted load reports its files (sha256), respondents, answers and warnings; an unchanged one says it was
skipped; a refused one lists every problem and points to the quarantine folder. The latest load of a part
replaces its report. Problems are written as the quarantine report writes them (file, row, column, value,
rule); nothing else of a delivered file is. Every delivered text (file names, problems) is written through
core/escaping.for_markdown, so no viewer renders it as HTML, a link or a table cell of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from itip_pipeline.core.escaping import for_markdown
from itip_pipeline.ingest.loading.archive_quarantine import problems_markdown
from itip_pipeline.ingest.problems import Problem

LOADS_DIR = "loads"


@dataclass(frozen=True)
class PartReport:
    year: int
    part: str  # codebook, org, panel or delivery
    status: str  # loaded, unchanged or refused
    load_id: str = ""
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    respondents: int = 0
    answers: int = 0
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    quarantine_folder: str | None = None

    def folder(self, reports_dir: Path) -> Path:
        return reports_dir / LOADS_DIR / str(self.year) / self.part


def accepted_reports(outcomes) -> list[PartReport]:
    """A report per part of an accepted (or unchanged) load, from load_year's outcomes."""
    return [
        PartReport(o.year, o.survey, o.status, o.load_id, dict(o.files), o.n_rows, o.n_answers, list(o.warnings))
        for o in outcomes.values()
    ]


def refused_report(year: int, rejected) -> PartReport:
    """The report of a refused load (a LoadRejected): its part is the quarantine folder's part."""
    folder = Path(rejected.quarantine_folder)  # quarantine/<year>/<part>/<time>/
    return PartReport(
        year, folder.parent.name, "refused", problems=list(rejected.problems), quarantine_folder=str(folder)
    )


def write(report: PartReport, reports_dir: Path) -> Path:
    """Write report.md and report.json for the part (replacing its previous load's); returns the folder."""
    folder = report.folder(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written_at = datetime.now(UTC).isoformat(timespec="seconds")
    as_json = {
        "year": report.year,
        "part": report.part,
        "status": report.status,
        "load_id": report.load_id,
        "written_at": written_at,
        "files": report.files,
        "respondents": report.respondents,
        "answers": report.answers,
        "warnings": [w.as_dict() for w in report.warnings],
        "problems": [p.as_dict() for p in report.problems],
        "quarantine_folder": report.quarantine_folder,
    }
    for name, text in (
        ("report.json", json.dumps(as_json, ensure_ascii=False, indent=2)),
        ("report.md", _markdown(report, written_at)),
    ):
        partial = folder / f"{name}.partial"
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(folder / name)
    return folder


def _markdown(report: PartReport, written_at: str) -> str:
    lines = [
        f"# Load report: {report.part}, {report.year} — {report.status.upper()}",
        "",
        f"Written {written_at}" + (f", load {report.load_id}" if report.load_id else "") + ".",
        "",
    ]
    if report.status == "refused":
        lines += [
            "Nothing of the year was loaded; the warehouse is as it was. The refused files and their "
            f"report are in {for_markdown(report.quarantine_folder)}.",
            "",
            f"## {len(report.problems)} problem(s)",
            "",
            problems_markdown(report.problems),
        ]
        return "\n".join(lines)
    if report.status == "unchanged":
        lines += ["The delivered files are exactly those of the last load (same sha256): nothing was reloaded.", ""]
    else:
        answers = f" and {report.answers} answers" if report.answers else ""
        lines += [f"Loaded {report.respondents} row(s){answers}.", ""]
    lines += [
        "## Files",
        "",
        "| file | sha256 |",
        "| --- | --- |",
        *(f"| {for_markdown(name)} | {for_markdown(sha)} |" for name, sha in report.files.items()),
        "",
    ]
    lines += [f"## {len(report.warnings)} warning(s)", ""]
    lines += [problems_markdown(report.warnings)] if report.warnings else ["None."]
    return "\n".join(lines)
