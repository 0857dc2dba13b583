"""Exports for people who live in Excel.

- data/marts/itip_indicators.xlsx: a README sheet (sources, methods, the SYNTHETIC warning), then one sheet
  per indicator family.
- data/marts/csv/<table>.csv: every published table, for Norwegian Excel: UTF-8 with a byte-order mark (Excel
  reads a CSV without one in the legacy code page and garbles æøå), `;` between fields and a decimal comma
  (Norwegian Excel's list separator and decimal sign, so a double-click opens the columns as numbers).
(The Parquet files, with their column descriptions, are written by the publish step: parquet_export.py.)

A suppressed value is written as the mark `:` — Statistics Norway's standard symbol for a figure not shown
for confidentiality — never as 0 and never as a blank a reader could take for a missing delivery.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from itip_pipeline.report.published import PublishedWarehouse

SUPPRESSED_MARK = ":"  # SSB, "Standardtegn i tabeller": ":" = Vises ikke av konfidensialitetshensyn
WORKBOOK_NAME = "itip_indicators.xlsx"
CSV_DIR_NAME = "csv"
# Values that a suppressed row must not show (the marts hold NULL there); any column so named is masked.
SUPPRESSIBLE = (
    "share_pct",
    "ci_low_pct",
    "ci_high_pct",
    "dont_know_pct",
    "change_pp",
    "change_ci_low_pp",
    "change_ci_high_pp",
    "change_ci_low_fcr_pp",
    "change_ci_high_fcr_pp",
    "share_excl_dont_know_pct",
)
# Columns a person reads first, in this order; every other column follows in the table's own order.
LEADING = (
    "year",
    "population",
    "population_label_no",
    "population_label_en",
    "indicator_id",
    "item",
    "label_no",
    "label_en",
    "share_pct",
    "ci_low_pct",
    "ci_high_pct",
    "n_base",
    "n_effective",
    "suppressed",
    "suppression_reason",
    "low_reliability",
)
# The method notes of the README sheet: the column descriptions that state the estimand and its rules.
METHOD_COLUMNS = (
    "population",
    "measure",
    "share_pct",
    "n_effective",
    "ci_low_pct",
    "dont_know_pct",
    "suppressed",
    "low_reliability",
    "change_pp",
    "change_ci_low_pp",
    "change_significant",
    "change_ci_low_fcr_pp",
    "change_test_family",
    "series_break",
)
SYNTHETIC_WARNING = (
    "SYNTETISKE DATA / SYNTHETIC DATA: the files behind these numbers were written by the project's "
    "generator (file names *_synthetic.*). They are not survey results and must not be cited as such."
)


@dataclass(frozen=True)
class Exports:
    workbook: Path
    csv_files: list[Path]


def with_suppression_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every suppressible value of a suppressed row replaced by the mark (object columns)."""
    if "suppressed" not in frame:
        return frame
    marked = frame.copy()
    hidden = marked["suppressed"].fillna(False).astype(bool)
    for column in SUPPRESSIBLE:
        if column in marked:
            marked[column] = marked[column].astype(object).where(~hidden, SUPPRESSED_MARK)
    return marked


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in LEADING if c in frame]
    return frame[first + [c for c in frame.columns if c not in first]]


def _staged(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.new")


def _decimal_comma(value: object) -> object:
    """A number in a column that also holds the mark (so pandas' decimal option does not reach it)."""
    return repr(float(value)).replace(".", ",") if isinstance(value, float) and not pd.isna(value) else value


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    marked = with_suppression_marks(frame)
    for column in SUPPRESSIBLE:
        if column in marked and marked[column].dtype == object:
            marked[column] = marked[column].map(_decimal_comma)
    staged = _staged(path)
    try:
        _ordered(marked).to_csv(
            staged,
            sep=";",
            decimal=",",
            index=False,
            encoding="utf-8-sig",
            lineterminator="\r\n",
            date_format="%Y-%m-%d %H:%M:%S",
        )
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


def _readme_rows(published: PublishedWarehouse) -> list[list[object]]:
    rows: list[list[object]] = [
        ["IT i praksis — indikatorer fra itip-lageret / indicators from the itip warehouse"],
        [],
    ]
    if published.is_synthetic:
        rows += [[SYNTHETIC_WARNING], []]
    rows += [
        ["Kilde / source", f"the published warehouse {published.path.name}, schema marts"],
        ["Survey years", ", ".join(map(str, published.years))],
        [
            "Suppressed value",
            f"'{SUPPRESSED_MARK}' (Statistics Norway's symbol: not shown for confidentiality;"
            " the row keeps its n_base). Never 0.",
        ],
        [],
    ]
    rows.append(["Delivered files (published_provenance)"])
    provenance = published.provenance
    if not provenance.empty:
        columns = [
            c for c in ("survey_year", "survey", "file_name", "n_rows", "loaded_at", "sha256") if c in provenance
        ]
        rows.append(columns)
        rows += [[_cell(v) for v in row] for row in provenance[columns].itertuples(index=False)]
    rows += [[], ["Method (from the column descriptions in the warehouse)"]]
    rows += [
        [column, published.column_comment(column)] for column in METHOD_COLUMNS if published.column_comment(column)
    ]
    rows += [[], ["Sheets"]]
    rows += [
        [family.family[:31], family.title_no, family.title_en, family.description] for family in published.families
    ]
    return rows


def _cell(value: object) -> object:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


def write_workbook(published: PublishedWarehouse, path: Path) -> None:
    from openpyxl.styles import Font

    staged = _staged(path)
    try:
        with pd.ExcelWriter(staged, engine="openpyxl") as writer:
            pd.DataFrame(_readme_rows(published)).to_excel(writer, sheet_name="README", index=False, header=False)
            readme = writer.sheets["README"]
            readme["A1"].font = Font(bold=True, size=14)
            if published.is_synthetic:
                readme["A3"].font = Font(bold=True, color="C00000")
            readme.column_dimensions["A"].width = 34
            readme.column_dimensions["B"].width = 100
            for family in published.families:
                frame = _ordered(with_suppression_marks(family.frame))
                frame = (
                    frame.sort_values([c for c in ("year", "population", "item") if c in frame])
                    if len(frame)
                    else frame
                )
                frame.to_excel(writer, sheet_name=family.family[:31], index=False, freeze_panes=(1, 0))
                sheet = writer.sheets[family.family[:31]]
                for index, column in enumerate(frame.columns, start=1):
                    if frame[column].dtype.kind == "f" or column in SUPPRESSIBLE:
                        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                            cell.number_format = "0.0"
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


def write_exports(published: PublishedWarehouse, marts_dir: Path) -> Exports:
    marts_dir.mkdir(parents=True, exist_ok=True)
    csv_dir = marts_dir / CSV_DIR_NAME
    csv_dir.mkdir(exist_ok=True)
    csv_files = []
    for table, frame in sorted(published.tables.items()):
        write_csv(frame, csv_dir / f"{table}.csv")
        csv_files.append(csv_dir / f"{table}.csv")
    for stale in set(csv_dir.glob("*.csv")) - set(csv_files):  # a table this version does not publish
        stale.unlink()
    workbook = marts_dir / WORKBOOK_NAME
    write_workbook(published, workbook)
    return Exports(workbook, csv_files)
