"""A small, random but valid raw schema for developing and testing the dbt project.

It follows the question catalogue (each question only in the years it is asked), so dbt's models and
tests see the same shape a real load writes, at a size that builds in seconds. The values are random:
they are not calibrated to the published figures.

Deliberate features make behaviour testable: `SPARSE_QUESTION` is answered by only
`SPARSE_ANSWERS` state agencies in 2025 (every other agency leaves it blank), so its state estimate
must be suppressed; and panel weights vary widely, so Kish's effective n is well below the panel's n.
Because `alle` pools state agencies and municipalities, `alle` minus `kommune` would reveal that sparse state
cell unless disclosure control withholds a further cell. Likewise only `HIDDEN_SPARSE_ANSWERS` county
municipalities answer `HIDDEN_SPARSE_QUESTION` in 2025: their own population's cell must be suppressed, and
no sensitivity column that pools them into `alle` may give it away.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from itip_pipeline.core.contract import AGE_GROUPS, GENDERS, REGIONS, orgnr_check_digit
from itip_pipeline.core.settings import REPO_ROOT
from itip_pipeline.reference.municipality_register import register_for_year
from itip_pipeline.warehouse.raw_tables import RAW_DDL

QUESTION_CATALOGUE = REPO_ROOT / "dbt_project" / "seeds" / "question_catalogue.csv"

YEARS = range(2021, 2026)
# Large enough that most state and municipal cells pass the interval-width rule; the county municipalities
# stay small, as in the survey (most of their cells are withheld), and below the 14 of their 2024 frame.
ORGS_PER_SECTOR = {"stat": 60, "kommune": 80, "fylkeskommune": 12}
PANEL_SIZE = 300
SPARSE_QUESTION = "ai_benefit_reduced_staffing"
SPARSE_ANSWERS = 6
HIDDEN_SPARSE_QUESTION = "ai_task_administrative"
HIDDEN_SPARSE_ANSWERS = 5
DONT_KNOW_RATE = 0.08
BLANK_RATE = 0.05


def _questions_by_year() -> dict[tuple[str, int], list[dict[str, str]]]:
    by_year: dict[tuple[str, int], list[dict[str, str]]] = {}
    with QUESTION_CATALOGUE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_year.setdefault((row["survey"], int(row["survey_year"])), []).append(row)
    return by_year


def _orgnr(rng: random.Random, taken: set[str]) -> str:
    while True:
        first = str(rng.randint(8, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
        check = orgnr_check_digit(first)
        if check is not None and first + str(check) not in taken:
            taken.add(first + str(check))
            return first + str(check)


def _answer(rng: random.Random, question: dict[str, str], leaning: float) -> int | None:
    draw = rng.random()
    if draw < BLANK_RATE:
        return None
    if draw < BLANK_RATE + DONT_KNOW_RATE:
        return int(question["dont_know_code"])
    low, high = int(question["min_code"]), int(question["max_code"])
    # A respondent-level leaning makes answers correlated, like real respondents, not uniform noise.
    code = round(rng.triangular(low, high, low + leaning * (high - low)))
    return max(low, min(high, code))


def write_raw_fixture(db_path: Path, seed: int = 0) -> None:
    """Create the raw schema in db_path and fill it with a small random delivery for 2021–2025."""
    rng = random.Random(seed)
    questions = _questions_by_year()
    taken: set[str] = set()
    org_ids = {sector: [_orgnr(rng, taken) for _ in range(n)] for sector, n in ORGS_PER_SECTOR.items()}
    loaded_at = datetime(2025, 6, 1, 12, 0, 0)

    org_respondents, org_answers, panel_respondents, panel_answers, codebook, load_log = [], [], [], [], [], []
    for year in YEARS:
        load_ids = {survey: f"fixture-{survey}-{year}" for survey in ("org", "panel")}
        for survey in ("org", "panel"):
            for q in questions.get((survey, year), []):
                codebook.append(
                    (
                        year,
                        survey,
                        q["source_column"],
                        q["question_id"],
                        q["scale"],
                        int(q["min_code"]),
                        int(q["max_code"]),
                        int(q["dont_know_code"]),
                        q["wording"],
                    )
                )

        # Real municipality numbers of the year: a random county, then one of its municipalities by index.
        by_county = register_for_year(year).municipalities.groupby("fylkesnummer")["kommunenummer"].agg(sorted)
        counties = list(by_county.index)
        row_no = 0
        for sector, ids in org_ids.items():
            for index, orgnr in enumerate(ids):
                row_no += 1
                kommunenr = None
                if sector == "kommune":
                    in_county = by_county[rng.choice(counties)]
                    kommunenr = in_county[index % len(in_county)]
                org_respondents.append(
                    (year, orgnr, sector, kommunenr, f"org_survey_{year}.csv", row_no, load_ids["org"])
                )
                leaning = rng.random()
                for q in questions[("org", year)]:
                    code = _answer(rng, q, leaning)
                    if q["question_id"] == SPARSE_QUESTION and sector == "stat" and index >= SPARSE_ANSWERS:
                        code = None
                    if (
                        q["question_id"] == HIDDEN_SPARSE_QUESTION
                        and sector == "fylkeskommune"
                        and index >= HIDDEN_SPARSE_ANSWERS
                    ):
                        code = None
                    org_answers.append((year, orgnr, q["question_id"], code))

        for row_no in range(1, PANEL_SIZE + 1):
            key = f"fx{year}{row_no:05d}"
            weight = round(rng.lognormvariate(0.0, 0.6), 4)
            panel_respondents.append(
                (
                    year,
                    row_no,
                    key,
                    weight,
                    rng.choice(GENDERS),
                    rng.choice(AGE_GROUPS),
                    rng.choice(REGIONS),
                    f"citizen_panel_{year}.csv",
                    row_no,
                    load_ids["panel"],
                )
            )
            leaning = rng.random()
            for q in questions[("panel", year)]:
                panel_answers.append((year, row_no, q["question_id"], _answer(rng, q, leaning)))

        n_org = sum(ORGS_PER_SECTOR.values())
        for survey, n_rows in (("org", n_org), ("panel", PANEL_SIZE)):
            load_log.append(
                (
                    load_ids[survey],
                    year,
                    survey,
                    f"{survey}_{year}.csv",
                    f"{year:064d}",
                    n_rows,
                    "loaded",
                    None,
                    loaded_at,
                    None,
                )
            )

    con = duckdb.connect(str(db_path))
    try:
        con.execute(RAW_DDL)
        for table, rows in (
            ("raw.org_respondents", org_respondents),
            ("raw.org_answers", org_answers),
            ("raw.panel_respondents", panel_respondents),
            ("raw.panel_answers", panel_answers),
            ("raw.codebook", codebook),
            ("raw.load_log", load_log),
        ):
            columns = [name for name, *_ in con.execute(f"describe {table}").fetchall()]
            frame = pd.DataFrame(rows, columns=columns)  # noqa: F841 (read by name in the SQL below)
            con.execute(f"insert into {table} select * from frame")
    finally:
        con.close()


if __name__ == "__main__":
    import sys

    write_raw_fixture(Path(sys.argv[1]), seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
