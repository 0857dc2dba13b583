"""Disclosure control of every published cell: the primary rule's reason, plus complementary suppression.

Every published table takes its `suppressed` / `suppression_reason` from here (fct_indicator and
fct_indicator_breakdown join it; the family marts read it through them), so a new table cannot forget
disclosure control. Breakdown cells sit in the same question × year blocks as the headline cells, described
in the same finest units (int_disclosure_cells), so total − other categories and differences across
breakdowns are relations the rank test sees. The rules and their sources are in docs.md ("suppression_reason").

The attack defended against is linear: a published cell is a sum of inner cells (unit × answer code, see
int_disclosure_cells), its n_base is always published and its successes and "vet ikke" count are published
unless it is suppressed (share × n_base = successes). A protected value is recoverable exactly when its
vector over the inner cells lies in the row space of the published vectors. That covers every additive
relation at once — a pooled population = the sum of its disjoint parts, the options of a single-choice
question sum to the base, a combined option = the sum of its options, and breakdown categories sum to their
total once their cells are described in the same units — including several relations sharing cells, where
checking relations one at a time is not enough.

Algorithm (a greedy form of the approach of SSB's GaussSuppression): while a protected value is recoverable,
suppress further published cells in order of cost (an answer distribution's codes, then breakdown categories,
then headline cells; within each, smallest n_base, then fewest successes) until it is not,
then release again those of the new suppressions it does not need. Suppressing more never makes anything
recoverable, so a value once protected stays protected and the loop ends after at most one round per
protected value; at the end the rank test itself is the proof that nothing protected is recoverable.
Limit: it defends against exact linear recovery, not against bounds from non-negativity (a cell known to
lie between 0 and 2 is not recovered, but is narrowed).
"""

# No `from __future__ import annotations`: dbt-duckdb loads this file without registering it as a module,
# and dataclasses cannot resolve string annotations then.
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# What is protected for each primary reason: a cell suppressed for too few respondents hides both its
# successes and its "vet ikke"; one suppressed for an unreliable interval hides its share.
PROTECTED_VALUES = {"n_base": ("successes", "dont_know"), "interval_width": ("successes",)}
COMPLEMENTARY = "complementary"
# A cell: a population's headline (breakdown and category NULL) or one category of a breakdown of it.
KEY = ("indicator_id", "item_key", "population", "breakdown", "category", "survey_year")


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


@dataclass
class Block:
    """The cells of one question × year and the inner cells (unit × code) they are sums of."""

    cells: list[Cell]
    codes: tuple[int, ...]
    inner: dict[tuple[str, int], int] = field(init=False)

    def __post_init__(self):
        units = sorted({unit for cell in self.cells for unit in cell.units})
        self.inner = {(unit, code): i for i, (unit, code) in enumerate((u, c) for u in units for c in self.codes)}

    def vector(self, cell: Cell, value: str) -> np.ndarray:
        codes = {"n_base": cell.base_codes, "successes": cell.success_codes, "dont_know": cell.dont_know_codes}[value]
        vec = np.zeros(len(self.inner))
        for unit in cell.units:
            for code in codes:
                if (unit, code) in self.inner:
                    vec[self.inner[(unit, code)]] = 1.0
        return vec


def _row_space(rows: list[np.ndarray], width: int) -> np.ndarray:
    """An orthonormal basis of the rows' span (SVD, with numpy's matrix_rank tolerance): one decomposition
    per set of published values, against which every target is then a cheap projection."""
    if not rows:
        return np.zeros((0, width))
    _, singular, vt = np.linalg.svd(np.vstack(rows), full_matrices=False)
    tolerance = singular.max(initial=0.0) * max(len(rows), width) * np.finfo(float).eps
    return vt[singular > tolerance]


def _in_row_space(basis: np.ndarray, target: np.ndarray) -> bool:
    if not target.any():
        return True
    residual = target - basis.T @ (basis @ target)
    # targets are 0/1 vectors: in the span the residual is rounding noise, outside it is far from zero
    return bool(np.linalg.norm(residual) <= 1e-8 * np.linalg.norm(target))


def _published_rows(block: Block, suppressed: set[tuple]) -> list[np.ndarray]:
    rows = []
    for cell in block.cells:
        if not cell.published:
            continue
        rows.append(block.vector(cell, "n_base"))
        if cell.key not in suppressed:
            rows.append(block.vector(cell, "successes"))
            rows.append(block.vector(cell, "dont_know"))
    return rows


