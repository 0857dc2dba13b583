"""Releases and revisions on small fabricated candidates: the release id and reason each publish gets, the
revised cells it lists (compared with the two published tables independently), and retention."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from itip_pipeline.core.published_layout import CURRENT, VERSIONS_DIR, WAREHOUSE_FILE
from itip_pipeline.publish import releases
from itip_pipeline.publish.versions import KEEP_RELEASES_ENV, RETENTION, PublishFailed, _prune_versions, publish

from support.release_candidates import BASE, EPOCH, SHA, small_candidate
from support.release_candidates import record_release as _release


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _history(version: Path) -> list[tuple]:
    return _rows(
        version / WAREHOUSE_FILE,
        "select release_id, reason, version, previous_release_id, note from marts.releases order by published_at",
    )


@pytest.fixture(autouse=True)
def _no_operator_settings(monkeypatch):
    monkeypatch.delenv(releases.REASON_ENV, raising=False)
    monkeypatch.delenv(KEEP_RELEASES_ENV, raising=False)


WITH_2025 = {**BASE, (2025, "kommune"): (55.0, None)}
REDELIVERED = {**SHA, 2025: "c" * 64}


def test_a_new_year_then_a_redelivery_then_a_rebuild_get_ids_and_reasons_from_what_changed(tmp_path):
    marts = tmp_path / "marts"
    first = _release(marts, 1, BASE, state={"code": "1"})
    second = _release(marts, 2, WITH_2025, first, state={"code": "1"})
    third = _release(marts, 3, WITH_2025, second, sha=REDELIVERED, state={"code": "1"})
    fourth = _release(marts, 4, WITH_2025, third, sha=REDELIVERED, state={"code": "2"})
    history = _history(fourth)
    assert [row[:4] for row in history] == [
        ("2024.1", "new year", first.name, None),
        ("2025.1", "new year", second.name, "2024.1"),
        ("2025.2", "re-delivery", third.name, "2025.1"),
        ("2025.3", "method change", fourth.name, "2025.2"),
    ]
    notes = [row[4] for row in history]
    assert "2025 added" in notes[1] and "delivery of 2025 changed" in notes[2]
    assert notes[3] == "the pipeline's code changed"
    # Every table carries its release's id; an earlier version's file keeps its own.
    assert _rows(fourth / WAREHOUSE_FILE, "select distinct release_id from marts.fct_indicator") == [("2025.3",)]
    assert _rows(second / WAREHOUSE_FILE, "select distinct release_id from marts.fct_indicator") == [("2025.1",)]


def test_a_rebuild_with_nothing_changed_is_a_republication_that_says_so(tmp_path):
    first = _release(tmp_path, 1, BASE, state={"code": "1"})
    second = _release(tmp_path, 2, BASE, first, state={"code": "1"})
    assert _history(second)[-1][1:2] + _history(second)[-1][4:] == (
        "republication",
        "no delivery or build input changed",
    )


def test_the_operator_gives_the_reason_and_an_unknown_one_is_refused_with_a_sentence(tmp_path, monkeypatch):
    first = _release(tmp_path, 1, BASE)
    monkeypatch.setenv(releases.REASON_ENV, "Correction")
    second = _release(tmp_path, 2, {**BASE, (2024, "stat"): (41.0, None)}, first)
    assert _history(second)[-1][:2] == ("2024.2", "correction")
    assert _history(second)[-1][4] == "given by the operator; no delivery or build input changed"
    assert _rows(second / WAREHOUSE_FILE, "select distinct reason from marts.revisions") == [("correction",)]
    monkeypatch.setenv(releases.REASON_ENV, "whim")
    with pytest.raises(releases.ReasonInvalid, match="'whim' is not a release reason: give one of new year, re-"):
        releases.operator_reason()


def test_publish_refuses_an_unknown_reason_and_leaves_the_current_version(tmp_path, monkeypatch):
    monkeypatch.setenv(releases.REASON_ENV, "whim")
    with pytest.raises(PublishFailed, match="Could not publish: ITIP_RELEASE_REASON='whim' is not a release reason"):
        publish(small_candidate(tmp_path / "c.duckdb", BASE), tmp_path / "wh" / "itip.duckdb", tmp_path / "marts")
    assert not (tmp_path / "marts" / CURRENT).exists()


def test_a_candidate_held_open_by_another_program_is_said_to_be_busy_not_unwritable(tmp_path):
    import subprocess
    import sys

    candidate = small_candidate(tmp_path / "c.duckdb", BASE)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(candidate)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "1"
        with pytest.raises(PublishFailed) as failed:
            publish(candidate, tmp_path / "wh" / "itip.duckdb", tmp_path / "marts")
    finally:
        holder.communicate("")
    assert f"{candidate} is held open for writing by another program" in str(failed.value)
    assert "writable" not in str(failed.value)
    assert not (tmp_path / "marts" / CURRENT).exists()


def _cells(database: Path) -> dict[tuple, tuple]:
    return {
        (year, population): (share, n_base, flag)
        for year, population, share, n_base, flag in _rows(
            database, "select year, population, share_pct, n_base, flag from marts.fct_indicator"
        )
    }


def test_revisions_are_exactly_the_cells_that_differ_between_the_two_published_tables(tmp_path):
    before = {**BASE, (2025, "kommune"): (55.0, None), (2025, "stat"): (30.0, "u"), (2025, "fylke"): (20.0, None)}
    after = {
        **BASE,
        (2025, "kommune"): (57.5, None),  # value revised
        (2025, "stat"): (30.0, None),  # only the flag changed
        (2025, "fylke"): (None, "c"),  # now withheld: value gone, flag changed
        (2024, "stat"): (40.0 + 1e-12, None),  # summing noise: not a revision
    }
    old = _release(tmp_path, 1, before)
    new = _release(tmp_path, 2, after, old, sha=REDELIVERED)
    old_cells, new_cells = _cells(old / WAREHOUSE_FILE), _cells(new / WAREHOUSE_FILE)
    expected = set()
    for key in old_cells:
        for index, column in enumerate(("share_pct", "n_base")):
            a, b = old_cells[key][index], new_cells[key][index]
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-6):
                expected.add((*key, column))
        if old_cells[key][2] != new_cells[key][2] and not any(c[:2] == key for c in expected):
            expected.add((*key, "flag"))
    found = _rows(
        new / WAREHOUSE_FILE,
        "select year, cell_key, column_name, old_value, new_value, difference, old_flag, new_flag, flag_changed, "
        "release_id, previous_release_id, reason from marts.revisions",
    )
    by_cell = {(row[0], row[1].split("population=")[1].split(";")[0], row[2]): row[3:] for row in found}
    assert (
        set(by_cell)
        == expected
        == {(2025, "kommune", "share_pct"), (2025, "fylke", "share_pct"), (2025, "stat", "flag")}
    )
    assert by_cell[(2025, "kommune", "share_pct")] == (
        55.0,
        57.5,
        2.5,
        None,
        None,
        False,
        "2025.2",
        "2025.1",
        "re-delivery",
    )
    assert by_cell[(2025, "fylke", "share_pct")][:5] == (20.0, None, None, None, "c")
    assert by_cell[(2025, "stat", "flag")][:6] == (None, None, None, "u", None, True)
    revised = _rows(
        new / WAREHOUSE_FILE, "select cells_revised, flags_changed from marts.releases where release_id = '2025.2'"
    )
    assert revised == [(2, 2)]


def test_a_new_years_rows_are_new_figures_not_revisions_and_history_is_carried(tmp_path):
    first = _release(tmp_path, 1, BASE)
    second = _release(tmp_path, 2, {**BASE, (2024, "stat"): (41.0, None)}, first)
    third = _release(tmp_path, 3, {**BASE, (2024, "stat"): (41.0, None), (2025, "kommune"): (55.0, "u")}, second)
    assert _rows(third / WAREHOUSE_FILE, "select release_id, year, old_value, new_value from marts.revisions") == [
        ("2024.2", 2024, 40.0, 41.0)
    ]


def test_keeping_fewer_releases_never_removes_one_the_revisions_cite(tmp_path):
    marts = tmp_path / "marts"
    published = [_release(marts, 1, BASE)]
    for number in (2, 3):
        published.append(_release(marts, number, BASE, published[-1]))
    # A revision in the last: it cites itself and the release before; the first two are cited by nothing.
    published.append(_release(marts, 4, {**BASE, (2024, "stat"): (41.0, None)}, published[-1]))
    names = [p.name for p in published]
    # Beyond the newest and uncited, the first was superseded (at hour 2) longer ago than RETENTION; the
    # second (superseded at hour 3) not yet.
    within = EPOCH + timedelta(hours=2) + RETENTION + timedelta(seconds=1)
    assert _prune_versions(marts, now=within, keep_newest=1) == [names[0]]
    assert _prune_versions(marts, now=EPOCH + RETENTION * 2) == [], "unset: every release is kept"
    assert _prune_versions(marts, now=EPOCH + RETENTION * 2, keep_newest=1) == [names[1]]
    assert sorted(p.name for p in (marts / VERSIONS_DIR).iterdir()) == names[2:]


@pytest.mark.parametrize("value", ["some", "²", "-1", "0"])
def test_an_invalid_retention_setting_is_refused_with_a_sentence(tmp_path, monkeypatch, value):
    monkeypatch.setenv(KEEP_RELEASES_ENV, value)
    with pytest.raises(PublishFailed, match=f"{value!r} is not a number of releases to keep"):
        publish(small_candidate(tmp_path / "c.duckdb", BASE), tmp_path / "wh" / "itip.duckdb", tmp_path / "marts")


def test_a_current_release_that_cannot_be_read_removes_nothing(tmp_path):
    marts = tmp_path / "marts"
    published = [_release(marts, 1, BASE)]
    for number in (2, 3):
        published.append(_release(marts, number, {**BASE, (2024, "stat"): (40.0 + number, None)}, published[-1]))
    (published[-1] / WAREHOUSE_FILE).write_bytes(b"not a database")
    assert releases.cited_versions(published[-1]) is None
    assert _prune_versions(marts, now=EPOCH + RETENTION * 2, keep_newest=1) == []
    assert sorted(p.name for p in (marts / VERSIONS_DIR).iterdir()) == [p.name for p in published]


def test_a_table_keyed_without_a_year_is_not_revised_by_a_new_year(tmp_path):
    """A wide pivot's last year moves with every new year; its figures are compared in their own table."""

    def with_wide(folder: Path) -> None:
        with duckdb.connect(str(folder / WAREHOUSE_FILE)) as con:
            con.execute(
                "create table marts.fct_indicator_wide (indicator_id varchar not null, population varchar not null,"
                " last_year integer, unique (indicator_id, population))"
            )
            con.execute(
                "insert into marts.fct_indicator_wide select indicator_id, population, max(year) "
                "from marts.fct_indicator group by all"
            )

    first = _release(tmp_path, 1, BASE, before_record=with_wide)
    second = _release(tmp_path, 2, {**BASE, (2025, "kommune"): (55.0, None)}, first, before_record=with_wide)
    assert _rows(second / WAREHOUSE_FILE, "select count(*) from marts.revisions") == [(0,)]
    assert _rows(second / WAREHOUSE_FILE, "select cells_revised from marts.releases where release_id = '2025.1'") == [
        (0,)
    ]


