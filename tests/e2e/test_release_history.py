"""Releases end to end: a corrected 2025 delivery published as a second release whose revisions are exactly the
cells that differ between the two published files (compared here, table by table, without the revisions
table's own query) and marked where the figure book and the workbook show the figure, and ten publishes after
which every release is still readable."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from itip_pipeline.core.published_layout import WAREHOUSE_FILE, current_version_dir
from itip_pipeline.core.settings import get_settings
from itip_pipeline.publish import releases
from itip_pipeline.publish.versions import KEEP_RELEASES_ENV, publish

from support.data_folders import copy_published
from support.redeliveries import municipal_ai_adoption_corrected
from support.release_candidates import BASE, small_candidate

YEAR = 2025
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


@pytest.fixture(scope="module")
def redelivered(published_once, tmp_path_factory):
    """On a copy of the session's published folder, the municipalities' 2025 delivery corrected and run again:
    (the first release's file, the second's)."""
    from itip_pipeline.runner.itip_run import run_all

    settings, summary, _ = published_once
    assert summary.published, "the session's first run did not publish"
    root = tmp_path_factory.mktemp("releases")
    data_dir = copy_published(settings.data_dir, root / "data")
    for stray in ("2020", "misc"):
        shutil.rmtree(data_dir / "landing" / stray)
    first = current_version_dir(data_dir / "marts") / WAREHOUSE_FILE
    municipal_ai_adoption_corrected(data_dir, YEAR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITIP_DATA_DIR", str(data_dir))
        patch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
        patch.delenv("ITIP_PSEUDONYM_KEY", raising=False)
        patch.delenv(releases.REASON_ENV, raising=False)
        second_summary = run_all(get_settings())
    assert second_summary.published, "the corrected delivery did not publish"
    second = current_version_dir(data_dir / "marts") / WAREHOUSE_FILE
    assert second != first
    return first, second


def _rows(database: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _table(database: Path, table: str) -> tuple[list[str], dict[tuple, dict]]:
    """The key columns of marts.<table> and its rows by key, each as {column: value}."""
    key = next(
        columns
        for (columns,) in _rows(
            database,
            "select constraint_column_names from duckdb_constraints() where schema_name = 'marts' "
            "and table_name = ? and constraint_type in ('PRIMARY KEY', 'UNIQUE') order by constraint_type",
            [table],
        )
    )
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(f'select * from marts."{table}"')
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return list(key), {tuple(row[c] for c in key): row for row in rows}


def _differs(old, new) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return not math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-9)


def _changed_cells(old_db: Path, new_db: Path) -> set[tuple[str, str, str]]:
    """(table, key as the revisions table writes it, column) of every numeric cell or flag that differs."""
    changed = set()
    tables = {t for (t,) in _rows(new_db, "select table_name from duckdb_tables() where schema_name = 'marts'")}
    tables &= {t for (t,) in _rows(old_db, "select table_name from duckdb_tables() where schema_name = 'marts'")}
    for table in sorted(tables - set(releases.TABLE_COMMENTS)):
        types = dict(
            _rows(
                new_db,
                "select column_name, data_type from duckdb_columns() where schema_name = 'marts' and table_name = ?",
                [table],
            )
        )
        key, old_rows = _table(old_db, table)
        _, new_rows = _table(new_db, table)
        # Revisions are of figures, and a figure has a survey year in its table's key; a year-less table (a
        # wide pivot, a reference list) repeats figures its long table already compares.
        if not any(column in key for column in releases.YEAR_COLUMNS):
            continue
        numeric = [c for c, t in types.items() if c not in key and t.split("(")[0] in NUMERIC]
        for row_key in old_rows.keys() | new_rows.keys():
            old, new = old_rows.get(row_key, {}), new_rows.get(row_key, {})
            text = "; ".join(f"{c}={'NULL' if v is None else v}" for c, v in zip(key, row_key, strict=True))
            values = {c for c in numeric if _differs(old.get(c), new.get(c))}
            changed |= {(table, text, c) for c in values}
            if not values and old.get("flag") != new.get("flag"):
                changed.add((table, text, "flag"))
    return changed


def test_a_redelivery_is_a_second_release_whose_revisions_are_exactly_the_changed_cells(redelivered):
    first, second = redelivered
    history = _rows(second, "select release_id, reason, note, version from marts.releases order by published_at")
    (first_id,) = {r for (r,) in _rows(first, "select distinct release_id from marts.fct_indicator")}
    assert history[-2][0] == first_id and history[-2][3] == first.parent.name
    assert history[-1][:2] == (f"{YEAR}.{int(first_id.split('.')[1]) + 1}", "re-delivery")
    assert f"delivery of {YEAR} changed" in history[-1][2]
    release_id = history[-1][0]
    revised = {
        (table, key, column)
        for table, key, column in _rows(
            second, "select table_name, cell_key, column_name from marts.revisions where release_id = ?", [release_id]
        )
    }
    expected = _changed_cells(first, second)
    assert expected, "the corrected delivery must change published cells"
    assert revised == expected
    # The headline municipal share the correction moves is among them, old and new as the two files publish.
    share = _rows(
        second,
        "select old_value, new_value, difference from marts.revisions where release_id = ? and table_name = "
        "'fct_indicator' and column_name = 'share_pct' and cell_key = 'indicator_id=ai_adoption; item=NULL; "
        f"population=kommune; year={YEAR}'",
        [release_id],
    )
    sql = (
        "select share_pct from marts.fct_indicator where indicator_id = 'ai_adoption' and item is null "
        f"and population = 'kommune' and year = {YEAR}"
    )
    old, new = _rows(first, sql)[0][0], _rows(second, sql)[0][0]
    assert share == [(old, new, new - old)]
    # The first release is still readable, with its own id on every table.
    assert _rows(first, "select count(*) from marts.releases") == [(len(history) - 1,)]


def test_ten_publishes_keep_every_release_readable(tmp_path, monkeypatch):
    monkeypatch.delenv(releases.REASON_ENV, raising=False)
    monkeypatch.delenv(KEEP_RELEASES_ENV, raising=False)
    marts, warehouse = tmp_path / "marts", tmp_path / "warehouse" / WAREHOUSE_FILE
    published = []
    for step in range(10):
        candidate = small_candidate(tmp_path / "candidate.duckdb", {**BASE, (2024, "stat"): (40.0 + step, None)})
        published.append(publish(candidate, warehouse, marts, label=f"run-{step}"))
    for step, result in enumerate(published):
        database = result.version_dir / WAREHOUSE_FILE
        assert _rows(database, "select share_pct, release_id from marts.fct_indicator where population = 'stat'") == [
            (40.0 + step, f"2024.{step + 1}")
        ]
        with duckdb.connect() as con:
            parquet = result.version_dir / "fct_indicator.parquet"
            assert con.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone() == (2,)
    assert [r for (r,) in _rows(warehouse, "select release_id from marts.releases order by published_at")] == [
        f"2024.{n}" for n in range(1, 11)
    ]
    revisions = _rows(warehouse, "select release_id, old_value, new_value from marts.revisions")
    assert sorted(revisions, key=lambda r: int(r[0].split(".")[1])) == [
        (f"2024.{n}", 40.0 + n - 2, 40.0 + n - 1) for n in range(2, 11)
    ]


def test_the_book_and_the_workbook_mark_the_redelivered_figure_with_its_release_and_old_value(redelivered):
    first, second = redelivered
    data_dir = second.parents[3]  # <data>/marts/versions/<version>/itip.duckdb
    (release_id,) = _rows(second, "select release_id from marts.releases order by published_at desc limit 1")[0]
    sql = (
        "select share_pct from marts.fct_indicator where indicator_id = 'ai_adoption' and item is null "
        f"and population = 'kommune' and year = {YEAR}"
    )
    old, new = _rows(first, sql)[0][0], _rows(second, sql)[0][0]
    old_no = f"{old:.1f}".replace(".", ",")
    anchor = f"release-{release_id.replace('.', '-')}-ai_adoption"
    # The family page: the municipal row of the latest year's table carries the mark, linking to the note.
    page = (data_dir / "reports" / "figures" / "ai_adoption.html").read_text(encoding="utf-8")
    table = page[page.index(f"Tall for {YEAR}") :]
    marked = [row for row in re.findall(r"<tr>(.*?)</tr>", table) if "Kommuner" in row and 'class="revised"' in row]
    assert any(
        f'href="revisions.html#{anchor}"' in row
        and f"revidert {release_id}" in row
        and f"gammel verdi {old_no}" in row
        and f"{new:.1f}".replace(".", ",") in row
        for row in marked
    ), marked
    note = (data_dir / "reports" / "figures" / "revisions.html").read_text(encoding="utf-8")
    assert f'id="{anchor}"' in note and f"Utgivelse {release_id}" in note
    # The workbook: the row of that figure says it was revised, and the revisions sheet has every revised cell.
    book = openpyxl.load_workbook(data_dir / "marts" / "itip_indicators.xlsx", read_only=True)
    rows = list(book["KI-bruk"].iter_rows(min_row=3, values_only=True))
    header = list(rows[0])
    year, population, share, revised = (header.index(h) for h in ("År", "Populasjon", "Andel (%)", "Revidert"))
    said = [
        r[revised]
        for r in rows[1:]
        if r[year] == YEAR and r[population] == "Kommuner" and r[share] is not None and math.isclose(r[share], new)
    ]
    assert f"revidert i utgivelse {release_id} (gammel verdi {old_no})" in said
    listed = [r for r in book["Revisjoner"].iter_rows(min_row=4, values_only=True) if r[0] == release_id]
    assert len(listed) == _rows(second, "select count(*) from marts.revisions where release_id = ?", [release_id])[0][0]
