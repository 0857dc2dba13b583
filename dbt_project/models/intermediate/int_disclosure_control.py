"""Disclosure control and reliability of every published cell: the two judgements the policy keeps apart.

* Confidentiality (withheld, flag `c`): a cell's primary reason comes from the SQL rule
  (macros/disclosure_control.sql, `confidentiality_reason`: too few respondents, or a small group all giving
  the same answer). Here complementary suppression is added so that no confidential value can be worked out
  from what is published, neither exactly nor to within its protection interval.
* Reliability (published, flag `u`): a cell whose interval is too wide to rely on is flagged and published.
  It is never withheld and never a reason for a complement: an uncertain value is not a secret.
The policy, its thresholds and their sources are in docs/disclosure.md.

Every published table takes `suppressed`, `suppression_reason`, `low_reliability` and `reliability_reason`
from here (fct_indicator, fct_indicator_breakdown and fct_answer_distribution join it; the family marts read
it through them), so a new table cannot forget either judgement.

The attack defended against is linear with bounds: a published cell is a sum of inner cells (unit × answer
code, int_disclosure_cells), its n_base is always published and its successes and "vet ikke" count are
published unless it is suppressed. An intruder who knows every inner count is a non-negative number finds
the range a protected value can take; the value is protected when that range reaches at least one unit below
and one unit above the true value (within 0 and the cell's size). A value the always-published bases already
fix is exempt: it is no more disclosive than the base.

Algorithm (a greedy form of the approach of SSB's GaussSuppression, with a tau-argus style feasibility
check): while a protected value is not protected, suppress further published cells in order of cost (an
answer distribution's codes, then breakdown categories, then headline cells; within each, a cell chosen as a
complement the year before first, then smallest n_base, then fewest successes) until it is, then release
again those of the new suppressions it does not need. Suppressing more only widens every range, so a value
once protected stays protected; at the end every value is checked again. A linear program whose answer is
already known is not solved (protect_block's shortcuts: a point found by an earlier program that already
reaches the bound, or the same question asked again), so the verdicts, and the pattern, are those of
solving every one.

Only blocks whose inputs changed are computed (BlockCache). A block's result depends on nothing but its
cells, its true inner counts, unanimous_from_n, the complements its question chose the year before, and the
rule itself (this file with its thresholds, and the solver's version); the hash of all of these is the
block's key, and a block whose key an earlier build computed takes that build's result. The cache is the
table disclosure_control_cache.blocks in the working database, outside every schema dbt builds, rewritten at
each build with the blocks of that build. So a build with no changed input computes no block, and a new year
computes its own blocks, and those of a later year whose preferred complements it changes.

Questions are independent of one another, so when many blocks must be computed (more than a build from
scratch of five survey years brings: WORKER_FROM_BLOCKS) a second Python process protects about half of the
questions (Worker) while this one does the rest. It runs
this same file on the same inputs and so gives the same result; if it fails, this process protects its
questions itself.
"""

# No `from __future__ import annotations`: dbt-duckdb loads this file without registering it as a module,
# and dataclasses cannot resolve string annotations then.
import hashlib
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy.optimize._highspy import _core as highs
from scipy.sparse import csc_array

# The confidentiality reasons and what each protects: a cell with too few respondents hides both its
# successes and its "vet ikke"; a small group all giving one answer hides its successes (and so the rest).
PROTECTED_VALUES = {"n_base": ("successes", "dont_know"), "group_disclosure": ("successes",)}
COMPLEMENTARY = "complementary"
# A cell: a population's headline (breakdown and category NULL) or one category of a breakdown of it.
KEY = ("indicator_id", "item_key", "population", "breakdown", "category", "survey_year")
# How far on each side of a protected count an intruder's range must reach (in respondents).
PROTECTION_LEVEL = 1.0
# Slack for the LP's floating-point bounds, far below one respondent.
LP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Cell:
    key: tuple
    published: bool
    units: tuple[str, ...]
    n_base: int
    successes: float
    primary_reason: str | None
    success_codes: tuple[int, ...]
    base_codes: tuple[int, ...]
    dont_know_codes: tuple[int, ...]
    # Which cells go first when a complement is needed: 0 an answer distribution's code, 1 a breakdown
    # category, 2 a headline cell (int_disclosure_cells.withhold_order): detail before headline figures.
    withhold_order: int = 2

    @property
    def series(self) -> tuple:
        """The cell without its year: the same cell in another release."""
        return self.key[:-1]


