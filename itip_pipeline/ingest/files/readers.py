"""Reading one delivered table (xlsx, csv, sav or parquet) into a frame of text, refusing unreadable files.

Readers decide nothing about meaning: every value comes back as text so validation can report a bad
value exactly as delivered. What belongs here is the file format: suffixes, encodings, delimiters,
header rows, row numbers as a person sees them, and the guards against corrupt or oversized files.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from itip_pipeline.core import contract
from itip_pipeline.core.personal_values import skeleton
from itip_pipeline.ingest.files.reader_traps import user_missing_declarations, workbook_traps
from itip_pipeline.ingest.problems import DeliveryRejected, Problem, parser_message

ACCEPTED_DELIMITERS = (";", ",")
# Columns the ingest adds to every delivered frame (validate adds source_file); a delivered one would clash.
RESERVED_COLUMNS = ("source_row", "source_file")
DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}

# What a format reader hands back: the header cells, the body as raw cell values with positional column
# labels, and each body row's 1-based row number in the file.
RawTable = tuple[list[object], pd.DataFrame, list[int]]


def column_key(name: object) -> str:
    """A delivered column name as it is matched against the contract: trimmed and lower-cased."""
    return "" if name is None else str(name).strip().lower()


def read_table(path: Path, required_columns: Sequence[str]) -> pd.DataFrame:
    """Read a delivered table by its suffix: every column as pandas "string" (blanks <NA>), plus `source_row`.

    Column names come back trimmed and lower-cased. `source_row` is the 1-based row a person sees in the
    file, header and title rows counted (for xlsx and csv as a spreadsheet shows it). sav and parquet have
    no visible rows, so there it is the 1-based record number + 1, as if a header row came first.
    `required_columns` (delivered names) locate the header row of an xlsx below its title rows, and a
    file without one of them is refused. Every failure is a DeliveryRejected naming `path.name`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = FORMAT_READERS.get(suffix)
    if reader is None:
        raise DeliveryRejected.single(
            path.name,
            f"unsupported file type {suffix or '(none)'!r}; accepted: {', '.join(contract.ACCEPTED_SUFFIXES)}",
        )
    _check_size(path)
    required = [column_key(c) for c in required_columns]
    try:
        header, body, source_rows = reader(path, required)
    except DeliveryRejected:
        raise
    # A corrupt file can fail anywhere inside a third-party parser; whatever it raises, the file is refused.
    except Exception as exc:  # noqa: BLE001
        message = parser_message(exc)
        rejected = DeliveryRejected.single(
            path.name,
            f"cannot be read as {suffix[1:]}: the file is corrupt or truncated "
            f"({message or 'the reader quoted a cell holding personal data, not shown here'})",
        )
        # A quoted personal value must not travel on as the refusal's cause (logs and Dagster keep causes).
        raise rejected from (exc if message else None)
    return _as_delivered_frame(path.name, header, body, source_rows, required)


