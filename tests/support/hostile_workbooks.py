"""Workbooks written by hand, part by part, for the readers' guards: every cell a shared string, and as many
unused shared strings after them as a test or the benchmark asks for (a small file that unpacks to gigabytes).

openpyxl writes inline strings and so never a shared strings table; these parts are what Excel writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.utils import get_column_letter

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PADDING = b"<si><t>" + b"x" * 40 + b"</t></si>"  # one unused shared string; compresses about 1000 to 1
_BLOCK = 100_000


def write_shared_strings_xlsx(path: Path, rows: Sequence[Sequence[str]], padding_bytes: int = 0) -> Path:
    """A one-sheet workbook of `rows` (text, every cell a shared string), its shared strings table padded by
    about `padding_bytes` of unused strings, streamed so that writing gigabytes needs little memory."""
    strings = sorted({cell for row in rows for cell in row})
    index = {text: i for i, text in enumerate(strings)}
    padding = padding_bytes // len(_PADDING)
    cells = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{get_column_letter(c)}{r}" t="s"><v>{index[v]}</v></c>' for c, v in enumerate(row, 1))
        + "</row>"
        for r, row in enumerate(rows, 1)
    )
    with ZipFile(path, "w", compression=ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            '<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>{cells}</sheetData></worksheet>',
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            total = len(strings) + padding
            part.write(f'<?xml version="1.0"?><sst xmlns="{_MAIN}" count="{total}" uniqueCount="{total}">'.encode())
            part.write("".join(f"<si><t>{escape(text)}</t></si>" for text in strings).encode())
            for start in range(0, padding, _BLOCK):
                part.write(_PADDING * min(_BLOCK, padding - start))
            part.write(b"</sst>")
    return path
