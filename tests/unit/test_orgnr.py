"""The organisasjonsnummer's mod-11 check digit (contract) and the orgnr rule built on it."""

from __future__ import annotations

import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.rules.schemas import respondents_schema, validation_problems

from support.delivery_builders import delivered_frame, org_records


@pytest.mark.parametrize("orgnr", ["974760673", "971526920"])
def test_known_valid_numbers(orgnr):
    assert contract.is_valid_orgnr(orgnr)


def test_remainder_zero_gives_check_digit_zero():
    assert contract.orgnr_check_digit("97152692") == 0


def test_remainder_one_has_no_valid_number():
    # 9*3 + 7*2 + 2*2 = 45, and 45 % 11 == 1: no last digit can make this number valid.
    assert contract.orgnr_check_digit("97000002") is None
    assert not any(contract.is_valid_orgnr(f"97000002{digit}") for digit in range(10))


@pytest.mark.parametrize("orgnr", ["974760672", "974760674", "971526921"])
def test_wrong_last_digit(orgnr):
    assert not contract.is_valid_orgnr(orgnr)


@pytest.mark.parametrize("orgnr", ["97476067", "9747606730", "97476067a", " 974760673", ""])
def test_not_nine_digits(orgnr):
    assert not contract.is_valid_orgnr(orgnr)


def test_the_orgnr_rule_reports_each_bad_number():
    records = org_records(2024, n=4).assign(orgnr=["974760673", "974760674", "970000020", "971526920"])
    frame = delivered_frame(records, "org_survey.csv")
    problems = validation_problems(respondents_schema("org", 2024), frame)
    assert [(p.row, p.value) for p in problems] == [(3, "974760674"), (4, "970000020")]
