"""Disclosure control: the primary rule (macros/disclosure_control.sql, run in DuckDB) and the complementary
suppression of models/intermediate/int_disclosure_control.py, attacked on small cases with exact linear
algebra (tests/support/differencing_attack.py) — a pooled population minus its parts, the options of a
single-choice question, a breakdown, two breakdowns crossed, and random tables where several relations share cells."""

from __future__ import annotations

import itertools

import duckdb
import jinja2
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itip_pipeline.core.settings import REPO_ROOT

from support.differencing_attack import Published, attacker_shares, differencing_attack, recover
from support.disclosure_frames import cells_frame, two_questions, year_counts
from support.disclosure_model import control
from support.intervals import wilson_interval

DBT_PROJECT = REPO_ROOT / "dbt_project"
DONT_KNOW = 9


# --- the primary rule ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for name, ddl in (
        ("survey_statistics.sql", "survey_statistics_ddl"),
        ("disclosure_control.sql", "disclosure_control_ddl"),
    ):
        module = jinja2.Environment().from_string((DBT_PROJECT / "macros" / name).read_text(encoding="utf-8")).module
        connection.execute(str(getattr(module, ddl)()))
    return connection


def _reason(con, n_base, share):
    return con.execute("select confidentiality_reason(?, ?, 10, 50)", [n_base, share]).fetchone()[0]


@pytest.mark.parametrize(
    ("n_base", "share", "expected"),
    [
        (9, 0.5, "n_base"),  # too few respondents, whatever the share
        (9, 0.0, "n_base"),
        (10, 0.5, None),  # ten are enough when they do not all answer alike
        (10, 1.0, "group_disclosure"),  # every one of a small group answered yes: each answer is known
        (49, 0.0, "group_disclosure"),  # none of them did: equally known
        (50, 1.0, None),  # a group as large as a sector: the statement is about the sector
        (30, 0.5, None),  # an imprecise share is not confidential: reliability flags it, it is not withheld
        (1000, 0.0, None),
    ],
)
def test_confidentiality_rule(con, n_base, share, expected):
    assert _reason(con, n_base, share) == expected


def _width_pp(p, n):
    low, high = wilson_interval(p, n)
    return 100 * (high - low)


NCHS = control.ReliabilityRule(min_n_effective=30, max_width_pp=30, relative_from_pp=5, max_relative_width=1.30)


@pytest.mark.parametrize(
    ("n_base", "share", "n_effective", "expected"),
    [
        (29, 0.5, 29.0, "n_effective"),  # NCHS: fewer than 30 in the sample
        (200, 0.5, 25.0, "n_effective"),  # the effective n decides, not the headcount (panel weights)
        (40, 0.5, 40.0, "interval_width"),  # Clopper–Pearson width 32.6 pp ≥ 30
        (60, 0.5, 60.0, None),  # width 26.5 pp
        (150, 0.03, 150.0, "interval_width"),  # width 6.7 pp > 5 and 225 % of the share
        (1000, 0.03, 1000.0, None),  # width 2.2 pp ≤ 5: shown however small the share
        (100, 0.0, 100.0, None),  # width 3.6 pp
        (60, 0.0, 60.0, "interval_width"),  # width 6.0 pp > 5, relative width infinite
    ],
)
def test_panel_reliability_is_nchs_as_written(n_base, share, n_effective, expected):
    width = control.clopper_pearson_width_pp(share, n_effective)
    assert NCHS.reason("panel", n_base, n_effective, share, width) == expected


def test_clopper_pearson_width_against_its_definition():
    from scipy.stats import beta

    # 12 of 40: the exact interval's bounds are beta quantiles (Clopper & Pearson 1934)
    expected = beta.ppf(0.975, 13, 28) - beta.ppf(0.025, 12, 29)
    assert control.clopper_pearson_width_pp(0.3, 40) == pytest.approx(100 * expected)
    assert control.clopper_pearson_width_pp(0.0, 40) == pytest.approx(100 * (1 - 0.025 ** (1 / 40)))
    # wider than Wilson's on the same n: the panel is judged on the stricter interval, as NCHS does
    assert control.clopper_pearson_width_pp(0.3, 40) > _width_pp(0.3, 40)


