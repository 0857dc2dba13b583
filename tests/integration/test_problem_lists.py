"""A refusal with one mistake repeated on every row stays readable: at most PER_RULE_SHOWN problems of a rule,
then how many more of it, on the terminal (`itip check`, the refusal sentence of `itip run`) and in the load
report alike; the JSON report keeps every problem."""

from __future__ import annotations

import json
import re

import pytest

from itip_pipeline.ingest.loading import load_report
from itip_pipeline.ingest.loading.archive_quarantine import PER_RULE_SHOWN, problems_text
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.loading.self_check import CheckResult, check_report
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import LOADED_YEAR, org_records, panel_records, write_csv, write_delivery, write_xlsx

MORE = re.compile(r"… and (\d+) more problem\(s\) of the rule above")


@pytest.fixture
def delivery(settings):
    return write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)


def _org_csv_twice(delivery) -> None:
    """The organisation file followed by a copy of itself, its header row included (a vendor's `cat a a`)."""
    org = next(delivery.glob("org_survey_*.csv"))
    write_csv(org, org_records(LOADED_YEAR, n=80))
    org.write_bytes(org.read_bytes() * 2)


def _panel_with_one_id(delivery) -> None:
    """Every panel respondent with the same id: each duplicate's rule names another row."""
    panel = next(delivery.glob("citizen_panel_*.xlsx"))
    write_xlsx(panel, panel_records(LOADED_YEAR, n=80).assign(respondent_id="R00001"))


def _readable(text: str, n_problems: int, problem_row: str) -> None:
    """No rule shows more than PER_RULE_SHOWN rows, and the rows shown plus the counts said add up to all."""
    lines = text.splitlines()
    shown = [line for line in lines if line.lstrip().startswith(problem_row)]
    said = sum(int(n) for n in MORE.findall(text))
    assert said > 0, "the repeated rule was cut and its rest counted"
    assert len(shown) + said == n_problems
    assert len(lines) < n_problems / 2
    rules = [re.sub(r"\d+", "#", line.rsplit("|", 2)[-2] if "|" in line else line.split(": ")[-1]) for line in shown]
    assert max(rules.count(rule) for rule in set(rules)) <= PER_RULE_SHOWN


@pytest.mark.parametrize("spoil", [_panel_with_one_id, _org_csv_twice])
def test_a_repeated_mistake_is_counted_after_the_first_problems_of_its_rule(settings, delivery, spoil):
    spoil(delivery)
    with open_for_writing(settings.work_db) as con, pytest.raises(LoadRejected) as refused:
        load_year(con, settings, LOADED_YEAR)
    problems = refused.value.problems
    n = len(problems)
    assert n > 2 * PER_RULE_SHOWN
    row = "org_survey" if spoil is _org_csv_twice else "citizen_panel"
    # `itip check` runs the same validation (test_self_check.py): its report is rendered from these problems
    _readable(check_report(CheckResult(delivery, LOADED_YEAR, problems=problems)), n, f"| {row}")
    _readable(problems_text(problems), n, f"- {row}")
    folder = load_report.write(load_report.refused_report(LOADED_YEAR, refused.value), settings.reports_dir)
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    _readable(markdown, n, f"| {row}")
    assert f"## {n} problem(s)" in markdown
    assert len(json.loads((folder / "report.json").read_text(encoding="utf-8"))["problems"]) == n
