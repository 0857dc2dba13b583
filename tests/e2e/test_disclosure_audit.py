"""The published build's suppression pattern audited by linear programming (tests/support/lp_audit.py): no
value withheld for confidentiality can be bounded by an intruder more narrowly than one unit either side of
its true count, from every published base, share and "vet ikke" count and the non-negativity of the counts."""

from __future__ import annotations

import collections

import duckdb
import yaml

from support.lp_audit import CONFIDENTIALITY, audit, inner_counts


def _schema(con, table: str) -> str:
    # information_schema: tables and views (the answers the audit counts from are views)
    found = con.execute("select table_schema from information_schema.tables where table_name = ?", [table]).fetchall()
    return found[0][0]


def test_no_confidential_value_is_bounded_within_one_unit(published_once):
    settings, _, _ = published_once
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        schema = _schema(con, "int_disclosure_cells")
        cells = con.execute(f'select * from "{schema}".int_disclosure_cells').df()
        reasons = con.execute(f'select * from "{_schema(con, "int_disclosure_control")}".int_disclosure_control').df()
        counts = inner_counts(con, _schema(con, "int_distribution_answers"))
    project = yaml.safe_load((settings.dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    leaks = audit(cells, reasons, CONFIDENTIALITY, counts, int(project["vars"]["group_disclosure_below_n"]))
    kinds = collections.Counter((leak.kind, leak.value, leak.reason) for leak in leaks)
    assert not leaks, f"{len(leaks)} protected values leak {dict(kinds)}:\n" + "\n".join(map(str, leaks[:30]))