def test_the_publish_time_is_stored_in_utc_whatever_the_zone_given(tmp_path):
    oslo_summer = timezone(timedelta(hours=2))
    first = _release(tmp_path, 1, BASE, now=datetime(2026, 10, 25, 2, 30, tzinfo=oslo_summer), zone="America/New_York")
    assert _rows(first / WAREHOUSE_FILE, "select published_at from marts.releases") == [
        (datetime(2026, 10, 25, 0, 30),)
    ]


def test_a_damaged_current_release_passes_its_history_on_from_the_newest_readable_one(tmp_path):
    marts = tmp_path / "marts"
    first = _release(marts, 1, BASE)
    second = _release(marts, 2, WITH_2025, first)
    (second / WAREHOUSE_FILE).write_bytes(b"not a database")
    # Publish lists the current version first, then every version newest first.
    third = _release(marts, 3, WITH_2025, [second, first], sha=REDELIVERED)
    history = _history(third)
    assert [row[:2] for row in history] == [("2024.1", "new year"), ("2025.1", "new year")]
    assert f"the file of version {second.name} could not be read" in history[-1][4]
    assert f"carried from version {first.name}" in history[-1][4]


def test_a_table_whose_key_changed_is_not_compared_and_publish_goes_on(tmp_path):
    def coarser(folder: Path) -> None:
        with duckdb.connect(str(folder / WAREHOUSE_FILE)) as con:
            con.execute("create table marts.t (population varchar, year integer, v double, unique (year))")
            con.execute("insert into marts.t values ('kommune', 2024, 2.0)")

    def finer(folder: Path) -> None:
        with duckdb.connect(str(folder / WAREHOUSE_FILE)) as con:
            con.execute("create table marts.t (population varchar, year integer, v double, unique (population, year))")
            con.execute("insert into marts.t values ('kommune', 2024, 1.0), ('stat', 2024, 3.0)")

    first = _release(tmp_path, 1, BASE, before_record=finer)
    second = _release(tmp_path, 2, BASE, first, before_record=coarser, sha={**SHA, 2024: "d" * 64})
    assert _rows(second / WAREHOUSE_FILE, "select count(*) from marts.revisions where table_name = 't'") == [(0,)]


def test_a_column_added_to_the_history_tables_leaves_earlier_rows_empty(tmp_path):
    """A file from before a (nullable) column of marts.releases existed is carried on by the columns both have."""
    first = _release(tmp_path, 1, BASE)
    with duckdb.connect(str(first / WAREHOUSE_FILE)) as con:
        con.execute("alter table marts.releases drop column previous_release_id")
    second = _release(tmp_path, 2, WITH_2025, first)
    assert [row[:4] for row in _history(second)] == [
        ("2024.1", "new year", first.name, None),
        ("2025.1", "new year", second.name, "2024.1"),
    ]
