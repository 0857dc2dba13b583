"""Format features that make a reader return something other than what the vendor sees, refused outright.

Each would load without an error and publish wrong numbers:
- xlsx: a hidden or very hidden sheet (a stale copy may be read as the data); data on any sheet but the
  first (the data sheet must be the first and only non-empty one); hidden, filtered-out or zero-sized
  rows or columns of the data sheet that hold values (a row filtered out or hidden in Excel is invisible to
  the vendor but would be read as a respondent); formulas, with or without a cached value
  (without one the cell reads blank; a cached one may be stale, e.g. written by a tool that never
  recalculates, and the warehouse cannot recalculate it). The contract asks for values only.
- sav: user-missing declarations (MISSING VALUES). A reader drops the declared codes to blank, so "vet ikke"
  would leave the base; restoring them would be guessing whether a declared code means "vet ikke" or
  "not asked", so the file is refused naming the column and the codes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from itip_pipeline.ingest.problems import DeliveryRejected, Problem

# A <f> element (formula) in a worksheet part, with or without a namespace prefix.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# What a spreadsheet shows no value in: a row under 3 points high (a sixth of Excel's default 15, too low
# for the smallest text to be read) and a column under one character wide (a number too wide shows as #).
MIN_ROW_POINTS = 3.0
MIN_COLUMN_CHARACTERS = 1.0
# A <row>, <col> or <sheetFormatPr> start tag (any namespace prefix) that says something about visibility
# or size; tags without such an attribute are skipped by the regular expression alone.
_SIZED_ELEMENT = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|col|sheetFormatPr)\s"
    rb"(?=[^>]*\b(?:hidden|ht|width|zeroHeight|defaultRowHeight|defaultColWidth)\s*=)[^>]*>"
)
_ANY_ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CHUNK = 1 << 20


def workbook_traps(path: Path, workbook) -> None:
    """DeliveryRejected for hidden sheets, data beyond the first sheet and formulas; None for a clean workbook."""
    problems = [
        Problem(
            file=path.name,
            column=f"sheet {sheet.title!r}",
            rule=f"the workbook has a {sheet.sheet_state} sheet; unhide or delete it (only one visible sheet "
            "of data is read)",
        )
        for sheet in workbook.worksheets
        if sheet.sheet_state != "visible"
    ]
    problems += [
        Problem(
            file=path.name,
            column=f"sheet {sheet.title!r}",
            rule="a sheet other than the first holds data; the data must be on the first and only non-empty sheet",
        )
        for sheet in workbook.worksheets[1:]
        if sheet.sheet_state == "visible" and _has_values(sheet)
    ]
    if not problems and workbook.worksheets:
        problems = _hidden_cells(path.name, workbook.worksheets[0])
    if not problems and workbook.worksheets and _has_formula_parts(path):
        problems = _formula_cells(path.name, workbook.worksheets[0])
    if problems:
        raise DeliveryRejected(problems)


def _has_values(sheet) -> bool:
    sheet.reset_dimensions()
    return any(cell is not None for row in sheet.iter_rows(values_only=True) for cell in row)


def _has_formula_parts(path: Path) -> bool:
    """Whether any worksheet part contains a formula, by a byte scan far cheaper than reading the cells."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                while chunk := part.read(_CHUNK):
                    if _FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-64:]
    return False


@dataclass
class _Unseen:
    """The rows and columns of a sheet a spreadsheet does not show: hidden, or sized below what shows a value.

    A hiding default (the sheet's default row height or column width too small, or zeroHeight) hides every
    row or column that does not set a visible size of its own: those are the `shown_*` sets then.
    """

    rows: set[int] = field(default_factory=set)  # 0: a row hidden without its number, so any row
    columns: set[int] = field(default_factory=set)
    rows_by_default: bool = False
    shown_rows: set[int] = field(default_factory=set)
    columns_by_default: bool = False
    shown_columns: set[int] = field(default_factory=set)

    def row(self, number: int) -> bool:
        if number in self.rows or 0 in self.rows:
            return True
        return self.rows_by_default and number not in self.shown_rows

    def column(self, number: int) -> bool:
        return number in self.columns or (self.columns_by_default and number not in self.shown_columns)

    def any(self) -> bool:
        return bool(self.rows or self.columns or self.rows_by_default or self.columns_by_default)

    def read(self, kind: bytes, attributes: dict[str, str]) -> None:
        hidden = attributes.get("hidden") in ("1", "true")
        if kind == b"sheetFormatPr":
            self.rows_by_default = attributes.get("zeroHeight") in ("1", "true") or _below(
                attributes.get("defaultRowHeight"), MIN_ROW_POINTS
            )
            self.columns_by_default = _below(attributes.get("defaultColWidth"), MIN_COLUMN_CHARACTERS)
        elif kind == b"row":
            number = _number(attributes.get("r"), 0)
            if hidden or _below(attributes.get("ht"), MIN_ROW_POINTS):
                self.rows.add(number)
            elif "ht" in attributes:
                self.shown_rows.add(number)
        else:
            first = _number(attributes.get("min"), 1)
            numbers = range(first, _number(attributes.get("max"), first) + 1)
            if hidden or _below(attributes.get("width"), MIN_COLUMN_CHARACTERS):
                self.columns.update(numbers)
            elif "width" in attributes:
                self.shown_columns.update(numbers)