@dataclass
class Block:
    """The cells of one question × year, the inner cells (unit × code) they are sums of, and the true inner
    counts (unit, code) → respondents, which the feasibility check needs to know what an intruder would see.
    `unanimous_from_n` is the confidentiality rule's group_disclosure_below_n: from that size a group's
    unanimous answer is published."""

    cells: list[Cell]
    codes: tuple[int, ...]
    counts: dict[tuple[str, int], float]
    unanimous_from_n: int
    inner: dict[tuple[str, int], int] = field(init=False)
    truth: np.ndarray = field(init=False)
    # each cell's vectors, built once: every candidate set of suppressions reads them again
    vectors: dict[tuple, np.ndarray] = field(init=False, default_factory=dict)
    # Every value that can be published as rows over the inner cells, and the cell whose withholding removes
    # each row (None for a base): built when first asked for (a block taken from the cache never is), and
    # an intruder of a set of suppressions takes the rows that set leaves.
    _rows: tuple[np.ndarray, list[tuple | None]] | None = field(init=False, default=None)
    # BlockCache's key of the block under each (rule version, preferred complements) asked for
    cache_keys: dict[tuple, str] = field(init=False, default_factory=dict)

    def __post_init__(self):
        units = sorted({unit for cell in self.cells for unit in cell.units})
        self.inner = {(unit, code): i for i, (unit, code) in enumerate((u, c) for u in units for c in self.codes)}
        self.truth = np.zeros(len(self.inner))
        for key, i in self.inner.items():
            self.truth[i] = self.counts.get(key, 0.0)

    def published_rows(self) -> tuple[np.ndarray, list[tuple | None]]:
        """_published_rows as one matrix, built once."""
        if self._rows is None:
            rows, owners = _published_rows(self)
            self._rows = (np.vstack(rows) if rows else np.zeros((0, len(self.inner))), owners)
        return self._rows

    def vector(self, cell: Cell, value: str) -> np.ndarray:
        """The cell's value as a 0/1 row over the inner cells (shared: callers do not change it)."""
        if (cell.key, value) not in self.vectors:
            self.vectors[(cell.key, value)] = self._vector(cell, value)
        return self.vectors[(cell.key, value)]

    def _vector(self, cell: Cell, value: str) -> np.ndarray:
        codes = {
            "n_base": cell.base_codes,
            "successes": cell.success_codes,
            "dont_know": cell.dont_know_codes,
            "answered": self.codes,
        }[value]
        vec = np.zeros(len(self.inner))
        for unit in cell.units:
            for code in codes:
                if (unit, code) in self.inner:
                    vec[self.inner[(unit, code)]] = 1.0
        return vec


class Target:
    """One protected value: its sum over inner cells, its true value, and the range the protection interval
    is taken within — what the bases and the unanimous answers of larger groups already tell (public rows,
    `_public_rows`), worked out only when the plain interval is not reached."""

    def __init__(self, vector: np.ndarray, value: float, public: "Intruder"):
        self.vector, self.value, self._public, self._range = vector, value, public, None

    def need(self, sign: float, within_public: bool) -> float:
        """The bound the intruder's range must reach: PROTECTION_LEVEL below (sign 1) or above (sign −1) the
        value, or the public range's own end where that is nearer."""
        need = self.value - sign * PROTECTION_LEVEL
        if not within_public:
            return max(0.0, need) if sign > 0 else need
        if self._range is None:
            self._range = self._public.range_of(self.vector)
        floor, ceiling = self._range
        return max(floor, need) if sign > 0 else min(ceiling, need)

    def reached(self, least: float, sign: float, margin: float, public_known_only: bool = False) -> bool:
        """Whether a least value of sign · vector (the bound itself for sign 1, minus it for sign −1) reaches
        the bound `need` asks for, by `margin`: the plain interval first, then, where it is not reached, the
        one within the public range (worked out now unless `public_known_only`)."""
        return any(
            least <= sign * self.need(sign, within_public) + margin
            for within_public in (False, True)
            if not (within_public and public_known_only and self._range is None)
        )


def _published_rows(block: Block) -> tuple[list[np.ndarray], list[tuple | None]]:
    """Every value the block can publish as a row over the inner cells, and beside each the cell whose
    withholding removes it (None for a base, which is always published)."""
    rows, owners = [], []
    for cell in block.cells:
        if not cell.published:
            continue
        rows += [block.vector(cell, "n_base"), block.vector(cell, "successes"), block.vector(cell, "dont_know")]
        owners += [None, cell.key, cell.key]
    return rows, owners


@dataclass(frozen=True)
class Verdict:
    """Whether a target is protected, and if not, the cells whose published values bind the intruder's
    bound on it (a non-zero dual value in the linear program): withholding one of them can widen the range;
    withholding any other cannot, since a constraint with dual value 0 can be dropped without moving the
    optimum."""

    protected: bool
    binding: frozenset = frozenset()


