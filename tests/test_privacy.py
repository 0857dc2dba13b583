"""Personvern: no direct identifier and no vendor respondent id reaches the raw tables.

Forbidden columns refuse the file; respondent ids are stored only as the keyed HMAC; columns outside the
codebook (where a birth number could hide) are dropped; the key is configuration, not code.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import subprocess

import pytest
from delivery_builders import codebook_records, panel_records, write_csv, write_delivery, write_xlsx

from itip_pipeline import contract
from itip_pipeline.ingest.codebook import read_codebook
from itip_pipeline.ingest.loader import load_year
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.readers import read_table
from itip_pipeline.ingest.validate import validate_survey
from itip_pipeline.settings import LOCAL_PSEUDONYM_KEY, REPO_ROOT, get_settings
from itip_pipeline.work_db import open_for_writing

YEAR = 2025  # the question catalogue year the delivery builders follow
BIRTH_NUMBER = "01017012345"
PANEL_TABLES = ("raw.panel_respondents", "raw.panel_answers")
SPELLINGS = (str.upper, str.title, lambda name: f"  {name} ", lambda name: f"{name.upper()}\t")


@pytest.mark.parametrize(
    "column", [spell(name) for name, spell in zip(contract.FORBIDDEN_COLUMNS, SPELLINGS * 4)]
)
def test_a_panel_file_with_a_forbidden_column_is_refused(tmp_path, column):
    codebook = read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, codebook_records(), delimiter=","), YEAR)
    path = write_csv(tmp_path / "citizen_panel.csv", panel_records(YEAR).assign(**{column: "Kari Nordmann"}))
    with pytest.raises(DeliveryRejected) as caught:
        validate_survey([(path.name, read_table(path, contract.REQUIRED_ID_COLUMNS["panel"]))],
                        codebook, "panel", YEAR, "k")
    assert [(p.file, p.column) for p in caught.value.problems] == [(path.name, column.strip().lower())]


def _load_panel(settings, records) -> list[tuple]:
    """Deliver a good year with the records as its panel file, load it, return the panel tables' rows."""
    folder = write_delivery(settings.landing_dir / str(YEAR), YEAR)
    write_xlsx(folder / f"citizen_panel_{YEAR}.xlsx", records)
    with open_for_writing(settings.work_db) as con:
        outcome = load_year(con, settings, YEAR)["panel"]
        rows = [row for table in PANEL_TABLES for row in con.execute(f"select * from {table}").fetchall()]
    assert outcome.status == "loaded" and rows
    return rows


def _stored_text(rows: list[tuple]) -> list[str]:
    return [str(value) for row in rows for value in row if value is not None]


def _hmac(key: str, respondent_id: str) -> str:
    return hmac.new(key.encode(), respondent_id.encode(), hashlib.sha256).hexdigest()


def test_no_stored_value_is_or_contains_a_delivered_respondent_id(settings):
    records = panel_records(YEAR, n=5)
    records.loc[0, "respondent_id"] = BIRTH_NUMBER  # a vendor breaking the rule still leaks nothing
    stored = _stored_text(_load_panel(settings, records))
    leaks = [value for value in stored for rid in records["respondent_id"] if rid in value]
    assert leaks == []


def test_respondent_key_is_the_hmac_under_the_configured_key(settings, monkeypatch, tmp_path):
    records = panel_records(YEAR, n=4)
    expected = {_hmac(LOCAL_PSEUDONYM_KEY, rid) for rid in records["respondent_id"]}
    _load_panel(settings, records)
    with open_for_writing(settings.work_db) as con:
        keys_default = {k for (k,) in con.execute("select respondent_key from raw.panel_respondents").fetchall()}
    assert settings.pseudonym_key == LOCAL_PSEUDONYM_KEY and keys_default == expected

    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "other"))
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "a-secret-outside-the-repo")
    other = get_settings()
    other.ensure_dirs()
    _load_panel(other, records)
    with open_for_writing(other.work_db) as con:
        keys_other = {k for (k,) in con.execute("select respondent_key from raw.panel_respondents").fetchall()}
    assert keys_other == {_hmac("a-secret-outside-the-repo", rid) for rid in records["respondent_id"]}
    assert keys_other.isdisjoint(keys_default)


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


@pytest.mark.parametrize("column", ["ekstra", "Fødselsnr", "id_nummer"])
def test_a_birth_number_in_an_unknown_column_is_not_loaded(settings, column):
    records = panel_records(YEAR).assign(**{column: [BIRTH_NUMBER, "02028012345", "03039012345"]})
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
