"""The exports: a workbook for people in each language, and CSV files for every tool.

- data/marts/itip_indicators.xlsx (Norwegian) and itip_indicators_en.xlsx (English), each in one language: a
  read-me sheet (source, the SYNTHETIC warning, how to read a sheet, the flag legend, every column shown and
  what it means, the delivered files), then one sheet per indicator family, made to be read and printed:
  labelled headers, column widths, a frozen header row with an autofilter, one decimal shown for shares (the
  cell keeps the unrounded value), the flag in its own column and the reason for it in words, and a print
  setup of landscape A4 fitted to the page width with the header row repeated on every page.
- data/marts/csv/<table>.csv: every published table with every column, for Norwegian Excel and for pandas
  or R: UTF-8 with a byte-order mark (Excel reads a CSV without one in the legacy code page and garbles æøå),
  `;` between fields and a decimal comma (Norwegian Excel's list separator and decimal sign, so a
  double-click opens numbers as numbers). Numeric columns hold only numbers, unrounded; a withheld value is
  empty and its row's `flag` says why (c), like SDMX-CSV's OBS_STATUS beside OBS_VALUE.
(The Parquet files, with their column descriptions, are written by the publish step: parquet_export.py.)

Rows come in each table's key order with the flag column, as read (report/published.py).
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from itip_pipeline.core.escaping import for_cell
from itip_pipeline.publish.releases import RELEASES_TABLE, REVISIONS_TABLE
from itip_pipeline.report import flags
from itip_pipeline.report.published import Family, PublishedWarehouse
from itip_pipeline.report.revised import by_row, figure_labels, release_order, remark, status_change
from itip_pipeline.report.translations import release_reason
from itip_pipeline.warehouse.exported_tables import FLAG_COLUMN, FLAGS

WORKBOOK_NAMES = {"no": "itip_indicators.xlsx", "en": "itip_indicators_en.xlsx"}
CSV_DIR_NAME = "csv"
# Columns a person reads first in a CSV file, in this order; every other column follows in the table's order.
LEADING = (
    "year",
    "population",
    "population_label_no",
    "population_label_en",
    "indicator_id",
    "item",
    "label_no",
    "label_en",
    "share_pct",
    "ci_low_pct",
    "ci_high_pct",
    FLAG_COLUMN,
    "n_base",
    "n_effective",
    "suppressed",
    "suppression_reason",
    "low_reliability",
)
# Excel refuses longer sheet names, and these characters in them.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# The workbooks' sheet names (short titles; the full title heads the sheet). A family not listed gets its title
# cut at a word; a family's `_breakdown` table gets its family's name with the suffix.
SHEET_NAMES = {
    "ai_adoption": ("KI-bruk", "AI adoption"),
    "ai_task_area": ("KI-oppgaver", "AI tasks"),
    "ai_benefit": ("KI-gevinster", "AI benefits"),
    "ai_barrier": ("KI-barrierer", "AI barriers"),
    "ai_strategy": ("KI-strategi", "AI strategy"),
    "ai_use_mode_external": ("KI-bruk i staten (ekstern)", "AI use, state (external)"),
    "citizen_ai_view": ("Innbyggernes syn på KI", "Citizen views of AI"),
    "citizen_ai_trust_factor": ("Innbyggernes tillit til KI", "Citizen trust in AI"),
    "citizen_data_protection_trust": ("Tillit til personvern", "Trust in data privacy"),
    "infosec_statement": ("Informasjonssikkerhet", "Information security"),
    "infosec_leadership_guidance": ("Ledelse og infosikkerhet", "Leadership on infosec"),
    "risk_statement": ("Risikostyring", "Risk management"),
    "incident_statement": ("Sikkerhetshendelser", "Security incidents"),
    "authority_support": ("Støtte fra myndighetene", "Support from authorities"),
}
BREAKDOWN_SUFFIX = "_breakdown"
WORDS = {
    "breakdown_sheet": ("{name} (grupper)", "{name} (groups)"),
    "breakdown_title": ("{title}, etter gruppe", "{title}, by group"),
    "readme": ("Les meg", "Read me"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "title": ("IT i praksis – indikatorer fra itip-lageret", "IT i praksis – indicators from the itip warehouse"),
    "synthetic": (
        "SYNTETISKE DATA: filene bak disse tallene er laget av prosjektets generator (filnavn *_synthetic.*). "
        "De er ikke resultater fra undersøkelsen og skal ikke siteres.",
        "SYNTHETIC DATA: the files behind these numbers were written by the project's generator (file names "
        "*_synthetic.*). They are not survey results and must not be cited.",
    ),
    "synthetic_short": ("SYNTETISKE DATA – ikke undersøkelsesresultater", "SYNTHETIC DATA – not survey results"),
    "source": ("Kilde", "Source"),
    "source_text": (
        "det publiserte lageret {file}, skjema marts; hver fane er én tabell derfra",
        "the published warehouse {file}, schema marts; each sheet is one table of it",
    ),
    "years": ("Undersøkelsesår", "Survey years"),
    "how": ("Slik leser du arkene", "How to read the sheets"),
    "how_rows": (
        (
            "Én fane per indikatorfamilie, én rad per indikator/påstand, populasjon og år, sortert slik.",
            "Andeler vises med én desimal; cellen har den uavrundede verdien (se den i formellinjen).",
            "En tom andel er holdt tilbake (flagg c); raden beholder antall svar. En tom celle er aldri 0.",
            "Merknad sier i ord hvorfor en verdi er holdt tilbake eller flagget.",
            "Alle kolonner (også p-verdier og andeler uten «vet ikke») står i CSV- og Parquet-filene.",
        ),
        (
            "One sheet per indicator family, one row per indicator/statement, population and year, sorted so.",
            "Shares show one decimal; the cell holds the unrounded value (see it in the formula bar).",
            "An empty share is withheld (flag c); the row keeps its number of answers. An empty cell is never 0.",
            "Note says in words why a value is withheld or flagged.",
            "Every column (also p-values and shares without don't know) is in the CSV and Parquet files.",
        ),
    ),
    "flags": ("Flagg (egen kolonne, som Eurostat)", "Flags (own column, as Eurostat's)"),
    "flag": ("Flagg", "Flag"),
    "meaning": ("Betydning", "Meaning"),
    "columns": ("Kolonnene", "The columns"),
    "column": ("Kolonne", "Column"),
    "data_column": ("I CSV/Parquet", "In CSV/Parquet"),
    "files": (
        "Leverte filer bak tallene (med SHA-256 i tabellen published_provenance)",
        "Delivered files behind the numbers (with SHA-256 in the table published_provenance)",
    ),
    "file": ("Fil", "File"),
    "delivery": ("Levering", "Delivery"),
    "delivery_text": (
        "{survey_year}, {survey}: {n_rows} rader, lastet inn {loaded_at} (UTC)",
        "{survey_year}, {survey}: {n_rows} rows, loaded {loaded_at} (UTC)",
    ),
    "sheets": ("Fanene", "The sheets"),
    "sheet": ("Fane", "Sheet"),
    "sheet_title": ("Tittel", "Title"),
    "table": ("Tabell", "Table"),
    "page": ("Side &P av &N", "Page &P of &N"),
    "revisions": ("Revisjoner", "Revisions"),
    "revisions_title": (
        "Revisjoner: publiserte tall som er endret fra forrige utgivelse",
        "Revisions: published figures changed from the previous release",
    ),
    "revisions_none": ("Ingen publiserte tall er revidert.", "No published figure has been revised."),
    "revisions_intro": (
        "Én rad per publisert verdi som er endret (tabellen revisions); en holdt tilbake verdi er tom.",
        "One row per published value that changed (the table revisions); a withheld value is empty.",
    ),
    "revision_columns": (
        (
            "Utgivelse",
            "Publisert (UTC)",
            "Årsak",
            "Fane eller tabell",
            "Tall",
            "Kolonne",
            "Gammel verdi",
            "Ny verdi",
            "Endring",
            "Flagg før",
            "Flagg nå",
        ),
        (
            "Release",
            "Published (UTC)",
            "Reason",
            "Sheet or table",
            "Figure",
            "Column",
            "Old value",
            "New value",
            "Change",
            "Flag before",
            "Flag now",
        ),
    ),
}
REMARK = "remark"  # the workbook's own column: why a row is flagged, in words (report/flags.py)
REVISED = "revised"  # the workbook's own column: the releases that revised a row's figure (report/revised.py)


@dataclass(frozen=True)
class Shown:
    """A column of a family sheet: its heading in each language, width (characters), number format, and a
    Norwegian explanation for the read-me sheet (the English one uses the warehouse's description)."""

    column: str  # "{lang}" is replaced by the workbook's language
    no: str
    en: str
    width: float
    number_format: str = "General"
    about_no: str = ""
    about_en: str = ""  # only where the warehouse has no description (a column the workbook makes)

    def name(self, lang: str) -> str:
        return self.column.format(lang=lang)

    def heading(self, lang: str) -> str:
        return self.no if lang == "no" else self.en


SHARE = "0.0"  # one decimal shown, as the report prints shares
COUNT = "0"
# The widths of the revisions sheet's columns, in the order of WORDS["revision_columns"].
REVISION_WIDTHS = (9, 16, 12, 22, 48, 14, 10, 10, 9, 22, 22)
REVISION_VALUES, CHANGE = (6, 7, 8), 8  # old value, new value, change; the change
SIGNED = {SHARE: "+0.0;-0.0;0.0", COUNT: "+0;-0;0"}  # a change shows its sign
PERCENT = ("_pct", "_pp")  # a column the family sheets do not show, holding a share or percentage points
SHOWN = (
    Shown("year", "År", "Year", 6, COUNT, "Undersøkelsesåret."),
    Shown(
        "population_label_{lang}",
        "Populasjon",
        "Population",
        21,
        about_no="Hvem andelen gjelder: statlige virksomheter, kommuner, fylkeskommuner, alle (stat og kommune "
        "samlet) eller innbyggere (innbyggerpanelet).",
    ),
    Shown("breakdown_label_{lang}", "Inndeling", "Breakdown", 16, about_no="Hva populasjonen er delt etter."),
    Shown("category", "Gruppe", "Group", 13, about_no="Gruppen i inndelingen; «ukjent» for dem uten en."),
    Shown(
        "label_{lang}",
        "Indikator / påstand",
        "Indicator / statement",
        48,
        about_no="Indikatoren, påstanden eller svaralternativet, som i rapporten.",
    ),
    Shown(
        "share_pct",
        "Andel (%)",
        "Share (%)",
        8,
        SHARE,
        "Andelen som svarte det indikatoren teller (f.eks. «i noen, stor eller svært stor grad»), i prosent av "
        "dem som svarte; organisasjoner uvektet, innbyggerpanelet vektet. Hvem som er med i grunnlaget står i "
        "lagerets kolonnebeskrivelse og i dim_indicator_method.",
    ),
    Shown(
        "ci_low_pct",
        "95 % KI nedre",
        "95 % CI low",
        8,
        SHARE,
        "Nedre grense for 95 % konfidensintervall (Wilson, på effektivt utvalg).",
    ),
    Shown("ci_high_pct", "95 % KI øvre", "95 % CI high", 8, SHARE, "Øvre grense for 95 % konfidensintervall."),
    Shown(FLAG_COLUMN, "Flagg", "Flag", 6, about_no="Flaggene over: b, c, u, eller tom."),
    Shown("n_base", "Antall svar", "Answers (n)", 8, COUNT, "Antall som svarte (uvektet): grunnlaget for andelen."),
    Shown(
        "n_effective",
        "Effektivt utvalg",
        "Effective n",
        9,
        COUNT,
        "Kish' effektive utvalgsstørrelse; lik antall svar for organisasjonene, som ikke vektes.",
    ),
    Shown(
        "dont_know_pct",
        "Vet ikke (%)",
        "Don't know (%)",
        8,
        SHARE,
        "Andelen av dem som svarte som svarte «vet ikke».",
    ),
    Shown(
        "change_pp",
        "Endring (pp)",
        "Change (pp)",
        8,
        "+0.0;-0.0;0.0",
        "Endring i prosentpoeng fra forrige år spørsmålet ble stilt; tom første år, ved brudd i serien og når et "
        "av årene er holdt tilbake.",
    ),
    Shown(
        "change_significant",
        "Signifikant endring",
        "Significant change",
        11,
        about_no="Om endringen er signifikant etter Benjamini–Hochberg-justering innen familie, år og "
        "populasjon (q < 0,05).",
    ),
    Shown(
        "policy_target_pct",
        "Mål (%)",
        "Target (%)",
        7,
        COUNT,
        "Regjeringens mål for andelen som gjelder for året: et mål, ikke et resultat.",
    ),
    Shown("policy_target_year", "Mål innen", "Target by", 7, COUNT, "Året målet skal være nådd innen."),
    Shown("value_pct", "Andel (%)", "Share (%)", 8, SHARE, "Andelen slik den eksterne kilden publiserte den."),
    Shown(
        "confidence",
        "Sikkerhet i avlesningen",
        "Confidence of reading",
        10,
        about_no="Hvor sikkert tallet er lest av den publiserte figuren: high, medium eller low.",
    ),
    Shown("external_source", "Kilde", "Source", 26, about_no="Undersøkelsen tallet kommer fra."),
    Shown("note", "Om avlesningen", "About the reading", 26, about_no="Hva som er usikkert ved avlesningen."),
    Shown(
        REMARK,
        "Merknad",
        "Note",
        30,
        about_no="Hvorfor en verdi er holdt tilbake eller flagget, i ord.",
        about_en="Why a value is withheld or flagged, in words.",
    ),
    Shown(
        REVISED,
        "Revidert",
        "Revised",
        30,
        about_no="Utgivelsen som reviderte tallet og verdien det hadde før; tom når tallet aldri er revidert. "
        "Arket Revisjoner viser hver endring.",
        about_en="The release that revised the figure and the value it had before; empty when the figure was "
        "never revised. The Revisions sheet lists every change.",
    ),
)


@dataclass(frozen=True)
class Exports:
    workbook: Path  # the Norwegian workbook
    workbooks: dict[str, Path]  # language -> workbook
    csv_files: list[Path]


def word(key: str, lang: str):
    return WORDS[key][0 if lang == "no" else 1]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in LEADING if c in frame]
    return frame[first + [c for c in frame.columns if c not in first]]