def test_organisation_reliability_reads_the_census_interval(con):
    """A county where 30 of its 33 municipalities answered is known almost exactly: the Wilson interval on the
    finite-population n is narrow and the share is reliable; the same 30 as an infinite sample would be flagged."""
    share, n, frame = 0.5, 30, 33
    n_census = con.execute("select fpc_n_effective(?, ?)", [n, frame]).fetchone()[0]
    census = con.execute("select wilson_width_pp(?, ?)", [share, n_census]).fetchone()[0]
    infinite = con.execute("select wilson_width_pp(?, ?)", [share, n]).fetchone()[0]
    assert census == pytest.approx(_width_pp(share, n * (frame - 1) / (frame - n)))
    assert NCHS.reason("org", n, n, share, census) is None
    assert NCHS.reason("org", n, n, share, infinite) == "interval_width"
    # a census is never judged on its headcount: ten of ten county municipalities is not "too few"
    complete = con.execute("select wilson_width_pp(0.5, fpc_n_effective(10, 10))").fetchone()[0]
    assert complete == 0 and NCHS.reason("org", 10, 10.0, 0.5, complete) is None


# --- complementary suppression, attacked -----------------------------------------------------------------------


def build_block(
    counts: dict[tuple[str, int], int],
    populations: dict[str, tuple[str, ...]],
    items: dict[str, tuple[int, ...]],
    primary: dict[tuple[str, str], str] | None = None,
):
    """A block from microdata counts (unit × code): every population × item is a published cell, every unit
    not published on its own a hidden cell. Primary reasons: n_base < 10, plus any given in `primary`
    (group_disclosure: the cell's successes are protected)."""
    primary = primary or {}
    codes = tuple(sorted({code for _, code in counts}))
    base_codes = codes  # "vet ikke" is in the base
    units = sorted({unit for unit, _ in counts})
    published_units = {members for members in populations.values()}
    cells = []
    groups = [(name, members, True) for name, members in populations.items()]
    groups += [(unit, (unit,), False) for unit in units if (unit,) not in published_units]
    for (name, members, published), (item, success) in itertools.product(groups, items.items()):
        n_base = sum(counts.get((u, c), 0) for u in members for c in base_codes)
        successes = sum(counts.get((u, c), 0) for u in members for c in success)
        if not published and n_base == 0:
            continue
        reason = "n_base" if n_base < 10 else (primary.get((name, item)) if published else None)
        cells.append(
            control.Cell(
                key=(item, name),
                published=published,
                units=members,
                n_base=n_base,
                successes=successes,
                primary_reason=reason,
                success_codes=success,
                base_codes=base_codes,
                dont_know_codes=(DONT_KNOW,),
            )
        )
    return control.Block(cells, codes, dict(counts), unanimous_from_n=50)


def attack(counts, block, suppressed: set[tuple]) -> dict[tuple, float]:
    """Every protected value (successes, and "vet ikke" of small cells) the published cells recover. The
    attacker knows no inner cell in advance, not even the empty ones: every unit × code given in the block
    is an unknown (a code nobody gave is known to be empty)."""
    units = sorted({u for cell in block.cells for u in cell.units})
    inner = {key: i for i, key in enumerate(itertools.product(units, block.codes))}

    def facts(cell, codes):
        members = frozenset(inner[(u, c)] for u in cell.units for c in codes if c in block.codes)
        return members, sum(counts.get((u, c), 0) for u in cell.units for c in codes)

    published = []
    for cell in block.cells:
        if not cell.published:
            continue
        published.append(Published(*facts(cell, cell.base_codes)))
        if cell.key not in suppressed:
            published += [Published(*facts(cell, cell.success_codes)), Published(*facts(cell, (DONT_KNOW,)))]
    recovered = {}
    for cell in block.cells:
        if not cell.primary_reason:
            continue
        values = [("successes", cell.success_codes)]
        if cell.primary_reason == "n_base":
            values.append(("dont_know", (DONT_KNOW,)))
        for value, codes in values:
            members, truth = facts(cell, codes)
            base_members, _ = facts(cell, cell.base_codes)
            if members in (frozenset(), base_members):
                continue  # fixed by the always-published base: nothing to hide
            guess = recover(len(inner), published, members)
            if guess is not None:
                assert guess == pytest.approx(truth)  # the attacker is right when it claims a value
                recovered[(cell.key, value)] = guess
    return recovered


def _protected(block):
    reasons = control.protect_block(block)
    return reasons, {key for key, reason in reasons.items() if reason}


