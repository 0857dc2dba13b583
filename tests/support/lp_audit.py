"""An audit of the published suppression pattern by linear programming, tau-argus style: independent of the
model's algorithm (int_disclosure_control is not imported), it asks for every protected value how narrowly an
intruder can bound it from what is published, not only whether it can be computed exactly.

The data model is int_disclosure_cells': in a block (question × year) every cell is a sum over inner cells
x(unit, code) — a unit is an atom of respondents (respondent group × category of every breakdown published in
the block), a code an answer code given in the block. A cell's n_base sums its units × base codes, its
successes its units × success codes, its "vet ikke" its units × don't-know codes.

What the intruder knows, per block:
  * every published cell's n_base (always published);
  * for every published cell that is not suppressed (suppression_reason NULL): its successes and its "vet
    ikke" count (share × n_base and dont_know_pct × n_base in the marts);
  * x(unit, code) ≥ 0 for every inner cell; a code nobody gave in the block is known to be empty.
The published values are taken exactly, as counts (a stronger intruder than one reading rounded
percentages). For a weighted survey (the citizen panel) the published share is a weighted share: the audit
still gives the intruder the unweighted counts, which is again the stronger intruder. The inner counts are
continuous in the audit (the linear-programming relaxation): an integer intruder could rule out some values
the relaxation keeps, so the audit finds every leak of the relaxation, not every leak of the integer problem.

What is protected (`protected_reasons`, a mapping primary reason → values, CONFIDENTIALITY below): the values
of every cell — published or hidden (is_published false: a respondent group pooled into a published
population, never published itself) — whose primary reason the mapping names.

The protection interval: for a protected count with true value x in a cell of base n, the intruder's feasible
range [lo, hi] (the minimum and maximum of the value's linear form subject to everything it knows) must
satisfy lo ≤ max(0, x − 1) and hi ≥ min(n, x + 1): the intruder cannot rule out one unit fewer or one more. A
value that the always-published bases alone determine (its vector lies in the span of the published cells'
base vectors, e.g. an item whose success codes are every code given in the block) is exempt, as in the
model: no suppression can hide it, and it is no more disclosive than the base. Likewise the interval is taken
within what is public whatever is withheld — the bases, and the unanimous answers (a count of 0 or of the
whole base) of published groups of at least `unanimous_from_n`, which the policy publishes: where those
alone bound the value at [plo, phi], the requirement is lo ≤ max(plo, x − 1) and hi ≥ min(phi, x + 1).

The true values come from the true inner counts (`inner_counts`, read from the working database's answers):
the cells table carries no "vet ikke" count and hidden cells have no share. The audit checks them against
what the cells table says (every n_base, and share × n_base where the survey is unweighted), so a wrong
reconstruction of the units stops the audit instead of auditing another table.

Each block's constraints are built once; each target costs at most two linear programs (HiGHS, through
scipy), and none where the bound cannot fail (x = 0 needs no minimum, x = n no maximum).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.linalg import qr
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

try:  # the HiGHS binding inside scipy, what linprog calls: see _Solver
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - another scipy layout: linprog alone
    _highs = None

# The cell's key in int_disclosure_cells and int_disclosure_control, in that order.
KEY = ("indicator_id", "item_key", "population", "breakdown", "category", "survey_year")
VALUES = ("successes", "dont_know")
CODE_COLUMNS = {"n_base": "base_codes", "successes": "success_codes", "dont_know": "dont_know_codes"}

# The policy: a CONFIDENTIALITY reason and the counts it protects. Too few respondents ('n_base') hides a
# cell's successes and its "vet ikke"; 0 % or 100 % in a small group ('group_disclosure') hides its successes.
# Reliability reasons ('interval_width', 'n_effective') publish the value with a flag and protect nothing.
# Defined here, not read from the model, so that the audit does not inherit a mistake in the model's list.
CONFIDENTIALITY: dict[str, tuple[str, ...]] = {
    "n_base": ("successes", "dont_know"),
    "group_disclosure": ("successes",),
}
# For a build that also withholds a cell for an unreliable interval, to protect its successes (a reliability
# rule, not confidentiality: the policy publishes such a value with its flag).
WITH_RELIABILITY: dict[str, tuple[str, ...]] = {**CONFIDENTIALITY, "interval_width": ("successes",)}

# LP answers are exact to HiGHS's feasibility tolerance (1e-7 relative); a bound is taken as reached within this.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Leak:
    """A protected value the intruder bounds more narrowly than the protection interval allows."""

    block: tuple[str, int]  # question_id, survey_year
    key: tuple  # the cell, in KEY order
    value: str  # 'successes' or 'dont_know'
    reason: str  # the cell's primary reason
    published: bool  # False for a hidden cell (a pooled group never published)
    x: float  # the true count
    n: int  # the cell's base
    lo: float  # the intruder's feasible range
    hi: float
    linear: bool  # recovered by linear algebra alone (the rank test's leak), not through non-negativity

    @property
    def kind(self) -> str:
        """'linear' (the published values determine it), 'pinned' (non-negativity leaves one value) or
        'narrowed' (a range, but narrower than the protection interval)."""
        if self.linear:
            return "linear"
        return "pinned" if self.hi - self.lo <= TOLERANCE * max(1.0, self.n) else "narrowed"

    def __str__(self) -> str:
        kind = self.kind
        cell = "/".join("" if part is None else str(part) for part in self.key)
        hidden = "" if self.published else " (hidden)"
        return (
            f"{kind}: {self.value} of {cell}{hidden} [{self.reason}] = {self.x:g} of n={self.n}, "
            f"intruder's range [{max(self.lo, 0.0):.3f}, {max(self.hi, 0.0):.3f}]"  # counts: no "-0.000"
        )


def inner_counts(con: duckdb.DuckDBPyConnection, schema: str = "intermediate") -> pd.DataFrame:
    """The true inner counts of every block from the working database's answers: question_id, survey_year,
    unit, answer_code, n (distinct respondents), weighted (the block's survey has weights other than 1).

    A unit is named as int_disclosure_cells names its atoms: the respondent group, then `breakdown=category`
    of every breakdown the respondent is classified in for the question, sorted, joined by '|'. The audit
    checks every cell's n_base against these counts, so a naming that drifted from the model's stops it."""
    return con.execute(
        f"""
        with respondents as (
            select distinct question_id, survey_year, respondent_id, respondent_group, answer_code, weight
            from "{schema}".int_distribution_answers
            where is_answered
        ),
        classified as (
            select question_id, survey_year, respondent_id,
                string_agg(distinct breakdown || '=' || category, '|' order by breakdown || '=' || category)
                    as categories
            from "{schema}".int_breakdown_answers
            where is_answered and category is not null
            group by all
        ),
        units as (
            select r.*, coalesce(r.respondent_group || '|' || c.categories, r.respondent_group) as unit
            from respondents as r
            left join classified as c using (question_id, survey_year, respondent_id)
        )
        select question_id, survey_year, unit, answer_code, count(distinct respondent_id) as n,
            bool_or(bool_or(weight <> 1)) over (partition by question_id, survey_year) as weighted
        from units
        group by question_id, survey_year, unit, answer_code
        """
    ).df()


def _key(row) -> tuple:
    return tuple(None if pd.isna(row[column]) else row[column] for column in KEY)


def _codes(value) -> tuple[int, ...]:
    return () if value is None or (np.isscalar(value) and pd.isna(value)) else tuple(int(v) for v in value)


def _span(rows: list[list[int]], width: int) -> np.ndarray:
    """An orthonormal basis (columns) of the span of 0/1 rows given by their supports: the leading columns of
    a pivoted QR of their transpose, up to its numerical rank."""
    if not rows:
        return np.zeros((width, 0))
    matrix = np.zeros((width, len(rows)))
    for column, support in enumerate(rows):
        matrix[support, column] = 1.0
    q, r, _ = qr(matrix, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int((diagonal > diagonal.max(initial=0.0) * max(matrix.shape) * np.finfo(float).eps).sum())
    return q[:, :rank]


def _in_span(basis: np.ndarray, vector: np.ndarray) -> bool:
    residual = vector - basis @ (basis.T @ vector)
    return bool(np.linalg.norm(residual) <= 1e-8 * max(1.0, np.linalg.norm(vector)))


class _Block:
    """One block's inner cells, the intruder's equations and the true counts."""

    def __init__(
        self, name: tuple[str, int], cells: list[dict], counts: pd.DataFrame, suppressed: set[tuple], unanimous_from_n
    ):
        self.name = name
        codes = _codes(cells[0]["block_codes"])
        units = sorted({unit for cell in cells for unit in cell["units"]})
        self.index = {(unit, code): i for i, (unit, code) in enumerate((u, c) for u in units for c in codes)}
        self.truth = np.zeros(len(self.index))
        for unit, code, n in zip(counts.unit, counts.answer_code, counts.n, strict=True):
            if (unit, int(code)) in self.index:  # an atom in no cell is in no sum
                self.truth[self.index[(unit, int(code))]] = n
        self.cells = cells
        # The inner cells each value of each cell sums (a code not given in the block is empty and left out).
        self.supports = [
            {
                value: sorted(
                    self.index[(unit, code)]
                    for unit in cell["units"]
                    for code in _codes(cell[column])
                    if (unit, code) in self.index
                )
                for value, column in CODE_COLUMNS.items()
            }
            for cell in cells
        ]
        rows = []
        for cell, support in zip(cells, self.supports, strict=True):
            if cell["is_published"]:
                rows.append(support["n_base"])
                if _key(cell) not in suppressed:
                    rows += [support["successes"], support["dont_know"]]
        unique = sorted({tuple(row) for row in rows if row})
        self.equations = _matrix(unique, len(self.index))
        self.known = self.equations @ self.truth
        public = []
        for cell, support in zip(cells, self.supports, strict=True):
            if not cell["is_published"]:
                continue
            public.append(support["n_base"])
            if pd.notna(cell["primary_reason"]) or cell["n_base"] < unanimous_from_n:
                continue
            base = self.truth[support["n_base"]].sum()
            public += [s for s in (support["successes"], support["dont_know"]) if self.truth[s].sum() in (0, base)]
        self.public = _matrix(sorted({tuple(row) for row in public if row}), len(self.index))
        self.published_span = _span([list(row) for row in unique], len(self.index))
        bases = [support["n_base"] for cell, support in zip(cells, self.supports, strict=True) if cell["is_published"]]
        self.bases_span = _span(bases, len(self.index))
        self.solver: _Solver | None = None

    def public_bound(self, target: np.ndarray, sense: int) -> float:
        """The same bound from the public equations alone (±inf where they leave it unbounded)."""
        result = linprog(sense * target, A_eq=self.public, b_eq=self.public @ self.truth, bounds=(0, None))
        if result.status == 3:
            return sense * -np.inf
        if result.status != 0:
            raise RuntimeError(f"the public linear program of block {self.name} failed: {result.message}")
        return sense * result.fun

    def vector(self, support: list[int]) -> np.ndarray:
        vector = np.zeros(len(self.index))
        vector[support] = 1.0
        return vector

    def check_truth(self, cell: dict, support: dict[str, list[int]], weighted: bool) -> None:
        """Stop on true counts that disagree with the cells table: the audit would judge another table."""
        n_true = self.truth[support["n_base"]].sum()
        where = f"{'/'.join(map(str, _key(cell)))} in block {self.name}"
        if n_true != cell["n_base"]:
            raise ValueError(f"inner counts give n_base {n_true:g} for {where}, the cells table {cell['n_base']}")
        if cell["is_published"] and not weighted and pd.notna(cell["share"]):
            successes = self.truth[support["successes"]].sum()
            if abs(successes - cell["share"] * cell["n_base"]) > TOLERANCE * max(1, cell["n_base"]):
                raise ValueError(
                    f"inner counts give {successes:g} successes for {where}, the cells table "
                    f"{cell['share'] * cell['n_base']:g} (share × n_base)"
                )

    def bound(self, target: np.ndarray, sense: int) -> float:
        """min (sense 1) or max (sense -1) of target · x subject to the intruder's equations and x ≥ 0."""
        if self.solver is None:
            self.solver = _Solver(self.equations, self.known)
        value = self.solver.optimum(sense * target)
        if value is None:  # the warm-started solve did not end optimal: solve from scratch
            value = _linprog_optimum(sense * target, self.equations, self.known, self.name)
        return sense * value


def _matrix(rows: list[tuple[int, ...]], width: int) -> csr_matrix:
    """0/1 rows over the inner cells as a sparse matrix."""
    return csr_matrix(
        (
            np.ones(sum(map(len, rows))),
            ([i for i, row in enumerate(rows) for _ in row], [j for row in rows for j in row]),
        ),
        shape=(len(rows), width),
    )


def _linprog_optimum(cost: np.ndarray, equations: csr_matrix, known: np.ndarray, name) -> float:
    result = linprog(cost, A_eq=equations, b_eq=known, bounds=(0, None), method="highs")
    if result.status != 0:  # the true counts are feasible and the values bounded, so only a solver failure
        raise RuntimeError(f"the linear program of block {name} failed: {result.message}")
    return result.fun


class _Solver:
    """One HiGHS model per block whose objective alone changes from target to target, each solve starting
    from the last basis (a fresh linprog per target spends most of its time setting the model up). It uses
    the HiGHS binding scipy ships (scipy.optimize._highspy, what linprog itself calls); where that is
    missing, every optimum comes from linprog."""

    def __init__(self, equations: csr_matrix, known: np.ndarray):
        self.equations, self.known = equations, known
        self.highs = None
        if _highs is None:
            return
        matrix = equations.tocsc()
        rows, columns = matrix.shape
        lp = _highs.HighsLp()
        lp.num_col_, lp.num_row_ = columns, rows
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = columns, rows
        lp.a_matrix_.format_ = _highs.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(columns), np.zeros(columns), np.full(columns, np.inf)
        lp.row_lower_ = lp.row_upper_ = known
        self.highs = _highs._Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        self.highs.passModel(lp)
        self.columns = np.arange(columns, dtype=np.int32)

    def optimum(self, cost: np.ndarray) -> float | None:
        """min cost · x, or None where the warm-started solve did not end optimal."""
        if self.highs is None:
            return None
        self.highs.changeColsCost(len(cost), self.columns, cost.astype(float))
        self.highs.run()
        if self.highs.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            return None
        return self.highs.getInfo().objective_function_value


def audit(
    cells: pd.DataFrame,
    reasons: pd.DataFrame,
    protected_reasons: Mapping[str, tuple[str, ...]],
    counts: pd.DataFrame,
    unanimous_from_n: int,
) -> list[Leak]:
    """Every protected value whose feasible range is narrower than its protection interval.

    cells: int_disclosure_cells; reasons: int_disclosure_control (KEY and suppression_reason, one row per
    published cell; suppressed = reason not NULL); protected_reasons: primary reason → the values it protects
    (CONFIDENTIALITY for the policy); counts: the true inner counts (inner_counts())."""
    unknown = {v for values in protected_reasons.values() for v in values} - set(VALUES)
    if unknown:
        raise ValueError(f"protected values must be among {VALUES}, not {sorted(unknown)}")
    published = cells[cells.is_published.astype(bool)]
    joined = published[list(KEY)].merge(reasons[[*KEY, "suppression_reason"]], on=list(KEY), how="left", indicator=True)
    if (joined["_merge"] != "both").any():
        missing = joined[joined["_merge"] != "both"].iloc[0]
        raise ValueError(f"no suppression_reason for the published cell {_key(missing)}")
    suppressed = {_key(row) for row in joined.to_dict("records") if pd.notna(row["suppression_reason"])}
    by_block = {name: group for name, group in counts.groupby(["question_id", "survey_year"])}
    leaks = []
    ordered = cells.sort_values(["question_id", *KEY], na_position="first", kind="mergesort")
    for (question, year), group in ordered.groupby(["question_id", "survey_year"], sort=True):
        name = (question, int(year))
        block_counts = by_block.get((question, year), counts.iloc[:0])
        records = group.to_dict("records")
        block = _Block(name, records, block_counts, suppressed, unanimous_from_n)
        weighted = bool(block_counts.weighted.any()) if len(block_counts) else False
        for cell, support in zip(records, block.supports, strict=True):
            block.check_truth(cell, support, weighted)
        leaks += _audit_block(block, protected_reasons)
    return leaks


def _audit_block(block: _Block, protected_reasons: Mapping[str, tuple[str, ...]]) -> list[Leak]:
    bounds: dict[tuple[tuple[int, ...], int], float] = {}  # one program per distinct target and sense

    def bound(support: list[int], sense: int) -> float:
        if (tuple(support), sense) not in bounds:
            bounds[(tuple(support), sense)] = block.bound(block.vector(support), sense)
        return bounds[(tuple(support), sense)]

    leaks = []
    for cell, supports in zip(block.cells, block.supports, strict=True):
        reason = cell["primary_reason"]
        if reason is None or pd.isna(reason) or reason not in protected_reasons:
            continue
        for value in protected_reasons[reason]:
            support = supports[value]
            if not support or _in_span(block.bases_span, block.vector(support)):
                continue
            x, n = float(block.truth[support].sum()), int(cell["n_base"])
            slack = TOLERANCE * max(1.0, n)
            # x = 0 needs no minimum (the truth is feasible, so lo ≤ 0), x ≥ n no maximum (hi ≥ x ≥ n): those
            # programs are run only to report a leak's whole range
            too_high = x > 0 and bound(support, 1) > max(0.0, x - 1) + slack
            too_low = x < n and bound(support, -1) < min(n, x + 1) - slack
            if too_high:  # unless the public equations alone already bound it from below as far
                too_high = bound(support, 1) > max(block.public_bound(block.vector(support), 1), x - 1) + slack
            if too_low:
                too_low = bound(support, -1) < min(block.public_bound(block.vector(support), -1), x + 1) - slack
            if too_high or too_low:
                leaks.append(
                    Leak(
                        block=block.name,
                        key=_key(cell),
                        value=value,
                        reason=reason,
                        published=bool(cell["is_published"]),
                        x=x,
                        n=n,
                        lo=bound(support, 1),
                        hi=bound(support, -1),
                        linear=_in_span(block.published_span, block.vector(support)),
                    )
                )
    return leaks
