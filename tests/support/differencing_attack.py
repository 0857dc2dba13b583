"""An attacker on published cells, independent of the model's algorithm: exact linear recovery by nullspace.

The published values fix the inner cells (respondent class × answer code) up to the nullspace of the
published vectors. A hidden value v·x is determined exactly when v is orthogonal to that nullspace; then
v·x = v·x₀ for any solution x₀ (least squares gives one). int_disclosure_control projects onto an SVD row
space; this takes the nullspace from a pivoted QR and actually computes the recovered value, so a wrong
"safe" there fails here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import qr


@dataclass(frozen=True)
class Published:
    """A published fact: a sum over inner cells (their indices) with its value."""

    inner: frozenset[int]
    value: float


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the matrix's nullspace, from a rank-revealing QR of its transpose (column
    pivoting): the columns of Q past the rank. A different factorisation from the model's SVD, and several
    times faster than scipy's null_space on the wide blocks of breakdown cells."""
    q, r, _ = qr(matrix.T, pivoting=True)
    diagonal = np.abs(np.diag(r))
    tolerance = diagonal.max(initial=0.0) * max(matrix.shape) * np.finfo(float).eps
    return q[:, int((diagonal > tolerance).sum()) :]


def recoverer(n_inner: int, published: list[Published]):
    """recover() for many targets against the same published facts: the nullspace is computed once."""
    if not published:
        return lambda target: None
    matrix = np.zeros((len(published), n_inner))
    for row, fact in enumerate(published):
        matrix[row, list(fact.inner)] = 1.0
    values = np.array([fact.value for fact in published])
    free = _null_space(matrix)
    solution, *_ = np.linalg.lstsq(matrix, values, rcond=None)

    def recover_one(target: frozenset[int]) -> float | None:
        vector = np.zeros(n_inner)
        vector[list(target)] = 1.0
        if free.size and np.abs(vector @ free).max() > 1e-9:
            return None
        return float(vector @ solution)

    return recover_one


def recover(n_inner: int, published: list[Published], target: frozenset[int]) -> float | None:
    """The target sum's value if the published facts determine it exactly, else None."""
    return recoverer(n_inner, published)(target)


DONT_KNOW_CODE = 9  # the codebooks' "vet ikke" code
DISTRIBUTION = "answer_distribution"  # fct_answer_distribution's rows, as cells: item `<question_id>=<code>`


def _code_classes(items: list[tuple[int, ...]], every_code_published: bool) -> list[frozenset]:
    """The answer codes an attacker can tell apart: each success code, "vet ikke", and the rest together (no
    rest when the block's answer distribution is published: it lists every code of the scale)."""
    codes = sorted({code for success in items for code in success} - {DONT_KNOW_CODE})
    rest = [] if every_code_published else [frozenset(["rest"])]
    return [frozenset([code]) for code in codes] + [frozenset([DONT_KNOW_CODE])] + rest


