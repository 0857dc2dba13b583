"""Every exported table is sorted by its key: the same build gives the same files, whatever order the
warehouse happens to hold its rows in."""

from __future__ import annotations

import duckdb
import pandas as pd

from itip_pipeline.core.settings import get_settings
from itip_pipeline.report.exports import write_exports
from itip_pipeline.report.published import read_published
from itip_pipeline.warehouse.exported_tables import declared_keys, sort_key

from support.report_fixture import write_published_fixture


def _shuffled_warehouse(path, seed: float):
    """The fixture warehouse with every table's rows stored in a random order."""
    write_published_fixture(path)
    with duckdb.connect(str(path)) as con:
        con.execute(f"select setseed({seed})")
        for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall():
            con.execute(f"create or replace table marts.{table} as select * from marts.{table} order by random()")
    return path


def test_every_mart_declares_the_key_its_files_are_sorted_by():
    models = {p.stem for p in (get_settings().dbt_project_dir / "models" / "marts").rglob("*.sql")}
    assert models and models <= set(declared_keys()), f"no key declared for {models - set(declared_keys())}"


def test_every_csv_file_is_in_key_order_and_identical_whatever_the_stored_order(tmp_path):
    shuffled = _shuffled_warehouse(tmp_path / "a.duckdb", 0.1)
    with duckdb.connect(str(shuffled), read_only=True) as con:
        stored = con.execute("select indicator_id, item, population, year from marts.fct_indicator").df()
    assert not stored.equals(stored.sort_values(list(stored.columns), na_position="first", ignore_index=True))
    published = read_published(shuffled)
    first = write_exports(published, tmp_path / "a")
    second = write_exports(read_published(_shuffled_warehouse(tmp_path / "b.duckdb", 0.7)), tmp_path / "b")
    assert len(first.csv_files) > 5
    for path in first.csv_files:
        frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
        # A table without a declared key (marts.releases and marts.revisions, keyed by publish) is ordered by
        # every column in the table's order, which the file's leading columns do not keep.
        key = sort_key(path.stem, list(published.tables[path.stem].columns))
        assert frame.equals(frame.sort_values(key, na_position="first", ignore_index=True)), path.name
        assert path.read_bytes() == (second.csv_files[0].parent / path.name).read_bytes(), path.name
