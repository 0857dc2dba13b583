"""Recognising personal data in a delivery: column names that announce it, and values that are it.

The contract forbids direct identifiers (names, e-mail, phone numbers, birth numbers, addresses) and free
text under any column name. Two rules enforce it, both here and nowhere else:

- `forbidden_family(name)`: a column name is normalised (accents folded, ø → o, æ → ae; case, digits,
  punctuation and spaces dropped) and matched against families of stems, so `e-post`, `Fødselsnummer`,
  `Mobilnr`, `kommentarer` and `fritekst_1` are caught while question columns (`q24_07`, `K01`) and the
  contract's id columns are not. Short stems (`post`, `name`, `mobil`, `tlf` …) must stand as a word of
  the name, long ones (`fodsels`, `telefon…`, `kommentar` …) may appear anywhere in it.
- `personal_values(values)`: values that are a Norwegian birth number (fødselsnummer, D- or H-number: 11
  digits passing both mod-11 control digits, also when a spreadsheet dropped the leading zero), an e-mail
  address, or a Norwegian phone number (8 digits starting 2–9, optionally +47/0047, spaces or hyphens).

`must_mask(column, value)` is the masking rule and `mask(value)` how a masked value is shown: a `Problem`
applies both when it is made, so no report, log, exception or Dagster event can carry the value itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # standard library only at run time: every Problem masks through this module
    import pandas as pd

# Family -> (stems that may appear anywhere in the compacted name, stems that must be a word of the name).
# A "word" stem also matches the word followed by a number suffix (`tlfnr`, `mobilnummer`, `phoneno`).
NAME_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "birth number": (("fodsels", "personnr", "personnum", "socialsecurity", "birthnumber"), ("fnr", "ssn")),
    "address": (("adresse", "address", "postnr", "postnum", "poststed"), ("adr", "street")),
    "e-mail": (("epost", "email", "mailadr"), ("post", "mail", "mails")),
    "phone number": (
        ("tlf", "telefonn", "mobilnr", "mobilnum", "mobiltelefon", "phonen", "telephone", "cellphone", "mobilephone"),
        ("telefon", "mobil", "mobile", "phone"),
    ),
    "name": (
        ("fornavn", "etternavn", "mellomnavn", "firstname", "lastname", "surname", "fullname", "username", "fulltnavn"),
        ("navn", "name", "names"),
    ),
    "free text": (
        ("fritekst", "kommentar", "comment", "freetext", "opentext", "spesifiser", "specify"),
        ("fritt", "tekst", "text", "note", "notes", "merknad", "merknader"),
    ),
}
NUMBER_SUFFIXES = ("", "nr", "no", "num", "nummer", "number")
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ð": "d", "þ": "th", "ß": "ss", "đ": "d"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _missing(value: object) -> bool:
    # pandas' NA is recognised by its type's name: this module does not import pandas.
    return value is None or type(value).__name__ == "NAType"


def name_words(name: object) -> list[str]:
    """The column name's words: camelCase split, accents folded, lower case, digits and punctuation dropped."""
    text = "" if _missing(name) else str(name)
    text = _CAMEL.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return re.findall(r"[a-z]+", text)


def forbidden_family(name: object) -> str | None:
    """The personal-data family the column name belongs to ("e-mail", "birth number" …), or None."""
    words = name_words(name)
    compact = "".join(words)
    for family, (anywhere, as_word) in NAME_FAMILIES.items():
        if any(stem in compact for stem in anywhere):
            return family
        if any(word == stem + suffix for word in words for stem in as_word for suffix in NUMBER_SUFFIXES):
            return family
    return None


# Values. Digits may be separated by spaces or hyphens as people write them; a digit run inside a longer
# number (a weight's decimals, an orgnr) is not a match.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\d+])(?<!\d[.,])(?:(?:\+|00)47[ -]?)?([2-9](?:[ -]?\d){7})(?![\d]|[.,]\d)")
_BIRTH = re.compile(r"(?<![\d+])(?<!\d[.,])(\d{5,6})[ -]?(\d{5})(?![\d]|[.,]\d)")
# A cheap superset of the three rules without look-arounds, so pyarrow (RE2) can sift a million ids at once.
_CANDIDATE = re.compile(r"@|(?:^|[^\d+])(?:(?:(?:\+|00)47[ -]?)?[2-9](?:[ -]?\d){7}|\d{5,6}[ -]?\d{5})(?:$|\D)")
_CONTROL_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_CONTROL_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _control_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if remainder == 0 else (None if remainder == 1 else 11 - remainder)


def is_birth_number(digits: str) -> bool:
    """11 digits that form a fødselsnummer, D-number (day + 40) or H-number (month + 40), control digits checked."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    day, month = int(digits[:2]) % 40, int(digits[2:4]) % 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    return _control_digit(digits[:9], _CONTROL_1) == int(digits[9]) and _control_digit(digits[:10], _CONTROL_2) == int(
        digits[10]
    )


def personal_kind(value: object) -> str | None:
    """What kind of personal data the value is or contains ("birth number", "e-mail address", "phone number")."""
    if _missing(value):
        return None
    text = str(value)
    if not _CANDIDATE.search(text):
        return None
    if _EMAIL.search(text):
        return "e-mail address"
    for match in _BIRTH.finditer(text):
        digits = match.group(1) + match.group(2)
        # A spreadsheet cell holding the number as a number loses a birth number's leading zero.
        if is_birth_number(digits) or (len(digits) == 10 and is_birth_number("0" + digits)):
            return "birth number"
    for match in _PHONE.finditer(text):
        if not _is_date(re.sub(r"\D", "", match.group(1))):
            return "phone number"
    return None


def _is_date(digits: str) -> bool:
    """Eight digits that read as a date (yyyymmdd or ddmmyyyy, 1900-2099): a date column is not a phone."""
    for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2])):
        if year[:2] in ("19", "20") and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return True
    return False


def personal_values(values: pd.Series) -> dict[str, str]:
    """The distinct values of the column that are personal data, with their kind ("birth number" …)."""
    sifted = values.astype("string[pyarrow]").str.contains(_CANDIDATE.pattern, regex=True).fillna(False)
    candidates = values[sifted.to_numpy(dtype=bool)].unique()
    return {value: kind for value in candidates if (kind := personal_kind(value)) is not None}


def mask(value: object) -> str:
    """A value as it may be shown: its kind and length, never its characters."""
    text = str(value)
    kind = personal_kind(text)
    if kind is not None:
        return f"<masked: {kind}>"
    unit = "digit" if text.isdigit() else "character"
    return f"<masked: {len(text)} {unit}{'' if len(text) == 1 else 's'}>"


# Columns whose every value is personal (a pseudonymous id is still personal data under the GDPR).
IDENTIFIER_COLUMNS = ("respondent_id",)


def must_mask(column: object, value: object) -> bool:
    """The masking rule: values of identifier columns, of personal-data columns, and values that look personal."""
    if column is not None and (str(column).strip().lower() in IDENTIFIER_COLUMNS or forbidden_family(column)):
        return True
    return personal_kind(value) is not None


def personal_columns(columns: Iterable[object]) -> dict[str, str]:
    """The columns among `columns` that belong to a personal-data family, with that family."""
    return {str(c): family for c in columns if (family := forbidden_family(c)) is not None}
