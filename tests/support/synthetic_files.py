"""The synthetic deliveries read back with plain pandas/pyreadstat, independently of the project's readers: a
reader shared with the code under test could not catch that code's mistakes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pyreadstat
import yaml

from itip_pipeline.runner.itip_run import DEFAULT_YEARS
from itip_pipeline.synthetic.calibration import CALIBRATION_FILE

YEARS = DEFAULT_YEARS
ID_COLUMNS = {
    "org": ["aar", "orgnr", "sektor", "kommunenr"],
    "panel": ["aar", "respondent_id", "vekt", "kjonn", "aldersgruppe", "landsdel"],
}
PLAN = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))["deliveries"]


def csv_text(path: Path) -> tuple[str, str]:
    """(text, encoding) of a CSV: BOM -> utf-8-sig, else UTF-8 if it decodes, else Windows-1252."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read_delivery(path: Path) -> pd.DataFrame:
    """A delivered table with string ids and nullable integer codes, whatever its format."""
    if path.suffix == ".csv":
        text, encoding = csv_text(path)
        delimiter = ";" if text.splitlines()[0].count(";") else ","
        frame = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, encoding=encoding)
        frame = frame.replace("", None)
    elif path.suffix == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=object)
        header = next(i for i, row in raw.iterrows() if "aar" in set(row.dropna().astype(str)))
        frame = raw.iloc[header + 1 :].set_axis(raw.iloc[header].astype(str), axis=1).reset_index(drop=True)
    elif path.suffix == ".sav":
        frame, _ = pyreadstat.read_sav(str(path))
        frame = frame.replace("", None)
    else:
        frame = pd.read_parquet(path)
    survey = "org" if path.name.startswith("org_survey") else "panel"
    for column in frame.columns:
        if column == "vekt":
            frame[column] = pd.to_numeric(frame[column]).astype(float)
        elif column == "aar" or column not in ID_COLUMNS[survey]:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


@cache
def read_survey(root: Path, year: int, survey: str) -> pd.DataFrame:
    """All of a year's files of one survey, stacked (cached: callers must not modify it)."""
    prefix = "org_survey" if survey == "org" else "citizen_panel"
    return pd.concat([read_delivery(p) for p in sorted((root / str(year)).glob(f"{prefix}*"))], ignore_index=True)