ORG_2025 = {"stat": ("stat",), "kommune": ("kommune",), "alle": ("stat", "kommune", "fylkeskommune")}
STRATEGY = {
    "no_overview": (1,),
    "sporadic_use": (2,),
    "projects": (3,),
    "integrated_with_plan": (4,),
    "fully_integrated": (5,),
    "no_strategic_frame": (1, 2),
}


def test_alle_minus_stat_minus_kommune_reveals_nothing():
    # ai_strategy fully_integrated 2025: 4 county municipalities, all of them "fully integrated".
    counts = {
        ("stat", 5): 20,
        ("stat", 1): 120,
        ("kommune", 5): 15,
        ("kommune", 1): 200,
        ("fylkeskommune", 5): 4,
        ("stat", DONT_KNOW): 6,
        ("kommune", DONT_KNOW): 11,
    }
    block = build_block(counts, ORG_2025, {"fully_integrated": (5,)})
    assert attack(counts, block, set())[(("fully_integrated", "fylkeskommune"), "successes")] == 4
    reasons, suppressed = _protected(block)
    assert attack(counts, block, suppressed) == {}
    # one complementary cell is enough, and it is the smallest (stat, n 146 < kommune 226)
    assert reasons == {
        ("fully_integrated", "stat"): "complementary",
        ("fully_integrated", "kommune"): None,
        ("fully_integrated", "alle"): None,
    }


def test_a_small_published_part_of_a_pooled_population_is_protected():
    # alle = stat + kommune, and fylkeskommune is published on its own.
    populations = {
        "stat": ("stat",),
        "kommune": ("kommune",),
        "fylkeskommune": ("fylkeskommune",),
        "alle": ("stat", "kommune"),
    }
    counts = {
        ("stat", 5): 3,
        ("stat", 1): 5,
        ("kommune", 5): 90,
        ("kommune", 1): 200,
        ("fylkeskommune", 5): 2,
        ("fylkeskommune", 1): 3,
    }
    block = build_block(counts, populations, {"adopted": (5,)})
    primary_only = {("adopted", "stat"), ("adopted", "fylkeskommune")}
    assert (("adopted", "stat"), "successes") in attack(counts, block, primary_only)
    reasons, suppressed = _protected(block)
    assert reasons[("adopted", "stat")] == reasons[("adopted", "fylkeskommune")] == "n_base"
    assert attack(counts, block, suppressed) == {}
    assert list(reasons.values()).count("complementary") == 1
    assert reasons[("adopted", "fylkeskommune")] != "complementary"  # no relation involves it: left alone


def test_options_of_a_single_choice_question_and_their_combination():
    # One option fails the interval rule; the others, "vet ikke" and the base would give it away, and so
    # would the combined option minus its other part. Both relations share the suppressed cell.
    counts = {
        ("stat", 1): 60,
        ("stat", 2): 3,
        ("stat", 3): 40,
        ("stat", 4): 30,
        ("stat", 5): 10,
        ("stat", DONT_KNOW): 7,
    }
    block = build_block(counts, {"stat": ("stat",)}, STRATEGY, primary={("stat", "sporadic_use"): "group_disclosure"})
    assert (("sporadic_use", "stat"), "successes") in attack(counts, block, {("sporadic_use", "stat")})
    reasons, suppressed = _protected(block)
    assert attack(counts, block, suppressed) == {}
    # Option 1 is the one cell in both relations: withholding it alone cuts both (1|2 − 1, and base − the
    # rest), so it is the only complementary suppression, though it is not the smallest option.
    assert {k: r for k, r in reasons.items() if r} == {
        ("sporadic_use", "stat"): "group_disclosure",
        ("no_overview", "stat"): "complementary",
    }


def test_a_breakdown_whose_categories_sum_to_the_total():
    # A breakdown plugs in as cells described in finer units: kommune by county.
    populations = {
        "kommune": ("kommune/03", "kommune/11", "kommune/46"),
        "kommune/03": ("kommune/03",),
        "kommune/11": ("kommune/11",),
        "kommune/46": ("kommune/46",),
    }
    counts = {
        ("kommune/03", 4): 1,
        ("kommune/03", 1): 5,
        ("kommune/11", 4): 20,
        ("kommune/11", 1): 30,
        ("kommune/46", 4): 25,
        ("kommune/46", 1): 21,
    }
    block = build_block(counts, populations, {"agree": (4,)})
    reasons, suppressed = _protected(block)
    assert reasons[("agree", "kommune/03")] == "n_base"
    assert attack(counts, block, suppressed) == {}
    assert reasons[("agree", "kommune/46")] == "complementary"  # the smaller category (46 < 50) goes
    assert reasons[("agree", "kommune/11")] is None and reasons[("agree", "kommune")] is None


