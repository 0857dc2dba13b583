"""The published warehouse as the report reads it: every marts table, its comments, families and provenance.

Columns are read by name and a table the code does not know is carried along, so a new family or column in
the marts appears in the book and exports without a change here. Every table is read as the data files carry
it (warehouse/exported_tables.py): rows in key order, with the observation flag column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from itip_pipeline.report.translations import word
from itip_pipeline.warehouse.exported_tables import export_query

SCHEMA = "marts"
FACT_TABLE = "fct_indicator"
FAMILIES_TABLE = "indicator_families"
PROVENANCE_TABLE = "published_provenance"
RECONCILIATION_TABLE = "published_reconciliation"
TARGETS_TABLE = "policy_targets"
DIFFERENCE_TABLE = "fct_population_difference"
BREAKDOWN_SUFFIX = "_breakdown"
SURVEY_FILES = {"org", "panel"}


@dataclass(frozen=True)
class Family:
    family: str
    table: str
    title_no: str
    title_en: str
    description: str  # the table's comment (dbt's description)
    frame: pd.DataFrame

    @property
    def is_estimated(self) -> bool:
        """Shares the warehouse estimated (with intervals), as opposed to figures carried from elsewhere."""
        return {"share_pct", "year", "population"} <= set(self.frame.columns)

    @property
    def is_breakdown(self) -> bool:
        """A family's indicators split by the respondents' characteristics (a `mart_*_breakdown` table)."""
        return self.table.endswith(BREAKDOWN_SUFFIX) and "category" in self.frame

    @property
    def is_external(self) -> bool:
        """Figures carried as published from another source, not estimated by the warehouse."""
        return "external_source" in self.frame or "is_external_source" in self.frame

    def title(self, lang: str) -> str:
        return self.title_no if lang == "no" else self.title_en


@dataclass(frozen=True)
class PublishedWarehouse:
    path: Path
    tables: dict[str, pd.DataFrame]
    table_comments: dict[str, str]
    column_comments: dict[str, dict[str, str]]
    families: list[Family] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    @property
    def provenance(self) -> pd.DataFrame:
        return self.table(PROVENANCE_TABLE)

    @property
    def reconciliation(self) -> pd.DataFrame:
        return self.table(RECONCILIATION_TABLE)

    @property
    def is_synthetic(self) -> bool:
        """True when any delivered survey file behind the marts is the generator's (or provenance is missing:
        a warehouse that cannot say where its numbers come from is not presented as survey results)."""
        files = self.provenance
        if files.empty or "is_synthetic" not in files:
            return True
        surveys = files[files["survey"].isin(SURVEY_FILES)] if "survey" in files else files
        return bool(surveys["is_synthetic"].fillna(True).any()) if not surveys.empty else True

    @property
    def years(self) -> list[int]:
        fact = self.table(FACT_TABLE)
        return sorted(int(y) for y in fact["year"].dropna().unique()) if "year" in fact else []

    def targets_for(self, family: Family) -> pd.DataFrame:
        """The policy targets (target_year, target_pct) of the family's indicators: every target year from
        marts.policy_targets, else the targets in force that the family's own rows carry."""
        ids = set(family.frame["indicator_id"]) if "indicator_id" in family.frame else set()
        targets = self.table(TARGETS_TABLE)
        if not targets.empty and {"indicator_id", "target_year", "target_pct"} <= set(targets.columns):
            return targets[targets["indicator_id"].isin(ids)][["target_year", "target_pct"]].drop_duplicates()
        if {"policy_target_year", "policy_target_pct"} <= set(family.frame.columns):
            return (
                family.frame[["policy_target_year", "policy_target_pct"]]
                .dropna()
                .drop_duplicates()
                .rename(columns={"policy_target_year": "target_year", "policy_target_pct": "target_pct"})
            )
        return pd.DataFrame(columns=["target_year", "target_pct"])

    def family_of(self, breakdown: Family) -> Family | None:
        """The headline family a breakdown family splits."""
        table = breakdown.table.removesuffix(BREAKDOWN_SUFFIX)
        return next((f for f in self.families if f.table == table), None)

    def column_comment(self, column: str, table: str = FACT_TABLE) -> str:
        return self.column_comments.get(table, {}).get(column) or next(
            (c[column] for c in self.column_comments.values() if c.get(column)), ""
        )


def read_published(warehouse_db: Path) -> PublishedWarehouse:
    """Every table of schema marts with its comments, read in one short read-only session."""
    if not warehouse_db.is_file():
        raise FileNotFoundError(f"no published warehouse at {warehouse_db}: run `itip run` first")
    con = duckdb.connect(str(warehouse_db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1", [SCHEMA]
            ).fetchall()
        ]
        tables = {}
        for name in names:
            relation = f'{SCHEMA}."{name}"'
            columns = con.sql(f"select * from {relation} limit 0").columns
            tables[name] = con.execute(export_query(relation, name, columns)).df()
        table_comments = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = ? and comment is not null",
                [SCHEMA],
            ).fetchall()
        )
        column_comments: dict[str, dict[str, str]] = {}
        for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = ? and comment is not null",
            [SCHEMA],
        ).fetchall():
            column_comments.setdefault(table, {})[column] = comment
    finally:
        con.close()
    published = PublishedWarehouse(warehouse_db, tables, table_comments, column_comments)
    return PublishedWarehouse(warehouse_db, tables, table_comments, column_comments, _families(published))


def _families(published: PublishedWarehouse) -> list[Family]:
    """The families in the report's order (marts.indicator_families), then any other mart_* table by name."""
    listed = published.table(FAMILIES_TABLE)
    titles = {row.table_name: row for row in listed.sort_values("sort_order").itertuples()} if not listed.empty else {}
    order = [t for t in titles if t in published.tables]
    order += sorted(t for t in published.tables if t.startswith("mart_") and t not in titles)
    families = []
    for table in order:
        row = titles.get(table)
        family = row.family if row is not None else table.removeprefix("mart_")
        title_no = row.title_no if row is not None else family
        title_en = row.title_en if row is not None and row.title_en else family
        frame = published.tables[table]
        base = titles.get(table.removesuffix(BREAKDOWN_SUFFIX))
        if row is None and table.endswith(BREAKDOWN_SUFFIX) and base is not None:
            title_no, title_en = _breakdown_titles(base, frame)
        families.append(
            Family(
                family=family,
                table=table,
                title_no=title_no,
                title_en=title_en,
                description=published.table_comments.get(table, ""),
                frame=frame,
            )
        )
    return families


def _breakdown_titles(base, frame: pd.DataFrame) -> tuple[str, str]:
    """'<headline family's title>, fordelt på <breakdowns>' in both languages, from the marts' labels."""
    titles = []
    for lang, title in (("no", base.title_no), ("en", base.title_en or base.title_no)):
        column = f"breakdown_label_{lang}"
        names = sorted(frame[column].dropna().unique()) if column in frame else sorted(frame["breakdown"].unique())
        names = [n[:1].lower() + n[1:] for n in names]
        last = " og " if lang == "no" else " and "
        by = f"{', '.join(names[:-1])}{last}{names[-1]}" if len(names) > 1 else "".join(names)
        titles.append(word("breakdown_title", lang).format(title=title, by=by))
    return titles[0], titles[1]
