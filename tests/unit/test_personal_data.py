"""Personal data is recognised by column-name family and by value, refused, and never shown unmasked.

Both sides of each rule are tested: the spellings a vendor might use must be caught, and the columns and
values of a real delivery (question columns, ids, codes, weights, dates) must pass.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itip_pipeline.core import contract
from itip_pipeline.core import personal_values as values_module
from itip_pipeline.core.personal_values import forbidden_family, is_birth_number, personal_kind, personal_values
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.rules.codebook import read_codebook
from itip_pipeline.ingest.rules.validate import validate_survey
from itip_pipeline.reference.question_catalogue import question_catalogue

from support.delivery_builders import codebook_records, org_records, panel_records, write_csv

YEAR = 2025  # the question catalogue year the delivery builders follow
# Valid by the published fødselsnummer algorithm (control digits 4 and 3 worked out by hand for 010170123).
BIRTH_NUMBER = "01017012343"
D_NUMBER = "41017012337"  # day + 40
H_NUMBER = "01417012326"  # month + 40

PERSONAL_COLUMN_NAMES = [
    "e-post",
    "E-post",
    "epost",
    "Epostadresse",
    "e_mail",
    "EMail",
    "mail",
    "Fødselsnummer",
    "fodselsnr",
    "FØDSELSNR",
    "fnr",
    "personnr",
    "Personnummer",
    "ssn",
    "mobil",
    "Mobilnr",
    "mobilnummer",
    "telefon",
    "Telefonnummer",
    "tlf",
    "TlfNr",
    "phone",
    "PhoneNumber",
    "navn",
    "Navn",
    "Fornavn",
    "etternavn",
    "name",
    "FirstName",
    "adresse",
    "Address",
    "postnr",
    "Poststed",
    "kommentar",
    "kommentarer",
    "Kommentar 2",
    "fritekst",
    "fritekst_1",
    "Fritekst-svar",
    "fritt_svar",
    "comment",
    "Comments",
    "merknad",
    # A person named in any role, as a family: not only the words navn and name.
    "Kontaktperson",
    "kontakt_person",
    "contact person",
    "ContactPerson",
    "Saksbehandler",
    "utfylt_av",
    "respondentnavn",
    # Look-alike characters (Unicode TR39 confusables) and full-width letters fold to the Latin stem.
    "frit\u0435kst",  # Cyrillic ie
    "k\u043emmentar",  # Cyrillic o
    "f\u03bfdselsnummer",  # Greek omicron
    "\u0395-\u03a1\u039fST",  # Greek capitals
    "\uff46\uff52\uff49\uff54\uff45\uff4b\uff53\uff54",  # full-width
    "FRlTEKST",  # a lower-case L for the I
    "fr1tekst",
]
SURVEY_COLUMN_NAMES = [
    *contract.ORG_ID_COLUMNS,
    *contract.PANEL_ID_COLUMNS,
    "K01",
    "P07",
    "q24_07",
    "q2024_1",
    "K12_3",
    "P2025_07",
    "respondent_id",
    "kommunenr",
    "landsdel",
    "orgnr",
    "antall_ansatte",
    "stillingskategori",
    "bransje",
    "digitalpost",
    "postkasse",
    "postmottak",
    "mobilbank",
    "mobilitet",
    "smartphone",
    "telefonintervju",
    "virksomhetsnavn",
    "id_nummer",
    "ref_nr",
    "refnr",
    "lopenr",
    "intnr",
    "startdato",
    "svartid",
    "kanal",
    "nettside",
    "personvern",
    "innsyn",
    "tillit",
    "alder",
    "utdanning",
    "husstand",
    "kommunestorrelse",
    "vekt_kalibrert",
    "bostedskommune",
]


@pytest.mark.parametrize("name", PERSONAL_COLUMN_NAMES)
def test_personal_column_names_are_caught_in_any_spelling(name):
    assert forbidden_family(name) is not None


@pytest.mark.parametrize("name", SURVEY_COLUMN_NAMES)
def test_survey_column_names_pass(name):
    assert forbidden_family(name) is None


def test_no_question_column_of_any_year_is_taken_for_personal_data():
    catalogue = question_catalogue()
    assert [c for c in catalogue["source_column"] if forbidden_family(c)] == []


@pytest.mark.parametrize(
    "value, kind",
    [
        (BIRTH_NUMBER, "birth number"),
        (D_NUMBER, "birth number"),
        (H_NUMBER, "birth number"),
        ("010170 12343", "birth number"),
        ("1017012343", "birth number"),  # a spreadsheet number lost the leading 0
        ("fnr: 01017012343", "birth number"),
        ("kari.nordmann@example.no", "e-mail address"),
        ("Kari <kari@kommune.no>", "e-mail address"),
        ("41234567", "phone number"),
        ("412 34 567", "phone number"),
        ("41 23 45 67", "phone number"),
        ("+47 412 34 567", "phone number"),
        ("0047 41234567", "phone number"),
        ("+4722334455", "phone number"),
        ("22-33-44-55", "phone number"),
        ("ring 91234567.", "phone number"),
        # However a value is written: dots, any dash or space, full-width or other digits, a spelled-out @.
        ("22.33.44.55", "phone number"),
        ("22\u201333\u201344\u201355", "phone number"),  # en dashes
        ("22\u00a033\u00a044\u00a055", "phone number"),  # no-break spaces
        ("+47 (22) 33 44 55", "phone number"),
        ("\u0662\u0662\u0663\u0663\u0664\u0664\u0665\u0665", "phone number"),  # Arabic-Indic digits
        ("010170.12343", "birth number"),
        ("01.01.70 12343", "birth number"),
        ("010170\u00a012343", "birth number"),
        ("010170\u201312343", "birth number"),
        ("\uff10\uff11\uff10\uff11\uff17\uff10\uff11\uff12\uff13\uff14\uff13", "birth number"),  # full-width
        ("kari\uff20example.no", "e-mail address"),  # full-width commercial at
        ("kari\ufe6bexample.no", "e-mail address"),  # small commercial at
        ("kari (at) example.no", "e-mail address"),
        ("kari[at]example.no", "e-mail address"),
    ],
)
def test_personal_values_are_recognised(value, kind):
    assert personal_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "01017012345",  # eleven digits, wrong control digits
        "32017012343",
        "01137012343",  # no such day or month
        "P2025-000123",
        "R00001",
        "974760673",
        "0301",
        "3",
        "9",
        "",  # panel ids, orgnr, kommunenr, codes
        "0.87",
        "1.23456789",
        "12.3456789",
        "1,23456789",  # weights with many decimals
        "12345678",  # no Norwegian number starts with 1
        "2024-03-15",
        "20240315",
        "31122024",
        "15.03.2024",  # dates
        "2.2345678",  # one dot is a decimal point, not a phone number's separator
        "0.01017012343",
        "22.33",
        "Kari Nordmann",  # a name cannot be told from a value; the column-name rule covers it
    ],
)
def test_other_values_are_not_taken_for_personal_data(value):
    assert personal_kind(value) is None


def _found_by_the_rules(values: list[str]) -> dict[str, str]:
    return {value: kind for value in set(values) if (kind := personal_kind(value)) is not None}


# How people separate digit groups, including what the canonical spelling rewrites (tabs, runs of spaces,
# a no-break space, dashes of other kinds).
SEPARATORS = ["", " ", "  ", "   ", "\t", " \t ", ".", "-", "/", "\u00a0", "\u2013", "\u2009", "\n"]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_the_sift_passes_on_every_spelling_the_rules_read(separator):
    """personal_values sifts a column with RE2 before it runs the rules: whatever the rules take for personal
    data must not be sifted out, however its digit groups are separated."""
    s = separator
    spelled = [
        s.join(["22", "33", "44", "55"]),
        s.join(["(22)", "33", "44", "55"]),
        s.join(["412", "34", "567"]),
        f"+47{s}412{s}34{s}567",
        f"0047{s}41234567",
        f"010170{s}12343",
        s.join(["01", "01", "70"]) + f"{s}12343",
        f"1017012343{s}",
        f"tlf{s}91234567.",
        f"fnr:{s}01017012343",
        f"kari{s}@{s}example.no",
    ]
    found = _found_by_the_rules(spelled)
    assert found, "the rules read none of these spellings"
    assert personal_values(pd.Series(spelled, dtype="string")) == found


# Values that come near the rules: digits, every separator, signs, decimal marks, letters, brackets and @.
_NEAR = st.text(
    alphabet=st.sampled_from(list("0123456789" * 4 + " ./-+,@()x\t") + ["\u00a0", "\u2013", "æ", "\uff14"]),
    max_size=24,
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_NEAR, min_size=1, max_size=8))
def test_the_sift_never_drops_what_the_rules_find(values):
    assert personal_values(pd.Series(values, dtype="string")) == _found_by_the_rules(values)


def test_the_sift_leaves_panel_ids_weights_and_codes_to_pass_without_the_rules(monkeypatch):
    """A million respondents must not mean a million runs of the rules: ids, weights and codes are sifted
    out in one pass."""
    ran: list[str] = []
    monkeypatch.setattr(values_module, "personal_kind", lambda value: ran.append(value))
    common = [f"P2025-{n:06d}" for n in range(1, 2001)] + ["0.8731", "1.23456789", "12.3456789", "1,23456789"]
    common += ["15.03.2024", "974760673", "0301", "3", "Oslo", "Tromsø", "kvinne", "45-59"]
    assert personal_values(pd.Series(common, dtype="string")) == {}
    assert ran == []


def test_birth_number_control_digits():
    assert is_birth_number(BIRTH_NUMBER)
    assert not any(is_birth_number(BIRTH_NUMBER[:9] + digits) for digits in ("34", "44", "42"))


@pytest.mark.parametrize(
    "column, value, shown",
    [
        ("respondent_id", "R00001", "<masked: 6 characters>"),  # the vendor's id is always masked
        ("P01", BIRTH_NUMBER, "<masked: birth number>"),  # a personal value, whatever the column
        ("ekstra", "kari@example.no", "<masked: e-mail address>"),
        ("Mobilnr", "12", "<masked: 2 digits>"),  # any value of a personal-data column
        ("P01", "7", "7"),  # an answer code is shown
        ("orgnr", "123456789", "123456789"),  # organisation numbers are public
        ("P01", "22.33.44.55", "<masked: phone number>"),  # in any spelling
        ("P01", "kari\uff20example.no", "<masked: e-mail address>"),
        ("P01", "010170.12343", "<masked: birth number>"),
        ("P01", "Kari Nordmann", "<masked: 13 characters>"),  # a name is never shown, though not refused for
        ("kontaktperson", "x", "<masked: 1 character>"),
        ("frit\u0435kst", "ja", "<masked: 2 characters>"),
        ("P01", "vet ikke", "vet ikke"),
    ],
)
def test_a_problem_masks_personal_values_when_it_is_made(column, value, shown):
    problem = Problem(file="f.csv", rule="r", row=2, column=column, value=value)
    rendered = [str(problem), repr(problem), str(problem.as_dict()), str(DeliveryRejected([problem]))]
    assert problem.value == shown
    assert all(shown in text for text in rendered)
    if shown != value:
        assert not any(value in text for text in rendered)


@pytest.fixture
def codebook(tmp_path):
    return read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, codebook_records(), delimiter=","), YEAR)


def _refused(tmp_path, codebook, survey: str, records: pd.DataFrame) -> list[tuple]:
    path = write_csv(tmp_path / f"{contract.FILE_PREFIXES[survey]}.csv", records)
    with pytest.raises(DeliveryRejected) as caught:
        validate_survey(
            [(path.name, read_table(path, contract.REQUIRED_ID_COLUMNS[survey]))], codebook, survey, YEAR, "k"
        )
    return [(p.row, p.column, p.value, p.rule.split(":")[0]) for p in caught.value.problems]


@pytest.mark.parametrize("column", ["e-post", "Fødselsnummer", "mobil", "personnr", "kommentarer", "fritekst_1"])
def test_a_file_with_a_personal_data_column_is_refused(tmp_path, codebook, column):
    records = panel_records(YEAR).assign(**{column: ["x", "", ""]})
    [(row, name, value, rule)] = _refused(tmp_path, codebook, "panel", records)
    assert (row, name, value) == (None, column.lower()) + (None,) and rule.startswith("the column name says")


def test_personal_values_in_id_answer_and_unknown_columns_refuse_the_file_with_rows_and_masks(tmp_path, codebook):
    records = panel_records(YEAR, n=4)
    records.loc[1, "respondent_id"] = BIRTH_NUMBER
    records.loc[2, "P02"] = "412 34 567"  # an answer column delivered as text
    records.loc[3, "ekstra"] = "kari@example.no"  # a column outside the codebook, otherwise only a warning
    assert _refused(tmp_path, codebook, "panel", records.fillna("")) == [
        (3, "respondent_id", "<masked: birth number>", "personal data (birth number)"),
        (4, "p02", "<masked: phone number>", "personal data (phone number)"),
        (5, "ekstra", "<masked: e-mail address>", "personal data (e-mail address)"),
        (4, "p02", "<masked: phone number>", "must be a number, not text"),  # the answer rule, value masked too
    ]


def test_a_header_that_is_itself_personal_data_is_refused_and_masked(tmp_path, codebook):
    records = panel_records(YEAR).assign(**{"kari@example.no": ["1", "", ""]})
    assert _refused(tmp_path, codebook, "panel", records) == [
        (None, "<masked: e-mail address>", None, "the column name is personal data (e-mail address)")
    ]


def test_a_header_that_is_personal_data_is_masked_in_any_problem_about_it():
    problem = Problem(file="f.csv", rule="required column is missing", column="kari\uff20example.no")
    assert problem.column == "<masked: e-mail address>" and "kari" not in str(problem)


def test_a_codebook_source_column_in_a_personal_data_family_is_refused(tmp_path):
    records = codebook_records()
    records.loc[0, "source_column"] = "E-postadresse"
    path = write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=",")
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(path, YEAR)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "source_column")]


def test_org_ids_and_codes_pass_the_value_rule(tmp_path, codebook):
    path = write_csv(tmp_path / "org_survey.csv", org_records(YEAR, n=6))
    frames = validate_survey(
        [(path.name, read_table(path, contract.REQUIRED_ID_COLUMNS["org"]))], codebook, "org", YEAR, "k"
    )
    assert len(frames.respondents) == 6


NAMES = ["Kari Nordmann", "Ola Hansen", "Per Olsen", "Anne-Lise Berg"]


@pytest.mark.parametrize("column", ["ekstra", "info", "q99"])
def test_a_column_holding_peoples_names_is_refused_whatever_its_name(tmp_path, codebook, column):
    records = panel_records(YEAR, n=4).assign(**{column: NAMES})
    refused = _refused(tmp_path, codebook, "panel", records)
    assert [(row, name, value) for row, name, value, rule in refused if "people's names" in rule] == [
        (None, column, None)
    ]
    assert not any(name in str(refused) for name in NAMES)


def test_a_few_two_word_place_names_among_others_are_not_taken_for_names(tmp_path, codebook):
    records = panel_records(YEAR, n=4).assign(kommunenavn=["Oslo", "Bergen", "Nordre Land", "Tromsø"])
    path = write_csv(tmp_path / "citizen_panel.csv", records)
    frames = validate_survey(
        [(path.name, read_table(path, contract.REQUIRED_ID_COLUMNS["panel"]))], codebook, "panel", YEAR, "k"
    )
    assert frames.n_rows == 4


def test_the_synthetic_panel_ids_are_never_taken_for_personal_data():
    # P<year>-<six digits>: digits that a loose grouping (20 25 0 00072) would read as a birth number.
    ids = [f"P{year}-{number:06d}" for year in range(2021, 2027) for number in range(1, 5001)]
    assert [i for i in ids if personal_kind(i) is not None] == []


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("kari.nordmann@example.no.csv", "<name masked: e-mail address>.csv"),
        ("org_survey_kommune_15038510190.csv", "<name masked: birth number>.csv"),
        ("2025/ola 22 33 44 55", "2025/<name masked: phone number>"),
        ("org_survey_kommune_2025.csv", "org_survey_kommune_2025.csv"),
        ("citizen_panel_20250315.parquet", "citizen_panel_20250315.parquet"),
    ],
)
def test_names_holding_personal_data_are_shown_masked_in_every_sentence(name, shown):
    assert contract.shown_name(name) == shown
    assert Problem(file=name, rule="a rule").file == shown


def test_a_delivery_file_named_by_personal_data_is_refused_and_never_quoted(tmp_path):
    from itip_pipeline.ingest.files.delivery_files import folder_delivery

    folder = tmp_path / "2025"
    folder.mkdir()
    write_csv(folder / "codebook.csv", codebook_records(), delimiter=",")
    write_csv(folder / "org_survey_kommune_15038510190.csv", org_records(YEAR))
    write_csv(folder / "citizen_panel.csv", panel_records(YEAR))
    (folder / "kari.nordmann@example.no").mkdir()
    with pytest.raises(DeliveryRejected) as refused:
        folder_delivery(folder, 2025)
    text = str(refused.value)
    assert "15038510190" not in text and "kari.nordmann" not in text
    rules = sorted((p.file, p.rule.split(";")[0]) for p in refused.value.problems)
    # Each named once, by kind, and the org file is not also reported missing.
    assert rules == [
        ("<name masked: birth number>.csv", "the name holds personal data (its birth number is masked above)"),
        ("<name masked: e-mail address>", "the name holds personal data (its e-mail address is masked above)"),
    ]
