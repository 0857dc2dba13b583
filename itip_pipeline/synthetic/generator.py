"""`generate_deliveries`: write complete SYNTHETIC yearly deliveries as a survey vendor would send them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from itip_pipeline.core.contract import CODEBOOK_COLUMNS, CODEBOOK_FILE, SECTORS
from itip_pipeline.synthetic.answers import answer_columns, codebook_rows
from itip_pipeline.synthetic.calibration import TargetBook, load_calibration
from itip_pipeline.synthetic.identities import organisation_register, organisations_for_year, panel_respondents
from itip_pipeline.synthetic.latent import organisation_scores, panel_scores
from itip_pipeline.synthetic.panel_formats import PANEL_FORMATS
from itip_pipeline.synthetic.value_labels import value_labels
from itip_pipeline.synthetic.writers import SYNTHETIC_TITLE, write_delivery_file

README_FILE = "SYNTHETIC_README.txt"
_SURVEY_NAMES = {"org": "organisasjonsundersøkelsen", "panel": "innbyggerpanelet"}


def generate_deliveries(
    out_dir: Path, years: list[int], seed: int = 2025, scale: float = 1.0, panel_format: str | None = None
) -> list[Path]:
    """Write out_dir/<year>/ for each year: codebook, organisation file(s), panel file and a README.

    The same arguments give the same files. `scale` multiplies the citizen panel's size; `panel_format`
    (a key of PANEL_FORMATS) writes every year's panel in that format instead of calibration.yaml's plan.
    """
    if panel_format is not None and panel_format not in PANEL_FORMATS:
        raise ValueError(f"panel format {panel_format!r} is none of {', '.join(PANEL_FORMATS)}")
    calibration = load_calibration()
    for year in years:
        if year not in calibration["deliveries"]:
            raise ValueError(f"calibration.yaml has no delivery plan for {year}")
    written: list[Path] = []
    for year, tables in survey_tables(years, seed, scale):
        year_dir = Path(out_dir) / str(year)
        year_dir.mkdir(parents=True, exist_ok=True)
        written.append(_write_codebook(year_dir / CODEBOOK_FILE, year))
        for survey, table in tables.items():
            specs = calibration["deliveries"][year][survey]
            if survey == "panel" and panel_format:
                specs = [PANEL_FORMATS[panel_format]]
            written.extend(_write_survey(table, survey, year, specs, year_dir))
        written.append(_write_readme(year_dir / README_FILE, year, seed, scale, written))
    return written


def survey_tables(
    years: list[int], seed: int = 2025, scale: float = 1.0
) -> Iterator[tuple[int, dict[str, pd.DataFrame]]]:
    """(year, {"org": table, "panel": table}) for each year, in memory: id and background columns, then
    one column per question; the tables generate_deliveries writes. Tests read them without writing files."""
    calibration = load_calibration()
    book = TargetBook(calibration)
    register = organisation_register(calibration, seed)
    for year in years:
        organisations = organisations_for_year(register, calibration, year, seed)
        panel = panel_respondents(calibration, year, round(calibration["panel"]["respondents"] * scale), seed)
        respondents = {
            "org": (organisations, organisation_scores(register, organisations, year, calibration, seed)),
            "panel": (panel, panel_scores(panel, year, calibration, seed)),
        }
        yield (
            year,
            {
                survey: pd.concat([people, answer_columns(people, survey, year, book, seed, scores)], axis=1)
                for survey, (people, scores) in respondents.items()
            },
        )


def _write_codebook(path: Path, year: int) -> Path:
    rows = pd.concat(codebook_rows(survey, year) for survey in ("org", "panel"))
    rows[list(CODEBOOK_COLUMNS)].to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _write_survey(table: pd.DataFrame, survey: str, year: int, specs: list[dict], year_dir: Path) -> list[Path]:
    questions = codebook_rows(survey, year)
    labels = {
        q.source_column: value_labels(q.question_id, q.scale, q.min_code, q.max_code, q.dont_know_code)
        for q in questions.itertuples()
    }
    wordings = dict(zip(questions.source_column, questions.wording, strict=True))
    titles = [SYNTHETIC_TITLE, f"IT i praksis {year}: {_SURVEY_NAMES[survey]} – generert testfil, ikke ekte svar"]
    paths = []
    for spec in specs:
        part = table[table["sektor"].isin(spec.get("sectors", SECTORS))] if survey == "org" else table
        path = year_dir / spec["file"]
        write_delivery_file(
            part.reset_index(drop=True),
            path,
            spec,
            year=year,
            titles=titles,
            value_labels=labels,
            column_labels=wordings,
        )
        paths.append(path)
    return paths


def _design_text(calibration: dict) -> str:
    """How the invented answers hang together (calibration.yaml `latent`), in the README's words."""
    orgs, panel = calibration["latent"]["organisations"], calibration["latent"]["panel"]
    shares = orgs["variance_shares"]
    low, high = orgs["target_year_to_year_phi"]
    ages = "; ".join(
        f"{family}: " + ", ".join(f"{age} {effect:+.2f}" for age, effect in effects.items())
        for family, effects in panel["age_effect"].items()
    )
    points = [
        "How the answers hang together (a design, not a measurement): each question's calibrated counts go to "
        "the respondents with the highest invented latent score, so that",
        "- an organisation keeps its answers from year to year: the score has a persistent part per "
        f"organisation and question family ({shares['family']:.2f} of its variance) and per question "
        f"({shares['question']:.2f}), and yearly noise ({shares['year']:.2f}); the same yes/no indicator "
        f"correlates about {low:.2f}-{high:.2f} (phi) between adjacent years among the organisations "
        "answering both;",
        f"- larger organisations answer higher ({orgs['size_effect']['default']:+.2f} latent SD per SD of an "
        "invented size that is not in the files), on the AI barriers lower; a municipality's county shifts its "
        f"answers by an invented amount (SD {orgs['county_sd']:.2f}) that says nothing about the real county;",
        '- older panel respondents agree less with the statements on AI, as the report describes ("De med '
        f'lavere tillit til bruk av KI ... er gjerne eldre"): {ages} (latent SD);',
        "- one-answer questions (the AI strategy) are answered independently.",
    ]
    return "".join(
        textwrap.fill(point, width=100, subsequent_indent="  " if point.startswith("- ") else "") + "\n"
        for point in points
    )


def _write_readme(path: Path, year: int, seed: int, scale: float, written: list[Path]) -> Path:
    files = sorted(p.name for p in written if p.parent == path.parent)
    path.write_text(
        f"{SYNTHETIC_TITLE}\n"
        f"SYNTHETIC DATA - not real answers. IT i praksis {year}, generated by `itip generate` "
        f"(seed {seed}, scale {scale}).\n\n"
        "Every organisation number, panel id, weight and answer in this folder is invented.\n"
        "The organisation numbers are random numbers that pass the mod-11 check; any match with a real\n"
        "organisation is a coincidence and says nothing about it. The kommunenummer are the real numbers of\n"
        "Norway's municipalities (Statistics Norway's classification 131), assigned at random: the answers\n"
        "beside a municipality's number are invented and say nothing about that municipality. The answers\n"
        "are calibrated so that the shares match the figures published in the IT i praksis 2025 report; who\n"
        "gives which answer follows the invented design below, and nothing else.\n\n"
        + _design_text(load_calibration())
        + "\n"
        "Files:\n" + "".join(f"  {name}\n" for name in files),
        encoding="utf-8",
    )
    return path
