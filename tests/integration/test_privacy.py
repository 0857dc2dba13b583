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

from itip_pipeline.core.hashing import key_fingerprint, sha256_of
from itip_pipeline.core.settings import LOCAL_PSEUDONYM_KEY, REPO_ROOT, get_settings
from itip_pipeline.ingest.loading.landing_watch import loaded_fingerprints
from itip_pipeline.ingest.loading.load_log import loaded_files
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.loading.rehash import RehashFailed
from itip_pipeline.warehouse.raw_tables import RAW_DDL
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import panel_records, write_delivery, write_xlsx
from support.python_source import parse_source

YEAR = 2025  # the question catalogue year the delivery builders follow (and 2026 after it)
ELEVEN_DIGITS = "01017012345"  # the shape of a birth number, but its control digits are wrong
PANEL_TABLES = ("raw.panel_respondents", "raw.panel_answers")


def _deliver_panel(settings, records, year: int = YEAR, name: str = "citizen_panel_{year}.xlsx") -> Path:
    """A good year's delivery with the records as its panel file (named `name`)."""
    folder = write_delivery(settings.landing_dir / str(year), year)
    (folder / f"citizen_panel_{year}.xlsx").unlink()
    return write_xlsx(folder / name.format(year=year), records.assign(aar=str(year)))


def _load(settings, year: int = YEAR):
    with open_for_writing(settings.work_db) as con:
        return load_year(con, settings, year)["panel"]


def _load_panel(settings, records, year: int = YEAR, name: str = "citizen_panel_{year}.xlsx") -> list[tuple]:
    """Deliver a good year with the records as its panel file, load it, return the panel tables' rows."""
    _deliver_panel(settings, records, year, name)
    outcome = _load(settings, year)
    with open_for_writing(settings.work_db) as con:
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
    assert tracked == ["itip_pipeline/core/settings.py"]
    # Every pseudonymising call in the package takes its key from a name (settings), never a literal.
    literal_keys = [
        f"{path.name}:{call.lineno}"
        for path in (REPO_ROOT / "itip_pipeline").rglob("*.py")
        for call in ast.walk(parse_source(path))
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", getattr(call.func, "attr", None)) in ("pseudonymise", "pseudonymise_all")
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


# Personal values in the spellings people and tools write them, each refused where it stands and masked
# everywhere it is reported: (column, value, how it is shown).
SPELLED_VALUES = [
    ("respondent_id", BIRTH_NUMBER, "<masked: birth number>"),
    ("P02", "22.33.44.55", "<masked: phone number>"),
    ("P02", "kari\uff20example.no", "<masked: e-mail address>"),  # a full-width commercial at
    ("P02", "010170.12343", "<masked: birth number>"),
    ("ekstra", "010170\u00a012343", "<masked: birth number>"),  # a no-break space
    ("ekstra", "22\u201333\u201344\u201355", "<masked: phone number>"),  # en dashes
    ("ekstra", "kari (at) example.no", "<masked: e-mail address>"),
]
NAMES = ["Kari Nordmann", "Ola Hansen", "Per Olsen", "Anne Lie", "Nils Berg", "Eva Dahl", "Liv Moe"]


def test_refused_personal_values_reach_no_terminal_exception_event_log_report_or_archive(settings, tmp_path, capsys):
    import dagster as dg

    from itip_pipeline.cli import main
    from itip_pipeline.defs.ingest_assets import raw_delivery

    records = panel_records(YEAR, n=len(SPELLED_VALUES)).assign(ekstra="", Kontaktperson=NAMES)
    for row, (column, value, _) in enumerate(SPELLED_VALUES):
        records.loc[row, column] = value
    panel = _deliver_panel(settings, records)
    with pytest.raises(SystemExit):
        main(["check", str(panel.parent)])
    terminal = capsys.readouterr()
    instance_dir = tmp_path / "dagster"
    instance_dir.mkdir()
    with dg.DagsterInstance.local_temp(str(instance_dir)) as instance:
        result = dg.materialize([raw_delivery], partition_key=str(YEAR), instance=instance, raise_on_error=False)
        events = "\n".join(repr(entry) for entry in instance.all_logs(result.run_id))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error
    assert "row 5, column 'p02', value '<masked: birth number>': personal data" in failure.message
    assert "column 'kontaktperson': the column name says name" in failure.message
    assert "<masked: birth number>" in events  # the check's metadata names the case, masked
    [report] = settings.quarantine_dir.glob(f"{YEAR}/panel/*/report.json")
    reports = _files_text(settings.reports_dir) + _files_text(settings.quarantine_dir.parent / "quarantine")
    shown = terminal.out + terminal.err + events + failure.to_string()
    for column, value, masked in SPELLED_VALUES:
        assert f"| {column.lower()} | {masked} |" in terminal.out
        assert masked in report.read_text()
        assert value not in shown and value.encode() not in reports + _files_text(instance_dir)
    for name in NAMES:
        assert name not in shown and name.encode() not in reports + _files_text(instance_dir)
    assert sha256_of(panel) and list(settings.archive_dir.glob("*")) == []  # a refused year archives nothing


def test_the_public_default_key_is_refused_on_a_panel_that_is_not_synthetic(settings, monkeypatch):
    monkeypatch.delenv("ITIP_PSEUDONYM_KEY")
    default = get_settings()
    records = panel_records(YEAR)
    with pytest.raises(LoadRejected) as caught:
        _load_panel(default, records)
    assert "set ITIP_PSEUDONYM_KEY" in str(caught.value)
    assert list(default.archive_dir.glob("*.xlsx")) == []

    rows = _load_panel(default, records, year=YEAR + 1, name="citizen_panel_{year}_synthetic.xlsx")
    assert {_hmac(LOCAL_PSEUDONYM_KEY, rid) for rid in records["respondent_id"]} <= set(_stored_text(rows))


def _keys_and_fingerprints(settings) -> dict[int, tuple[set[str], set[str]]]:
    with open_for_writing(settings.work_db) as con:
        keys = con.execute(
            "select survey_year, list(distinct respondent_key) from raw.panel_respondents group by all"
        ).fetchall()
        logged = dict(
            con.execute(
                "select survey_year, list(distinct key_fingerprint) from raw.load_log where survey = 'panel' "
                "and status = 'loaded' and load_id in (select load_id from raw.panel_respondents) group by all"
            ).fetchall()
        )
    return {year: (set(k), set(logged[year])) for year, k in keys}


def test_a_key_change_rehashes_every_loaded_year_from_the_archive_and_records_the_new_fingerprint(
    settings, monkeypatch
):
    records = panel_records(YEAR, n=4)
    for year in (YEAR, YEAR + 1):
        _load_panel(settings, records, year)
    old_key = settings.pseudonym_key
    loaded_under_old_key = loaded_fingerprints(settings.work_db)
    assert {y: f for y, (_, f) in _keys_and_fingerprints(settings).items()} == {
        YEAR: {key_fingerprint(old_key)},
        YEAR + 1: {key_fingerprint(old_key)},
    }
    (settings.landing_dir / str(YEAR)).joinpath(f"citizen_panel_{YEAR}.xlsx").unlink()  # the archive has it

    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "the-new-secret")
    new = get_settings()
    stale = loaded_fingerprints(new.work_db)  # the sensor and `itip run` see every year's panel as not loaded
    assert all(stale.get(year) != loaded_under_old_key[year] for year in (YEAR, YEAR + 1))
    outcome = _load(new, YEAR + 1)  # the same files as before: not "unchanged", since the key is not
    assert (outcome.status, outcome.rehashed_years) == ("loaded", [YEAR])
    expected = {_hmac("the-new-secret", rid) for rid in records["respondent_id"]}
    assert _keys_and_fingerprints(new) == {
        YEAR: (expected, {key_fingerprint("the-new-secret")}),
        YEAR + 1: (expected, {key_fingerprint("the-new-secret")}),
    }
    assert loaded_fingerprints(new.work_db) == loaded_under_old_key
    assert _load(new, YEAR + 1).status == "unchanged"
    assert "the-new-secret" not in key_fingerprint("the-new-secret") and key_fingerprint(old_key) != key_fingerprint(
        "the-new-secret"
    )


