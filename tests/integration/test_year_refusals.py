"""Every contract rule refuses the year at ingest, through the one refusal path.

A good year is loaded first (the `loaded` fixture); each case then spoils the re-delivery in one way and
loads the year again. Each must be refused with a quarantine report (Markdown and JSON) naming the file and
the rule, a `rejected` row in raw.load_log, and every raw table exactly as it was: codebook included.
"""

from __future__ import annotations

import json

import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.rules import year_delivery
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import (
    codebook_records,
    org_records,
    raw_fingerprint,
    write_csv,
    write_delivery,
)
from support.refusal_cases import (
    CASES,
    YEAR,
    org_file,
    rewrite_codebook,
    rewrite_panel_csv,
    set_cell,
    swap_first_two_ids,
    year_folder,
)


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
    rewrite_codebook(loaded, lambda records: records.drop(index=1, inplace=True))
    rewrite_panel_csv(loaded, set_cell("vekt", "0"))
    _refused(loaded)
    with open_for_writing(loaded.work_db) as con:
        ids = {
            r[0] for r in con.execute("select question_id from raw.codebook where survey_year = ?", [YEAR]).fetchall()
        }
    assert "ai_task_administrative" in ids


def test_running_out_of_memory_is_a_refusal_with_a_report(loaded, monkeypatch):
    def exhausted(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(year_delivery, "read_tables", exhausted)
    write_csv(org_file(loaded), org_records(YEAR, n=4))
    rejection = _refused(loaded)
    assert [p.file for p in rejection.problems] == [str(YEAR)]
    assert "more memory" in rejection.problems[0].rule


def test_a_year_folder_with_no_files_is_refused_and_logged(settings):
    year_folder(settings).mkdir(parents=True)
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
    folder = write_delivery(year_folder(settings), YEAR)
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
    swap_first_two_ids(records)
    write_csv(folder / contract.CODEBOOK_FILE, records, delimiter=",")
    with open_for_writing(settings.work_db) as con, pytest.raises(LoadRejected) as caught:
        load_year(con, settings, 2026)
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [
        (2, "source_column", "K01"),
        (3, "source_column", "K02"),
    ]
    assert "in 2025 column K01 was question ai_adoption, not ai_task_administrative" in caught.value.problems[0].rule


def test_every_unreadable_file_is_named_in_one_refusal(loaded):
    # The codebook, two organisation files and the panel, each unreadable in its own way: one refusal
    # names all four (the contract promises every problem at once), and the survey files are still read
    # although the codebook cannot be.
    folder = year_folder(loaded)
    (folder / contract.CODEBOOK_FILE).write_bytes(b"survey,source_column\x00,question_id\n")
    org_file(loaded).write_bytes(b"not a workbook")
    org_file(loaded).rename(folder / f"{contract.FILE_PREFIXES['org']}_a.xlsx")
    (folder / f"{contract.FILE_PREFIXES['org']}_b.csv").write_bytes(b"")
    panel = next(folder.glob(f"{contract.FILE_PREFIXES['panel']}*"))
    panel.write_bytes(b"PK\x03\x04 truncated")
    rejection = _refused(loaded)
    assert sorted({p.file for p in rejection.problems}) == sorted(
        [
            contract.CODEBOOK_FILE,
            f"{contract.FILE_PREFIXES['org']}_a.xlsx",
            f"{contract.FILE_PREFIXES['org']}_b.csv",
            panel.name,
        ]
    )