# Two breakdowns of one population crossed (gender × age): the units are the atoms int_disclosure_cells builds,
# respondent group × every category, so each breakdown's cells are sums of the same atoms.
ATOMS = {
    (gender, age): f"innbyggere|age_group={age}|gender={gender}"
    for gender in ("kvinne", "mann")
    for age in ("18-29", "60+")
}
CROSSED = {
    "innbyggere": tuple(ATOMS.values()),
    **{f"gender={g}": tuple(a for (gender, _), a in ATOMS.items() if gender == g) for g in ("kvinne", "mann")},
    **{f"age_group={y}": tuple(a for (_, age), a in ATOMS.items() if age == y) for y in ("18-29", "60+")},
}


def test_a_small_category_is_protected_against_its_total_and_the_other_breakdown():
    counts = {
        (ATOMS["kvinne", "18-29"], 4): 2,
        (ATOMS["kvinne", "18-29"], 1): 1,
        (ATOMS["mann", "18-29"], 4): 1,
        (ATOMS["mann", "18-29"], 1): 2,
        (ATOMS["kvinne", "60+"], 4): 20,
        (ATOMS["kvinne", "60+"], 1): 15,
        (ATOMS["mann", "60+"], 4): 22,
        (ATOMS["mann", "60+"], 1): 30,
        (ATOMS["mann", "60+"], DONT_KNOW): 3,
    }
    block = build_block(counts, CROSSED, {"trust": (4,)})
    assert (("trust", "age_group=18-29"), "successes") in attack(counts, block, {("trust", "age_group=18-29")})
    reasons, suppressed = _protected(block)
    assert reasons[("trust", "age_group=18-29")] == "n_base"
    assert attack(counts, block, suppressed) == {}
    # the other age group is a complement and the total stays published. The gender cells go too: with none
    # of the 38 women answering "vet ikke", the hidden class of young women (3, none of them "vet ikke")
    # would be pinned at 0 by non-negativity, which the protection interval does not allow below 50.
    complements = {key for key, reason in reasons.items() if reason == "complementary"}
    assert ("trust", "age_group=60+") in complements and ("trust", "innbyggere") not in complements


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_crossed_breakdowns_leak_nothing(data):
    counts = {(atom, code): data.draw(st.integers(0, 14)) for atom in ATOMS.values() for code in (1, 4, 5, DONT_KNOW)}
    counts = {key: n for key, n in counts.items() if n}
    if not counts:
        return
    items = {"agree": (4, 5), "fully": (5,)}
    primary = {(p, i): "group_disclosure" for p in CROSSED for i in items if data.draw(st.integers(0, 7)) == 0}
    block = build_block(counts, CROSSED, items, primary)
    reasons, suppressed = _protected(block)
    assert attack(counts, block, suppressed) == {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_tables_with_shared_relations_leak_nothing(data):
    units = ["a", "b", "c", "d"][: data.draw(st.integers(2, 4))]
    codes = [1, 2, 3, DONT_KNOW]
    counts = {(u, c): data.draw(st.integers(0, 12)) for u in units for c in codes}
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return
    # single-unit populations (some left hidden), a pooled one, and overlapping pools
    populations = {u: (u,) for u in units if data.draw(st.booleans())}
    populations["all"] = tuple(units)
    if len(units) > 2:
        populations["first_two"] = tuple(units[:2])
    items = {"one": (1,), "two": (2,), "three": (3,), "one_or_two": (1, 2)}
    primary = {(p, i): "group_disclosure" for p in populations for i in items if data.draw(st.integers(0, 9)) == 0}
    block = build_block(counts, populations, items, primary)
    reasons, suppressed = _protected(block)
    assert attack(counts, block, suppressed) == {}
    assert {key for key, r in reasons.items() if r and r != "complementary"} == {
        c.key for c in block.cells if c.published and c.primary_reason
    }


def _fabricated_blocks(seed: int, count: int):
    """Random blocks shaped like the survey's: a total and a breakdown of three to five categories, some of
    them small, three items over three codes and "vet ikke", now and then a cell withheld for group
    disclosure, and some series preferred as the year before's complements."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        categories = [f"category_{i}" for i in range(rng.integers(3, 6))]
        counts = {}
        for category in categories:
            answers = rng.multinomial(rng.choice([3, 6, 20, 40]), [0.4, 0.3, 0.2, 0.1])
            counts |= {(category, code): int(n) for code, n in zip((1, 2, 3, DONT_KNOW), answers, strict=True) if n}
        populations = {"total": tuple(categories)} | {category: (category,) for category in categories}
        items = {"one": (1,), "two": (2,), "one_or_two": (1, 2)}
        primary = {(p, i): "group_disclosure" for p in populations for i in items if rng.random() < 0.05}
        block = build_block(counts, populations, items, primary)
        yield block, frozenset(cell.series for cell in block.cells if rng.random() < 0.15)


def test_the_shortcuts_give_the_pattern_of_solving_every_linear_program(monkeypatch):
    """protect_block skips a linear program whose answer it knows (a verdict asked for again, a side a known
    point already reaches). The patterns must be those of the plain search that solves every program, and
    the shortcuts must actually skip programs."""
    solved = {"plain": 0, "shortcuts": 0}
    solve = control._highs_minimum
    run = "plain"

    def counted(*args):
        solved[run] += 1
        return solve(*args)

    monkeypatch.setattr(control, "_highs_minimum", counted)
    complements = 0
    for block, preferred in _fabricated_blocks(seed=20, count=6):
        run = "plain"
        plain = control.protect_block(block, preferred, shortcuts=False)
        run = "shortcuts"
        assert control.protect_block(block, preferred) == plain
        complements += list(plain.values()).count("complementary")
    assert complements >= 15  # the blocks do make the search choose and release complements
    assert solved["shortcuts"] < 0.6 * solved["plain"]


def _published_cells(**columns) -> pd.DataFrame:
    """ai_adoption 2025 as published with alle = stat + kommune: stat (5 answers, 2 successes) suppressed by
    the primary rule, kommune withheld as its complement; alle (55 answers, 20 successes) shown."""
    cells = pd.DataFrame(
        {
            "indicator_id": "ai_adoption",
            "item": None,
            "question_id": "ai_adoption",
            "survey": "org",
            "year": 2025,
            "population": ["stat", "kommune", "alle"],
            "n_base": [5, 50, 55],
            "suppressed": [True, True, False],
            "share_pct": [np.nan, np.nan, 100 * 20 / 55],
            "dont_know_pct": [np.nan, np.nan, 0.0],
            "n_base_excl_dont_know": [np.nan, np.nan, 55.0],
            "share_excl_dont_know_pct": [np.nan, np.nan, 100 * 20 / 55],
            "previous_year": 2024,
            "change_pp": np.nan,
        }
    )
    for name, values in columns.items():
        cells[name] = values
    last_year = cells.assign(year=2024, suppressed=False, share_pct=[30.0, 40.0, 39.0], change_pp=np.nan)
    return pd.concat([cells, last_year], ignore_index=True)


POPULATIONS_NOW = {"stat": ("stat",), "kommune": ("kommune",), "alle": ("stat", "kommune")}
SUCCESS = {("ai_adoption", None): (3, 4, 5)}


def _recovered(fct, differences=None, alternatives=None) -> list[str]:
    return differencing_attack(attacker_shares(fct, differences), POPULATIONS_NOW, SUCCESS, 10, alternatives)


def test_withheld_cells_leak_through_no_derived_column():
    assert _recovered(_published_cells()) == []
    # Each derived column, published beside a suppressed cell, would give it away.
    assert "ai_adoption/None/stat/2025" in _recovered(_published_cells(change_pp=[100 * 2 / 5 - 30, np.nan, np.nan]))
    assert "ai_adoption/None/stat/2025" in _recovered(
        _published_cells(
            n_base_excl_dont_know=[4.0, np.nan, 55.0], share_excl_dont_know_pct=[50.0, np.nan, 100 * 20 / 55]
        )
    )
    difference = pd.DataFrame(
        {
            "indicator_id": ["ai_adoption"],
            "item": [None],
            "year": [2025],
            "population_a": ["stat"],
            "population_b": ["kommune"],
            "difference_pp": [40 - 36.0],
        }
    )
    assert _recovered(_published_cells(), difference) == []  # both sides withheld: differencing two unknowns
    kommune_shown = _published_cells(
        suppressed=[True, False, True],
        share_pct=[np.nan, 36.0, np.nan],
        dont_know_pct=[np.nan, 0.0, np.nan],
        n_base_excl_dont_know=[np.nan, 50.0, np.nan],
        share_excl_dont_know_pct=[np.nan, 36.0, np.nan],
    )
    assert _recovered(kommune_shown) == []
    assert "ai_adoption/None/stat/2025" in _recovered(kommune_shown, difference)
    pooled = pd.DataFrame(
        {
            "question_id": ["ai_adoption"],
            "indicator_id": ["ai_adoption"],
            "item": [None],
            "year": [2025],
            "units": [("kommune",)],
            "share_pct": [36.0],
            "base_n": [50],
        }
    )
    assert "ai_adoption/None/stat/2025" in _recovered(_published_cells(), alternatives=pooled)


# --- bounds from non-negativity, and patterns kept across releases ------------------------------------------


def test_a_complement_that_leaves_the_count_pinned_is_not_enough():
    """Rank alone would accept withholding the other small part: the two suppressed counts are then only known
    as a sum. But when that other part has no successes, the sum is the protected count itself, and
    non-negativity pins it: the feasibility check asks for more."""
    populations = {"total": ("a", "b", "c"), "a": ("a",), "b": ("b",), "c": ("c",)}
    counts = {("a", 5): 3, ("a", 1): 4, ("b", 1): 12, ("c", 5): 20, ("c", 1): 30}
    block = build_block(counts, populations, {"yes": (5,)})
    target = next(t for t in control._targets(block) if t.value == 3)
    rank_only = {("yes", "a"), ("yes", "b")}
    assert attack(counts, block, rank_only) == {}  # nothing recovered exactly …
    assert not control.Intruder.of(block, rank_only).judge(target).protected  # … yet the count is pinned at 3
    reasons, suppressed = _protected(block)
    assert reasons[("yes", "a")] == "n_base" and reasons[("yes", "c")] == "complementary"
    assert control.Intruder.of(block, suppressed).judge(target).protected


def test_group_disclosure_is_protected_like_a_small_cell():
    """Twelve of twelve answered yes: the share would tell each one's answer. Withheld, and the reader must not
    be able to conclude from the total and the other part that all twelve did."""
    populations = {"total": ("a", "b"), "a": ("a",), "b": ("b",)}
    counts = {("a", 5): 12, ("b", 5): 40, ("b", 1): 60}
    block = build_block(counts, populations, {"yes": (5,)}, primary={("a", "yes"): "group_disclosure"})
    reasons, suppressed = _protected(block)
    assert reasons[("yes", "a")] == "group_disclosure" and reasons[("yes", "b")] == "complementary"
    low, high = control.Intruder.of(block, suppressed).range_of(block.vector(block.cells[1], "successes"))
    assert low <= 11 and high >= 12


def test_a_complement_is_kept_from_one_release_to_the_next():
    """A small unknown category needs one of the two large ones withheld. In 2024 adopters are fewer, so they
    are the complement; in 2025 non-adopters are fewer, but the 2024 choice is kept, so the non-adopter series
    has its change in both years and the reader is not left with two broken series."""
    populations = {
        "total": ("adopter", "non_adopter", "unknown"),
        "adopter": ("adopter",),
        "non_adopter": ("non_adopter",),
        "unknown": ("unknown",),
    }
    counts = {
        2024: {("adopter", 5): 10, ("adopter", 1): 20, ("non_adopter", 5): 15, ("non_adopter", 1): 25,
               ("unknown", 5): 2, ("unknown", 1): 3},
        2025: {("adopter", 5): 20, ("adopter", 1): 30, ("non_adopter", 5): 12, ("non_adopter", 1): 20,
               ("unknown", 5): 1, ("unknown", 1): 4},
    }  # fmt: skip
    cells, inner = cells_frame(counts, populations)
    decided = control.protect(cells, inner, unanimous_from_n=50)
    complements = decided[decided.suppression_reason == "complementary"]
    assert set(zip(complements.survey_year, complements.category, strict=True)) == {
        (2024, "adopter"),
        (2025, "adopter"),
    }
    # without the earlier year, 2025 alone takes the smaller category: the preference is what keeps it
    alone = control.protect(cells[cells.survey_year == 2025], inner[inner.survey_year == 2025], unanimous_from_n=50)
    assert set(alone[alone.suppression_reason == "complementary"].category) == {"non_adopter"}


# --- the block cache ----------------------------------------------------------------------------------------


def _reuse(cache) -> control.BlockCache:
    """What a later build starts from: the blocks an earlier build kept."""
    return control.BlockCache({key: reasons for key, (_, _, reasons) in cache.used.items()}, version=cache.version)


def test_the_block_cache_never_changes_a_result():
    cells, inner = two_questions()
    uncached = control.protect(cells, inner, unanimous_from_n=50)
    cold = control.BlockCache(version="rule")
    assert control.protect(cells, inner, unanimous_from_n=50, cache=cold).equals(uncached)
    assert len(cold.computed) == 6
    warm = _reuse(cold)
    assert control.protect(cells, inner, unanimous_from_n=50, cache=warm).equals(uncached)
    assert warm.computed == []  # nothing changed, nothing computed
    assert (uncached.suppression_reason == "complementary").sum() == 6  # the blocks do need complements
    # another rule (code, thresholds or solver) reuses nothing
    other = control.BlockCache(warm.stored, version="another rule")
    assert control.protect(cells, inner, unanimous_from_n=50, cache=other).equals(uncached)
    assert len(other.computed) == 6
    # nor does another threshold of the rule
    threshold = _reuse(cold)
    control.protect(cells, inner, unanimous_from_n=40, cache=threshold)
    assert len(threshold.computed) == 6


def test_a_changed_block_is_computed_again_with_the_years_it_decides():
    cells, inner = two_questions()
    earlier = control.BlockCache(version="rule")
    control.protect(cells, inner, unanimous_from_n=50, cache=earlier)
    # one more respondent in one category of 2024: the same complement, so 2025 is not computed again
    cells, inner = two_questions({2024: year_counts(31, 44, 4)})
    cache = _reuse(earlier)
    decided = control.protect(cells, inner, unanimous_from_n=50, cache=cache)
    assert cache.computed == [("ai_benefit", 2024)]
    assert decided.equals(control.protect(cells, inner, unanimous_from_n=50))
    # 2024's unknown category grows to twelve: nothing of 2024 is confidential and it chooses no complement,
    # so 2025, which prefers the complements of 2024, is computed again; 2023 and the other question are not
    cells, inner = two_questions({2024: year_counts(30, 44, 12)})
    cache = _reuse(earlier)
    decided = control.protect(cells, inner, unanimous_from_n=50, cache=cache)
    assert cache.computed == [("ai_benefit", 2024), ("ai_benefit", 2025)]
    assert decided.equals(control.protect(cells, inner, unanimous_from_n=50))


def test_a_share_that_differs_only_in_its_last_bits_is_the_same_block():
    """A rebuild of the same data sums the panel's weights in another order: its shares may differ in the last
    bits. The blocks are the same, and none is computed again."""
    cells, inner = two_questions()
    earlier = control.BlockCache(version="rule")
    expected = control.protect(cells, inner, unanimous_from_n=50, cache=earlier)
    noisy = cells.copy()
    shares = noisy.share.notna() & (noisy.share > 0)
    assert shares.sum() > 10
    noisy.loc[shares, "share"] = np.nextafter(noisy.loc[shares, "share"].to_numpy(), np.inf)
    assert not noisy.share.equals(cells.share)
    cache = _reuse(earlier)
    assert control.protect(noisy, inner, unanimous_from_n=50, cache=cache).equals(expected)
    assert cache.computed == []


def test_the_block_cache_is_kept_in_the_working_database_between_builds():
    cells, inner = two_questions()
    con = duckdb.connect()
    first = control.BlockCache(control._stored_blocks(con), version="rule")
    control.protect(cells, inner, unanimous_from_n=50, cache=first)
    control._store_blocks(con, first)
    second = control.BlockCache(control._stored_blocks(con), version="rule")
    assert second.stored == {key: reasons for key, (_, _, reasons) in first.used.items()}
    assert any(None in reasons for reasons in second.stored.values())  # published cells keep their NULL
    # a build of one question keeps only that question's blocks
    control.protect(cells[cells.question_id == "ai_barrier"], inner, unanimous_from_n=50, cache=second)
    control._store_blocks(con, second)
    assert {q for (q,) in con.execute(f"select distinct question_id from {control.CACHE_TABLE}").fetchall()} == {
        "ai_barrier"
    }