def distribution_cells(distribution: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """fct_answer_distribution's rows as cells for differencing_attack (each code's share a success share over
    the non-blank answers), with their success codes."""
    cells = distribution.assign(
        indicator_id=DISTRIBUTION,
        item=distribution.question_id + "=" + distribution.answer_code.astype(str),
    )  # no "vet ikke" share, change or share without "vet ikke" of its own
    return cells, {(DISTRIBUTION, r.item): (int(r.answer_code),) for r in cells.itertuples()}


def _key(indicator_id, item, population, year) -> tuple:
    return indicator_id, None if pd.isna(item) else item, population, int(year)


def attacker_shares(fct: pd.DataFrame, differences: pd.DataFrame | None = None) -> pd.DataFrame:
    """fct with every share an attacker works out from the published differences: a change (change_pp against
    the previous year's share) or a state − municipal difference (fct_population_difference.difference_pp)
    gives one side's share from the other's. Applied until nothing new follows."""
    shares = {
        _key(r.indicator_id, r.item, r.population, r.year): r.share_pct
        for r in fct.itertuples()
        if pd.notna(r.share_pct)
    }
    links = [
        (
            _key(r.indicator_id, r.item, r.population, r.year),
            _key(r.indicator_id, r.item, r.population, r.previous_year),
            r.change_pp,
        )
        for r in fct.itertuples()
        if pd.notna(r.change_pp)
    ]
    if differences is not None:
        links += [
            (
                _key(r.indicator_id, r.item, r.population_a, r.year),
                _key(r.indicator_id, r.item, r.population_b, r.year),
                r.difference_pp,
            )
            for r in differences.itertuples()
            if pd.notna(r.difference_pp)
        ]
    learned = True
    while learned:
        learned = False
        for a, b, a_minus_b in links:
            if (a in shares) != (b in shares):
                if a in shares:
                    shares[b] = shares[a] - a_minus_b
                else:
                    shares[a] = shares[b] + a_minus_b
                learned = True
    return fct.assign(
        share_pct=[shares.get(_key(r.indicator_id, r.item, r.population, r.year), np.nan) for r in fct.itertuples()]
    )


def differencing_attack(
    fct: pd.DataFrame,
    populations: dict[str, tuple[str, ...]],
    success_codes: dict[tuple[str, str | None], tuple[int, ...]],
    min_base_n: int,
    alternatives: pd.DataFrame | None = None,
) -> list[str]:
    """Attack published organisation cells (fct_indicator's columns) with exact linear algebra.

    What is published: every cell's n_base; where not NULL, its successes (share × n_base; pass the frame
    through attacker_shares first to add what changes and differences give away), its "vet ikke"
    (dont_know_pct × n_base, with "vet ikke" in the base) and n_base_excl_dont_know (n_base − "vet ikke"), and
    the successes behind the share without "vet ikke" (share_excl_dont_know_pct × n_base_excl_dont_know).
    `alternatives` adds further published shares of successes over any set of respondent groups (columns
    question_id, indicator_id, item, year, units, share_pct, base_n: the reconciliation's sensitivity shares).
    Each (question, year) is solved as one system over respondent group × code class. Returns a description
    of every suppressed cell whose successes are recovered, and of every respondent group that is not published
    on its own, has fewer than min_base_n answers (its n follows from the published bases) and whose successes
    are recovered."""
    recovered = []
    org = fct[fct.survey == "org"]
    for (question, year), block in org.groupby(["question_id", "year"]):
        items = {(r.indicator_id, None if pd.isna(r.item) else r.item) for r in block.itertuples()}
        classes = _code_classes([success_codes[i] for i in items], any(i[0] == DISTRIBUTION for i in items))
        units = sorted({u for p in block.population for u in populations[p]})
        inner = {(u, k): i for i, (u, k) in enumerate((u, k) for u in units for k in range(len(classes)))}

        def members(unit_set, success=None, dont_know=False, classes=classes, inner=inner):
            wanted = [
                k
                for k, cls in enumerate(classes)
                if (DONT_KNOW_CODE in cls if dont_know else success is None or cls <= set(success))
            ]
            return frozenset(inner[(u, k)] for u in unit_set for k in wanted)

        facts, n_by_units = [], {}
        for r in block.itertuples():
            unit_set = populations[r.population]
            facts.append(Published(members(unit_set), float(r.n_base)))
            n_by_units[frozenset(unit_set)] = r.n_base
            item = (r.indicator_id, None if pd.isna(r.item) else r.item)
            if pd.notna(r.share_pct):
                facts.append(Published(members(unit_set, success_codes[item]), r.share_pct * r.n_base / 100))
            if pd.notna(r.dont_know_pct):
                facts.append(Published(members(unit_set, dont_know=True), r.dont_know_pct * r.n_base / 100))
            if pd.notna(r.n_base_excl_dont_know):
                facts.append(
                    Published(members(unit_set) - members(unit_set, dont_know=True), float(r.n_base_excl_dont_know))
                )
                if pd.notna(r.share_excl_dont_know_pct):
                    facts.append(
                        Published(
                            members(unit_set, success_codes[item]),
                            r.share_excl_dont_know_pct * r.n_base_excl_dont_know / 100,
                        )
                    )
        if alternatives is not None:
            mine = alternatives[(alternatives.question_id == question) & (alternatives.year == year)]
            facts += [
                Published(
                    members(tuple(a.units), success_codes[(a.indicator_id, None if pd.isna(a.item) else a.item)]),
                    a.share_pct * a.base_n / 100,
                )
                for a in mine.itertuples()
                if pd.notna(a.share_pct) and set(a.units) <= set(units)
            ]
        targets = [
            (
                f"{r.indicator_id}/{r.item}/{r.population}/{year}",
                populations[r.population],
                (r.indicator_id, None if pd.isna(r.item) else r.item),
            )
            for r in block.itertuples()
            if r.suppressed
        ]
        singles = {units_[0] for units_ in map(tuple, n_by_units) if len(units_) == 1}
        for unit in set(units) - singles:
            pooled = [set(p) for p in n_by_units if unit in p and set(p) - {unit} <= singles]
            if pooled:
                pool = pooled[0]
                n_unit = n_by_units[frozenset(pool)] - sum(n_by_units[frozenset([u])] for u in pool - {unit})
                if n_unit < min_base_n:
                    targets += [(f"{i[0]}/{i[1]}/{unit} (hidden, n={n_unit})/{year}", (unit,), i) for i in items]
        attempt = recoverer(len(inner), facts)
        for name, unit_set, item in targets:
            target = members(unit_set, success_codes[item])
            if target and target != members(unit_set) and attempt(target) is not None:
                recovered.append(name)
    return recovered


def with_breakdown_cells(
    fct: pd.DataFrame, breakdown: pd.DataFrame, populations: dict[str, tuple[str, ...]]
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """fct_indicator and fct_indicator_breakdown as one table of cells for differencing_attack, and every cell's
    units. The units become atoms: respondent group × one category of every breakdown published for a
    population holding the group, so a population holds every atom of its groups and a breakdown cell, named
    `<population>|<breakdown>=<category>`, the atoms of its category. Describing every cell in the same finer
    units changes no sum, so the attacker loses nothing and sees every relation: a population minus its other
    categories, one breakdown against another, and both against the headline."""
    categories = breakdown.groupby("breakdown").category.unique().map(sorted).to_dict()
    splits = {
        group: sorted(
            {b for b, p in zip(breakdown.breakdown, breakdown.population, strict=True) if group in populations[p]}
        )
        for group in {g for groups in populations.values() for g in groups}
    }
    atoms = {
        group: [
            dict(zip(names, combination, strict=True), group=group)
            for combination in itertools.product(*(categories[name] for name in names))
        ]
        for group, names in splits.items()
    }

    def name(atom: dict) -> str:
        return "|".join(f"{key}={value}" for key, value in sorted(atom.items()))

    units = {
        population: tuple(name(atom) for group in groups for atom in atoms[group])
        for population, groups in populations.items()
    }
    for row in breakdown.drop_duplicates(["population", "breakdown", "category"]).itertuples():
        units[f"{row.population}|{row.breakdown}={row.category}"] = tuple(
            name(atom)
            for group in populations[row.population]
            for atom in atoms[group]
            if atom.get(row.breakdown) == row.category
        )
    cells = breakdown.assign(population=breakdown.population + "|" + breakdown.breakdown + "=" + breakdown.category)
    return pd.concat([fct, cells[list(fct.columns.intersection(cells.columns))]], ignore_index=True), units