def protect_block(block: Block) -> dict[tuple, str | None]:
    """suppression_reason of every published cell of the block: its primary reason, 'complementary', or None."""
    suppressed = {c.key for c in block.cells if c.published and c.primary_reason}
    width = len(block.inner)
    spaces: dict[frozenset, np.ndarray] = {}

    def published(suppressed: set[tuple]) -> np.ndarray:
        """The row space of what is published with `suppressed` withheld, decomposed once per set."""
        key = frozenset(suppressed)
        if key not in spaces:
            spaces[key] = _row_space(_published_rows(block, suppressed), width)
        return spaces[key]

    bases_only = _row_space([block.vector(c, "n_base") for c in block.cells if c.published], width)
    # A value the always-published bases already determine (an item whose success codes are every code
    # given in the block) cannot be hidden by suppressing shares; it is no more disclosive than the base.
    targets = [
        vec
        for cell in block.cells
        if cell.primary_reason
        for vec in (block.vector(cell, value) for value in PROTECTED_VALUES[cell.primary_reason])
        if not _in_row_space(bases_only, vec)
    ]
    candidates = sorted(
        (c for c in block.cells if c.published and not c.primary_reason),
        key=lambda c: (c.withhold_order, c.n_base, c.successes, str(c.key)),
    )
    complementary: set[tuple] = set()
    for target in targets:
        if not _in_row_space(published(suppressed), target):
            continue
        added = []
        for cell in candidates:
            if cell.key in suppressed:
                continue
            suppressed.add(cell.key)
            added.append(cell.key)
            if not _in_row_space(published(suppressed), target):
                break
        else:  # cannot happen: with every cell suppressed only the bases are known, and targets exclude those
            raise RuntimeError(f"disclosure control could not protect a value in the block of {added}")
        for key in reversed(added[:-1]):  # keep only the suppressions this target needs
            suppressed.discard(key)
            if _in_row_space(published(suppressed), target):
                suppressed.add(key)
        complementary |= {key for key in added if key in suppressed}
    # The proof, kept in the code: suppressing more never re-exposes a value, so every target is still safe.
    assert not any(_in_row_space(published(suppressed), t) for t in targets)
    return {
        c.key: c.primary_reason or (COMPLEMENTARY if c.key in complementary else None)
        for c in block.cells
        if c.published
    }


def _codes(value) -> tuple[int, ...]:
    return tuple(int(v) for v in (value if value is not None else ()))


def _cell(r: dict) -> Cell:
    return Cell(
        key=tuple(None if pd.isna(r[column]) else r[column] for column in KEY),
        published=bool(r["is_published"]),
        units=tuple(r["units"]),
        n_base=int(r["n_base"]),
        successes=0.0 if pd.isna(r["share"]) else float(r["share"]) * int(r["n_base"]),
        primary_reason=None if pd.isna(r["primary_reason"]) else r["primary_reason"],
        success_codes=_codes(r["success_codes"]),
        base_codes=_codes(r["base_codes"]),
        dont_know_codes=_codes(r["dont_know_codes"]),
        withhold_order=int(r["withhold_order"]),
    )


def protect(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per published cell of int_disclosure_cells with its suppression_reason."""
    # Cells in key order, whatever order the query returned them in: the greedy search protects one value
    # after another, and which complements it picks depends on that order. The same data must give the same
    # suppressions in every build.
    cells = cells.sort_values(["question_id", *KEY], na_position="first", kind="mergesort")
    blocks: dict[tuple, tuple[list[Cell], tuple[int, ...]]] = {}
    for record in cells.to_dict("records"):
        block_cells, _ = blocks.setdefault(
            (record["question_id"], record["survey_year"]), ([], _codes(record["block_codes"]))
        )
        block_cells.append(_cell(record))
    rows = [
        (*key, reason)
        for _, (block_cells, codes) in sorted(blocks.items())
        for key, reason in protect_block(Block(block_cells, codes)).items()
    ]
    result = pd.DataFrame(rows, columns=[*KEY, "suppression_reason"])
    return result.astype(
        {
            "indicator_id": "string",
            "item_key": "string",
            "population": "string",
            "breakdown": "string",
            "category": "string",
            "survey_year": "int32",
            "suppression_reason": "string",
        }
    ).assign(suppressed=lambda f: f.suppression_reason.notna())


def model(dbt, session):
    dbt.config(materialized="table")
    return protect(dbt.ref("int_disclosure_cells").df())