@dataclass(frozen=True)
class Optimum:
    """A solved linear program: `bounded` False when the objective has no least value; else its least value
    `fun`, the dual value of every published row (`duals`) and where it is reached (`point`)."""

    bounded: bool
    fun: float = 0.0
    duals: np.ndarray | None = None
    # the inner counts at which the optimum is reached
    point: np.ndarray | None = None


# HiGHS called directly, as scipy's linprog(method="highs") calls it: linprog spends more time checking its
# arguments and unpacking the answer than HiGHS spends solving these small programs. Presolve is off: a
# block's program has a few hundred columns at most (units × answer codes, whatever the number of
# respondents), and presolving it costs about twice what solving it does. The optimum is the same; where a
# program has more than one set of dual values the one found may differ, and so may the complement chosen,
# which is why the solver's options are part of the rule (_rule_version reads this file).
HIGHS_OPTIONS = {
    "presolve": "off",
    "highs_debug_level": 0,
    "log_to_console": False,
    "output_flag": False,
    "simplex_strategy": 1,  # dual simplex
}
# linprog's test that an optimum fits the constraints (its default tolerance).
FEASIBILITY_TOLERANCE = 1e-9


def _highs_options() -> "highs.HighsOptions":
    options = highs.HighsOptions()
    for name, value in HIGHS_OPTIONS.items():
        setattr(options, name, value)
    return options


# Read, never changed: each solver takes a copy.
OPTIONS = _highs_options()


def _highs_model(matrix: csc_array, values: np.ndarray) -> "highs.HighsLp":
    """x ≥ 0 with matrix · x = values, for HiGHS; _highs_minimum sets the objective. One model serves all the
    programs of one set of published rows: HiGHS copies it when it is passed, so each solve gets the same
    model it would get built afresh."""
    lp = highs.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
    # lists, which the binding reads far faster than NumPy arrays; the same numbers
    lp.a_matrix_.start_ = matrix.indptr.tolist()
    lp.a_matrix_.index_ = matrix.indices.tolist()
    lp.a_matrix_.value_ = matrix.data.tolist()
    lp.col_lower_ = np.zeros(matrix.shape[1])
    lp.col_upper_ = np.full(matrix.shape[1], highs.kHighsInf)
    lp.row_lower_ = lp.row_upper_ = values
    return lp


def _highs_minimum(lp: "highs.HighsLp", values: np.ndarray, objective: np.ndarray) -> Optimum:
    """The least value of objective · x over the model's x (_highs_model, whose right-hand side is `values`)."""
    lp.col_cost_ = objective
    solver = highs._Highs()
    solver.passOptions(OPTIONS)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status == highs.HighsModelStatus.kUnbounded:
        return Optimum(bounded=False)
    # the true counts are feasible, so anything but an optimum that fits is a solver failure
    if status == highs.HighsModelStatus.kOptimal:
        solution = solver.getSolution()
        x, rows = np.asarray(solution.col_value), np.asarray(solution.row_value)
        if (x >= -FEASIBILITY_TOLERANCE).all() and (np.abs(values - rows) <= FEASIBILITY_TOLERANCE).all():
            return Optimum(True, solver.getInfo().objective_function_value, np.asarray(solution.row_dual), x)
    raise RuntimeError(f"disclosure control's feasibility check failed: {solver.modelStatusToString(status)}")


class Witnesses:
    """Inner counts known to fit what a block publishes, each with the suppressions it was found under: the
    true counts (under none) and the optimum of every linear program solved for the block.

    Withholding more drops equations and adds none, so a point found under suppressions S fits what is
    published under every set that holds S, and the least value of any objective there is at most the
    point's. So when a known point already reaches a target's bound, the linear program would judge that
    side protected too, and it is not solved: the verdict is the same, found without it. A point must reach
    the bound by half of LP_TOLERANCE, where the program's test allows the whole of it, so that rounding in
    the solver (far below that half) cannot make the program's judgement differ. A side that is not reached
    is always solved: its dual values say which cells bind, and so which complement is chosen."""

    def __init__(self, truth: np.ndarray):
        self._points: list[tuple[frozenset, np.ndarray]] = [(frozenset(), truth)]

    def add(self, suppressed: frozenset, point: np.ndarray) -> None:
        self._points.append((suppressed, point))

    def least(self, suppressed: frozenset, objective: np.ndarray) -> float:
        """The least value of objective · x over the known points that fit what is published under
        `suppressed`."""
        return min(float(objective @ point) for found, point in self._points if found <= suppressed)


