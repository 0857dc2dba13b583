"""Recognising personal data in a delivery: column names that announce it, and values that are it.

The contract forbids direct identifiers (names, e-mail, phone numbers, birth numbers, addresses) and free
text under any column name. Two rules enforce it, both here and nowhere else:

- `forbidden_family(name)`: a column name is folded to its skeleton (`skeleton`: NFKC, so full-width
  letters are letters; look-alike characters from other scripts mapped to the Latin letter they imitate,
  after Unicode's confusables, core/confusables.py; accents folded, ø → o, æ → ae; lower case; the
  letter-digit look-alikes l/1/I, 0/o and rn/m made one) and its words matched against families of stems,
  folded the same way, so `e-post`, `Fødselsnummer`, `Mobilnr`, `kommentarer`, `fritеkst` (Cyrillic е) and
  `Kontaktperson` are caught while question columns (`q24_07`, `K01`) and the contract's id columns are
  not. Short stems (`post`, `name`, `mobil`, `tlf` …) must stand as a word of the name, long ones
  (`fodsels`, `telefon…`, `kommentar` …) may appear anywhere in it.
- `personal_values(values)`: values that are a Norwegian birth number (fødselsnummer, D- or H-number: 11
  digits passing both mod-11 control digits, also when a spreadsheet dropped the leading zero), an e-mail
  address, or a Norwegian phone number (8 digits starting 2–9, optionally +47/0047), however they are
  written: full-width or other Unicode digits and `＠`, `(at)` for `@`, digits grouped by spaces (also
  non-breaking), dashes of any kind, dots or slashes (`22.33.44.55`, `010170.12343`).

`must_mask(column, value)` is the masking rule and `mask(value)` how a masked value is shown: a `Problem`
applies both when it is made, so no report, log, exception or Dagster event can carry the value itself. The
rule masks more than is refused: a value that reads like a person's name ("Kari Nordmann") cannot be told
from other text well enough to refuse a file for it, but is never shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from itip_pipeline.core.confusables import TO_LATIN

if TYPE_CHECKING:  # standard library only at run time: every Problem masks through this module
    import pandas as pd

# Family -> (stems that may appear anywhere in the compacted name, stems that must be a word of the name).
# A "word" stem also matches the word followed by a number suffix (`tlfnr`, `mobilnummer`, `phoneno`).
# Stems are written plainly and folded with the names (`skeleton`) when they are compared.
NAME_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "birth number": (("fodsels", "personnr", "personnum", "socialsecurity", "birthnumber"), ("fnr", "ssn")),
    "address": (("adresse", "address", "postnr", "postnum", "poststed"), ("adr", "street")),
    "e-mail": (("epost", "email", "mailadr"), ("post", "mail", "mails")),
    "phone number": (
        ("tlf", "telefonn", "mobilnr", "mobilnum", "mobiltelefon", "phonen", "telephone", "cellphone", "mobilephone"),
        ("telefon", "mobil", "mobile", "phone"),
    ),
    # A person named in any role: the respondent, a contact, whoever filled in or handled the form.
    "name": (
        (
            "fornavn",
            "etternavn",
            "mellomnavn",
            "firstname",
            "lastname",
            "surname",
            "fullname",
            "username",
            "fulltnavn",
            "kontaktperson",
            "contactperson",
            "kontaktnavn",
            "contactname",
            "personnavn",
            "personname",
            "respondentnavn",
            "respondentname",
            "saksbehandler",
            "casehandler",
            "caseworker",
            "caseofficer",
            "utfyltav",
            "besvartav",
            "filledby",
            "completedby",
        ),
        ("navn", "name", "names", "person", "personer", "persons", "kontakt", "contact", "signatur", "signature"),
    ),
    "free text": (
        ("fritekst", "kommentar", "comment", "freetext", "opentext", "spesifiser", "specify"),
        ("fritt", "tekst", "text", "note", "notes", "merknad", "merknader"),
    ),
}
NUMBER_SUFFIXES = ("", "nr", "no", "num", "nummer", "number")
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ð": "d", "þ": "th", "ß": "ss", "đ": "d"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Latin letters and digits that pass for one another (TR39 folds each group to one prototype): a name
# written `fr1tekst`, `FRlTEKST` or `kornrnentar` reads as the stem. Applied after lower-casing, to stems too.
_LATIN_LOOKALIKES = (("rn", "m"), ("l", "i"), ("1", "i"), ("|", "i"), ("0", "o"))


def _missing(value: object) -> bool:
    # pandas' NA is recognised by its type's name: this module does not import pandas.
    return value is None or type(value).__name__ == "NAType"


def _latin(char: str) -> str:
    """A character as the Latin text it imitates (upper-case look-alikes first: Cyrillic К is K, its к is not)."""
    if char in TO_LATIN:
        return TO_LATIN[char]
    lower = char.lower()
    return TO_LATIN.get(lower, lower)


def skeleton(text: str) -> str:
    """Text as a reader sees it, for comparing names: NFKC, look-alikes from other scripts as the Latin
    letters they imitate, accents and ø/æ folded, lower case, Latin look-alikes (l/1/I, 0/o, rn/m) made one.
    Case changes survive as the boundary `name_words` splits camelCase at: call it on one word at a time."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = "".join(_latin(c) for c in text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    for lookalike, prototype in _LATIN_LOOKALIKES:
        text = text.replace(lookalike, prototype)
    return text