def _below(size: str | None, least: float) -> bool:
    """Whether a size attribute is given and smaller than `least` (an unreadable size counts as none)."""
    try:
        return size is not None and float(size) < least
    except ValueError:
        return False


def _number(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() else default


def _unseen_rows_and_columns(sheet) -> _Unseen:
    """What the sheet's XML hides or sizes below visibility, by a byte scan of its start tags."""
    unseen = _Unseen()

    def scan(text: bytes) -> None:
        for match in _SIZED_ELEMENT.finditer(text):
            attributes = {
                name.decode().rsplit(":", 1)[-1]: (double or single).decode()
                for name, double, single in _ANY_ATTRIBUTE.findall(match.group(0))
            }
            unseen.read(match.group(1), attributes)

    with sheet.parent._archive.open(sheet._worksheet_path) as part:
        pending = b""
        while chunk := part.read(_CHUNK):
            text = pending + chunk
            cut = text.rfind(b"<")  # a tag cut by the chunk's end is scanned with the next chunk
            scan(text[:cut] if cut >= 0 else text)
            pending = text[cut:] if cut >= 0 else b""
        scan(pending)
    return unseen


def _hidden_cells(file: str, sheet) -> list[Problem]:
    """A Problem per unseen row and per unseen column of the data sheet that holds a value."""
    unseen = _unseen_rows_and_columns(sheet)
    if not unseen.any():
        return []
    sheet.reset_dimensions()
    filled_rows: set[int] = set()
    filled_columns: set[int] = set()
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        filled = {position for position, cell in enumerate(row, start=1) if cell is not None}
        if filled and unseen.row(number):
            filled_rows.add(number)
        filled_columns |= {position for position in filled if unseen.column(position)}
    rule = (
        "a hidden {} holds data (hidden, filtered out or {} in the spreadsheet, it is not seen but would "
        "still be read); unhide it at a normal size and delete what should not be delivered"
    )
    too_low = f"under {MIN_ROW_POINTS:g} points high"
    too_narrow = f"under {MIN_COLUMN_CHARACTERS:g} character wide"
    return [Problem(file=file, row=number, rule=rule.format("row", too_low)) for number in sorted(filled_rows)] + [
        Problem(file=file, column=get_column_letter(number), rule=rule.format("column", too_narrow))
        for number in sorted(filled_columns)
    ]


def _formula_cells(file: str, sheet) -> list[Problem]:
    sheet.reset_dimensions()
    return [
        Problem(
            file=file,
            row=cell.row,
            column=get_column_letter(cell.column),
            value=_formula_text(cell.value),
            rule="a formula; deliver values only (paste as values): a formula's cached result may be stale or "
            "missing and is not recalculated",
        )
        for row in sheet.iter_rows()
        for cell in row
        if getattr(cell, "data_type", None) == "f"
    ]


def _formula_text(value) -> str:
    """A formula as a spreadsheet shows it: its text (an array formula's too), or a what-if data table's range."""
    if isinstance(value, str):
        return value
    text = getattr(value, "text", None)
    return str(text) if text is not None else f"data table {getattr(value, 'ref', '')}".strip()


def user_missing_declarations(file: str, meta) -> None:
    """DeliveryRejected naming each column of a .sav that declares user-missing values, and its codes."""
    problems = []
    for column, ranges in sorted(meta.missing_ranges.items()):
        codes = ", ".join(
            _code(r["lo"]) if r["lo"] == r["hi"] else f"{_code(r['lo'])}-{_code(r['hi'])}" for r in ranges
        )
        problems.append(
            Problem(
                file=file,
                column=column.strip().lower(),
                value=codes,
                rule="declares user-missing values (SPSS MISSING VALUES), which readers turn into blanks; remove the "
                'declaration and deliver the codes as ordinary values ("vet ikke" is 9)',
            )
        )
    for column, values in sorted(meta.missing_user_values.items()):
        if column not in meta.missing_ranges:
            problems.append(
                Problem(
                    file=file,
                    column=column.strip().lower(),
                    value=", ".join(map(str, values)),
                    rule="declares user-missing values (SPSS MISSING VALUES); remove the declaration",
                )
            )
    if problems:
        raise DeliveryRejected(problems)


def _code(value: float | str) -> str:
    """A declared code as SPSS shows it: 9, not 9.0; a string variable's code as it is."""
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)