class Intruder:
    """What an intruder can work out from a block published with a set of cells suppressed: the least and
    greatest value of any sum of inner cells over every non-negative set of counts that fits the published
    values (a linear program, solved with HiGHS)."""

    def __init__(self, block: Block, rows: np.ndarray, owners: list[tuple | None], suppressed: frozenset):
        self.values = rows @ block.truth
        self._rows, self._model = rows, None
        self.owners, self.suppressed = owners, suppressed

    @classmethod
    def of(cls, block: Block, suppressed: set[tuple]) -> "Intruder":
        """The intruder of the block published with `suppressed` withheld: the rows of Block.rows whose
        owner is published (a base has none and is always published)."""
        rows, owners = block.published_rows()
        keep = [owner not in suppressed for owner in owners]
        kept = [owner for owner, kept in zip(owners, keep, strict=True) if kept]
        return cls(block, rows[np.asarray(keep, dtype=bool)], kept, frozenset(suppressed))

    def _solve(self, objective: np.ndarray) -> Optimum:
        if self._model is None:  # built for the first program: many intruders are judged without one
            self._model = _highs_model(csc_array(self._rows), self.values)
        return _highs_minimum(self._model, self.values, objective)

    def range_of(self, vector: np.ndarray) -> tuple[float, float]:
        """The least and greatest value of vector · x; ±inf where nothing published bounds it."""
        low, high = self._solve(vector), self._solve(-vector)
        return (low.fun if low.bounded else -np.inf), (-high.fun if high.bounded else np.inf)

    def judge(self, target: Target, witnesses: Witnesses | None = None) -> Verdict:
        """Protected when the range reaches PROTECTION_LEVEL below and above the true value, within the range
        the public rows leave it (Target.need). With `witnesses`, a side a known point already reaches is not
        solved, and every optimum found is added to them."""
        failed, binding = False, set()
        for sign in (1.0, -1.0):
            objective = sign * target.vector
            # a known point reaching the bound: the program would reach it too (Witnesses). The public range
            # is not worked out for this, so no program is solved that the plain check would not solve.
            if witnesses is not None and target.reached(
                witnesses.least(self.suppressed, objective), sign, LP_TOLERANCE / 2, public_known_only=True
            ):
                continue
            result = self._solve(objective)
            if result.bounded and witnesses is not None:
                witnesses.add(self.suppressed, result.point)
            # the optimum of sign · v is the bound itself (sign 1) or minus it (sign −1)
            if not result.bounded or target.reached(result.fun, sign, LP_TOLERANCE):
                continue
            failed = True
            binding |= {
                owner for owner, dual in zip(self.owners, result.duals, strict=True) if owner and abs(dual) > 1e-9
            }
        return Verdict(not failed, frozenset(binding))


def _public_rows(block: Block) -> list[np.ndarray]:
    """What is published whatever disclosure control decides: every base, and every count of 0 or of the whole
    base in a group of at least unanimous_from_n (all answering alike, which the policy publishes). A bound
    that follows from these, such as a county's "vet ikke" being 0 because no municipality answered "vet
    ikke", is not something withholding a cell could hide."""
    rows = []
    for cell in block.cells:
        if not cell.published:
            continue
        base = block.vector(cell, "n_base")
        rows.append(base)
        if cell.primary_reason or cell.n_base < block.unanimous_from_n:
            continue
        for value in ("successes", "dont_know"):
            vector = block.vector(cell, value)
            count = vector @ block.truth
            if count == 0 or count == base @ block.truth:
                rows.append(vector)
    return rows


def _targets(block: Block) -> list[Target]:
    """The protected values of the block's confidential cells. One the public rows fix (an item whose success
    codes are every code of the base) is protected by definition: its range is the public one."""
    rows = _public_rows(block)
    public = Intruder(block, np.vstack(rows) if rows else np.zeros((0, len(block.inner))), [], frozenset())
    return [
        Target(vector, float(vector @ block.truth), public)
        for cell in block.cells
        for vector in (block.vector(cell, value) for value in PROTECTED_VALUES.get(cell.primary_reason, ()))
    ]