def name_words(name: object) -> list[str]:
    """The column name's words, folded (`skeleton`): camelCase split, digits and punctuation dropped."""
    text = "" if _missing(name) else str(name)
    parts = _CAMEL.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD)).split()
    return [word for part in parts for word in re.findall(r"[a-z]+", skeleton(part))]


def _folded(stems: Iterable[str]) -> tuple[str, ...]:
    return tuple(skeleton(stem) for stem in stems)


# Family -> (folded stems that may appear anywhere, every folded word a word stem with a suffix can be).
_FOLDED_FAMILIES = {
    family: (
        _folded(anywhere),
        frozenset(word + suffix for word in _folded(as_word) for suffix in _folded(NUMBER_SUFFIXES)),
    )
    for family, (anywhere, as_word) in NAME_FAMILIES.items()
}


def forbidden_family(name: object) -> str | None:
    """The personal-data family the column name belongs to ("e-mail", "birth number" …), or None."""
    return None if _missing(name) else _family_of(str(name))


@functools.lru_cache(maxsize=4096)
def _family_of(name: str) -> str | None:
    # Cached: a file's problems ask about the same few column names once per value.
    words = name_words(name)
    compact = "".join(words)
    for family, (anywhere, words_with_suffix) in _FOLDED_FAMILIES.items():
        if any(stem in compact for stem in anywhere) or not words_with_suffix.isdisjoint(words):
            return family
    return None


# Values are matched in a canonical spelling (`canonical_value`): NFKC (full-width digits and `＠` are
# ASCII), every dash a hyphen, every space (non-breaking, thin, figure) a space, `(at)` an `@`. Digits
# may then be grouped by a space, hyphen, slash or dot as people write them; a digit run inside a longer
# number (a weight's decimals, an orgnr) is not a match. A dot counts as a separator only where it cannot be
# a decimal point: in a birth number, whose control digits a decimal fails, or twice or more in a phone
# number (`22.33.44.55`), never once (`2.2345678` is a weight).
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u00ad]")
_SPACES = re.compile(r"[^\S\n]+")
_AT = re.compile(r"\s*[(\[{<]\s*(?:at|alfa|krollalfa)\s*[)\]}>]\s*", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+\s?@\s?[\w-]+(?:\s?\.\s?[\w-]+)+", re.UNICODE)
_SEP = r"[ ./-]?"
_PHONE = re.compile(rf"(?<![\d+])(?<!\d[.,])(?:(?:\+|00)47{_SEP})?\(?([2-9](?:\)?{_SEP}\d){{7}})(?![\d]|[.,]\d)")
# A birth number's date part is six digits, or five where a spreadsheet dropped the leading zero, or
# written as a date (dd.mm.yy, dd mm yy: the same separator twice); no other grouping is read as one.
_BIRTH = re.compile(rf"(?<![\d+])(?<!\d[.,])(\d{{2}}([ ./-])\d{{2}}\2\d{{2}}|\d{{5,6}}){_SEP}(\d{{5}})(?![\d]|[.,]\d)")
# A cheap superset of the rules for a canonical value: an @, or eight or more digits with at most two
# separator characters between two of them (a bracket and a space: "(22) 33").
_CANDIDATE = re.compile(r"@|\d(?:[ ./()-]{0,2}\d){7}")
# The sift: a superset of the rules without look-arounds, so pyarrow (RE2) can sift a million values at once,
# read on the value's NFKC text, not its canonical spelling. It passes on every value holding a character other
# than printable ASCII and Latin letters (a tab or other control character, a digit of another script, a dash,
# a no-break space: whatever canonical_value may rewrite), a bracket of any kind or an @. In the printable
# ASCII that remains, the canonical spelling only joins runs of spaces, so a birth number's and a phone
# number's digit groups are matched with any run of spaces for a space, with what the rules allow before them
# and no digit after (the rules' look-arounds, the one after loosened). A panel id ("P2025-000123") or a
# weight with many decimals is not passed on, so the rules are not run once per respondent. The characters
# stand as themselves, not as \u escapes, which RE2 does not read.
_GAP = r"(?: +|[./-])"
_BEFORE = r"(?:^|^[.,]|[^\d+.,]|\D[.,])"  # neither a digit nor a "+", nor a digit and a decimal mark
_BIRTH_SIFT = rf"{_BEFORE}(?:\d{{2}}{_GAP}\d{{2}}{_GAP}\d{{2}}|\d{{5,6}}){_GAP}?\d{{5}}(?:$|\D)"
_PHONE_SIFT = rf"{_BEFORE}(?:(?:\+|00)47{_GAP}?)?[2-9](?:{_GAP}?\d){{7}}(?:$|\D)"
_SIFT = r"[^\x20-\x7e" + "\u00c0-\u024f" + r"]|[()\[\]{}<>@]|" + _BIRTH_SIFT + "|" + _PHONE_SIFT
_CONTROL_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_CONTROL_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def canonical_value(text: str) -> str:
    """A value in the spelling the personal-value rules read (see above); ASCII digits throughout."""
    if not text.isascii():  # NFKC, the digits and the dashes leave ASCII text as it is
        text = unicodedata.normalize("NFKC", text)
        text = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)
        text = _DASHES.sub("-", text)
    return _AT.sub("@", _SPACES.sub(" ", text))


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
    text = canonical_value(str(value))
    if not _CANDIDATE.search(text):
        return None
    if _EMAIL.search(text):
        return "e-mail address"
    for match in _BIRTH.finditer(text):
        digits = re.sub(r"\D", "", match.group(1) + match.group(3))
        # A spreadsheet cell holding the number as a number loses a birth number's leading zero.
        if is_birth_number(digits) or (len(digits) == 10 and is_birth_number("0" + digits)):
            return "birth number"
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 8 and match.group(0).count(".") != 1 and not _is_date(digits):
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
    distinct = values.drop_duplicates().dropna()
    # The sift (_SIFT, pyarrow's RE2) passes on every value the rules could take for personal data.
    text = distinct.astype("string[pyarrow]").str.normalize("NFKC")
    sifted = text.str.contains(_SIFT, regex=True).fillna(False)
    candidates = distinct[sifted.to_numpy(dtype=bool)].tolist()
    return {value: kind for value in candidates if (kind := personal_kind(value)) is not None}


