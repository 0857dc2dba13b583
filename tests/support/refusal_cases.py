"""The contract breaches a re-delivery can carry, each a way to spoil a good loaded year: a load must refuse every
one (tests/integration/test_year_refusals.py) and `itip check` must say so without writing anything
(tests/integration/test_self_check.py)."""

from __future__ import annotations

import os

import openpyxl
import pyreadstat

from itip_pipeline.core import contract

from support.delivery_builders import LOADED_YEAR, codebook_records, org_records, panel_records, write_csv, write_xlsx

YEAR = LOADED_YEAR


def year_folder(settings):
    return settings.landing_dir / str(YEAR)


def panel_file(settings):
    return next(year_folder(settings).glob("citizen_panel*"))


def org_file(settings):
    return next(year_folder(settings).glob("org_survey*"))


def rewrite_codebook(settings, change):
    records = codebook_records()
    change(records)
    return write_csv(year_folder(settings) / contract.CODEBOOK_FILE, records, delimiter=",")


def rewrite_panel_csv(settings, change):
    panel_file(settings).unlink()
    records = panel_records(YEAR)
    change(records)
    return write_csv(year_folder(settings) / f"citizen_panel_{YEAR}.csv", records)


def rewrite_org_csv(settings, change):
    records = org_records(YEAR)
    change(records)
    return write_csv(org_file(settings), records)


def set_cell(column, value, row=0):
    def change(records):
        records.loc[row, column] = value

    return change


def swap_first_two_ids(records):
    records.loc[[0, 1], "question_id"] = records.loc[[1, 0], "question_id"].to_numpy()


def _hard_link_outside(settings):
    outside = write_xlsx(settings.landing_dir.parent.parent / "outside_panel.xlsx", panel_records(YEAR))
    panel_file(settings).unlink()
    os.link(outside, year_folder(settings) / f"citizen_panel_{YEAR}.xlsx")


def _sav_with_user_missing(settings):
    panel_file(settings).unlink()
    records = panel_records(YEAR).assign(P01=["1", "9", "4"])
    data = records.assign(P01=records["P01"].astype(float), P02=float("nan"))
    pyreadstat.write_sav(data, str(year_folder(settings) / f"citizen_panel_{YEAR}.sav"), missing_ranges={"P01": [9]})


def _beside(existing: str, copy: str):
    """Spoil: a second candidate for a part, named `copy`, beside the delivered file `existing`."""

    def spoil(settings):
        folder = year_folder(settings)
        (folder / copy).write_bytes((folder / existing).read_bytes())

    return spoil


def _stale_codebook(name: str):
    """Spoil: a stale codebook (other wording) named `name` beside codebook.csv."""

    def spoil(settings):
        records = codebook_records().assign(wording="Gammel ordlyd")
        write_csv(year_folder(settings) / name, records, delimiter=",")

    return spoil


def _org_in_two_formats(settings):
    write_xlsx(year_folder(settings) / f"org_survey_{YEAR}.xlsx", org_records(YEAR))


NFC_ORG, NFD_ORG = f"org_survey_{YEAR}_å.csv", f"org_survey_{YEAR}_a\u030a.csv"


def _org_in_two_normal_forms(settings):
    org_file(settings).rename(year_folder(settings) / NFC_ORG)
    _beside(NFC_ORG, NFD_ORG)(settings)


def _hidden_first_sheet(settings):
    path = panel_file(settings)
    workbook = openpyxl.load_workbook(path)
    stale = workbook.copy_worksheet(workbook.worksheets[0])
    workbook.move_sheet(stale, offset=-1)
    stale.sheet_state = "hidden"
    workbook.save(path)