def protect_block(block: Block, preferred: frozenset = frozenset(), shortcuts: bool = True) -> dict[tuple, str | None]:
    """suppression_reason of every published cell of the block: its confidentiality reason, 'complementary',
    or None. `preferred` holds the series (cell keys without the year) chosen as complements the year before:
    among cells of the same withhold order they go first, so a series does not flip between categories.

    Two shortcuts save linear programs without changing a verdict: a verdict asked for again (the same
    suppressions, the same target) is not judged again, and a side of a target that a known point already
    reaches is not solved (Witnesses). `shortcuts=False` solves every program, for the tests to compare."""
    suppressed = {c.key for c in block.cells if c.published and c.primary_reason in PROTECTED_VALUES}
    intruders: dict[frozenset, Intruder] = {}
    verdicts: dict[tuple[frozenset, int], Verdict] = {}
    witnesses = Witnesses(block.truth) if shortcuts else None

    def judge(suppressed: set[tuple], target: Target) -> Verdict:
        key = frozenset(suppressed)
        if key not in intruders:
            intruders[key] = Intruder.of(block, suppressed)
        if not shortcuts:
            return intruders[key].judge(target)
        if (key, id(target)) not in verdicts:
            verdicts[(key, id(target))] = intruders[key].judge(target, witnesses)
        return verdicts[(key, id(target))]

    targets = _targets(block)
    order = {
        c.key: rank
        for rank, c in enumerate(
            sorted(
                (c for c in block.cells if c.published and c.key not in suppressed),
                key=lambda c: (c.withhold_order, c.series not in preferred, c.n_base, c.successes, str(c.key)),
            )
        )
    }
    complementary: set[tuple] = set()
    for target in targets:
        added = []
        while not (verdict := judge(suppressed, target)).protected:
            # the cheapest cell whose published values bind the intruder's bound; a cell that binds nothing
            # cannot widen the range on its own, so it is taken only when no cell binds
            open_cells = [key for key in order if key not in suppressed]
            if not open_cells:  # every cell withheld leaves only the bases, which the targets exclude
                raise RuntimeError(f"disclosure control could not protect a value in the block of {added}")
            binding = [key for key in open_cells if key in verdict.binding]
            choice = min(binding or open_cells, key=order.__getitem__)
            suppressed.add(choice)
            added.append(choice)
        for key in reversed(added[:-1]):  # keep only the suppressions this target needs
            suppressed.discard(key)
            if not judge(suppressed, target).protected:
                suppressed.add(key)
        complementary |= {key for key in added if key in suppressed}
    # Withholding more only drops constraints and so never narrows a range: a target protected once stays
    # protected as later targets add cells. The test suite audits the final pattern independently.
    return {
        c.key: (c.primary_reason if c.primary_reason in PROTECTED_VALUES else None)
        or (COMPLEMENTARY if c.key in complementary else None)
        for c in block.cells
        if c.published
    }


@dataclass(frozen=True)
class ReliabilityRule:
    """NCHS data presentation standards for proportions (Parker et al. 2017) as flags, not suppressions: a
    share is of low reliability when its effective sample is too small (the panel only: a census of
    organisations is judged on its interval) or its 95 % interval is too wide in absolute or relative terms."""

    min_n_effective: float
    max_width_pp: float
    relative_from_pp: float
    max_relative_width: float

    def reason(self, survey: str, n_base: int, n_effective: float, share: float, width_pp: float) -> str | None:
        if survey == "panel" and min(n_base, n_effective) < self.min_n_effective:
            return "n_effective"
        if width_pp >= self.max_width_pp:
            return "interval_width"
        if width_pp > self.relative_from_pp and (share == 0 or width_pp / (100 * share) > self.max_relative_width):
            return "interval_width"
        return None


def clopper_pearson_width_pp(share: float, n_effective: float) -> float:
    """Width in percentage points of the 95 % Clopper–Pearson interval on the effective sample size (the
    Korn–Graubard interval that NCHS's standard is stated on, without a degrees-of-freedom adjustment: the
    panel delivers no design strata or clusters)."""
    # imported here, not with the module: the second process (Worker) loads this file and needs no statistics
    from scipy.stats import beta

    successes = share * n_effective
    low = 0.0 if successes <= 0 else beta.ppf(0.025, successes, n_effective - successes + 1)
    high = 1.0 if successes >= n_effective else beta.ppf(0.975, successes + 1, n_effective - successes)
    return 100 * (high - low)


def reliability(cells: pd.DataFrame, rule: ReliabilityRule) -> pd.Series:
    """reliability_reason of every published cell. The panel is a sample: its share is judged on the
    Clopper–Pearson interval. An organisation population is a census with nonresponse: its share is judged on
    the Wilson interval with the finite population correction where the frame is known (census_width_pp,
    computed in int_disclosure_cells by the same function as the published interval)."""
    reasons = []
    for r in cells.itertuples():
        if pd.isna(r.share):
            reasons.append(None)
            continue
        width = clopper_pearson_width_pp(r.share, r.n_effective) if r.survey == "panel" else r.census_width_pp
        reasons.append(rule.reason(r.survey, int(r.n_base), float(r.n_effective), float(r.share), float(width)))
    return pd.Series(reasons, index=cells.index, dtype="string")


def _codes(value) -> tuple[int, ...]:
    return tuple(int(v) for v in (value if value is not None else ()))


# A cell's successes (share × n_base) to a millionth of a respondent. They only order the candidates for a
# complement, and they enter the block's cache key; the share behind them is a sum of weights whose last bits
# follow the order DuckDB's threads add its parts in, which differs between builds of the same data. Unrounded,
# a rebuild of unchanged data would find blocks "changed" and compute them again, and two equal counts could be
# ordered either way.
SUCCESSES_DIGITS = 6