def read_tables(paths: Sequence[Path], required_columns: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """Every file read as read_table reads it, as (name, frame) pairs; a DeliveryRejected carrying the
    problems of every file that cannot be read, not only the first's, so one refusal names them all."""
    tables: list[tuple[str, pd.DataFrame]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            tables.append((Path(path).name, read_table(path, required_columns)))
        except DeliveryRejected as rejected:
            problems += rejected.problems
    if problems:
        raise DeliveryRejected(problems)
    return tables


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DeliveryRejected.single(path.name, f"cannot be opened: {exc.strerror}") from exc
    if size == 0:
        raise DeliveryRejected.single(path.name, "the file is empty (0 bytes)")
    if size > contract.MAX_FILE_BYTES:
        raise DeliveryRejected.single(
            path.name, f"the file is {size} bytes, more than the limit of {contract.MAX_FILE_BYTES} bytes"
        )


def _read_csv(path: Path, required: Sequence[str]) -> RawTable:
    data = path.read_bytes()
    if b"\x00" in data:
        raise DeliveryRejected.single(path.name, "binary content (NUL bytes) in a .csv file")
    text = _decode(path.name, data)
    header_line = text.splitlines()[0] if text else ""
    delimiter = _detect_delimiter(path.name, header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:  # e.g. a field over csv's limit of 131072 characters
        message = parser_message(exc) or "the reader quoted a field holding personal data, not shown here"
        raise DeliveryRejected.single(path.name, f"not readable as csv text: {message}", row=reader.line_num) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise DeliveryRejected.single(path.name, "the first line must be the header row, but it is blank", row=1)
    header, rows = records[0], records[1:]
    ragged = [
        Problem(file=path.name, row=number, rule=f"has {len(row)} fields, the header has {len(header)}")
        for number, row in enumerate(rows, start=2)
        if row and len(row) != len(header)
    ]
    if ragged:
        raise DeliveryRejected(ragged)
    body = [row or [None] * len(header) for row in rows]
    return header, pd.DataFrame(body, columns=range(len(header)), dtype=object), list(range(2, len(rows) + 2))


def _decode(file: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DeliveryRejected.single(
            file, f"byte 0x{data[exc.start]:02x} at offset {exc.start} is neither UTF-8 nor Windows-1252 text"
        ) from exc


def _detect_delimiter(file: str, header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITER_NAMES}
    found = max(counts, key=counts.get)
    if counts[found] == 0:
        return ACCEPTED_DELIMITERS[0]  # a one-column header; the required-column check reports what is missing
    if found not in ACCEPTED_DELIMITERS:
        raise DeliveryRejected.single(
            file, f"the header is separated by {DELIMITER_NAMES[found]}; only ';' or ',' are accepted", row=1
        )
    return found


def _read_xlsx(path: Path, required: Sequence[str]) -> RawTable:
    _xlsx_work_limits(path)
    # data_only=False: a formula comes back as its text, never as a cached value that may be stale or absent.
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        workbook_traps(path, workbook)
        sheet = workbook.worksheets[0]
        # The sheet's stored <dimension> is the writer's claim: trusted, a stale one silently drops rows
        # below it and a huge one pads every row (and every gap) out to it, a memory bomb in a tiny file.
        sheet.reset_dimensions()
        # Blank rows are kept only as gaps in the row numbers, so a lone cell at row 1048576 costs nothing.
        numbered = [
            (number, row)
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(cell is not None for cell in row)
        ]
    finally:
        workbook.close()
    if not numbered:
        raise DeliveryRejected.single(path.name, "the first sheet is empty")
    if numbered[0][0] > contract.MAX_XLSX_TITLE_ROWS + 1:
        raise DeliveryRejected.single(
            path.name, f"no header row: rows 1-{contract.MAX_XLSX_TITLE_ROWS + 1} of the first sheet are blank"
        )
    header_index = _header_row_index(numbered, required)
    width = max(len(row) for _, row in numbered)
    padded = [list(row) + [None] * (width - len(row)) for _, row in numbered]
    body = padded[header_index + 1 :]
    return (
        padded[header_index],
        pd.DataFrame(body, columns=range(width), dtype=object),
        [number for number, _ in numbered[header_index + 1 :]],
    )


# Start tags counted while a part streams: a cell of a worksheet, a string of the shared strings table.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_STREAM_CHUNK = 1 << 20
_TAG_REACH = 64


def _xlsx_work_limits(path: Path) -> None:
    """Refuse a workbook that would take more work to read than any survey needs, before it is opened.

    The parts' declared sizes are checked first (the zip's directory, no decompression); then each worksheet
    and the shared strings are streamed in chunks, counting bytes, cells and strings, and the stream stops
    at the first limit passed. So a bomb costs one chunk of memory and at most the limits' bytes of
    decompression, whatever its parts claim (contract.MAX_XLSX_*).
    """
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        declared = sum(info.file_size for info in parts)
        if declared > contract.MAX_XLSX_UNCOMPRESSED_BYTES:
            raise _too_much(path, f"unpacks to {declared} bytes", contract.MAX_XLSX_UNCOMPRESSED_BYTES, "bytes")
        for info in parts:
            if info.file_size > _part_limit(info.filename):
                raise _too_much(
                    path, f"part {info.filename} unpacks to {info.file_size} bytes", _part_limit(info.filename), "bytes"
                )
        counted = {"cells": 0, "shared strings": 0}
        streamed = 0
        for info in parts:
            tag, what = _counted_tag(info.filename)
            if tag is None:
                continue
            limit = _part_limit(info.filename)
            with archive.open(info) as part:
                part_bytes, tail = 0, b""
                while True:
                    chunk = part.read(_STREAM_CHUNK)
                    part_bytes += len(chunk)
                    streamed += len(chunk)
                    if part_bytes > limit:
                        raise _too_much(
                            path, f"part {info.filename} unpacks to more than {limit} bytes", limit, "bytes"
                        )
                    if streamed > contract.MAX_XLSX_UNCOMPRESSED_BYTES:
                        raise _too_much(
                            path,
                            "unpacks to more than its parts declare",
                            contract.MAX_XLSX_UNCOMPRESSED_BYTES,
                            "bytes",
                        )
                    text = tail + chunk
                    # A tag cut by the chunk's end is counted with the next chunk: a start tag is far
                    # shorter than _TAG_REACH bytes, so only a '<' that close to the end can begin one.
                    cut = text.rfind(b"<", max(0, len(text) - _TAG_REACH)) if chunk else -1
                    cut = len(text) if cut < 0 else cut
                    counted[what] += len(tag.findall(text, 0, cut))
                    tail = text[cut:]
                    if counted[what] > _count_limit(what):
                        raise _too_much(path, f"holds more than {_count_limit(what)} {what}", _count_limit(what), what)
                    if not chunk:
                        break


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return contract.MAX_XLSX_SHEET_BYTES
    if name == "xl/sharedStrings.xml":
        return contract.MAX_XLSX_SHARED_STRINGS_BYTES
    return contract.MAX_XLSX_OTHER_PART_BYTES


def _counted_tag(name: str) -> tuple[re.Pattern[bytes] | None, str]:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return _CELL_TAG, "cells"
    if name == "xl/sharedStrings.xml":
        return _STRING_TAG, "shared strings"
    return None, ""


def _count_limit(what: str) -> int:
    return contract.MAX_XLSX_CELLS if what == "cells" else contract.MAX_XLSX_SHARED_STRINGS


def _too_much(path: Path, found: str, limit: int, unit: str) -> DeliveryRejected:
    return DeliveryRejected.single(
        path.name,
        f"the workbook {found}: the limit is {limit} {unit}, far more than a survey needs, so the file is refused "
        "unread as a possible zip bomb; split the data over several files or deliver csv",
    )


def _header_row_index(numbered: Sequence[tuple[int, Sequence[object]]], required: Sequence[str]) -> int:
    """Among the (row number, cells) pairs within the title rows, the first holding every required column;
    failing that, the one holding most of them."""
    candidates = [row for number, row in numbered if number <= contract.MAX_XLSX_TITLE_ROWS + 1]
    found = [len(set(required) & {column_key(cell) for cell in row}) for row in candidates]
    return found.index(max(found))


def _read_sav(path: Path, required: Sequence[str]) -> RawTable:
    # Declarations are refused from the metadata alone, before the data is read: pyreadstat cannot read the
    # data of a file declaring user-missing values on a string variable. user_missing=True: declared codes
    # come back as values, and as declarations in the metadata.
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    user_missing_declarations(path.name, meta)
    frame, _ = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    return _records_table(list(frame.columns), frame)


def _read_parquet(path: Path, required: Sequence[str]) -> RawTable:
    table = pq.read_table(path)
    nested = [
        Problem(
            file=path.name,
            column=column_key(field.name),
            rule=f"a column of {field.type} values; every cell must hold one value",
        )
        for field in table.schema
        if pa.types.is_nested(field.type)
    ]
    if nested:
        raise DeliveryRejected(nested)
    frame = pd.DataFrame({i: column.to_pandas() for i, column in enumerate(table.columns)})
    return _records_table(table.column_names, frame)


def _records_table(header: list[object], frame: pd.DataFrame) -> RawTable:
    body = frame.set_axis(range(frame.shape[1]), axis=1).reset_index(drop=True)
    return header, body, list(range(2, len(body) + 2))


FORMAT_READERS: dict[str, Callable[[Path, Sequence[str]], RawTable]] = {
    ".csv": _read_csv,
    ".xlsx": _read_xlsx,
    ".sav": _read_sav,
    ".parquet": _read_parquet,
}


def _as_text(values: pd.Series) -> pd.Series:
    """Cell values as trimmed text, blanks as <NA>; integral floats (3.0 from Excel or SPSS) written as 3."""
    if pd.api.types.is_float_dtype(values):
        values = values.astype("float64")
    elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) != "string":
        # Cells of several types (1, 1.0 and True in one xlsx column) are equal as values but not as text:
        # each cell is written before the distinct texts are taken.
        values = values.map(_cell_text)
    return pd.Series(per_distinct_value(values, _trimmed_texts, None), index=values.index, dtype="string")


def per_distinct_value(
    values: pd.Series | np.ndarray, convert: Callable[[Any], np.ndarray], blank: object
) -> np.ndarray:
    """Each cell's result, where convert(the distinct values) gives one result per distinct value and a blank cell
    (None, NaN, <NA>) takes `blank`. A column of a million answers holds a handful of codes: the work follows
    them, not the cells, and the cells share their value's result. Only where equal values are equal cells."""
    positions, distinct = pd.factorize(values, use_na_sentinel=True)  # a blank's position is -1: `blank`, last
    return np.append(convert(distinct), blank)[positions]


def _trimmed_texts(distinct: Any) -> np.ndarray:
    """The distinct values' texts, trimmed, a blank one as None."""
    if pd.api.types.is_float_dtype(distinct.dtype):
        texts = [_number_text(number) for number in distinct.tolist()]
    elif distinct.dtype == object:
        texts = list(distinct)
    else:
        texts = pd.Series(distinct).astype("string").tolist()
    return np.array([text.strip() or None for text in texts], dtype=object)


def _number_text(number: float) -> str:
    """3.0 as 3 (a whole number up to 2**53, which a double holds exactly), any other number as Python writes it."""
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else str(number)


def _cell_text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return _number_text(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _by_skeleton(names: Iterable[str]) -> dict[str, list[str]]:
    """The distinct names grouped by how they read (personal_values.skeleton), each group sorted."""
    groups: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        groups.setdefault(skeleton(name), []).append(name)
    return groups


def _as_delivered_frame(
    file: str, header: list[object], body: pd.DataFrame, source_rows: list[int], required: Sequence[str]
) -> pd.DataFrame:
    names = [column_key(_cell_text(cell)) for cell in header]
    text = pd.DataFrame({i: _as_text(body[i]) for i in body.columns}, index=body.index)
    filled = text.notna().any(axis=1)
    text = text[filled]
    rows = pd.Series(source_rows, index=body.index, dtype="int64")[filled]

    problems: list[Problem] = []
    keep: list[int] = []
    for position, name in enumerate(names):
        if name:
            keep.append(position)
        elif text[position].notna().any():
            first = int(rows[text[position].notna()].iloc[0])
            problems.append(
                Problem(file=file, row=first, column=f"#{position + 1}", rule="values in a column without a header")
            )
    kept_names = [names[i] for i in keep]
    counts = Counter(kept_names)
    for name in sorted(n for n, count in counts.items() if count > 1):
        problems.append(Problem(file=file, column=name, rule="the column name appears more than once in the header"))
    # Names that differ only in look-alike characters (a Cyrillic о in orgnr, a full-width digit) are the
    # same name to whoever reads the file: which one the warehouse should read cannot be told.
    looks = _by_skeleton(counts)
    for same in sorted(group for group in looks.values() if len(group) > 1):
        problems.append(
            Problem(
                file=file,
                column=same[0],
                rule=f"the column names {', '.join(map(repr, same))} look the same but are written with different "
                "characters (letters of another alphabet, full-width or look-alike letters and digits); keep one",
            )
        )
    for name in sorted(set(kept_names) & set(RESERVED_COLUMNS)):
        problems.append(
            Problem(file=file, column=name, rule="the name is reserved by the warehouse; rename or remove the column")
        )
    required_looks = _by_skeleton(required)
    for name in required:
        if name not in counts:
            lookalikes = [
                n for n in looks.get(skeleton(name), []) if n != name and n not in required_looks.get(skeleton(n), [])
            ]
            also = (
                f" (the header has {', '.join(map(repr, lookalikes))}, which looks the same but is written with "
                "other characters: letters of another alphabet, full-width or look-alike letters and digits)"
                if lookalikes
                else ""
            )
            problems.append(Problem(file=file, column=name, rule=f"required column is missing{also}"))
    if text.empty:
        problems.append(Problem(file=file, rule="the file has a header but no data rows"))
    if problems:
        raise DeliveryRejected(problems)

    frame = text[keep].set_axis(kept_names, axis=1).reset_index(drop=True)
    frame["source_row"] = rows.to_numpy()
    return frame
