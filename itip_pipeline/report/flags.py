"""Why a value is withheld or flagged, in one vocabulary for everything people open (figure book, exports).

The marts' flag vocabulary (Eurostat letters, alphabetical): `b` break in series, `c` confidential (value
withheld), `u` low reliability (value shown, read with care). A withheld value is confidential for one of
three reasons (`suppression_reason`): too few respondents (`n_base`), a 0 % or 100 % answer in a small group
that would reveal every unit's answer (`group_disclosure`), or withheld so that another confidential value
cannot be computed from totals (`complementary`). A low-reliability value has a reason too
(`reliability_reason`): its 95 % interval is wide (`interval_width`) or its effective sample is small
(`n_effective`).

`disclosure_flags` is the one place that reads those columns; `reason_words` (and `remark`, its one-line form),
`status_words` and `legend` are the one place that says them in words, so every page and export (figure book,
workbooks, JSON-stat, revision note) explains a flag the same way: a confidential value is said to be withheld,
a low-reliability one to be published with a warning.
"""

from __future__ import annotations

import pandas as pd

CONFIDENTIAL_REASONS = ("n_base", "group_disclosure", "complementary")
RELIABILITY_REASONS = ("interval_width", "n_effective")

# (Norwegian, English) per reason; {n} is the cell's base.
REASON_WORDS: dict[str, tuple[str, str]] = {
    "n_base": ("for få svar (n = {n}, minst 10 kreves)", "too few respondents (n = {n}, at least 10 needed)"),
    "group_disclosure": (
        "alle eller ingen i en liten gruppe svarte likt, så tallet ville avsløre hver enkelts svar",
        "all or none of a small group gave this answer, so the value would reveal each unit's answer",
    ),
    "complementary": (
        "så et annet skjult tall ikke kan regnes ut fra totalene (n = {n})",
        "so that another withheld value cannot be worked out from the totals (n = {n})",
    ),
    "interval_width": ("usikkert tall: 95 %-intervallet er bredt", "low reliability: the 95 % interval is wide"),
    "low_reliability": ("usikkert tall", "low reliability"),
    "n_effective": (
        "usikkert tall: effektivt utvalg under 30",
        "low reliability: effective sample size below 30",
    ),
    "series_break": (
        "brudd i serien: spørsmålet eller utvalget er endret, ikke sammenlignbart med året før",
        "break in series: the question or sample changed, not comparable with the year before",
    ),
}

# What a flag means for the value, in words: confidentiality withholds it, low reliability shows it with a
# warning. The first words of every `c` reason, and a flag's status where a flag changes (report/revised.py).
WITHHELD = ("holdt tilbake for konfidensialitet", "withheld for confidentiality")
STATUS: dict[str, tuple[str, str]] = {
    "c": (f"{WITHHELD[0]} (c)", f"{WITHHELD[1]} (c)"),
    "u": ("publisert med lav pålitelighet (u)", "published with low reliability (u)"),
    "": ("publisert", "published"),
    "b": ("brudd i serien (b)", "break in series (b)"),
}

LEGEND: dict[str, tuple[str, str]] = {
    "c": (
        "c = konfidensielt, tallet holdes tilbake: for få svar, gruppeavsløring (alle eller ingen i en liten "
        "gruppe) eller komplementær prikking (så et annet skjult tall ikke kan regnes ut)",
        "c = confidential, value withheld: too few respondents, group disclosure (all or none of a small group) "
        "or complementary suppression (so another withheld value cannot be worked out)",
    ),
    "u": (
        "u = usikkert tall: intervallet er bredt eller det effektive utvalget lite; les med forsiktighet",
        "u = low reliability: the interval is wide or the effective sample small; read with care",
    ),
    "b": (
        "b = brudd i serien: ikke sammenlignbart med året før",
        "b = break in series: not comparable with the year before",
    ),
}


def _bool(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].astype("boolean").fillna(False).astype(bool)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), None)


def disclosure_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the shared vocabulary: `suppressed` (confidential only), `suppression_reason`,
    `low_reliability`, `reliability_reason`, `series_break`, `flag`, and `withheld` (no value to show). Every
    mart with values carries `flag` (dbt macro observation_flag); a table without values (an external
    figure) has none."""
    out = frame.copy()
    for column in ("suppressed", "low_reliability", "series_break"):
        out[column] = _bool(out, column)
    for column in ("suppression_reason", "reliability_reason", "flag"):
        out[column] = _text(out, column)
    value = next((c for c in ("share_pct", "value_pct") if c in out), None)
    out["withheld"] = out[value].isna() if value else out["suppressed"]
    return out


def reason_words(row, lang: str) -> list[str]:
    """Each flag of one row (a namedtuple or Series from `disclosure_flags`) as 'letter: why', in words."""
    pick = 0 if lang == "no" else 1
    n = getattr(row, "n_base", None)
    n = "?" if n is None or pd.isna(n) else int(n)
    said = []
    if getattr(row, "series_break", False):
        said.append(f"b: {REASON_WORDS['series_break'][pick]}")
    if getattr(row, "suppressed", False):
        reason = getattr(row, "suppression_reason", None)
        why = f": {REASON_WORDS[reason][pick].format(n=n)}" if reason in CONFIDENTIAL_REASONS else ""
        said.append(f"c: {WITHHELD[pick]}{why}")
    if getattr(row, "low_reliability", False):
        reason = getattr(row, "reliability_reason", None)
        said.append(f"u: {REASON_WORDS[reason if reason in RELIABILITY_REASONS else 'low_reliability'][pick]}")
    return said


def status_words(flag: str | None, lang: str, series_break: bool = True) -> str:
    """What a row's flag says about its value, in words: withheld, published with low reliability, or published;
    and a break in series when it has one, unless `series_break` is False."""
    pick = 0 if lang == "no" else 1
    letters = flag or ""
    said = STATUS["c" if "c" in letters else "u" if "u" in letters else ""][pick]
    return f"{said}, {STATUS['b'][pick]}" if series_break and "b" in letters else said


def remark(row, lang: str) -> str | None:
    """Every flag of one row in words, on one line (a workbook's note column); None when it has none."""
    return "; ".join(reason_words(row, lang)) or None


# The columns `reason_words` reads: `remarks` normalises only these, not every column of a wide table.
REASON_COLUMNS = ("n_base", "series_break", "suppressed", "suppression_reason", "low_reliability", "reliability_reason")


def remarks(frame: pd.DataFrame, lang: str) -> list[str | None]:
    """`remark` of each row of a published table, in its order."""
    read = disclosure_flags(frame[[c for c in REASON_COLUMNS if c in frame]])
    return [remark(row, lang) for row in read.itertuples()]


def short_mark(row, lang: str) -> str:
    """What a chart writes where a withheld value would be: the letter and the reason in a few words."""
    words = {
        "n_base": ("c: for få svar", "c: too few answers"),
        "group_disclosure": ("c: gruppeavsløring", "c: group disclosure"),
        "complementary": ("c: komplementær prikking", "c: complementary suppression"),
    }
    pick = 0 if lang == "no" else 1
    return words.get(getattr(row, "suppression_reason", None), ("c: prikket", "c: withheld"))[pick]


def legend(lang: str, letters: tuple[str, ...] = ("c", "u", "b")) -> list[str]:
    """The symbols' legend, the same in every output."""
    pick = 0 if lang == "no" else 1
    return [LEGEND[letter][pick] for letter in letters]