def _cell(r: dict) -> Cell:
    return Cell(
        key=tuple(None if pd.isna(r[column]) else r[column] for column in KEY),
        published=bool(r["is_published"]),
        units=tuple(r["units"]),
        n_base=int(r["n_base"]),
        successes=0.0 if pd.isna(r["share"]) else round(float(r["share"]) * int(r["n_base"]), SUCCESSES_DIGITS),
        primary_reason=None if pd.isna(r["primary_reason"]) else r["primary_reason"],
        success_codes=_codes(r["success_codes"]),
        base_codes=_codes(r["base_codes"]),
        dont_know_codes=_codes(r["dont_know_codes"]),
        withhold_order=int(r["withhold_order"]),
    )


def _rule_version() -> str:
    """What the result of a block depends on besides its data: this file as dbt runs it (the rule's code, and
    the configured thresholds dbt writes into it) and the versions of the solver and the arithmetic."""
    with open(__file__, "rb") as source:
        code = source.read()
    return hashlib.sha256(code + f"scipy {scipy.__version__} numpy {np.__version__}".encode()).hexdigest()


class BlockCache:
    """protect_block's result for a block, kept by a content hash of everything the result depends on, so a
    block whose inputs have not changed is not computed again.

    The key of a block hashes its cells in the order they are protected (every field of each), its answer
    codes, its true inner counts, unanimous_from_n, the complements its question chose the year before (the
    `preferred` series: a block is recomputed when the year before changed its choice, and only then) and
    `version` (_rule_version: the rule's code, its thresholds, scipy and numpy). The stored value is the
    suppression_reason of each published cell of the block, in the block's order. Equal keys mean equal
    inputs to a deterministic computation, so a result taken from the cache is the result protect_block
    would give.

    `stored` is what an earlier build kept (key → reasons); `used` is what this build read or computed, which
    is all a later build can reuse; `computed` lists the (question, year) of every block computed here."""

    def __init__(self, stored: dict[str, list] | None = None, version: str | None = None):
        self.stored = dict(stored or {})
        self.version = version if version is not None else _rule_version()
        self.used: dict[str, tuple[str, int, list]] = {}
        self.computed: list[tuple[str, int]] = []

    def key(self, block: Block, preferred: frozenset) -> str:
        if (self.version, preferred) not in block.cache_keys:
            block.cache_keys[(self.version, preferred)] = self._key(block, preferred)
        return block.cache_keys[(self.version, preferred)]

    def _key(self, block: Block, preferred: frozenset) -> str:
        content = (
            self.version,
            block.unanimous_from_n,
            block.codes,
            tuple(block.cells),
            sorted(block.counts.items()),
            sorted(preferred, key=repr),
        )
        return hashlib.sha256(repr(content).encode()).hexdigest()

    def lookup(self, block: Block, preferred: frozenset) -> list | None:
        """The reasons an earlier build stored for this block (published cells in the block's order), or None."""
        reasons = self.stored.get(self.key(block, preferred))
        return reasons if reasons is not None and len(reasons) == sum(c.published for c in block.cells) else None

    def protect(self, question: str, year: int, block: Block, preferred: frozenset) -> dict[tuple, str | None]:
        """protect_block(block, preferred), from the cache when an earlier build computed the same block."""
        key = self.key(block, preferred)
        published = [cell.key for cell in block.cells if cell.published]
        reasons = self.lookup(block, preferred)
        if reasons is None:
            decided = protect_block(block, preferred)
            reasons = [decided[cell] for cell in published]
            self.computed.append((question, year))
        self.used[key] = (question, year, list(reasons))
        return dict(zip(published, reasons, strict=True))


def _questions(cells: pd.DataFrame, inner_counts: pd.DataFrame, unanimous_from_n: int) -> dict[str, list]:
    """Every question's blocks, (year, Block) in year order, questions in order."""
    # Cells in key order, whatever order the query returned them in: the greedy search protects one value
    # after another, and which complements it picks depends on that order. The same data must give the same
    # suppressions in every build.
    cells = cells.sort_values(["question_id", *KEY], na_position="first", kind="mergesort")
    counts: dict[tuple, dict[tuple[str, int], float]] = {}
    for r in inner_counts.itertuples():
        counts.setdefault((r.question_id, int(r.survey_year)), {})[(r.unit, int(r.answer_code))] = float(r.n)
    blocks: dict[tuple, tuple[list[Cell], tuple[int, ...]]] = {}
    for record in cells.to_dict("records"):
        block_cells, _ = blocks.setdefault(
            (record["question_id"], int(record["survey_year"])), ([], _codes(record["block_codes"]))
        )
        block_cells.append(_cell(record))
    questions: dict[str, list] = {}
    for (question, year), (block_cells, codes) in sorted(blocks.items()):
        block = Block(block_cells, codes, counts.get((question, year), {}), unanimous_from_n)
        questions.setdefault(question, []).append((year, block))
    return questions


