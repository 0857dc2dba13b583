"""A published table as the data files carry it: its rows in key order and its observation flag.

Every file written from the marts (Parquet, CSV, the workbook's sheets) reads a table through
`export_query`, so that each holds the same rows in the same order and the same `flag` column:

- Order: by the table's key, the grain its yml declares with the `primary_key` test (the key the published
  file also carries), NULLs first (a headline row, item NULL, before its statements). A table
  with no declared key is ordered by all its columns. Either way two exports of one build are identical.
- Flag: one column of Eurostat's observation flags, letters in alphabetical order, NULL when none (like
  SDMX-CSV's OBS_STATUS beside OBS_VALUE): `b` break in series, `c` confidential (value withheld), `u` low
  reliability (value shown). Every mart with values carries it (dbt macro observation_flag), one rule for all.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from itip_pipeline.core.settings import get_settings

FLAG_COLUMN = "flag"
# Letter, meaning in Norwegian and English: the legend every output that shows flags prints.
FLAGS = {
    "b": ("brudd i serien (endret spørsmål)", "break in series (question changed)"),
    "c": ("konfidensielt: verdien vises ikke", "confidential: value withheld"),
    "u": ("lav pålitelighet: verdien vises, bruk med varsomhet", "low reliability: value shown, use with care"),
}
FLAG_DESCRIPTION = "Observation flag, letters in alphabetical order, NULL when none: " + "; ".join(
    f"{letter} = {english}" for letter, (_, english) in FLAGS.items()
)


def declared_keys() -> dict[str, tuple[str, ...]]:
    """Each mart's key as its yml declares it with the `primary_key` test."""
    return _keys_in(get_settings().dbt_project_dir / "models" / "marts")


@cache
def _keys_in(folder: Path) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.rglob("*.yml")):
        # libyaml's safe loader where installed: the same documents, read several times faster.
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for model in (loaded or {}).get("models", []):
            key = _combination_key(model.get("data_tests") or [])
            if not key:
                key = [c["name"] for c in model.get("columns", []) if "unique" in (c.get("data_tests") or [])]
            if key:
                keys[model["name"]] = tuple(key)
    return keys


def _combination_key(tests: list) -> list[str]:
    for test in tests:
        if isinstance(test, dict) and "primary_key" in test:
            spec = test["primary_key"]
            return list((spec.get("arguments") or spec)["columns"])
    return []


def sort_key(table: str, columns: Sequence[str]) -> list[str]:
    """The columns a table's rows are ordered by: its declared key if the table has it, else every column."""
    key = declared_keys().get(table, ())
    return list(key) if key and set(key) <= set(columns) else list(columns)


def export_query(relation: str, table: str, columns: Sequence[str]) -> str:
    """SQL selecting `relation` (the table `table`, with `columns`) in key order; a table with values carries
    its own `flag` column from the marts (dbt macro observation_flag)."""
    order = ", ".join(f'"{c}" nulls first' for c in sort_key(table, columns))
    return f"select * from {relation} order by {order}"