# case -> (spoil the loaded year's folder, the file a problem names, text in that problem's rule or value)
CASES = {
    "missing codebook": (
        lambda s: (year_folder(s) / contract.CODEBOOK_FILE).unlink(),
        f"{YEAR}/codebook.csv",
        "has no codebook.csv",
    ),
    "subfolder": (lambda s: (year_folder(s) / "gamle").mkdir(), "gamle", "a folder the contract does not allow"),
    "foreign suffix": (
        lambda s: (year_folder(s) / f"org_survey_{YEAR}.parquet.bak").write_bytes(b"x"),
        f"org_survey_{YEAR}.parquet.bak",
        "'.bak' not accepted",
    ),
    "stray working copy": (
        lambda s: (year_folder(s) / "notes.parquet.bak").write_bytes(b"x"),
        "notes.parquet.bak",
        "a file the contract does not allow",
    ),
    "second panel file": (
        lambda s: write_csv(year_folder(s) / "citizen_panel_extra.csv", panel_records(YEAR)),
        "citizen_panel_extra.csv",
        "exactly 1 citizen_panel file",
    ),
    "hard link to a file outside data": (_hard_link_outside, f"citizen_panel_{YEAR}.xlsx", "hard link"),
    "max_code 3000000000 (int32 overflow)": (
        lambda s: rewrite_codebook(s, set_cell("max_code", "3000000000")),
        contract.CODEBOOK_FILE,
        "answer codes must lie in 0-99",
    ),
    "max_code 2147483647 (2^31 codes)": (
        lambda s: rewrite_codebook(s, set_cell("max_code", "2147483647")),
        contract.CODEBOOK_FILE,
        "answer codes must lie in 0-99",
    ),
    "min_code 0 (blanks would enter the base)": (
        lambda s: rewrite_codebook(s, set_cell("min_code", "0")),
        contract.CODEBOOK_FILE,
        "must be 1 for ai_adoption",
    ),
    "dont_know_code against the catalogue": (
        lambda s: rewrite_codebook(s, set_cell("dont_know_code", "8")),
        contract.CODEBOOK_FILE,
        "must be 9 for ai_adoption",
    ),
    "scale against the catalogue": (
        lambda s: rewrite_codebook(s, set_cell("scale", "agree5")),
        contract.CODEBOOK_FILE,
        "must be extent5 for ai_adoption",
    ),
    "two question ids swapped": (
        lambda s: rewrite_codebook(s, swap_first_two_ids),
        contract.CODEBOOK_FILE,
        "contradicts the question catalogue",
    ),
    "question id unknown to the catalogue": (
        lambda s: rewrite_codebook(s, set_cell("question_id", "ai_adoption_v2")),
        contract.CODEBOOK_FILE,
        "not a org question in the question catalogue",
    ),
    "weight 1e308": (
        lambda s: rewrite_panel_csv(s, set_cell("vekt", "1e308")),
        f"citizen_panel_{YEAR}.csv",
        "vekt must be a number from 0.01 to 100.0",
    ),
    "look-alike header": (
        lambda s: write_csv(org_file(s), org_records(YEAR).rename(columns={"K01": "KO1"})),
        f"org_survey_{YEAR}.csv",
        "question ai_adoption is in the codebook but not in the file",
    ),
    "orgnr in Arabic-Indic digits": (
        lambda s: write_csv(
            org_file(s),
            org_records(YEAR).assign(
                orgnr=lambda r: r["orgnr"].str.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
            ),
        ),
        f"org_survey_{YEAR}.csv",
        "orgnr must be 9 digits",
    ),
    # The municipality register: a kommunenummer must exist in the survey year.
    "kommunenr of Viken (2020-2023) in a later year": (
        lambda s: rewrite_org_csv(s, set_cell("kommunenr", "3001", row=1)),
        f"org_survey_{YEAR}.csv",
        "this number is valid 2020-2023",
    ),
    "kommunenr without its leading zero": (
        lambda s: rewrite_org_csv(s, set_cell("kommunenr", "301", row=1)),
        f"org_survey_{YEAR}.csv",
        "lost leading zero",
    ),
    # Personal data: refused by the same whole-year validation, so `itip check` refuses it too.
    "an e-post column in the org survey": (
        lambda s: write_csv(org_file(s), org_records(YEAR).assign(**{"E-post": "ola@example.no"})),
        f"org_survey_{YEAR}.csv",
        "the column name says e-mail",
    ),
    "a birth number as respondent_id": (
        lambda s: rewrite_panel_csv(s, set_cell("respondent_id", "01017012343")),
        f"citizen_panel_{YEAR}.csv",
        "<masked: birth number>",
    ),
    "a phone number in an answer column": (
        lambda s: rewrite_panel_csv(s, set_cell("P02", "+47 412 34 567")),
        f"citizen_panel_{YEAR}.csv",
        "<masked: phone number>",
    ),
    "Fødselsnummer as a codebook source_column": (
        lambda s: rewrite_codebook(s, set_cell("source_column", "Fødselsnummer")),
        contract.CODEBOOK_FILE,
        "must not be an identifier or a forbidden",
    ),
    "SPSS user-missing values": (_sav_with_user_missing, f"citizen_panel_{YEAR}.sav", "user-missing"),
    "hidden first xlsx sheet": (_hidden_first_sheet, f"citizen_panel_{YEAR}.xlsx", "hidden sheet"),
    # One file per part, whatever its spelling (core.contract.part_of): both candidates are named.
    "two codebooks differing only in case": (
        _stale_codebook("Codebook.csv"),
        "Codebook.csv",
        "found 2 candidates for it: 'Codebook.csv', 'codebook.csv'",
    ),
    "codebook.csv and codebook (1).csv": (
        _stale_codebook("codebook (1).csv"),
        "codebook (1).csv",
        "found 2 candidates for it: 'codebook (1).csv', 'codebook.csv'",
    ),
    "a full-width codebook name": (
        _stale_codebook("ｃｏｄｅｂｏｏｋ.csv"),
        "ｃｏｄｅｂｏｏｋ.csv",
        "found 2 candidates for it: 'codebook.csv', 'ｃｏｄｅｂｏｏｋ.csv'",
    ),
    "one organisation file in two formats": (
        _org_in_two_formats,
        f"org_survey_{YEAR}.xlsx",
        f"found 2 candidates for it: 'org_survey_{YEAR}.csv', 'org_survey_{YEAR}.xlsx'",
    ),
    "one organisation file in NFC and NFD": (
        _org_in_two_normal_forms,
        NFD_ORG,
        f"found 2 candidates for it: {NFD_ORG!r}, {NFC_ORG!r}",
    ),
    "a Windows copy of the organisation file": (
        _beside(f"org_survey_{YEAR}.csv", f"org_survey_{YEAR} - Kopi.csv"),
        f"org_survey_{YEAR} - Kopi.csv",
        "found 2 candidates",
    ),
    # A name that could act on a terminal or hide in a report is refused, shown escaped.
    "ESC and BEL in a file name": (
        _beside(f"org_survey_{YEAR}.csv", f"org_survey_{YEAR}\x1b[31m\x07.csv"),
        f"org_survey_{YEAR}\\x1b[31m\\x07.csv",
        "control or invisible formatting characters",
    ),
    "a bidi override in a file name": (
        _beside(f"org_survey_{YEAR}.csv", f"org_survey_{YEAR}_\u202evsc.xlsx"),
        f"org_survey_{YEAR}_\\u202evsc.xlsx",
        "control or invisible formatting characters",
    ),
}
