"""The dbt docs say what the code does: every threshold, population, SQL function and method the overview names
is read from the same place the models read it (dbt_project.yml's vars, the seeds, the SQL macro files), so a
rule changed in the code and not in the docs fails here."""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from support import TESTS_DIR

DBT = TESTS_DIR.parent / "dbt_project"
BLOCKS = dict(
    re.findall(r"{% docs (\w+) %}(.*?){% enddocs %}", (DBT / "models" / "docs.md").read_text(encoding="utf-8"), re.S)
)
OVERVIEW = BLOCKS["__overview__"]
VARS = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
MACRO_FILES = ("survey_statistics.sql", "disclosure_control.sql")


def _section(title: str) -> str:
    """The overview's `## title` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", OVERVIEW, re.S | re.M)
    assert match, f"the overview has no section '{title}'"
    return match.group(1)


def test_the_overview_lists_every_var_with_the_value_in_force():
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", _section("Rules and thresholds"), re.M)
    assert {name for name, _ in rows} == set(VARS), "every var of dbt_project.yml, and no other"
    for name, value in rows:
        assert yaml.safe_load(value) == VARS[name], f"the overview says {name} = {value}, dbt_project.yml {VARS[name]}"


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_every_var_a_doc_names_exists_and_every_value_it_quotes_is_the_one_in_force(block):
    text = " ".join(BLOCKS[block].split())
    for name in re.findall(r"var `(\w+)`", text):
        assert name in VARS, f"doc {block} names var {name}, which dbt_project.yml does not have"
    for name, value in re.findall(r"var `(\w+)` = `?([\w.]+)`?", text):
        assert yaml.safe_load(value) == VARS[name], f"doc {block}: {name} = {value}, but it is {VARS[name]}"
    for number, name in re.findall(r"(\d+(?:\.\d+)?)[^.()]{0,40}\(var `(\w+)`\)", text):
        assert float(number) == float(VARS[name]), f"doc {block}: {number} beside var {name}, which is {VARS[name]}"


def test_the_populations_of_the_overview_are_the_seed_s():
    with (DBT / "seeds" / "populations.csv").open(encoding="utf-8") as seed:
        populations = {row["population"] for row in csv.DictReader(seed)}
    bullet = re.search(r"\*\*Population and universe\*\*(.*?)\n- \*\*", _section("Estimands"), re.S).group(1)
    named = set(re.findall(r"`(\w+)` [a-z]", bullet))
    assert named == populations


def test_the_sql_functions_table_is_the_macro_files():
    defined = {
        name
        for file in MACRO_FILES
        for name in re.findall(r"create or replace macro (\w+)\(", (DBT / "macros" / file).read_text(encoding="utf-8"))
    }
    listed = set(re.findall(r"^\| `(\w+)\(", _section("SQL functions"), re.M))
    listed |= set(re.findall(r"^\| `\w+\([^`]*\)`, `(\w+)\(", _section("SQL functions"), re.M))
    assert listed == defined


def test_the_overview_names_no_method_the_code_does_not_use():
    text = " ".join(OVERVIEW.split()).lower()
    macros = " ".join((DBT / "macros" / file).read_text(encoding="utf-8") for file in MACRO_FILES)
    if not VARS["apply_fpc"]:
        for phrase in ("population correction on", "correction is applied", "interval with the finite population"):
            assert phrase not in text, f"the overview says '{phrase}', but var apply_fpc is off"
    if "create or replace macro change_z(" not in macros:
        assert not re.search(r"\bz (test|statistic)", text), "the overview names a z test the macros no longer have"
    # The disclosure rules are stated once, in the disclosure_policy block: no threshold of theirs elsewhere here.
    assert not re.search(r"fewer than \d+|n < \d+", text), "a disclosure threshold stated outside its doc block"


def test_the_overview_says_where_bi_users_read_and_that_the_working_database_is_not_it():
    where = " ".join(_section("Where to read the tables").split())
    assert "`data/warehouse/itip.duckdb`, read-only, schema `marts`" in where
    assert "never point a BI tool at it" in where
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert "data/warehouse/itip.duckdb" in project["models"]["itip"]["marts"]["+meta"]["open_in_bi"]


def test_the_disclosure_policy_is_one_block_that_the_overview_points_to():
    assert "disclosure_policy" in BLOCKS and "docs/disclosure.md" in BLOCKS["disclosure_policy"]
    assert "`disclosure_policy`" in _section("Disclosure control and reliability")
    core = (DBT / "models" / "marts" / "core" / "_core.yml").read_text(encoding="utf-8")
    assert "{{ doc('disclosure_policy') }}" in core, "shown on a page of the docs"