# A value that reads as a person's name: two to four capitalised words of letters ("Kari Nordmann",
# "Ola-Petter van der Berg" is not, "Anne-Lise Å. Hansen" is). Masked when shown, never refused for.
_PERSON_NAME = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*\.?")


def looks_like_person_name(value: object) -> bool:
    """Whether the text reads as a person's name: two to four words, each a capitalised run of letters."""
    if _missing(value):
        return False
    words = unicodedata.normalize("NFKC", str(value)).split()
    return 2 <= len(words) <= 4 and all(_PERSON_NAME.fullmatch(w) and w[0].isupper() for w in words)


def mask(value: object) -> str:
    """A value as it may be shown: its kind and length, never its characters."""
    text = str(value)
    kind = personal_kind(text)
    if kind is not None:
        return f"<masked: {kind}>"
    unit = "digit" if text.isdigit() else "character"
    return f"<masked: {len(text)} {unit}{'' if len(text) == 1 else 's'}>"


def masked_name(name: str) -> str:
    """A file or folder name, or a path, as it may be shown: each part of it that holds personal data (a
    delivery named after a person's e-mail address or birth number) becomes its kind, its extension kept, so
    the sentence still says which kind of file it is while the value stays out of every log and report."""
    parts = str(name).split("/")
    for index, part in enumerate(parts):
        if (kind := personal_kind(part)) is not None:
            stem, dot, extension = part.rpartition(".")
            # The extension is kept when the personal data lies wholly before it ("….no" of an e-mail is not one).
            shown_extension = f".{extension}" if dot and personal_kind(stem) is not None else ""
            parts[index] = f"<name masked: {kind}>{shown_extension}"
    return "/".join(parts)


# Columns whose every value is personal (a pseudonymous id is still personal data under the GDPR).
IDENTIFIER_COLUMNS = ("respondent_id",)


def must_mask(column: object, value: object) -> bool:
    """The masking rule: values of identifier columns, of personal-data columns, and values that look
    personal (a birth number, e-mail address or phone number in any spelling, or a person's name)."""
    if column is not None and (str(column).strip().lower() in IDENTIFIER_COLUMNS or forbidden_family(column)):
        return True
    return personal_kind(value) is not None or looks_like_person_name(value)


def personal_columns(columns: Iterable[object]) -> dict[str, str]:
    """The columns among `columns` that belong to a personal-data family, with that family."""
    return {str(c): family for c in columns if (family := forbidden_family(c)) is not None}