def _complements(reasons: dict[tuple, str | None]) -> frozenset:
    """The series a block chose as complements, which the question's next year prefers."""
    return frozenset(key[:-1] for key, reason in reasons.items() if reason == COMPLEMENTARY)


def _protect_question(question: str, years: list, cache: BlockCache | None) -> list[tuple]:
    """The rows (KEY, suppression_reason) of one question, its years in order, each preferring the
    complements of the year before."""
    rows, preferred = [], frozenset()
    for year, block in years:
        reasons = protect_block(block, preferred) if cache is None else cache.protect(question, year, block, preferred)
        preferred = _complements(reasons)
        rows += [(*key, reason) for key, reason in reasons.items()]
    return rows


def _blocks_to_compute(years: list, cache: BlockCache | None) -> int:
    """How many of a question's blocks the cache cannot answer: from the first year it has not kept, each later
    year's key depends on what that year decides, so all of them are counted."""
    preferred = frozenset()
    for done, (_, block) in enumerate(years):
        reasons = None if cache is None else cache.lookup(block, preferred)
        if reasons is None:
            return len(years) - done
        published = [cell.key for cell in block.cells if cell.published]
        preferred = _complements(dict(zip(published, reasons, strict=True)))
    return 0


# Questions are independent of one another (a block prefers only its own question's complements of the year
# before), so they can be protected in two processes. A second process costs a Python start and the imports of
# this file, about as much as computing fifty blocks, and saves half of the computing; so it is started only
# when many more blocks than that must be computed (more questions or years than five years of this survey
# hold), not for a build from scratch of today's survey, nor for a new year's blocks.
WORKER_FROM_BLOCKS = 100


def _half_of_the_work(questions: dict[str, list], to_compute: dict[str, int]) -> set[str]:
    """The questions for the second process: about half of the cells to compute, dealt largest first to the
    side with less so far."""
    size = {
        q: sum(len(block.cells) for _, block in years[len(years) - to_compute[q] :]) for q, years in questions.items()
    }
    mine, other, handed = 0, 0, set()
    for question in sorted(size, key=lambda q: (-size[q], q)):
        if size[question] and other < mine:
            other += size[question]
            handed.add(question)
        else:
            mine += size[question]
    return handed


