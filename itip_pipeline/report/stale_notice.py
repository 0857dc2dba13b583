"""The notice on a figure book that no longer shows the published version: its drawing failed after a publish.

A failure of the figure book or exports step never takes back a publish: the new version stays what BI tools
read, and the book beside it still shows the version before. So that nobody reads the old book as current,
every page of it gets a notice at the top of its content saying which version it shows, that a newer one has
been published, and that the numbers in the warehouse and the Parquet files are the current ones. When there
is no book yet, an index page says so instead. The next successful drawing replaces the pages, notice and all.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

NOTICE_CLASS = "stale-notice"
NOTICE_STYLE = (
    "border:3px solid #8a4b00;background:#fff3cd;color:#3d2600;font-weight:bold;padding:.6rem .9rem;margin:.8rem 0"
)
TEXT = {
    "no": (
        "Denne figurboka er utdatert. Den viser versjon {shown}. Versjon {published} er publisert etterpå, men "
        "figurboka kunne ikke tegnes på nytt for den. Tallene i lageret og Parquet-filene er de gjeldende; kjør "
        "«itip run» på nytt for å tegne boka."
    ),
    "en": (
        "This figure book is out of date. It shows version {shown}. Version {published} has been published "
        "since, but the figure book could not be redrawn for it. The numbers in the warehouse and the Parquet "
        "files are the current ones; run `itip run` again to redraw the book."
    ),
}
UNKNOWN_VERSION = {"no": "(ukjent)", "en": "(unknown)"}


def mark_stale(book_dir: Path, shown: str | None, published: str | None) -> list[Path]:
    """Put the notice on every page of the book in `book_dir` (an index page saying so when there is none);
    returns the pages written. `shown` is the version the book was drawn from, `published` the current one."""
    pages = sorted(book_dir.glob("*.html")) + sorted(book_dir.glob("en/*.html"))
    if not pages:
        index = book_dir / "index.html"
        _write(index, _empty_page(shown, published))
        return [index]
    for page in pages:
        lang = "en" if page.parent.name == "en" else "no"
        _write(page, with_notice(page.read_text(encoding="utf-8", errors="replace"), notice(lang, shown, published)))
    return pages


def notice(lang: str, shown: str | None, published: str | None) -> str:
    unknown = UNKNOWN_VERSION[lang]
    text = TEXT[lang].format(shown=shown or unknown, published=published or unknown)
    return f'<p class="{NOTICE_CLASS}" role="alert" style="{NOTICE_STYLE}">{html.escape(text)}</p>'


def with_notice(page: str, notice_html: str) -> str:
    """The page with `notice_html` first in its content (replacing an earlier notice), or first in its body."""
    start = page.find(f'<p class="{NOTICE_CLASS}"')
    if start >= 0:
        page = page[:start] + page[page.index("</p>", start) + len("</p>") :]
    for anchor in ("<main>", "<body>"):
        at = page.find(anchor)
        if at >= 0:
            return page[: at + len(anchor)] + notice_html + page[at + len(anchor) :]
    return notice_html + page


def _empty_page(shown: str | None, published: str | None) -> str:
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Figurbok / figure book</title></head>'
        f"<body><main>{notice('no', shown, published)}{notice('en', shown, published)}</main></body></html>"
    )


def _write(path: Path, text: str) -> None:
    """Replaced in one rename: a reader never opens half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.stale")
    staged.write_text(text, encoding="utf-8")
    staged.replace(path)