def _staged(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.new")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Every column as read, numbers unrounded (the shortest text that reads back as the same float); every text
    cell and header through core/escaping.for_cell, so no cell starts a formula in the spreadsheet that opens it."""
    staged = _staged(path)
    frame = _ordered(frame)
    texts = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    frame = frame.assign(**{c: frame[c].map(for_cell) for c in texts}).rename(columns=for_cell)
    try:
        frame.to_csv(
            staged,
            sep=";",
            decimal=",",
            index=False,
            encoding="utf-8-sig",
            lineterminator="\r\n",
            date_format="%Y-%m-%d %H:%M:%S",
        )
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


# ---- the workbook ------------------------------------------------------------------------------------------


def _cut_at_word(text: str, limit: int) -> str:
    text = SHEET_NAME_FORBIDDEN.sub("-", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.-–")
    return cut + "…"


def sheet_names(families: Sequence[Family], lang: str) -> dict[str, str]:
    """Family -> a sheet name that reads well: at most 31 characters, none Excel forbids, unique in the book."""
    index = 0 if lang == "no" else 1
    names: dict[str, str] = {}
    taken = {word("readme", lang).casefold(), word("revisions", lang).casefold()}
    for family in families:
        parent = family.family.removesuffix(BREAKDOWN_SUFFIX)
        if family.family in SHEET_NAMES:
            name = SHEET_NAMES[family.family][index]
        elif parent != family.family and parent in SHEET_NAMES:
            name = word("breakdown_sheet", lang).format(name=SHEET_NAMES[parent][index])
        else:
            name = family.title(lang)
        name = _cut_at_word(name, SHEET_NAME_MAX)
        unique, n = name, 2
        while unique.casefold() in taken:  # Excel compares sheet names ignoring case
            unique = f"{_cut_at_word(name, SHEET_NAME_MAX - 4)} ({n})"
            n += 1
        taken.add(unique.casefold())
        names[family.family] = unique
    return names


def _sheet_title(family: Family, families: Sequence[Family], lang: str) -> str:
    parent = next((f for f in families if f.family + BREAKDOWN_SUFFIX == family.family), None)
    if parent is not None and family.title(lang) == family.family:
        return word("breakdown_title", lang).format(title=parent.title(lang))
    return family.title(lang)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_value(value: object) -> object:
    """A value openpyxl writes as itself: NULL as an empty cell, numpy scalars as Python, lists as text."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(map(str, list(value)))
    if _missing(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


def _put(sheet, row: int, column: int, value: object):
    """A cell holding `value` as data, through core/escaping.for_cell: a text that starts like a formula gets a '
    and stays text, a control character (which openpyxl refuses) is shown as its code, a number stays a number."""
    return sheet.cell(row=row, column=column, value=for_cell(_cell_value(value)))


def _shown_columns(frame: pd.DataFrame, lang: str) -> list[Shown]:
    present = set(frame.columns) | {REMARK}
    return [s for s in SHOWN if s.name(lang) in present]


HEADER_ROW = 3  # the title, the source or SYNTHETIC line, then the column headings
WRAP_FROM_WIDTH = 13  # text columns at least this wide wrap; narrower ones hold numbers and codes
LINE_HEIGHT = 15  # points per line of 11-point text


def _lines(text: str, width: float) -> int:
    """How many lines a text wraps to in a column `width` characters wide (of the digit 0: a line holds about
    a fifth more average letters)."""
    return sum(max(1, len(textwrap.wrap(part, max(1, int(width * 1.15))))) for part in text.split("\n"))


def _fit_height(sheet, row: int, texts: list[tuple[object, float]], at_least: int = 1) -> None:
    """A row tall enough for its wrapped texts: spreadsheets do not grow a row a program wrote, so text
    would overlap the next row on screen and on paper."""
    lines = max([at_least] + [_lines(str(v), width) for v, width in texts if _cell_value(v) is not None])
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def _print_setup(sheet, lang: str, synthetic: bool, landscape: bool, title_rows: str | None) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes, never a column on a page of its own
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    if title_rows:
        sheet.print_title_rows = title_rows
    legend = ", ".join(f"{letter} = {words[0 if lang == 'no' else 1]}" for letter, words in FLAGS.items())
    sheet.oddFooter.left.text = word("synthetic_short", lang) if synthetic else ""
    sheet.oddFooter.center.text = f"{word('flag', lang)}: {legend}"
    sheet.oddFooter.center.size = 8
    sheet.oddFooter.right.text = word("page", lang)


def _write_family_sheet(sheet, published: PublishedWarehouse, family: Family, title: str, lang: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    synthetic = published.is_synthetic
    frame = family.frame.assign(**{REMARK: flags.remarks(family.frame, lang)})
    revised = by_row(published, family.table, frame)
    if revised:  # the column only on a sheet with a revised figure
        frame[REVISED] = [remark(revised[index], lang) if index in revised else None for index in frame.index]
    shown = _shown_columns(frame, lang)
    _put(sheet, 1, 1, title).font = Font(bold=True, size=14)
    second = word("synthetic", lang) if synthetic else f"marts.{family.table} · {CSV_DIR_NAME}/{family.table}.csv"
    _put(sheet, 2, 1, second).font = Font(bold=synthetic, color="C00000" if synthetic else "595959")
    heading_style = {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="DDE4EE"),
        "alignment": Alignment(wrap_text=True, vertical="bottom"),
        "border": Border(bottom=Side(style="thin")),
    }
    for col, spec in enumerate(shown, start=1):
        cell = _put(sheet, HEADER_ROW, col, spec.heading(lang))
        for attribute, style in heading_style.items():
            setattr(cell, attribute, style)
        sheet.column_dimensions[get_column_letter(col)].width = spec.width
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    centred = Alignment(vertical="top", horizontal="center")  # a flag or a yes/no, not beside a number's digits
    # A data cell's style is one of a few (number format × alignment). openpyxl looks a style up by comparing
    # it field by field each time one is set, so each is set once and the next cell with it takes a copy.
    styles = {}
    for offset, values in enumerate(frame[[s.name(lang) for s in shown]].itertuples(index=False)):
        row = HEADER_ROW + 1 + offset
        for col, (spec, value) in enumerate(zip(shown, values, strict=True), start=1):
            if isinstance(value, (bool, np.bool_)):  # a person reads "ja", not TRUE or 1
                value = word("yes" if value else "no", lang)
            cell = _put(sheet, row, col, value)
            kind = "wrapped" if spec.width >= WRAP_FROM_WIDTH else "centred" if isinstance(value, str) else "top"
            style = styles.get((spec.number_format, kind))
            if style is None:
                cell.number_format = spec.number_format
                cell.alignment = {"wrapped": wrapped, "centred": centred, "top": top}[kind]
                styles[spec.number_format, kind] = copy(cell._style)
            else:
                cell._style = copy(style)
        _fit_height(
            sheet, row, [(v, s.width) for s, v in zip(shown, values, strict=True) if s.width >= WRAP_FROM_WIDTH]
        )
    last = f"{get_column_letter(len(shown))}{HEADER_ROW + len(frame)}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    # Bold headings are wider than the text the estimate is made for: a shorter line is assumed.
    _fit_height(sheet, HEADER_ROW, [(spec.heading(lang), spec.width * 0.8) for spec in shown], at_least=2)
    _print_setup(sheet, lang, synthetic, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _readme_rows(published: PublishedWarehouse, lang: str, names: dict[str, str]) -> list[tuple[str, list]]:
    """(style, cells) rows of the read-me sheet, all in one language."""
    rows: list[tuple[str, list]] = [("title", [word("title", lang)]), ("", [])]
    if published.is_synthetic:
        rows += [("warning", [word("synthetic", lang)]), ("", [])]
    rows += [
        ("", [word("source", lang), word("source_text", lang).format(file=published.path.name)]),
        ("", [word("years", lang), ", ".join(map(str, published.years))]),
        ("", []),
        ("heading", [word("how", lang)]),
        *[("text", [f"• {text}"]) for text in word("how_rows", lang)],
        ("", []),
        ("heading", [word("flags", lang)]),
        ("columns", [word("flag", lang), word("meaning", lang)]),
        *[("", [letter, words[0 if lang == "no" else 1]]) for letter, words in FLAGS.items()],
        ("", []),
        ("heading", [word("columns", lang)]),
        ("columns", [word("column", lang), word("meaning", lang), word("data_column", lang)]),
    ]
    shown_anywhere = {s.name(lang) for f in published.families for s in _shown_columns(f.frame, lang)}
    if any(by_row(published, f.table, f.frame) for f in published.families):
        shown_anywhere.add(REVISED)
    for spec in SHOWN:
        if spec.name(lang) in shown_anywhere:
            comment = _first_paragraph(published.column_comment(spec.name(lang)))
            about = spec.about_no if lang == "no" else spec.about_en or comment
            data_column = "" if spec.column in (REMARK, REVISED) else spec.name(lang)
            rows.append(("", [spec.heading(lang), about, data_column]))
    rows += [("", []), ("heading", [word("sheets", lang)])]
    rows.append(("columns", [word("sheet", lang), word("sheet_title", lang), word("table", lang)]))
    rows += [("", [names[f.family], _sheet_title(f, published.families, lang), f.table]) for f in published.families]
    if REVISIONS_TABLE in published.tables:
        rows.append(("", [word("revisions", lang), word("revisions_title", lang), REVISIONS_TABLE]))
    provenance = published.provenance
    if not provenance.empty and "file_name" in provenance:
        rows += [("", []), ("heading", [word("files", lang)])]
        rows.append(("columns", [word("file", lang), word("delivery", lang)]))
        for delivered in provenance.to_dict("records"):
            if hasattr(delivered.get("loaded_at"), "strftime"):
                delivered["loaded_at"] = delivered["loaded_at"].strftime("%Y-%m-%d %H:%M")
            rows.append(("", [delivered["file_name"], word("delivery_text", lang).format_map(_Blank(delivered))]))
    return rows


class _Blank(dict):
    """A row of published_provenance for str.format_map: a column an older warehouse lacks reads as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def _first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


def _write_readme_sheet(sheet, published: PublishedWarehouse, lang: str, names: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font

    styles = {
        "title": Font(bold=True, size=14),
        "warning": Font(bold=True, color="C00000"),
        "heading": Font(bold=True, size=12),
        "columns": Font(bold=True),
    }
    widths = (32, 80, 28)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for number, (style, cells) in enumerate(_readme_rows(published, lang, names), start=1):
        for col, value in enumerate(cells, start=1):
            cell = _put(sheet, number, col, value)
            if style in styles:
                cell.font = styles[style]
            if style in ("", "columns", "warning"):  # headings and sentences run on to the right
                cell.alignment = wrapped
        if style == "warning":
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(widths))
            _fit_height(sheet, number, [(cells[0], sum(widths))])
        elif style == "":
            _fit_height(sheet, number, list(zip(cells, widths, strict=False)))
    for letter, width in zip("ABC", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    _print_setup(sheet, lang, published.is_synthetic, landscape=False, title_rows=None)


def _revision_rows(published: PublishedWarehouse, lang: str, names: dict[str, str]) -> list[tuple[list, str]]:
    """Every row of marts.revisions, newest release first, the families' in the book's order before the other
    tables', in the words of the workbook's language: (cells, the number format of its values)."""
    cells = published.table(REVISIONS_TABLE)
    if cells.empty:
        return []
    history = published.table(RELEASES_TABLE)
    released = dict(zip(history["release_id"], history["published_at"], strict=True)) if not history.empty else {}
    order = {release: n for n, release in enumerate(release_order(published))}
    sheets = {f.table: names[f.family] for f in published.families}
    labels = {
        table: figure_labels(published, table, set(rows["cell_key"]), lang)
        for table, rows in cells.groupby("table_name")
    }
    rank = {f.table: n for n, f in enumerate(published.families)}
    columns = {spec.column: spec for spec in SHOWN}  # a column shown on the family sheets: its heading, format
    rows = []
    ordered = cells.assign(
        _order=cells["release_id"].map(order).fillna(len(order)),
        _rank=cells["table_name"].map(rank).fillna(len(rank)),
    )
    for cell in ordered.sort_values(
        ["_order", "_rank", "table_name", "cell_key", "column_name"], ascending=[False] + [True] * 4
    ).itertuples():
        when = released.get(cell.release_id)
        spec = columns.get(cell.column_name)
        rows.append(
            (
                [
                    cell.release_id,
                    when.strftime("%Y-%m-%d %H:%M") if hasattr(when, "strftime") else None,
                    release_reason(cell.reason, lang),
                    sheets.get(cell.table_name, cell.table_name),
                    labels[cell.table_name].get(cell.cell_key, cell.cell_key),
                    spec.heading(lang) if spec else cell.column_name,
                    cell.old_value,
                    cell.new_value,
                    cell.difference,
                    *(status_change(cell.old_flag, cell.new_flag, lang) if cell.flag_changed else (None, None)),
                ],
                spec.number_format if spec else SHARE if cell.column_name.endswith(PERCENT) else "General",
            )
        )
    return rows


def _write_revisions_sheet(sheet, published: PublishedWarehouse, lang: str, names: dict[str, str]) -> None:
    """The revision note in a workbook: a title, what a row is, then one row per revised value (or a sentence
    saying none was), laid out like a family sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    synthetic = published.is_synthetic
    _put(sheet, 1, 1, word("revisions_title", lang)).font = Font(bold=True, size=14)
    second = word("synthetic", lang) if synthetic else word("revisions_intro", lang)
    _put(sheet, 2, 1, second).font = Font(bold=synthetic, color="C00000" if synthetic else "595959")
    headings = word("revision_columns", lang)
    for col, (heading, width) in enumerate(zip(headings, REVISION_WIDTHS, strict=True), start=1):
        cell = _put(sheet, HEADER_ROW, col, heading)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        sheet.column_dimensions[get_column_letter(col)].width = width
    rows = _revision_rows(published, lang, names)
    if not rows:
        _put(sheet, HEADER_ROW + 1, 1, word("revisions_none", lang))
    wrapped = Alignment(vertical="top", wrap_text=True)
    styles = {}  # each style set once, then copied: see _write_family_sheet
    for offset, (values, number_format) in enumerate(rows):
        row = HEADER_ROW + 1 + offset
        for col, value in enumerate(values, start=1):
            cell = _put(sheet, row, col, value)
            # A value is shown as the family sheets show its column (the cell is unrounded); a change signed.
            shown = "General" if col - 1 not in REVISION_VALUES else number_format
            shown = SIGNED.get(shown, shown) if col - 1 == CHANGE else shown
            style = styles.get(shown)
            if style is None:
                cell.alignment, cell.number_format = wrapped, shown
                styles[shown] = copy(cell._style)
            else:
                cell._style = copy(style)
        _fit_height(sheet, row, [(v, w) for v, w in zip(values, REVISION_WIDTHS, strict=True) if w >= WRAP_FROM_WIDTH])
    last = f"{get_column_letter(len(headings))}{HEADER_ROW + max(len(rows), 1)}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _fit_height(sheet, HEADER_ROW, [(h, w * 0.8) for h, w in zip(headings, REVISION_WIDTHS, strict=True)], at_least=2)
    _print_setup(sheet, lang, synthetic, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def write_workbook(published: PublishedWarehouse, path: Path, lang: str = "no") -> None:
    from openpyxl import Workbook

    book = Workbook()
    names = sheet_names(published.families, lang)
    readme = book.active
    readme.title = word("readme", lang)
    _write_readme_sheet(readme, published, lang, names)
    for family in published.families:
        sheet = book.create_sheet(names[family.family])
        _write_family_sheet(sheet, published, family, _sheet_title(family, published.families, lang), lang)
    if REVISIONS_TABLE in published.tables:
        _write_revisions_sheet(book.create_sheet(word("revisions", lang)), published, lang, names)
    staged = _staged(path)
    try:
        book.save(staged)
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


def write_exports(published: PublishedWarehouse, marts_dir: Path) -> Exports:
    marts_dir.mkdir(parents=True, exist_ok=True)
    csv_dir = marts_dir / CSV_DIR_NAME
    csv_dir.mkdir(exist_ok=True)
    csv_files = []
    for table, frame in sorted(published.tables.items()):
        write_csv(frame, csv_dir / f"{table}.csv")
        csv_files.append(csv_dir / f"{table}.csv")
    for stale in set(csv_dir.glob("*.csv")) - set(csv_files):  # a table this version does not publish
        stale.unlink()
    workbooks = {lang: marts_dir / name for lang, name in WORKBOOK_NAMES.items()}
    for lang, path in workbooks.items():
        write_workbook(published, path, lang)
    return Exports(workbooks["no"], workbooks, csv_files)
