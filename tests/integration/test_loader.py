"""The loader: idempotent year loads, re-deliveries, and every kind of bad file refused with nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import (
    LOADED_YEAR,
    codebook_records,
    org_records,
    panel_records,
    raw_fingerprint,
    write_csv,
    write_delivery,
    write_parquet,
)

YEAR = LOADED_YEAR  # the year the `loaded` fixture (conftest) has loaded


def _load_year(con, settings, year=YEAR):
    outcomes = load_year(con, settings, year)
    return [outcomes[part] for part in ("codebook", "org", "panel")]


def test_a_year_loads_and_loading_it_again_changes_nothing(loaded):
    with open_for_writing(loaded.work_db) as con:
        before = raw_fingerprint(con)
        log_rows = con.execute("select count(*) from raw.load_log").fetchone()[0]
        outcomes = _load_year(con, loaded)
        assert [o.status for o in outcomes] == ["unchanged"] * 3
        assert raw_fingerprint(con) == before
        assert con.execute("select count(*) from raw.load_log").fetchone()[0] == log_rows
        assert con.execute("select count(*) from raw.org_respondents").fetchone()[0] == len(org_records(YEAR))
        statuses = con.execute("select distinct status from raw.load_log").fetchall()
    assert statuses == [("loaded",)]
    archived = {p.name.split(".")[0] for p in loaded.archive_dir.iterdir()}
    delivered = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (loaded.landing_dir / str(YEAR)).iterdir()}
    assert archived == delivered


def test_a_corrected_redelivery_replaces_only_that_year(loaded):
    write_delivery(loaded.landing_dir / "2026", 2026)
    with open_for_writing(loaded.work_db) as con:
        _load_year(con, loaded, 2026)
        other_year = con.execute("select * from raw.org_answers where survey_year = 2026 order by all").fetchall()
        org_file = next((loaded.landing_dir / str(YEAR)).glob("org_survey*"))
        write_csv(org_file, org_records(YEAR, n=5))
        _codebook, org, panel = _load_year(con, loaded)
        assert org.status == "loaded" and org.n_rows == 5 and panel.status == "loaded"
        assert con.execute("select count(*) from raw.org_respondents where survey_year = ?", [YEAR]).fetchone()[0] == 5
        assert (
            con.execute("select * from raw.org_answers where survey_year = 2026 order by all").fetchall() == other_year
        )


def _org_file(settings):
    return next((settings.landing_dir / str(YEAR)).glob("org_survey*"))


def _panel_file(settings):
    return next((settings.landing_dir / str(YEAR)).glob("citizen_panel*"))


def _rewrite_org(settings, change):
    path = _org_file(settings)
    records = org_records(YEAR)
    change(records)
    write_csv(path, records)
    return path


def _rewrite_panel(settings, change):
    path = _panel_file(settings)
    path.unlink()
    records = panel_records(YEAR)
    change(records)
    return write_csv(path.with_suffix(".csv"), records)


def _set(column, value, row=0):
    def change(records):
        records.loc[row, column] = value

    return change


def _truncate(settings):
    path = _panel_file(settings)
    path.unlink()
    full = write_parquet(path.with_suffix(".parquet"), panel_records(YEAR))
    full.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return full


BAD_DELIVERIES = {
    "empty file": (lambda s: (_org_file(s).write_bytes(b""), _org_file(s))[1], "empty"),
    "header-only file": (lambda s: write_csv(_org_file(s), org_records(YEAR).iloc[0:0]), "no data rows"),
    "tab delimiter": (lambda s: write_csv(_org_file(s), org_records(YEAR), delimiter="\t"), "tab"),
    "pipe delimiter": (lambda s: write_csv(_org_file(s), org_records(YEAR), delimiter="|"), "|"),
    "binary under .csv": (
        lambda s: (_org_file(s).write_bytes(b"PK\x03\x04\x00\x00binary\x00\xff\xfe"), _org_file(s))[1],
        "",
    ),
    "duplicated respondents": (lambda s: _rewrite_org(s, _set("orgnr", org_records(YEAR).loc[1, "orgnr"])), "orgnr"),
    "code outside the scale": (lambda s: _rewrite_org(s, _set("K01", "7")), "value '7'"),
    "text in a numeric column": (lambda s: _rewrite_org(s, _set("K01", "tre")), "tre"),
    "invalid organisasjonsnummer": (lambda s: _rewrite_org(s, _set("orgnr", "974760674")), "974760674"),
    "year mismatch": (lambda s: _rewrite_org(s, _set("aar", "2024")), "2024"),
    "missing required column": (
        lambda s: _rewrite_org(s, lambda r: r.drop(columns=["sektor"], inplace=True)),
        "sektor",
    ),
    "zero weight": (lambda s: _rewrite_panel(s, _set("vekt", "0")), "vekt"),
    "negative weight": (lambda s: _rewrite_panel(s, _set("vekt", "-1.5")), "vekt"),
    "missing weight": (lambda s: _rewrite_panel(s, _set("vekt", "")), "vekt"),
    "truncated file": (_truncate, ""),
}


@pytest.mark.parametrize("case", sorted(BAD_DELIVERIES))
def test_a_bad_file_is_refused_quarantined_and_changes_nothing(loaded, case):
    spoil, expected_in_message = BAD_DELIVERIES[case]
    # A first delivery is loaded; the re-delivery below is spoiled in one way.
    bad_file = spoil(loaded)
    survey = "panel" if bad_file.name.startswith(contract.FILE_PREFIXES["panel"]) else "org"
    with open_for_writing(loaded.work_db) as con:
        before = raw_fingerprint(con)
        with pytest.raises(LoadRejected) as rejected:
            load_year(con, loaded, YEAR)
        assert raw_fingerprint(con) == before
        status = con.execute(
            "select status from raw.load_log where survey = ? order by loaded_at desc limit 1", [survey]
        ).fetchone()[0]
    assert status == "rejected"
    problems = rejected.value.problems
    assert all(p.file and p.rule for p in problems)
    assert any(p.file == bad_file.name for p in problems)
    assert expected_in_message.lower() in str(rejected.value).lower()
    folder = rejected.value.quarantine_folder
    assert (folder / bad_file.name).read_bytes() == bad_file.read_bytes()
    report = json.loads((folder / "report.json").read_text())
    assert report["year"] == YEAR and report["problems"]
    assert bad_file.exists(), "the delivered file stays in landing"


def test_a_changed_codebook_remaps_unchanged_data_files(loaded):
    book = codebook_records()
    book = book[book["source_column"] != "K02"]  # K02 dropped: an unknown column, not loaded
    write_csv(loaded.landing_dir / str(YEAR) / contract.CODEBOOK_FILE, book, delimiter=",")
    with open_for_writing(loaded.work_db) as con:
        _codebook, org, _panel = _load_year(con, loaded)
        assert org.status == "loaded" and [w.column for w in org.warnings] == ["k02"]
        ids = {r[0] for r in con.execute("select distinct question_id from raw.org_answers").fetchall()}
    assert ids == {"ai_adoption"}


PANEL_ROWS = """
    select r.survey_year, r.respondent_key, r.respondent_number, a.question_id, a.answer_code
    from raw.panel_answers as a inner join raw.panel_respondents as r using (survey_year, respondent_number)
    order by all
