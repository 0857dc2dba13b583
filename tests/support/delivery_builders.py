"""Builders of small good and bad deliveries for tests: frames of records and the files that carry them.

A test starts from a good record set (`org_records`, `panel_records`, `codebook_records`), spoils the one
thing it is about, and writes it in the format it needs with one of the `write_*` functions.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat

from itip_pipeline.core import contract

ORG_QUESTIONS = (("K01", "ai_adoption", "extent5"), ("K02", "ai_task_administrative", "extent5"))
PANEL_QUESTIONS = (
    ("P01", "citizen_ai_public_services", "agree5_panel"),
    ("P02", "citizen_ai_health_decision_support", "agree5_panel"),
)


_VALID_ORGNRS: list[str] = []  # found so far, in order: building n answers costs n, not n squared


def valid_orgnr(n: int) -> str:
    """The n-th valid organisasjonsnummer (0-based) among those starting 9700…, skipping impossible ones."""
    first_eight = int(_VALID_ORGNRS[-1][:8]) + 1 if _VALID_ORGNRS else 97000000
    while len(_VALID_ORGNRS) <= n:
        digit = contract.orgnr_check_digit(str(first_eight))
        if digit is not None:
            _VALID_ORGNRS.append(f"{first_eight}{digit}")
        first_eight += 1
    return _VALID_ORGNRS[n]


def codebook_records() -> pd.DataFrame:
    """A good codebook: two org and two panel questions, all 1–5 with 9 as "vet ikke".

    It agrees with the question catalogue for 2025 (K01, K02, P01, P02) and for the years after it that the
    catalogue does not know yet; loader tests therefore use 2025 and 2026, not earlier years.
    """
    rows = [
        {
            "survey": survey,
            "source_column": column,
            "question_id": question_id,
            "scale": scale,
            "min_code": "1",
            "max_code": "5",
            "dont_know_code": "9",
            "wording": f"Spørsmål {question_id}",
        }
        for survey, questions in (("org", ORG_QUESTIONS), ("panel", PANEL_QUESTIONS))
        for column, question_id, scale in questions
    ]
    return pd.DataFrame(rows, columns=list(contract.CODEBOOK_COLUMNS))


def org_records(year: int, n: int = 3, first: int = 0) -> pd.DataFrame:
    """n good organisation answers for the year: a state agency, then municipalities in Oslo (0301)."""
    rows = []
    for i in range(first, first + n):
        sector = "stat" if i % 3 == 0 else "kommune"
        rows.append(
            {
                "aar": str(year),
                "orgnr": valid_orgnr(i),
                "sektor": sector,
                "kommunenr": "0301" if sector == "kommune" else "",
                "K01": str(1 + i % 5),
                "K02": "9" if i % 2 else "",
            }
        )
    return pd.DataFrame(rows)


def panel_records(year: int, n: int = 3) -> pd.DataFrame:
    """n good citizen-panel answers for the year."""
    rows = [
        {
            "aar": str(year),
            "respondent_id": f"R{i:05d}",
            "vekt": f"{0.5 + i / 10:.2f}",
            "kjonn": contract.GENDERS[i % 2],
            "aldersgruppe": contract.AGE_GROUPS[i % 4],
            "landsdel": contract.REGIONS[i % len(contract.REGIONS)],
            "P01": str(1 + i % 5),
            "P02": "",
        }
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def delivered_frame(records: pd.DataFrame, file: str, first_row: int = 2) -> pd.DataFrame:
    """The records as read_table returns them (lower-case names, text, blanks <NA>, source_row), plus
    the source_file column validation adds."""
    frame = records.rename(columns=str.lower).astype("string").replace("", pd.NA)
    frame.insert(0, "source_file", pd.array([file] * len(frame), dtype="string"))
    frame["source_row"] = range(first_row, first_row + len(frame))
    return frame


def write_csv(
    path: Path, frame: pd.DataFrame, delimiter: str = ";", encoding: str = "utf-8", lines: Sequence[str] = ()
) -> Path:
    """Write the frame as CSV; `lines` are appended verbatim (e.g. a ragged row)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(frame.columns)
        writer.writerows(frame.itertuples(index=False))
        for line in lines:
            handle.write(line + "\r\n")
    return path


def write_xlsx(path: Path, frame: pd.DataFrame, title_rows: Sequence[str] = ()) -> Path:
    """Write the frame to the first sheet below the given title rows, numbers as numbers, blanks empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append([_spreadsheet_value(value) for value in record])
    workbook.save(path)
    return path


def _spreadsheet_value(value: str) -> object:
    if value == "":
        return None
    # Keep leading zeros (kommunenr 0301) as text, as a careful vendor would.
    if value.isdigit() and not value.startswith("0"):
        return int(value)
    return value


def write_sav(path: Path, frame: pd.DataFrame, value_labels: dict[str, dict[float, str]] | None = None) -> Path:
    """Write an SPSS file; the named columns become numeric (floats, as SPSS stores them) with value labels."""
    data = frame.copy()
    for column in value_labels or {}:
        data[column] = pd.to_numeric(data[column].replace("", None), errors="raise").astype("float64")
    pyreadstat.write_sav(data, str(path), variable_value_labels=value_labels or {})
    return path


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path, index=False)
    return path


LOADED_YEAR = 2025  # the year the `loaded` fixture (tests/conftest.py) delivers and loads
# The test deliveries are not named *_synthetic*, so they need a key other than the public default.
TEST_PSEUDONYM_KEY = "itip-test-key"
RAW_DATA_TABLES = (
    "raw.codebook",
    "raw.org_respondents",
    "raw.org_answers",
    "raw.panel_respondents",
    "raw.panel_answers",
)


def raw_fingerprint(con) -> str:
    """A hash of every raw data table's rows (load ids aside): equal before and after means nothing changed."""
    digest = hashlib.sha256()
    for table in RAW_DATA_TABLES:
        rows = con.execute(
            f"select * exclude (load_id) from {table} order by all"
            if "respondents" in table
            else f"select * from {table} order by all"
        ).fetchall()
        digest.update(repr(rows).encode())
    return digest.hexdigest()


def write_delivery(year_dir: Path, year: int) -> Path:
    """A complete good delivery folder: codebook, one org file (csv) and the panel file (xlsx)."""
    year_dir.mkdir(parents=True, exist_ok=True)
    write_csv(year_dir / contract.CODEBOOK_FILE, codebook_records(), delimiter=",")
    write_csv(year_dir / f"{contract.FILE_PREFIXES['org']}_{year}.csv", org_records(year))
    write_xlsx(year_dir / f"{contract.FILE_PREFIXES['panel']}_{year}.xlsx", panel_records(year))
    return year_dir