def test_the_ingest_step_reports_the_rehashed_years_and_a_rehash_failure_as_a_sentence(settings, monkeypatch):
    import dagster as dg

    from itip_pipeline.defs.ingest_assets import raw_delivery

    for year in (YEAR, YEAR + 1):
        _load_panel(settings, panel_records(year, n=4), year)
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "the-new-secret")
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([raw_delivery], partition_key=str(YEAR + 1), instance=instance)
    metadata = {m.asset_key.path[-1]: m.metadata for m in result.asset_materializations_for_node("ingest_delivery")}
    assert metadata["panel_respondents"]["rehashed_years"].value == [YEAR]
    assert "rehashed_years" not in metadata["org_respondents"]

    for archived in settings.archive_dir.glob("*.xlsx"):
        archived.unlink()
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "a-third-secret")
    with dg.DagsterInstance.ephemeral() as instance:
        failed = dg.materialize([raw_delivery], partition_key=str(YEAR + 1), instance=instance, raise_on_error=False)
    failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error
    assert f"delivery {YEAR + 1} not loaded: the pseudonym key changed" in failure.message
    assert "Traceback" not in failure.message


def test_a_key_change_that_cannot_rehash_a_year_changes_nothing(settings, monkeypatch):
    records = panel_records(YEAR, n=4)
    for year in (YEAR, YEAR + 1):
        _load_panel(settings, records, year)
    before = _keys_and_fingerprints(settings)
    for archived in settings.archive_dir.glob("*.xlsx"):
        archived.unlink()

    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "the-new-secret")
    new = get_settings()
    with pytest.raises(RehashFailed, match=f"the {YEAR} panel's file citizen_panel_{YEAR}.xlsx .* not in"):
        _load(new, YEAR + 1)
    assert _keys_and_fingerprints(new) == before
    assert list(new.quarantine_dir.glob("*/*/*")) == []  # the delivery is not at fault: nothing quarantined


def test_a_work_database_from_before_key_fingerprints_opens_and_counts_its_panel_loads_as_stale(settings):
    old_ddl = RAW_DDL.replace(", key_fingerprint varchar", "").split("-- Work databases")[0]
    con = duckdb.connect(str(settings.work_db))
    con.execute(old_ddl)
    con.execute(
        "insert into raw.load_log values ('a', 2024, 'panel', 'citizen_panel.csv', 'ab', 3, 'loaded', null, "
        "now()), ('b', 2024, 'org', 'org_survey.csv', 'cd', 3, 'loaded', null, now())"
    )
    assert set(loaded_files(con, key_fingerprint("k"))) == {(2024, "org")}  # read before the upgrade
    con.close()
    with open_for_writing(settings.work_db) as con:
        assert set(loaded_files(con)) == {(2024, "panel"), (2024, "org")}
        assert set(loaded_files(con, key_fingerprint("k"))) == {(2024, "org")}
