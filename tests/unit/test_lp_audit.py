"""The linear-programming audit of a suppression pattern (tests/support/lp_audit.py) on small blocks built from
microdata: it catches a pattern the rank test (tests/support/differencing_attack.py) passes, where
non-negativity bounds a withheld count too tightly, as well as an exact linear leak and a hidden group; it
passes a safe pattern, and it judges the protection interval at its edges."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from support import lp_audit
from support.differencing_attack import Published, recover
from support.lp_audit import CONFIDENTIALITY, KEY, WITH_RELIABILITY, audit

QUESTION, YEAR = "ai_adoption", 2025
CODES = (1, 2, 9)  # 1 the success, 9 "vet ikke"; all three in the base
SUCCESS, DONT_KNOW = (1,), (9,)
# The confidentiality rule's group size (var group_disclosure_below_n): from it a unanimous answer is public.
UNANIMOUS_FROM_N = 50
ORG = {"stat": ("stat",), "kommune": ("kommune",), "alle": ("stat", "kommune")}


def block(
    counts: dict[tuple[str, int], int],
    reasons: dict[str, tuple[str | None, str | None]],
    populations: dict[str, tuple[str, ...]] = ORG,
    hidden: tuple[str, ...] = (),
    success: tuple[int, ...] = SUCCESS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """cells, suppression reasons and inner counts of one block: every population (and every hidden group)
    a cell of item `success`; `reasons` gives a population's (primary reason, suppression_reason)."""
    cells, published = [], []
    for name, units in populations.items():
        n_base = sum(counts.get((u, c), 0) for u in units for c in CODES)
        successes = sum(counts.get((u, c), 0) for u in units for c in success)
        primary, suppression = reasons.get(name, (None, None))
        is_published = name not in hidden
        cells.append(
            {
                "indicator_id": QUESTION,
                "item_key": "",
                "question_id": QUESTION,
                "survey_year": YEAR,
                "population": name,
                "breakdown": None,
                "category": None,
                "is_published": is_published,
                "units": list(units),
                "n_base": n_base,
                "share": successes / n_base if is_published else None,
                "primary_reason": primary,
                "success_codes": list(success),
                "base_codes": list(CODES),
                "dont_know_codes": list(DONT_KNOW),
                "block_codes": list(CODES),
            }
        )
        if is_published:
            published.append({**{k: cells[-1][k] for k in KEY}, "suppression_reason": suppression})
    inner = pd.DataFrame(
        [
            {"question_id": QUESTION, "survey_year": YEAR, "unit": u, "answer_code": c, "n": n, "weighted": False}
            for (u, c), n in counts.items()
        ]
    )
    return pd.DataFrame(cells), pd.DataFrame(published), inner


def rank_attack(counts, populations, suppressed: set[str], target: str) -> float | None:
    """The exact attacker's answer for the target population's successes (None: not determined)."""
    inner = {
        key: i for i, key in enumerate(itertools.product(sorted({u for p in populations.values() for u in p}), CODES))
    }

    def fact(units, codes):
        members = frozenset(inner[(u, c)] for u in units for c in codes)
        return Published(members, float(sum(counts.get((u, c), 0) for u in units for c in codes)))

    facts = [fact(units, CODES) for units in populations.values()]
    for name, units in populations.items():
        if name not in suppressed:
            facts += [fact(units, SUCCESS), fact(units, DONT_KNOW)]
    return recover(len(inner), facts, fact(populations[target], SUCCESS).inner)


SMALL_STAT_WITHHELD = {"stat": ("n_base", "n_base"), "kommune": (None, "complementary")}


def test_a_complement_with_no_successes_leaks_through_non_negativity_though_rank_passes():
    # stat: 5 answers, 2 successes; its only complement, kommune, has none: alle's 2 successes are all stat's,
    # so the intruder knows stat has at most 2 (never 3) although neither cell's successes are published.
    counts = {("stat", 1): 2, ("stat", 2): 2, ("stat", 9): 1, ("kommune", 2): 45, ("kommune", 9): 5}
    assert rank_attack(counts, ORG, {"stat", "kommune"}, "stat") is None
    cells, reasons, inner = block(counts, SMALL_STAT_WITHHELD)
    leaks = audit(cells, reasons, CONFIDENTIALITY, inner, UNANIMOUS_FROM_N)
    assert [(leak.key[2], leak.value, leak.kind, leak.x, round(leak.lo, 6), round(leak.hi, 6)) for leak in leaks] == [
        ("stat", "successes", "narrowed", 2.0, 0.0, 2.0)
    ]
    assert "stat" in str(leaks[0]) and "narrowed" in str(leaks[0])


