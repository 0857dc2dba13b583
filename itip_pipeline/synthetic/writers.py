"""Write one delivery file in the format its suffix names, marked synthetic and free of run timestamps.

Formats carry the run's clock in their metadata (xlsx: zip entry times and docProps/core.xml; SPSS: the
header's creation date and time); both are set to a fixed delivery date so reruns give identical bytes.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

SYNTHETIC_TITLE = "SYNTETISKE DATA – ikke ekte svar"
SYNTHETIC_SAV_LABEL = "SYNTETISKE DATA - ikke ekte svar (synthetic test data)"
# Offsets in the SPSS .sav header (after rec_type, product name, layout, case size, compression,
# weight index, case count and bias): creation date "dd Mmm yy" then time "hh:mm:ss".
_SAV_DATE_OFFSET, _SAV_TIME_OFFSET = 92, 101


def delivery_time(year: int) -> datetime:
    """The fixed timestamp written into a year's files' metadata."""
    return datetime(year, 6, 1)


def write_delivery_file(
    frame: pd.DataFrame,
    path: Path,
    spec: dict,
    *,
    year: int,
    titles: list[str],
    value_labels: dict[str, dict[int, str]],
    column_labels: dict[str, str],
) -> None:
    """Write `frame` to `path`; `spec` is the file's entry in calibration.yaml's `deliveries`."""
    suffix = path.suffix
    if suffix == ".csv":
        _write_csv(frame, path, spec["delimiter"], spec["encoding"])
    elif suffix == ".xlsx":
        _write_xlsx(frame, path, titles[: spec.get("title_rows", 0)], delivery_time(year))
    elif suffix == ".sav":
        _write_sav(frame, path, value_labels, column_labels, delivery_time(year))
    elif suffix == ".parquet":
        _write_parquet(frame, path)
    else:
        raise ValueError(f"{path.name}: no writer for {suffix}")


def _write_csv(frame: pd.DataFrame, path: Path, delimiter: str, encoding: str) -> None:
    # Files from Windows tools in Windows-1252 end their lines with CRLF, as a vendor's would.
    newline = "\r\n" if encoding == "cp1252" else "\n"
    frame.to_csv(path, sep=delimiter, encoding=encoding, index=False, lineterminator=newline)


def _write_xlsx(frame: pd.DataFrame, path: Path, titles: list[str], when: datetime) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "itip generate (synthetic)"
    workbook.properties.title = SYNTHETIC_TITLE
    workbook.properties.created = when
    sheet = workbook.create_sheet("data")
    for title in titles:
        sheet.append([title])
    sheet.append(list(frame.columns))
    for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None):
        sheet.append(row)
    workbook.save(path)
    _freeze_zip(path, when)


def _freeze_zip(path: Path, when: datetime) -> None:
    """Rewrite an xlsx with fixed entry times and a fixed modified date."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = info.compress_type
            target.writestr(fixed, data)


def _write_sav(
    frame: pd.DataFrame,
    path: Path,
    value_labels: dict[str, dict[int, str]],
    column_labels: dict[str, str],
    when: datetime,
) -> None:
    frame = frame.copy()
    for column in frame.columns:
        if column in value_labels:
            frame[column] = frame[column].astype("float64")  # SPSS numerics: blank is system-missing
        elif frame[column].dtype == object:
            frame[column] = frame[column].fillna("")
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=SYNTHETIC_SAV_LABEL,
        column_labels={c: column_labels.get(c, c) for c in frame.columns},
        variable_value_labels={c: {float(k): v for k, v in labels.items()} for c, labels in value_labels.items()},
        variable_format={c: "F1.0" for c in value_labels},
    )
    with open(path, "r+b") as handle:
        handle.seek(_SAV_DATE_OFFSET)
        handle.write(when.strftime("%d %b %y").encode("ascii"))
        handle.seek(_SAV_TIME_OFFSET)
        handle.write(when.strftime("%H:%M:%S").encode("ascii"))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), b"synthetic": b"true", b"description": SYNTHETIC_TITLE.encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)
