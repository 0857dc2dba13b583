"""An attacker on published cells, independent of the model's algorithm: exact linear recovery by nullspace.

The published values fix the inner cells (respondent class × answer code) up to the nullspace of the
published vectors. A hidden value v·x is determined exactly when v is orthogonal to that nullspace; then
v·x = v·x₀ for any solution x₀ (least squares gives one). int_disclosure_control uses a rank test; this uses
scipy's SVD nullspace and actually computes the recovered value, so a wrong "safe" there fails here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space


@dataclass(frozen=True)
class Published:
    """A published fact: a sum over inner cells (their indices) with its value."""

    inner: frozenset[int]
    value: float


def recover(n_inner: int, published: list[Published], target: frozenset[int]) -> float | None:
    """The target sum's value if the published facts determine it exactly, else None."""
    if not published:
        return None
    matrix = np.zeros((len(published), n_inner))
    for row, fact in enumerate(published):
        matrix[row, list(fact.inner)] = 1.0
    values = np.array([fact.value for fact in published])
    vector = np.zeros(n_inner)
    vector[list(target)] = 1.0
    free = null_space(matrix)
    if free.size and np.abs(vector @ free).max() > 1e-9:
        return None
    solution, *_ = np.linalg.lstsq(matrix, values, rcond=None)
    return float(vector @ solution)