def _audit(counts, reasons, mapping=CONFIDENTIALITY, unanimous_from_n=UNANIMOUS_FROM_N, **shape):
    cells, suppression, inner = block(counts, reasons, **shape)
    return audit(cells, suppression, mapping, inner, unanimous_from_n)


def test_a_zero_in_the_total_pins_a_withheld_cell():
    # no success in alle: stat's 0 is certain, though both parts are withheld
    counts = {("stat", 2): 4, ("stat", 9): 1, ("kommune", 2): 45, ("kommune", 9): 5}
    leaks = _audit(counts, SMALL_STAT_WITHHELD, unanimous_from_n=100)
    assert [(leak.key[2], leak.value, leak.kind, leak.x) for leak in leaks] == [("stat", "successes", "pinned", 0.0)]
    # … unless the total's unanimous answer is itself public: a group of 55 is at least the policy's 50, and
    # "none of them" says of each part what it says of the whole, whatever is withheld
    assert _audit(counts, SMALL_STAT_WITHHELD) == []


def test_a_complement_with_enough_successes_is_safe():
    # alle's 22 successes could be anywhere from 0 to 5 of stat's (kommune has 50 answers): stat's 2 is hidden,
    # and so is its one "vet ikke" among alle's 5.
    counts = {("stat", 1): 2, ("stat", 2): 2, ("stat", 9): 1, ("kommune", 1): 20, ("kommune", 2): 26, ("kommune", 9): 4}
    assert _audit(counts, SMALL_STAT_WITHHELD) == []


@pytest.mark.parametrize(
    ("kommune_successes", "leaks"),
    [(1, []), (0, [("successes", 1.0, 0.0, 1.0)])],
)
def test_the_protection_interval_needs_one_unit_either_side(kommune_successes, leaks):
    # stat has 1 success: with kommune's 1, alle's 2 leave stat anywhere in [0, 2] — one fewer and one more are
    # possible; with kommune's 0, alle's 1 rules out 2.
    counts = {("stat", 1): 1, ("stat", 2): 4, ("stat", 9): 1, ("kommune", 1): kommune_successes, ("kommune", 2): 50}
    counts[("kommune", 9)] = 5
    found = _audit(counts, SMALL_STAT_WITHHELD)
    assert [(leak.value, leak.x, round(leak.lo, 6), round(leak.hi, 6)) for leak in found] == leaks


def test_a_withheld_cell_whose_complement_is_published_leaks_exactly():
    counts = {("stat", 1): 2, ("stat", 2): 2, ("stat", 9): 1, ("kommune", 1): 20, ("kommune", 2): 30}
    counts[("kommune", 9)] = 4
    reasons = {"stat": ("n_base", "n_base")}  # kommune shown: stat = alle − kommune
    assert rank_attack(counts, ORG, {"stat"}, "stat") == pytest.approx(2.0)
    leaks = _audit(counts, reasons)
    assert {(leak.value, leak.kind) for leak in leaks} == {("successes", "linear"), ("dont_know", "linear")}
    assert all(leak.lo == pytest.approx(leak.x) == pytest.approx(leak.hi) for leak in leaks)


def test_a_hidden_group_is_protected():
    # fylkeskommune (4 answers) is pooled into alle and never published: alle − stat − kommune gives it away.
    populations = {**ORG, "alle": ("stat", "kommune", "fylkeskommune"), "fylkeskommune": ("fylkeskommune",)}
    counts = {("stat", 1): 10, ("stat", 2): 20, ("kommune", 1): 20, ("kommune", 2): 30, ("fylkeskommune", 1): 3}
    counts[("fylkeskommune", 2)] = 1
    cells, reasons, inner = block(counts, {"fylkeskommune": ("n_base", None)}, populations, hidden=("fylkeskommune",))
    leaks = audit(cells, reasons, CONFIDENTIALITY, inner, UNANIMOUS_FROM_N)
    # its "vet ikke" is 0 like everyone's: alle's unanimous 0 (84 answers, at least the policy's 50) is public
    # whatever is withheld, so it is no leak; its successes are, exactly
    assert {(leak.key[2], leak.published, leak.value, leak.kind) for leak in leaks} == {
        ("fylkeskommune", False, "successes", "linear"),
    }
    # stat and kommune withheld: alle's 33 successes leave fylkeskommune anywhere in [0, 4]
    withheld = reasons.assign(suppression_reason=["complementary", "complementary", None])  # stat, kommune, alle
    assert audit(cells, withheld, CONFIDENTIALITY, inner, UNANIMOUS_FROM_N) == []
    # judged without the public rule, alle's 0 "vet ikke" still pins fylkeskommune's to 0
    assert [(leak.value, leak.kind) for leak in audit(cells, withheld, CONFIDENTIALITY, inner, 10_000)] == [
        ("dont_know", "pinned")
    ]


