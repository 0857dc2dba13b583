"""Turn a `CodePlan` into answer codes for the respondents of one group, hitting its shares exactly.

Respondents are taken in a seeded random order; each constraint takes the next run of respondents whose
cumulative weight comes closest to its share of the group's total weight (for organisations every weight
is 1, so a share s of a base b gives exactly round(s * b) respondents). The rest get the other codes.
"""

from __future__ import annotations

import numpy as np

from itip_pipeline.synthetic.calibration import CodePlan


def split_counts(total: int, weights: list[float]) -> np.ndarray:
    """Whole counts summing to `total` in proportion to `weights` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=int)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: total - counts.sum()]] += 1
    return counts


def _spread(codes: list[int], shape: dict[int, float], n: int) -> np.ndarray:
    """n codes in the proportions of `shape`, in a block (the caller's order is already random)."""
    if n and not codes:
        raise ValueError("respondents are left over but the plan has no code for them")
    return np.repeat(codes, split_counts(n, [shape[c] for c in codes])).astype(int)


def _closest_cut(cumulative: np.ndarray, target: float) -> int:
    """How many respondents to take so that their cumulative weight is closest to `target`."""
    below = int(np.searchsorted(cumulative, target))  # taking `below` stays under the target
    if below == len(cumulative):
        return below
    weight_below = cumulative[below - 1] if below else 0.0
    return below + 1 if cumulative[below] - target < target - weight_below else below


def allocate(plan: CodePlan, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Codes for respondents with these weights (same order as `weights`)."""
    order = rng.permutation(len(weights))
    cumulative = np.cumsum(weights[order])
    total = cumulative[-1] if len(cumulative) else 0.0
    codes = np.empty(len(weights), dtype=int)
    start, share_so_far, used = 0, 0.0, set()
    for group_codes, share in plan.constraints:
        share_so_far += share
        end = max(start, _closest_cut(cumulative, share_so_far * total))
        codes[order[start:end]] = _spread(list(group_codes), plan.shape, end - start)
        start = end
        used.update(group_codes)
    rest = [code for code in plan.shape if code not in used]
    codes[order[start:]] = _spread(rest, plan.shape, len(order) - start)
    return codes
