"""Personvern: no direct identifier and no vendor respondent id reaches the raw tables.

Personal data refuses the file and never reaches a report, log, Dagster's stores or the archive (the rules
themselves are tested in test_personal_data); respondent ids are stored only as the keyed HMAC; columns
outside the codebook are dropped; the key is configuration, not code: the public default key is refused on
non-synthetic panels, and a key change re-hashes every loaded year, recorded by the key's fingerprint.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import subprocess
from pathlib import Path

import duckdb
import pytest
from delivery_builders import codebook_records, panel_records, write_csv, write_xlsx

from itip_pipeline import contract
from itip_pipeline.ingest.codebook import read_codebook
from itip_pipeline.ingest.loader import LoadRejected, load_codebook, loaded_files
from itip_pipeline.ingest.pseudonym_key import key_fingerprint
from itip_pipeline.ingest.raw_tables import RAW_DDL
from itip_pipeline.ingest.rehash import RehashFailed, load_panel
from itip_pipeline.landing_watch import loaded_fingerprints
from itip_pipeline.ingest.delivery_files import sha256_of
from itip_pipeline.settings import LOCAL_PSEUDONYM_KEY, REPO_ROOT, get_settings
from itip_pipeline.work_db import open_for_writing

YEAR = 2024
ELEVEN_DIGITS = "01017012345"  # the shape of a birth number, but its control digits are wrong
PANEL_TABLES = ("raw.panel_respondents", "raw.panel_answers")


def _deliver_panel(settings, records, year: int = YEAR, name: str = "citizen_panel_{year}.xlsx") -> Path:
    folder = settings.landing_dir / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / contract.CODEBOOK_FILE, codebook_records(), delimiter=",")
    return write_xlsx(folder / name.format(year=year), records.assign(aar=str(year)))


def _load_panel(settings, records, year: int = YEAR, name: str = "citizen_panel_{year}.xlsx") -> list[tuple]:
    """Deliver the codebook and the records as the year's panel file, load both, return the panel tables' rows."""
    _deliver_panel(settings, records, year, name)
    with open_for_writing(settings.work_db) as con:
        load_codebook(con, settings, year)
        outcome = load_panel(con, settings, year)
        rows = [row for table in PANEL_TABLES for row in con.execute(f"select * from {table}").fetchall()]
    assert outcome.status == "loaded" and rows
    return rows


def _stored_text(rows: list[tuple]) -> list[str]:
    return [str(value) for row in rows for value in row if value is not None]


def _hmac(key: str, respondent_id: str) -> str:
    return hmac.new(key.encode(), respondent_id.encode(), hashlib.sha256).hexdigest()


def test_no_stored_value_is_or_contains_a_delivered_respondent_id(settings):
    records = panel_records(YEAR, n=5)
    records.loc[0, "respondent_id"] = ELEVEN_DIGITS  # a vendor breaking the rule still leaks nothing
    stored = _stored_text(_load_panel(settings, records))
    leaks = [value for value in stored for rid in records["respondent_id"] if rid in value]
    assert leaks == []


def test_respondent_key_is_the_hmac_under_the_configured_key(settings, monkeypatch, tmp_path):
    records = panel_records(YEAR, n=4)
    _load_panel(settings, records)
    with open_for_writing(settings.work_db) as con:
        keys_test = {k for (k,) in con.execute("select respondent_key from raw.panel_respondents").fetchall()}
    assert keys_test == {_hmac(settings.pseudonym_key, rid) for rid in records["respondent_id"]}

    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "other"))
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "a-secret-outside-the-repo")
    other = get_settings()
    other.ensure_dirs()
    _load_panel(other, records)
    with open_for_writing(other.work_db) as con:
        keys_other = {k for (k,) in con.execute("select respondent_key from raw.panel_respondents").fetchall()}
    assert keys_other == {_hmac("a-secret-outside-the-repo", rid) for rid in records["respondent_id"]}
    assert keys_other.isdisjoint(keys_test)


def test_the_only_key_in_the_repository_is_the_documented_local_default():
    tracked = subprocess.run(
        ["git", "grep", "-l", "-F", LOCAL_PSEUDONYM_KEY], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    assert tracked == ["itip_pipeline/settings.py"]
    # Every pseudonymise call in the package takes its key from a name (settings), never a literal.
    literal_keys = [
        f"{path.name}:{call.lineno}"
        for path in (REPO_ROOT / "itip_pipeline").rglob("*.py")
        for call in ast.walk(ast.parse(path.read_text()))
        if isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None)) == "pseudonymise"
        and any(isinstance(arg, ast.Constant) for arg in call.args[1:])
    ]
    assert literal_keys == []


@pytest.mark.parametrize("column", ["ekstra", "id_nummer"])
def test_eleven_digits_that_are_no_birth_number_in_an_unknown_column_are_not_loaded(settings, column):
    records = panel_records(YEAR).assign(**{column: [ELEVEN_DIGITS, "02028012345", "03039012345"]})
    _load_panel(settings, records)
    with open_for_writing(settings.work_db) as con:
        everything = [
            str(value)
            for (table,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
            for row in con.execute(f"select * from {table}").fetchall()
            for value in row
        ]
    assert everything
    assert not any(number in value for value in everything for number in records[column])


BIRTH_NUMBER = "01017012343"  # passes both control digits


def _files_text(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_refused_birth_number_reaches_no_exception_event_log_compute_log_report_or_archive(settings, tmp_path):
    import dagster as dg

    from itip_pipeline.defs.ingest_assets import raw_citizen_panel, raw_codebook

    records = panel_records(YEAR, n=4)
    records.loc[2, "respondent_id"] = BIRTH_NUMBER
    panel = _deliver_panel(settings, records)
    instance_dir = tmp_path / "dagster"
    instance_dir.mkdir()
    with dg.DagsterInstance.local_temp(str(instance_dir)) as instance:
        result = dg.materialize([raw_codebook, raw_citizen_panel], partition_key=str(YEAR), instance=instance,
                                raise_on_error=False)
        events = "\n".join(repr(entry) for entry in instance.all_logs(result.run_id))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error
    assert "row 4, column 'respondent_id', value '<masked: birth number>'" in failure.message
    assert "<masked: birth number>" in events  # the check's metadata names the case, masked
    assert BIRTH_NUMBER not in events + failure.to_string()
    assert BIRTH_NUMBER.encode() not in _files_text(instance_dir)  # event log, run storage, compute logs

    [report] = settings.quarantine_dir.glob(f"{YEAR}/panel/*/report.json")
    assert "<masked: birth number>" in report.read_text()
    assert BIRTH_NUMBER.encode() not in report.read_bytes() + report.with_suffix(".md").read_bytes()
    archived = {p.name for p in settings.archive_dir.iterdir()}
    assert archived == {f"{sha256_of(settings.landing_dir / str(YEAR) / contract.CODEBOOK_FILE)}.csv"}
    assert f"{sha256_of(panel)}.xlsx" not in archived


def test_the_public_default_key_is_refused_on_a_panel_that_is_not_synthetic(settings, monkeypatch):
    monkeypatch.delenv("ITIP_PSEUDONYM_KEY")
    default = get_settings()
    records = panel_records(YEAR)
    with pytest.raises(LoadRejected) as caught:
        _load_panel(default, records)
    assert "set ITIP_PSEUDONYM_KEY" in str(caught.value)
    assert not any(p.name.endswith(".xlsx") for p in default.archive_dir.iterdir())

    rows = _load_panel(default, records, year=YEAR + 1, name="citizen_panel_{year}_synthetic.xlsx")
    assert {_hmac(LOCAL_PSEUDONYM_KEY, rid) for rid in records["respondent_id"]} <= set(_stored_text(rows))


def _keys_and_fingerprints(settings) -> dict[int, tuple[set[str], set[str]]]:
    with open_for_writing(settings.work_db) as con:
        keys = con.execute("select survey_year, list(distinct respondent_key) from raw.panel_respondents "
                           "group by all").fetchall()
        logged = dict(con.execute(
            "select survey_year, list(distinct key_fingerprint) from raw.load_log where survey = 'panel' "
            "and status = 'loaded' and load_id in (select load_id from raw.panel_respondents) group by all"
        ).fetchall())
    return {year: (set(k), set(logged[year])) for year, k in keys}


def test_a_key_change_rehashes_every_loaded_year_from_the_archive_and_records_the_new_fingerprint(
    settings, monkeypatch
):
    records = panel_records(YEAR, n=4)
    for year in (YEAR - 1, YEAR):
        _load_panel(settings, records, year)
    old_key = settings.pseudonym_key
    loaded_under_old_key = loaded_fingerprints(settings.work_db)
    assert {y: f for y, (_, f) in _keys_and_fingerprints(settings).items()} == {
        YEAR - 1: {key_fingerprint(old_key)}, YEAR: {key_fingerprint(old_key)}}
    (settings.landing_dir / str(YEAR - 1)).joinpath(f"citizen_panel_{YEAR - 1}.xlsx").unlink()  # the archive has it

    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "the-new-secret")
    new = get_settings()
    stale = loaded_fingerprints(new.work_db)  # the sensor and `itip run` see every year's panel as not loaded
    assert all(stale[year] != loaded_under_old_key[year] for year in (YEAR - 1, YEAR))
    with open_for_writing(new.work_db) as con:
        outcome = load_panel(con, new, YEAR)
    assert (outcome.status, outcome.rehashed_years) == ("unchanged", [YEAR - 1, YEAR])
    expected = {_hmac("the-new-secret", rid) for rid in records["respondent_id"]}
    assert _keys_and_fingerprints(new) == {
        YEAR - 1: (expected, {key_fingerprint("the-new-secret")}), YEAR: (expected, {key_fingerprint("the-new-secret")})
    }
    assert loaded_fingerprints(new.work_db) == loaded_under_old_key
    assert "the-new-secret" not in key_fingerprint("the-new-secret") and key_fingerprint(old_key) != key_fingerprint(
        "the-new-secret")


def test_a_key_change_that_cannot_rehash_a_year_changes_nothing(settings, monkeypatch):
    records = panel_records(YEAR, n=4)
    for year in (YEAR - 1, YEAR):
        _load_panel(settings, records, year)
    before = _keys_and_fingerprints(settings)
    for archived in settings.archive_dir.glob("*.xlsx"):
        archived.unlink()
    _deliver_panel(settings, panel_records(YEAR - 1, n=2), YEAR - 1)  # the landing copy changed too

    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "the-new-secret")
    new = get_settings()
    with open_for_writing(new.work_db) as con, pytest.raises(RehashFailed, match=f"the {YEAR - 1} panel file"):
        load_panel(con, new, YEAR)
    assert _keys_and_fingerprints(new) == before


def test_a_work_database_from_before_key_fingerprints_opens_and_counts_its_panel_loads_as_stale(settings):
    old_ddl = RAW_DDL.replace(", key_fingerprint varchar", "").split("-- Work databases")[0]
    con = duckdb.connect(str(settings.work_db))
    con.execute(old_ddl)
    con.execute("insert into raw.load_log values ('a', 2024, 'panel', 'citizen_panel.csv', 'ab', 3, 'loaded', null, "
                "now()), ('b', 2024, 'org', 'org_survey.csv', 'cd', 3, 'loaded', null, now())")
    assert set(loaded_files(con, key_fingerprint("k"))) == {(2024, "org")}  # read before the upgrade
    con.close()
    with open_for_writing(settings.work_db) as con:
        assert set(loaded_files(con)) == {(2024, "panel"), (2024, "org")}
        assert set(loaded_files(con, key_fingerprint("k"))) == {(2024, "org")}
