"""The published workbooks printed: LibreOffice (a real process, as a reader would print them) converts each
to PDF, and every page of a family sheet carries the whole header row, so no column was pushed onto a page of
its own or cut off, and no number is too wide for its column."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from itip_pipeline.report.exports import REMARK, SHOWN, WORKBOOK_NAMES, word

HEADINGS = {s.column: s for s in SHOWN}


def _pdf_pages(workbook, folder) -> list[str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    assert soffice and pdftotext, "needs LibreOffice Calc and poppler-utils (apt: libreoffice-calc poppler-utils)"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    text = subprocess.run(
        [pdftotext, "-layout", str(folder / workbook.with_suffix(".pdf").name), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.mark.parametrize("lang", ["no", "en"])
def test_every_printed_page_of_a_family_sheet_has_every_column(published_once, tmp_path, lang):
    settings, _, _ = published_once
    pages = _pdf_pages(settings.marts_dir / WORKBOOK_NAMES[lang], tmp_path)
    first, last = HEADINGS["year"].heading(lang), HEADINGS[REMARK].heading(lang)
    # The header row's bottom line (headings are bottom-aligned): the first column's heading to the last's.
    header = re.compile(rf"^\s*{re.escape(first)}\s.*\s{re.escape(last)}\s*$", re.MULTILINE)
    has_header = [bool(header.search(page)) for page in pages]
    assert True in has_header, f"no page shows a family sheet's header row ({first} … {last})"
    readme_pages = has_header.index(True)
    assert 1 <= readme_pages <= 3, f"the read-me sheet prints on {readme_pages} pages"
    # The revisions sheet prints last, with columns of its own.
    title = word("revisions_title", lang)
    revisions = next((n for n in range(readme_pages, len(pages)) if title in pages[n]), len(pages))
    assert revisions < len(pages), "the workbook prints its revisions sheet"
    assert word("revision_columns", lang)[0] in pages[revisions]
    cut = [n + 1 for n, ok in enumerate(has_header[:revisions]) if not ok and n >= readme_pages]
    assert not cut, f"pages {cut} of {len(pages)} lack the header row: a column printed apart from its rows"
    assert not [n + 1 for n, page in enumerate(pages) if "###" in page], "a number too wide for its column"
