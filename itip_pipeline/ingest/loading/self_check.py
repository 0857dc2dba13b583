"""`itip check <folder>`: a vendor's self-check of a delivery folder, by the load's own validation.

What belongs here is only what turns a folder into the arguments of the load's validation and its answer
into a report: the folder is inventoried by delivery_files.folder_delivery and validated by
year_delivery.validate_year — the very calls load_year makes — so the check can neither accept what a
load refuses nor refuse what a load accepts. Problems are rendered by archive_quarantine's
problems_table_for_terminal, the table of the quarantine report as a terminal shows it. Nothing is written: no
warehouse, working database, quarantine, archive or Dagster instance is opened, and Dagster and dbt are never
imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from itip_pipeline.core.contract import shown_name
from itip_pipeline.core.survey_years import year_of_folder
from itip_pipeline.ingest.files.delivery_files import folder_delivery
from itip_pipeline.ingest.loading.archive_quarantine import problems_table_for_terminal
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.rules.year_delivery import validate_year


class FolderYearUnknown(ValueError):
    """The folder's name is not a year and no year was given."""


@dataclass(frozen=True)
class CheckResult:
    folder: Path
    year: int
    problems: list[Problem] = field(default_factory=list)  # any problem: the load would refuse the year
    warnings: list[Problem] = field(default_factory=list)  # loaded anyway, worth a look
    respondents: dict[str, int] = field(default_factory=dict)  # survey -> respondents, when acceptable

    @property
    def acceptable(self) -> bool:
        return not self.problems


def delivery_year(folder: Path, year: int | None = None) -> int:
    """`year` if given, else the year the folder is named for (e.g. data/landing/2025)."""
    if year is not None:
        return year
    if (named := year_of_folder(folder.name)) is not None:
        return named
    raise FolderYearUnknown(
        f"{shown_name(str(folder))} is not named by a year; name the folder by its year (e.g. 2025) or give --year"
    )


def check_delivery(folder: Path, year: int | None, pseudonym_key: str) -> CheckResult:
    """Validate the delivery in `folder` as the load of its year would, writing nothing."""
    folder = Path(folder)
    year = delivery_year(folder, year)
    try:
        valid = validate_year(folder_delivery(folder, year), year, pseudonym_key)
    except DeliveryRejected as rejected:
        return CheckResult(folder, year, problems=list(rejected.problems))
    return CheckResult(
        folder,
        year,
        warnings=[w for frames in valid.surveys.values() for w in frames.warnings],
        respondents={survey: frames.n_rows for survey, frames in valid.surveys.items()},
    )


def check_report(result: CheckResult) -> str:
    """What `itip check` prints: the verdict, then the problems and warnings as the quarantine report shows them."""
    # The folder's name is the vendor's: shown escaped, so it can neither act on the terminal nor fail to print.
    lines = [f"Checked {shown_name(str(result.folder))} as the {result.year} delivery."]
    if result.acceptable:
        counted = ", ".join(f"{n} {survey} respondents" for survey, n in result.respondents.items())
        lines.append(f"ACCEPTABLE: a load would accept this delivery ({counted}).")
    else:
        lines += [
            f"WOULD BE REFUSED: {len(result.problems)} problem(s); a load would refuse the whole year and load none "
            "of it. Correct every row below and check again.",
            "",
            problems_table_for_terminal(result.problems),
        ]
    if result.warnings:
        lines += [
            "",
            f"{len(result.warnings)} warning(s) (loaded anyway):",
            "",
            problems_table_for_terminal(result.warnings),
        ]
    return "\n".join(lines)
