"""Revised figures (report/revised.py) found from what publish records: two small releases made by
publish/releases.record, the second revising a value, a flag, and a value now withheld; each published row
finds its own revisions by its key, and the words say what it was before."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from itip_pipeline.core.published_layout import WAREHOUSE_FILE
from itip_pipeline.publish import releases
from itip_pipeline.report import revised
from itip_pipeline.report.published import read_published

from support.release_candidates import BASE, SHA, record_release

BEFORE = {**BASE, (2025, "kommune"): (55.0, None), (2025, "stat"): (30.0, "u"), (2025, "fylke"): (20.0, None)}
AFTER = {
    **BASE,
    (2025, "kommune"): (57.5, None),  # value revised
    (2025, "stat"): (30.0, None),  # only the flag changed
    (2025, "fylke"): (None, "c"),  # now withheld
}


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.delenv(releases.REASON_ENV, raising=False)
    first = record_release(tmp_path, 1, BEFORE)
    second = record_release(tmp_path, 2, AFTER, first, sha={**SHA, 2025: "c" * 64})
    return read_published(second / WAREHOUSE_FILE), first / WAREHOUSE_FILE


def _old_rows(database) -> dict[str, tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            p: (s, f)
            for p, s, f in con.execute("select population, share_pct, flag from marts.fct_indicator").fetchall()
        }


def test_each_row_finds_the_revisions_of_its_own_figure_by_its_key(published):
    warehouse, old_database = published
    frame = warehouse.tables["fct_indicator"]
    found = revised.by_row(warehouse, "fct_indicator", frame.sample(frac=1, random_state=3))  # any order
    # Independently: the rows whose share or flag differs from the first release's file.
    old = _old_rows(old_database)
    expected = {
        index
        for index, row in frame.iterrows()
        if row["year"] == 2025
        and (
            (pd.isna(row["share_pct"]) != (old[row["population"]][0] is None))
            or (pd.notna(row["share_pct"]) and not math.isclose(row["share_pct"], old[row["population"]][0]))
            or ((None if pd.isna(row["flag"]) else row["flag"]) != old[row["population"]][1])
        )
    }
    assert set(found) == expected and len(expected) == 3
    by_population = {frame.loc[index, "population"]: revisions for index, revisions in found.items()}
    (value,) = by_population["kommune"]
    assert (value.release_id, value.column, value.old_value, value.new_value, value.difference) == (
        "2025.2",
        "share_pct",
        55.0,
        57.5,
        2.5,
    )
    (flag,) = by_population["stat"]
    assert (flag.column, flag.value_changed, flag.old_flag, flag.new_flag) == ("flag", False, "u", None)
    (withheld,) = by_population["fylke"]
    assert (withheld.old_value, withheld.new_value, withheld.new_flag) == (20.0, None, "c")


def test_the_words_say_the_release_the_old_value_and_the_flag_change(published):
    warehouse, _ = published
    frame = warehouse.tables["fct_indicator"]
    found = revised.by_row(warehouse, "fct_indicator", frame)
    said = {
        frame.loc[i, "population"]: (revised.remark(r, "no"), revised.remark(r, "en"), r[0]) for i, r in found.items()
    }
    assert said["kommune"][:2] == (
        "revidert i utgivelse 2025.2 (gammel verdi 55,0)",
        "revised in release 2025.2 (old value 55.0)",
    )
    assert said["stat"][1] == "revised in release 2025.2 (flag before: published with low reliability (u))"
    withheld = said["fylke"][2]
    assert revised.new_words(withheld, "en") == "withheld for confidentiality (c)", "never a number, never 0"
    assert revised.flag_words(withheld, "no") == "publisert → holdt tilbake for konfidensialitet (c)"
    assert revised.difference_words(said["kommune"][2], "no") == "+2,5"


def test_a_release_that_revised_nothing_marks_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(releases.REASON_ENV, raising=False)
    first = record_release(tmp_path, 1, BEFORE)
    second = record_release(tmp_path, 2, BEFORE, first)
    warehouse = read_published(second / WAREHOUSE_FILE)
    assert revised.figure_revisions(warehouse) == []
    assert revised.by_row(warehouse, "fct_indicator", warehouse.tables["fct_indicator"]) == {}
    assert revised.release_order(warehouse) == ["2025.1", "2025.2"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((2025, None), "year=2025; item=NULL"),
        ((2025.0, float("nan")), "year=2025; item=NULL"),  # a year read into a float column, an empty part
        ((2025, pd.NA), "year=2025; item=NULL"),
        ((2025, "Møre og Romsdal"), "year=2025; item=Møre og Romsdal"),
    ],
)
def test_a_key_is_written_as_the_revisions_table_writes_it(values, expected):
    assert releases.cell_key(list(zip(("year", "item"), values, strict=True))) == expected


def test_the_key_columns_are_read_from_a_cell_key_in_its_order():
    key = "indicator_id=a; item=NULL; population=kommune; breakdown=county; category=Møre og Romsdal; year=2025"
    columns = ["year", "category", "population", "item", "indicator_id", "breakdown", "share_pct"]
    assert revised.key_columns(key, columns) == ["indicator_id", "item", "population", "breakdown", "category", "year"]