# What the second process runs: this file loaded as a module (dbt-duckdb runs it from a file as well), then
# _work on the folder Worker wrote.
WORKER_MAIN = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("int_disclosure_control_worker", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module._work(sys.argv[2])
"""


class Worker:
    """A second Python process that protects some of the questions. It is handed their cells and inner
    counts, the cache's stored blocks and the rule's version in a private temporary folder, runs the same
    code on them, and leaves the rows and what its cache used and computed there. If it fails in any way,
    `rows` returns nothing and the caller protects those questions itself: the second process can make a
    build faster, never change it or stop it."""

    def __init__(self, cells: pd.DataFrame, inner_counts: pd.DataFrame, unanimous_from_n: int, cache):
        self._cache = cache
        self._folder = tempfile.TemporaryDirectory(prefix="itip_disclosure_control_")
        folder = Path(self._folder.name)
        inner = inner_counts[inner_counts.question_id.isin(set(cells.question_id))]
        stored = None if cache is None else (cache.stored, cache.version)
        with open(folder / "input.pickle", "wb") as file:
            pickle.dump((cells, inner, unanimous_from_n, stored), file)
        self._process = subprocess.Popen(
            [sys.executable, "-c", WORKER_MAIN, __file__, str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exception) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._folder.cleanup()

    def rows(self) -> dict[str, list[tuple]]:
        """The rows of each question the worker protected, once it has finished; nothing if it failed."""
        if self._process.wait() != 0:
            return {}
        try:
            with open(Path(self._folder.name) / "output.pickle", "rb") as file:
                rows, used, computed = pickle.load(file)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            return {}
        if self._cache is not None:
            self._cache.used |= used
            self._cache.computed += computed
        return rows


def _work(folder: str) -> None:
    """The second process's side of Worker."""
    with open(Path(folder) / "input.pickle", "rb") as file:
        cells, inner_counts, unanimous_from_n, stored = pickle.load(file)
    cache = None if stored is None else BlockCache(*stored)
    questions = _questions(cells, inner_counts, unanimous_from_n)
    rows = {question: _protect_question(question, years, cache) for question, years in questions.items()}
    result = (rows, {} if cache is None else cache.used, [] if cache is None else cache.computed)
    with open(Path(folder) / "output.pickle", "wb") as file:
        pickle.dump(result, file)


def protect(
    cells: pd.DataFrame,
    inner_counts: pd.DataFrame,
    unanimous_from_n: int,
    cache: BlockCache | None = None,
    worker: bool = False,
) -> pd.DataFrame:
    """One row per published cell of int_disclosure_cells with its suppression_reason. Blocks are protected
    year by year, each question's complements of one year preferred the next; with a cache, a block computed
    before with the same inputs is taken from it. With `worker`, when at least WORKER_FROM_BLOCKS blocks must
    be computed, a second process protects part of the questions (Worker); the result is the same."""
    questions = _questions(cells, inner_counts, unanimous_from_n)
    to_compute = {question: _blocks_to_compute(years, cache) for question, years in questions.items()}
    rows: dict[str, list[tuple]] = {}
    if worker and sum(to_compute.values()) >= WORKER_FROM_BLOCKS:
        handed = _half_of_the_work(questions, to_compute)
        with Worker(cells[cells.question_id.isin(handed)], inner_counts, unanimous_from_n, cache) as other:
            for question in questions.keys() - handed:
                rows[question] = _protect_question(question, questions[question], cache)
            rows |= other.rows()
    for question in questions.keys() - rows.keys():
        rows[question] = _protect_question(question, questions[question], cache)
    if cache is not None:
        cache.computed.sort()
    return pd.DataFrame([row for question in questions for row in rows[question]], columns=[*KEY, "suppression_reason"])


def control(
    cells: pd.DataFrame,
    inner_counts: pd.DataFrame,
    rule: ReliabilityRule,
    unanimous_from_n: int,
    cache: BlockCache | None = None,
    worker: bool = False,
) -> pd.DataFrame:
    """Confidentiality and reliability of every published cell, one row each (`worker`: see protect)."""
    published = cells[cells.is_published].copy()
    published["reliability_reason"] = reliability(published, rule)
    keyed = published.assign(survey_year=published.survey_year.astype("int64"))[[*KEY, "reliability_reason"]]
    decided = protect(cells, inner_counts, unanimous_from_n, cache, worker).astype({"survey_year": "int64"})
    result = decided.merge(keyed, on=list(KEY), how="left", validate="one_to_one")
    result = result.astype(
        {
            "indicator_id": "string",
            "item_key": "string",
            "population": "string",
            "breakdown": "string",
            "category": "string",
            "survey_year": "int32",
            "suppression_reason": "string",
            "reliability_reason": "string",
        }
    )
    # A withheld value has no reliability to judge: nothing of it is shown.
    result.loc[result.suppression_reason.notna(), "reliability_reason"] = pd.NA
    return result.assign(
        suppressed=lambda f: f.suppression_reason.notna(), low_reliability=lambda f: f.reliability_reason.notna()
    )


def model(dbt, session):
    dbt.config(materialized="table")
    rule = ReliabilityRule(
        min_n_effective=float(dbt.config.get("low_reliability_n_effective")),
        max_width_pp=float(dbt.config.get("max_interval_width_pp")),
        relative_from_pp=float(dbt.config.get("relative_interval_width_from_pp")),
        max_relative_width=float(dbt.config.get("max_relative_interval_width")),
    )
    cells = dbt.ref("int_disclosure_cells").df()
    inner_counts = dbt.ref("int_disclosure_inner_counts").df()
    cache = BlockCache(_stored_blocks(session))
    result = control(cells, inner_counts, rule, int(dbt.config.get("group_disclosure_below_n")), cache, worker=True)
    _store_blocks(session, cache)
    return result


# The block cache in the working database: its own schema, which no dbt model materialises, so it survives
# the builds that drop and recreate every model's table. It holds only hashes, question ids, years and
# suppression reasons; losing it costs one computation of every block, never a different result.
CACHE_SCHEMA = "disclosure_control_cache"
CACHE_TABLE = f"{CACHE_SCHEMA}.blocks"


def _stored_blocks(session) -> dict[str, list]:
    session.execute(f"create schema if not exists {CACHE_SCHEMA}")
    session.execute(
        f"create table if not exists {CACHE_TABLE} (block_key varchar primary key, question_id varchar not null, "
        "survey_year integer not null, suppression_reasons varchar[] not null)"
    )
    return {
        key: list(reasons)
        for key, reasons in session.execute(f"select block_key, suppression_reasons from {CACHE_TABLE}").fetchall()
    }


def _store_blocks(session, cache: BlockCache) -> None:
    """Keep the blocks of this build, and only those: a block no build has now will not be asked for again
    unless its inputs come back, and then it is computed again."""
    session.execute(f"delete from {CACHE_TABLE}")
    rows = [(key, question, year, reasons) for key, (question, year, reasons) in cache.used.items()]
    if rows:
        session.executemany(f"insert into {CACHE_TABLE} values (?, ?, ?, ?)", rows)
