"""Text from a delivery made safe for where it is written: one function per output kind.

Anything a vendor chose (file and folder names, column headers, labels, values) may hold characters that act
in the output it reaches: a terminal runs escape sequences, a Markdown viewer renders HTML and links, a
spreadsheet runs a cell that starts like a formula, a mail header ends at a line break. Every place that
writes such text passes it through the one function for its kind, here:

    for_terminal      a line on the terminal or in a log: control characters shown as \\x1b, \\x07, \\u202e
    for_markdown      inline Markdown (report.md, Dagster's metadata): HTML entities and Markdown specials
    for_html          HTML text and attribute values: entities, control characters shown as in for_terminal
    for_cell          a spreadsheet or CSV cell: no formula can start it (OWASP's CSV-injection rule)
    for_mail_header   a mail header: one line
    for_mail_body     a plain-text mail body: lines kept, control characters shown
    for_json          a JSON document: `<`, `>`, `&` and control characters written as \\u escapes

Standard library only (core/ is imported by the no-op path of `itip run`).
"""

from __future__ import annotations

import html
import re
import unicodedata

# C0 and C1 control characters, DEL, and the invisible characters that reorder or hide text on screen (bidi
# embeddings, overrides and isolates, zero-width marks, the byte-order mark): a terminal obeys the former and a
# reader is misled by the latter, so both are shown as their code instead of written.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# What a terminal or log line shows as a code, by Unicode category: Cc (C0 and C1 controls, DEL), Cf (every
# invisible format character, the ones above included), Cs (a byte that is not UTF-8, which Python reads as a
# lone surrogate and no UTF-8 output can hold), Zl and Zp (line and paragraph separators).
SHOWN_AS_CODE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _code(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # the byte Python could not decode, shown as that byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _shown(match: re.Match) -> str:
    return _code(match.group())


def for_terminal(text: object, lines: bool = False) -> str:
    """The text as one line (or, with `lines`, its lines kept) with every control character shown as its code,
    e.g. ESC as \\x1b: printed, it moves no cursor, sets no title and rings no bell."""
    text = str(text)
    if text.isprintable():  # False for every category above (and for spaces other than " "): the common case
        return text
    return "".join(
        _code(char) if unicodedata.category(char) in SHOWN_AS_CODE and not (lines and char == "\n") else char
        for char in text
    )


# Inline Markdown made from a delivered text is escaped only where it would act, so that a file name or a
# sentence still reads plainly in the raw file: `<`, `>` and `&` become HTML entities (no viewer parses a tag,
# whether it allows HTML or not); `[` and `]` (links and images), `|` (a table cell's end), `*`, `` ` ``, `~` and
# `\` (emphasis, code, strikethrough, escapes) are backslash-escaped; `_` only where it could open or close
# emphasis, not inside a word (file_name); `:` before `//`, so that no viewer makes a bare URL a link.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_ACTIVE = re.compile(r"[&<>\\`*\[\]|~]|(?<![^\W_])_|_(?![^\W_])|:(?=//)")


def _markdown_escaped(match: re.Match) -> str:
    char = match.group()
    return _ENTITIES.get(char) or "\\" + char


def for_markdown(text: object) -> str:
    """Inline Markdown that shows the text as written: no tag, link, emphasis or table cell boundary is made
    from it, in any viewer (HTML enabled or not). One line: a line break would end a table row."""
    return _MARKDOWN_ACTIVE.sub(_markdown_escaped, for_terminal(text))


def for_html(text: object) -> str:
    """HTML text or a quoted attribute value: the five special characters as entities, control characters shown
    as their code (a browser would drop or misplace them)."""
    return html.escape(for_terminal(text, lines=True), quote=True)


# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets (OWASP, "CSV
# Injection"): = + - @ and tab or carriage return before them; spreadsheets also read the full-width forms
# (＝ ＋ － ＠) as the ASCII ones.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A text that is a plain number ("-12", "+3.5", "-1,5e3") starts with a sign but computes nothing: kept as it is,
# so that a negative number in a text column still reads as a number.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
# Control characters a worksheet cannot hold (openpyxl refuses them: "cannot be used in worksheets"); tab,
# line feed and carriage return inside a cell are allowed.
_CELL_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def for_cell(value: object) -> object:
    """A spreadsheet or CSV cell's value: a text with its control characters shown as their code and, when it
    would start a formula, a ' before it (the cell then reads as text); any other value (a number, a date,
    None) as it is, so numbers stay numeric."""
    if not isinstance(value, str):
        return value
    text = _CELL_CONTROL.sub(_shown, value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def for_mail_header(text: object) -> str:
    """A mail header's value on one line: every control character shown as its code, so no line break can end
    the header and start another (a Bcc: added by a file name)."""
    return for_terminal(text)


def for_mail_body(text: object) -> str:
    """A plain-text mail body: its lines kept, every other control character shown as its code."""
    return for_terminal(text, lines=True)


# In a JSON document these characters can only stand inside a string, where the \u escape is the same text to
# every JSON reader: written so, a page that embeds the file in a <script> block cannot be closed by a label,
# and a viewer shows no invisible character that reorders or hides the text around it.
_JSON_ACTIVE = re.compile("[<>&]|[^\\x20-\\x7e\u00a0-\u00ac\u00ae-\u00ff]")


def _json_escape(match: re.Match) -> str:
    char = match.group()
    if char not in "<>&" and unicodedata.category(char) not in SHOWN_AS_CODE:
        return char
    code = ord(char)
    if code > 0xFFFF:  # beyond the Basic Multilingual Plane: JSON writes it as a UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def for_json(document: str) -> str:
    """A serialised JSON document (json.dumps with ensure_ascii=False) with `<`, `>`, `&` and every control or
    invisible character written as its \\u escape; the letters of every language stay as they are."""
    return _JSON_ACTIVE.sub(_json_escape, document)