def test_the_mapping_decides_what_is_protected():
    # An unreliable interval (published under the policy, flagged `u`) protects nothing; a build that withholds
    # it can be audited with WITH_RELIABILITY.
    counts = {("stat", 1): 2, ("stat", 2): 2, ("stat", 9): 1, ("kommune", 2): 45, ("kommune", 9): 5}
    reasons = {"stat": ("interval_width", "interval_width"), "kommune": (None, "complementary")}
    assert _audit(counts, reasons) == []
    assert [leak.value for leak in _audit(counts, reasons, WITH_RELIABILITY)] == ["successes"]
    # a small group's 0 % or 100 % protects its successes, not its "vet ikke"
    counts = {("stat", 1): 4, ("stat", 9): 1, ("kommune", 2): 45, ("kommune", 9): 5}
    group = {"stat": ("group_disclosure", "group_disclosure"), "kommune": (None, "complementary")}
    assert [(leak.value, leak.kind) for leak in _audit(counts, group)] == [("successes", "narrowed")]
    with pytest.raises(ValueError, match="protected values"):
        _audit(counts, reasons, {"n_base": ("share",)})


def test_a_value_the_bases_determine_is_exempt():
    # success codes = every code in the base: successes = n_base, published anyway
    counts = {("stat", 1): 3, ("stat", 2): 2, ("stat", 9): 1, ("kommune", 1): 20, ("kommune", 2): 30}
    counts[("kommune", 9)] = 5
    withheld = {"stat": ("n_base", "n_base"), "kommune": (None, "complementary")}
    assert _audit(counts, withheld, success=CODES) == []
    # kommune shown: its "vet ikke" gives stat's (alle − kommune), but its successes were never hidden
    shown = {"stat": ("n_base", "n_base")}
    assert [(leak.value, leak.kind) for leak in _audit(counts, shown, success=CODES)] == [("dont_know", "linear")]


def test_counts_that_disagree_with_the_cells_stop_the_audit():
    counts = {("stat", 1): 2, ("stat", 2): 3, ("kommune", 1): 20, ("kommune", 2): 30}
    cells, reasons, inner = block(counts, SMALL_STAT_WITHHELD)
    with pytest.raises(ValueError, match=r"inner counts give n_base 56 for ai_adoption//alle.* the cells table 55"):
        audit(
            cells, reasons, CONFIDENTIALITY, inner.assign(n=inner.n + (inner.unit == "kommune") * 0.5), UNANIMOUS_FROM_N
        )
    with pytest.raises(ValueError, match="no suppression_reason for the published cell"):
        audit(cells, reasons.iloc[1:], CONFIDENTIALITY, inner, UNANIMOUS_FROM_N)


def test_warm_started_bounds_equal_fresh_linear_programs():
    rng = np.random.default_rng(7)
    units = [f"u{i}" for i in range(6)]
    populations = {f"p{i}": tuple(rng.choice(units, size=rng.integers(1, 5), replace=False)) for i in range(8)}
    counts = {(u, c): int(rng.integers(0, 6)) for u in units for c in CODES}
    cells, reasons, inner = block(counts, {}, populations)
    suppressed = {tuple(row[k] for k in KEY) for row in cells.head(4).to_dict("records")}
    built = lp_audit._Block((QUESTION, YEAR), cells.to_dict("records"), inner, suppressed, UNANIMOUS_FROM_N)
    for _ in range(20):
        target = rng.integers(0, 2, size=len(built.index)).astype(float)
        for sense in (1, -1):
            fresh = sense * lp_audit._linprog_optimum(sense * target, built.equations, built.known, "test")
            assert built.bound(target, sense) == pytest.approx(fresh, abs=1e-7)