"""


def test_a_work_database_whose_panel_answers_carry_the_pseudonym_is_numbered_when_opened(loaded):
    with open_for_writing(loaded.work_db) as con:
        as_loaded = con.execute(PANEL_ROWS).fetchall()
        # The layout before respondents were numbered: the answers keyed by the pseudonym.
        con.execute("""
            alter table raw.panel_answers rename to numbered;
            create table raw.panel_answers (
                survey_year integer not null, respondent_key varchar not null, question_id varchar not null,
                answer_code integer
            );
            insert into raw.panel_answers
            select a.survey_year, r.respondent_key, a.question_id, a.answer_code
            from raw.numbered as a inner join raw.panel_respondents as r using (survey_year, respondent_number);
            drop table raw.numbered;
            alter table raw.panel_respondents drop column respondent_number;
        """)
    for _ in range(2):  # numbered once; opening it again changes nothing
        with open_for_writing(loaded.work_db) as con:
            assert con.execute(PANEL_ROWS).fetchall() == as_loaded
            columns = con.execute("select column_name from duckdb_columns() where table_name = 'panel_answers'")
            assert [name for (name,) in columns.fetchall()] == [
                "survey_year",
                "respondent_number",
                "question_id",
                "answer_code",
            ]
    assert len({row[2] for row in as_loaded}) == len(panel_records(YEAR)) > 1
