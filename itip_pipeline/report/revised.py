"""Revised figures: which published figures a release revised, found and said the same way in every output.

marts.revisions (publish/releases.py) lists every published cell that changed between two consecutive releases.
A person reads figures, not cells, so this module turns it into one row per revised figure and release:
- a figure is a row of a published table; it was revised by a release when its value column (VALUE_COLUMNS: the
  number the book and the workbook show as the figure) changed or its flag changed. The other columns of such a
  row (interval, counts, tests) are counted beside it (`other_values`) and listed in marts.revisions; a row
  whose only changes are there (a p-value moved by a correction elsewhere in its family) is not a revised figure;
- a published row finds its revisions by its key (`by_row`), written as publish/releases.cell_key writes it;
- the words every output uses for a revision (`remark`, `flag_words`) are here, the flag statuses in
  report/flags.py.
Used by the figure book (the mark beside a value, the revision note page) and the workbooks (the revised
column, the revisions sheet). Withheld values are empty in marts.revisions and stay so here.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import pandas as pd

from itip_pipeline.publish.releases import FLAG_COLUMN, RELEASES_TABLE, REVISIONS_TABLE, cell_key
from itip_pipeline.report import flags
from itip_pipeline.report.published import PublishedWarehouse
from itip_pipeline.report.translations import labelled

# The figure of a row, by the table's kind: an estimated share, a share carried from an external source, the
# difference between two populations. The first a table has is its figure.
VALUE_COLUMNS = ("share_pct", "value_pct", "difference_pp")
NOTE_PAGE = "revisions.html"

# (Norwegian, English); {release} is a release id, {value} a number or the words for a withheld value.
WORDS: dict[str, tuple[str, str]] = {
    "revised_in": ("revidert i utgivelse {release}", "revised in release {release}"),
    "old_value": ("gammel verdi {value}", "old value {value}"),
    "old_flag": ("flagg før: {status}", "flag before: {status}"),
    "no_value": ("ingen verdi", "no value"),
    "see_note": ("se revisjonsnotatet", "see the revision note"),
    "mark": ("revidert {release}", "revised {release}"),
}


def word(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "no" else 1]


@dataclass(frozen=True)
class Revision:
    """One figure revised by one release: its value before and after (None: none shown, e.g. withheld) and
    its flag before and after."""

    release_id: str
    table: str
    cell_key: str
    year: int | None
    column: str  # the value column, or `flag` when only the flag changed
    old_value: float | None
    new_value: float | None
    old_flag: str | None
    new_flag: str | None
    flag_changed: bool
    other_values: int  # other columns of the row this release revised (interval, counts, tests)

    @property
    def value_changed(self) -> bool:
        return self.column != FLAG_COLUMN

    @property
    def difference(self) -> float | None:
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value


def value_column(columns) -> str | None:
    """The column holding a table's figure, or None for a table without one."""
    return next((c for c in VALUE_COLUMNS if c in columns), None)


def release_order(published: PublishedWarehouse) -> list[str]:
    """Release ids, oldest first, by publishing time (an id sorted as text puts 2025.10 before 2025.2)."""
    history = published.table(RELEASES_TABLE)
    if history.empty:
        return []
    return list(history.sort_values(["published_at", "data_year", "sequence"])["release_id"])


def figure_revisions(published: PublishedWarehouse, table: str | None = None) -> list[Revision]:
    """Every revised figure (of `table`, or of every table), oldest release first, in key order."""
    cells = published.table(REVISIONS_TABLE)
    if cells.empty:
        return []
    if table is not None:
        cells = cells[cells["table_name"] == table]
        if cells.empty:
            return []
    order = {release: n for n, release in enumerate(release_order(published))}
    found = []
    for (release, name, key), rows in cells.groupby(["release_id", "table_name", "cell_key"], sort=False):
        column = value_column(published.table(name).columns) or value_column(set(rows["column_name"]))
        value = rows[rows["column_name"] == column] if column else rows.iloc[0:0]
        flagged = bool(rows["flag_changed"].fillna(False).astype(bool).any())
        if value.empty and not flagged:
            continue
        first = (value if not value.empty else rows).iloc[0]
        found.append(
            Revision(
                release_id=release,
                table=name,
                cell_key=key,
                year=None if pd.isna(first["year"]) else int(first["year"]),
                column=column if not value.empty else FLAG_COLUMN,
                old_value=None if value.empty else _number(first["old_value"]),
                new_value=None if value.empty else _number(first["new_value"]),
                old_flag=_text(first["old_flag"]),
                new_flag=_text(first["new_flag"]),
                flag_changed=flagged,
                other_values=int((~rows["column_name"].isin([column, FLAG_COLUMN])).sum()),
            )
        )
    return sorted(found, key=lambda r: (order.get(r.release_id, len(order)), r.table, r.cell_key))


