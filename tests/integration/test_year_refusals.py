"""Issue 8: every contract rule refuses the year at ingest, through the one refusal path.

A good year is loaded first (the `loaded` fixture); each case then spoils the re-delivery in one way and
loads the year again. Each must be refused with a quarantine report (Markdown and JSON) naming the file and
the rule, a `rejected` row in raw.load_log, and every raw table exactly as it was: codebook included.
"""

from __future__ import annotations

import json
import os

import openpyxl
import pyreadstat
import pytest
from support.delivery_builders import (
    LOADED_YEAR,
    codebook_records,
    org_records,
    panel_records,
    raw_fingerprint,
    write_csv,
    write_delivery,
    write_xlsx,
)

from itip_pipeline.core import contract
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.rules import year_delivery
from itip_pipeline.warehouse.working_db import open_for_writing

YEAR = LOADED_YEAR


def _folder(settings):
    return settings.landing_dir / str(YEAR)


def _panel(settings):
    return next(_folder(settings).glob("citizen_panel*"))


def _org(settings):
    return next(_folder(settings).glob("org_survey*"))


def _codebook(settings, change):
    records = codebook_records()
    change(records)
    return write_csv(_folder(settings) / contract.CODEBOOK_FILE, records, delimiter=",")


def _panel_csv(settings, change):
    _panel(settings).unlink()
    records = panel_records(YEAR)
    change(records)
    return write_csv(_folder(settings) / f"citizen_panel_{YEAR}.csv", records)


def _org_csv(settings, change):
    records = org_records(YEAR)
    change(records)
    return write_csv(_org(settings), records)


def _set(column, value, row=0):
    def change(records):
        records.loc[row, column] = value

    return change


def _swap_ids(records):
    records.loc[[0, 1], "question_id"] = records.loc[[1, 0], "question_id"].to_numpy()


def _hard_link_outside(settings):
    outside = write_xlsx(settings.landing_dir.parent.parent / "outside_panel.xlsx", panel_records(YEAR))
    _panel(settings).unlink()
    os.link(outside, _folder(settings) / f"citizen_panel_{YEAR}.xlsx")


def _sav_with_user_missing(settings):
    _panel(settings).unlink()
    records = panel_records(YEAR).assign(P01=["1", "9", "4"])
    data = records.assign(P01=records["P01"].astype(float), P02=float("nan"))
    pyreadstat.write_sav(data, str(_folder(settings) / f"citizen_panel_{YEAR}.sav"), missing_ranges={"P01": [9]})


def _hidden_first_sheet(settings):
    path = _panel(settings)
    workbook = openpyxl.load_workbook(path)
    stale = workbook.copy_worksheet(workbook.worksheets[0])
    workbook.move_sheet(stale, offset=-1)
    stale.sheet_state = "hidden"
    workbook.save(path)


