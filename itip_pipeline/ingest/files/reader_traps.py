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
from pathlib import Path

from openpyxl.utils import get_column_letter

from itip_pipeline.ingest.problems import DeliveryRejected, Problem

# A <f> element (formula) in a worksheet part, with or without a namespace prefix.
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# A <row> or <col> start tag marked hidden (filtered-out rows are hidden rows too) or sized to nothing
# (a row 0 high, a column 0 wide), which a spreadsheet shows no more than a hidden one.
_HIDDEN_ELEMENT = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?(row|col)\s(?=[^>]*\b(?:hidden="(?:1|true)"|ht="0(?:\.0*)?"|width="0(?:\.0*)?"))[^>]*>'
)
_ATTRIBUTE = re.compile(rb'\b(r|min|max)="(\d+)"')
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


def _hidden_rows_and_columns(sheet) -> tuple[set[int], set[int]]:
    """The 1-based numbers of the rows and columns the sheet's XML marks hidden, by a byte scan (0 for a
    hidden row written without its number)."""
    rows: set[int] = set()
    columns: set[int] = set()

    def scan(text: bytes) -> None:
        for match in _HIDDEN_ELEMENT.finditer(text):
            where = {name.decode(): int(number) for name, number in _ATTRIBUTE.findall(match.group(0))}
            if match.group(1) == b"row":
                rows.add(where.get("r", 0))
            else:
                columns.update(range(where.get("min", 1), where.get("max", where.get("min", 1)) + 1))

    with sheet.parent._archive.open(sheet._worksheet_path) as part:
        pending = b""
        while chunk := part.read(_CHUNK):
            text = pending + chunk
            cut = text.rfind(b"<")  # a tag cut by the chunk's end is scanned with the next chunk
            scan(text[:cut] if cut >= 0 else text)
            pending = text[cut:] if cut >= 0 else b""
        scan(pending)
    return rows, columns


def _hidden_cells(file: str, sheet) -> list[Problem]:
    """A Problem per hidden row and per hidden column of the data sheet that holds a value."""
    hidden_rows, hidden_columns = _hidden_rows_and_columns(sheet)
    if not (hidden_rows or hidden_columns):
        return []
    sheet.reset_dimensions()
    filled_rows: set[int] = set()
    filled_columns: set[int] = set()
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        filled = {position for position, cell in enumerate(row, start=1) if cell is not None}
        if filled and (number in hidden_rows or 0 in hidden_rows):
            filled_rows.add(number)
        filled_columns |= filled & hidden_columns
    rule = (
        "a hidden {} holds data (hidden or filtered out in the spreadsheet, it would still be read); "
        "unhide it and delete what should not be delivered"
    )
    return [Problem(file=file, row=number, rule=rule.format("row")) for number in sorted(filled_rows)] + [
        Problem(file=file, column=get_column_letter(number), rule=rule.format("column"))
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