def by_row(published: PublishedWarehouse, table: str, frame: pd.DataFrame) -> dict[Hashable, list[Revision]]:
    """The revisions of each row of `frame` (rows of the published table `table`, any order or subset), by the
    frame's index, oldest release first; a row never revised is absent."""
    revisions = figure_revisions(published, table)
    if not revisions or frame.empty:
        return {}
    by_key: dict[str, list[Revision]] = {}
    for revision in revisions:
        by_key.setdefault(revision.cell_key, []).append(revision)
    columns = key_columns(revisions[0].cell_key, frame.columns)
    if not columns:
        return {}
    keys = (cell_key(list(zip(columns, values, strict=True))) for values in frame[columns].itertuples(index=False))
    return {index: by_key[key] for index, key in zip(frame.index, keys, strict=True) if key in by_key}


def key_columns(key: str, columns) -> list[str]:
    """The key columns a cell_key names (`column=value` joined by '; '), those the frame has, in the key's order."""
    present = set(columns)
    names = [part.split("=", 1)[0] for part in key.split("; ") if "=" in part]
    return [name for name in names if name in present]


def figure_labels(published: PublishedWarehouse, table: str, keys: set[str], lang: str) -> dict[str, str]:
    """The figure each cell_key of `table` names, labelled as the book labels it (statement or indicator,
    answer, category, population, year: report/translations.labelled), for the rows the current release still
    publishes; a key not found there is absent (the caller shows the key)."""
    frame = published.table(table)
    if frame.empty or not keys:
        return {}
    columns = key_columns(next(iter(keys)), frame.columns)
    if not columns:
        return {}
    row_keys = [cell_key(list(zip(columns, values, strict=True))) for values in frame[columns].itertuples(index=False)]
    wanted = frame[[key in keys for key in row_keys]]
    if wanted.empty:
        return {}
    shown = labelled(wanted, lang)
    labels = {}
    for key, row in zip((k for k in row_keys if k in keys), shown.itertuples(), strict=True):
        answer = getattr(row, f"answer_label_{lang}", None) or getattr(row, "answer_label_no", None)
        parts = [
            row.label if row.label not in ("", "nan", "None") else getattr(row, "question_id", None),
            answer,
            getattr(row, "category_label", None),
            row.population_label if row.population_label not in ("", "nan", "None") else None,
            None if getattr(row, "year", None) is None or pd.isna(row.year) else str(int(row.year)),
        ]
        labels[key] = " · ".join(str(p) for p in parts if p is not None and not pd.isna(p) and str(p))
    return labels


def anchor(release_id: str, family: str | None = None) -> str:
    """The id of a release's entry in the revision note, or of one family's list within it."""
    base = "release-" + "".join(c if c.isalnum() else "-" for c in release_id)
    return f"{base}-{family}" if family else base


def value_words(value: float | None, lang: str, digits: int = 1) -> str:
    """A value as the page's language writes it (decimal comma in Norwegian), or the words for none."""
    if value is None:
        return word("no_value", lang)
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "no" else text


def old_words(revision: Revision, lang: str) -> str:
    """The figure's value before the release, or why it had none (withheld)."""
    return _shown(revision.old_value, revision.old_flag, lang)


def new_words(revision: Revision, lang: str) -> str:
    """The figure's value after the release, or why it has none (withheld)."""
    return _shown(revision.new_value, revision.new_flag, lang)


def _shown(value: float | None, flag: str | None, lang: str) -> str:
    if value is None and "c" in (flag or ""):
        return flags.status_words(flag, lang, series_break=False)
    return value_words(value, lang)


def difference_words(revision: Revision, lang: str) -> str:
    """new − old in percentage points, signed, or '' when either is missing."""
    difference = revision.difference
    if difference is None:
        return ""
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    return f"{sign}{value_words(abs(difference), lang)}"


def flag_words(revision: Revision, lang: str) -> str:
    """A flag change in words, 'published with low reliability (u) → published'; '' when the flag stayed."""
    if not revision.flag_changed:
        return ""
    old, new = status_change(revision.old_flag, revision.new_flag, lang)
    return f"{old} → {new}"


def status_change(old_flag: str | None, new_flag: str | None, lang: str) -> tuple[str, str]:
    """A row's flag before and after, in words. A break in series is said only when it came or went: what
    changed is the value's status (published, low reliability, withheld)."""
    moved = ("b" in (old_flag or "")) != ("b" in (new_flag or ""))
    return flags.status_words(old_flag, lang, moved), flags.status_words(new_flag, lang, moved)


def remark(revisions: list[Revision], lang: str) -> str | None:
    """'revised in release 2025.2 (old value 41.2)' for each release that revised a figure, oldest first."""
    said = [f"{word('revised_in', lang).format(release=r.release_id)} ({before_words(r, lang)})" for r in revisions]
    return "; ".join(said) or None


def before_words(revision: Revision, lang: str) -> str:
    """What the figure was before the release revised it: 'old value 41.2', or its flag's status when only
    the flag changed."""
    if revision.value_changed:
        return word("old_value", lang).format(value=old_words(revision, lang))
    return word("old_flag", lang).format(status=flags.status_words(revision.old_flag, lang))


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
