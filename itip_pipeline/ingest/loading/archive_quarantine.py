"""Where delivered files go after validation, so that nothing is ever lost.

Accepted files are copied to data/archive/<sha256><suffix> (content-addressed: the same file archived twice
is stored once). Rejected files are copied to data/quarantine/<year>/<survey>/<timestamp>/ beside a report
in Markdown (for people) and JSON (for tools). The landing folder itself is never modified.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

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


def problems_markdown(problems: list[Problem], limit: int | None = None) -> str:
    """The problems as a Markdown table (file, row, column, value, rule), at most `limit` rows."""
    rows = ["| file | row | column | value | rule |", "| --- | --- | --- | --- | --- |"]
    for p in problems[:limit]:
        cells = [
            p.file,
            "" if p.row is None else str(p.row),
            p.column or "",
            "" if p.value is None else p.value,
            p.rule,
        ]
        rows.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    if limit is not None and len(problems) > limit:
        rows.append(f"\n… and {len(problems) - limit} more (see the quarantine report)")
    return "\n".join(rows)


def _report_markdown(year: int, survey: str, files: list[Path], problems: list[Problem]) -> str:
    lines = [
        f"# Rejected delivery: {survey} survey, {year}",
        "",
        "Nothing from these files was loaded; the warehouse is as it was before. Correct the file(s) and",
        "deliver again to data/landing/<year>/ (a corrected delivery replaces that year's data).",
        "",
        "Files: " + ", ".join(f.name for f in files),
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