# case -> (spoil the loaded year's folder, the file a problem names, text in that problem's rule or value)
CASES = {
    "missing codebook": (
        lambda s: (_folder(s) / contract.CODEBOOK_FILE).unlink(),
        f"{YEAR}/codebook.csv",
        "has no codebook.csv",
    ),
    "subfolder": (lambda s: (_folder(s) / "gamle").mkdir(), "gamle", "a folder the contract does not allow"),
    "foreign suffix": (
        lambda s: (_folder(s) / f"org_survey_{YEAR}.parquet.bak").write_bytes(b"x"),
        f"org_survey_{YEAR}.parquet.bak",
        "'.bak' not accepted",
    ),
    "stray working copy": (
        lambda s: (_folder(s) / "notes.parquet.bak").write_bytes(b"x"),
        "notes.parquet.bak",
        "a file the contract does not allow",
    ),
    "second panel file": (
        lambda s: write_csv(_folder(s) / "citizen_panel_extra.csv", panel_records(YEAR)),
        "citizen_panel_extra.csv",
        "exactly 1 citizen_panel file",
    ),
    "hard link to a file outside data": (_hard_link_outside, f"citizen_panel_{YEAR}.xlsx", "hard link"),
    "max_code 3000000000 (int32 overflow)": (
        lambda s: _codebook(s, _set("max_code", "3000000000")),
        contract.CODEBOOK_FILE,
        "answer codes must lie in 0-99",
    ),
    "max_code 2147483647 (2^31 codes)": (
        lambda s: _codebook(s, _set("max_code", "2147483647")),
        contract.CODEBOOK_FILE,
        "answer codes must lie in 0-99",
    ),
    "min_code 0 (blanks would enter the base)": (
        lambda s: _codebook(s, _set("min_code", "0")),
        contract.CODEBOOK_FILE,
        "must be 1 for ai_adoption",
    ),
    "dont_know_code against the catalogue": (
        lambda s: _codebook(s, _set("dont_know_code", "8")),
        contract.CODEBOOK_FILE,
        "must be 9 for ai_adoption",
    ),
    "scale against the catalogue": (
        lambda s: _codebook(s, _set("scale", "agree5")),
        contract.CODEBOOK_FILE,
        "must be extent5 for ai_adoption",
    ),
    "two question ids swapped": (
        lambda s: _codebook(s, _swap_ids),
        contract.CODEBOOK_FILE,
        "contradicts the question catalogue",
    ),
    "question id unknown to the catalogue": (
        lambda s: _codebook(s, _set("question_id", "ai_adoption_v2")),
        contract.CODEBOOK_FILE,
        "not a org question in the question catalogue",
    ),
    "weight 1e308": (
        lambda s: _panel_csv(s, _set("vekt", "1e308")),
        f"citizen_panel_{YEAR}.csv",
        "vekt must be a number from 0.01 to 100.0",
    ),
    "look-alike header": (
        lambda s: write_csv(_org(s), org_records(YEAR).rename(columns={"K01": "KO1"})),
        f"org_survey_{YEAR}.csv",
        "question ai_adoption is in the codebook but not in the file",
    ),
    "orgnr in Arabic-Indic digits": (
        lambda s: write_csv(
            _org(s),
            org_records(YEAR).assign(
                orgnr=lambda r: r["orgnr"].str.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
            ),
        ),
        f"org_survey_{YEAR}.csv",
        "orgnr must be 9 digits",
    ),
    # The municipality register (issue 11): a kommunenummer must exist in the survey year.
    "kommunenr of Viken (2020-2023) in a later year": (
        lambda s: _org_csv(s, _set("kommunenr", "3001", row=1)),
        f"org_survey_{YEAR}.csv",
        "this number is valid 2020-2023",
    ),
    "kommunenr without its leading zero": (
        lambda s: _org_csv(s, _set("kommunenr", "301", row=1)),
        f"org_survey_{YEAR}.csv",
        "lost leading zero",
    ),
    # Personal data (issue 8): refused by the same whole-year validation, so `itip check` refuses it too.
    "an e-post column in the org survey": (
        lambda s: write_csv(_org(s), org_records(YEAR).assign(**{"E-post": "ola@example.no"})),
        f"org_survey_{YEAR}.csv",
        "the column name says e-mail",
    ),
    "a birth number as respondent_id": (
        lambda s: _panel_csv(s, _set("respondent_id", "01017012343")),
        f"citizen_panel_{YEAR}.csv",
        "<masked: birth number>",
    ),
    "a phone number in an answer column": (
        lambda s: _panel_csv(s, _set("P02", "+47 412 34 567")),
        f"citizen_panel_{YEAR}.csv",
        "<masked: phone number>",
    ),
    "Fødselsnummer as a codebook source_column": (
        lambda s: _codebook(s, _set("source_column", "Fødselsnummer")),
        contract.CODEBOOK_FILE,
        "must not be an identifier or a forbidden",
    ),
    "SPSS user-missing values": (_sav_with_user_missing, f"citizen_panel_{YEAR}.sav", "user-missing"),
    "hidden first xlsx sheet": (_hidden_first_sheet, f"citizen_panel_{YEAR}.xlsx", "hidden sheet"),
}


