"""Disclosure control gives the same suppressions whatever order its input rows arrive in: the greedy search
protects one value after another, so without a fixed order two builds of the same data could withhold
different cells. Checked on the synthetic build, whose blocks do depend on the order."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from support.disclosure_model import control


def _table(con, name: str):
    schema = con.execute("select schema_name from duckdb_tables() where table_name = ?", [name]).fetchall()[0][0]
    return con.execute(f'select * from "{schema}"."{name}"').df()


@pytest.mark.parametrize("seed", [3])
def test_shuffled_cells_get_the_suppressions_the_build_published(published_once, seed):
    settings, _, _ = published_once
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        cells = _table(con, "int_disclosure_cells")
        inner = _table(con, "int_disclosure_inner_counts")
        built = _table(con, "int_disclosure_control")
    project = yaml.safe_load((settings.dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    key = list(control.KEY)
    shuffled = control.protect(
        cells.sample(frac=1, random_state=seed),
        inner.sample(frac=1, random_state=seed),
        int(project["vars"]["group_disclosure_below_n"]),
    )
    merged = built.merge(shuffled, on=key, how="outer", suffixes=("_built", "_shuffled"), indicator=True)
    assert (merged["_merge"] == "both").all()
    differs = merged[merged.suppression_reason_built.fillna("") != merged.suppression_reason_shuffled.fillna("")]
    assert differs.empty, f"{len(differs)} cells withheld differently:\n{differs.head(10)}"