def _refused(settings):
    with open_for_writing(settings.work_db) as con:
        before = raw_fingerprint(con)
        with pytest.raises(LoadRejected) as caught:
            load_year(con, settings, YEAR)
        assert raw_fingerprint(con) == before, "a refused year changed the raw tables"
        log = con.execute(
            "select status, message from raw.load_log where survey_year = ? and status = 'rejected'", [YEAR]
        ).fetchall()
    rejection = caught.value
    folder = rejection.quarantine_folder
    assert log and all(str(folder) in message for _status, message in log)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["year"] == YEAR and report["problems"] == [p.as_dict() for p in rejection.problems]
    assert (folder / "report.md").read_text(encoding="utf-8").startswith("# Rejected delivery")
    return rejection


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_contract_breach_refuses_the_year_with_a_report_and_a_log_row(loaded, case):
    spoil, file, text = CASES[case]
    spoil(loaded)
    rejection = _refused(loaded)
    named = [p for p in rejection.problems if p.file == file]
    assert named, f"no problem names {file}: {rejection}"
    assert any(text in f"{p.rule} {p.value}" for p in named), str(rejection)


def test_the_codebook_is_not_replaced_when_the_survey_data_is_refused(loaded):
    # A valid change to the codebook (K02 dropped) arrives with a bad panel file: neither may load.
    _codebook(loaded, lambda records: records.drop(index=1, inplace=True))
    _panel_csv(loaded, _set("vekt", "0"))
    _refused(loaded)
    with open_for_writing(loaded.work_db) as con:
        ids = {
            r[0] for r in con.execute("select question_id from raw.codebook where survey_year = ?", [YEAR]).fetchall()
        }
    assert "ai_task_administrative" in ids


def test_running_out_of_memory_is_a_refusal_with_a_report(loaded, monkeypatch):
    def exhausted(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(year_delivery, "read_table", exhausted)
    write_csv(_org(loaded), org_records(YEAR, n=4))
    rejection = _refused(loaded)
    assert [p.file for p in rejection.problems] == [str(YEAR)]
    assert "more memory" in rejection.problems[0].rule


def test_a_year_folder_with_no_files_is_refused_and_logged(settings):
    _folder(settings).mkdir(parents=True)
    with open_for_writing(settings.work_db) as con:
        with pytest.raises(LoadRejected) as caught:
            load_year(con, settings, YEAR)
        [(file_name, status)] = con.execute("select distinct file_name, status from raw.load_log").fetchall()
    assert status == "rejected" and file_name == f"{YEAR}/codebook.csv"
    assert {p.file for p in caught.value.problems} == {
        f"{YEAR}/codebook.csv",
        f"{YEAR}/org_survey*",
        f"{YEAR}/citizen_panel*",
    }
    assert (caught.value.quarantine_folder / "report.md").exists()


@pytest.mark.parametrize("name", ["SYNTHETIC_README.txt", "README.md", "readme_2025.pdf"])
def test_documentation_files_are_allowed_beside_the_delivery(settings, name):
    folder = write_delivery(_folder(settings), YEAR)
    (folder / name).write_text("Om leveransen\n", encoding="utf-8")
    with open_for_writing(settings.work_db) as con:
        outcomes = load_year(con, settings, YEAR)
    assert {o.status for o in outcomes.values()} == {"loaded"}
    assert name not in {f for o in outcomes.values() for f in o.files}


def test_a_new_year_may_not_reuse_last_years_column_for_another_question(settings):
    # 2026 is not in the catalogue: ids and bounds are checked against their latest catalogue rows, and K01
    # (ai_adoption in 2025) must not come back as another question.
    folder = write_delivery(settings.landing_dir / "2026", 2026)
    records = codebook_records()
    _swap_ids(records)
    write_csv(folder / contract.CODEBOOK_FILE, records, delimiter=",")
    with open_for_writing(settings.work_db) as con, pytest.raises(LoadRejected) as caught:
        load_year(con, settings, 2026)
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [
        (2, "source_column", "K01"),
        (3, "source_column", "K02"),
    ]
    assert "in 2025 column K01 was question ai_adoption, not ai_task_administrative" in caught.value.problems[0].rule
