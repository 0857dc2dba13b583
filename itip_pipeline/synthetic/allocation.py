"""Turn a `CodePlan` into answer codes for the respondents of one group, hitting its shares exactly.

Each constraint takes a run of respondents whose cumulative weight comes closest to its share of the group's
total weight (for organisations every weight is 1, so a share s of a base b gives exactly round(s * b)
respondents); the rest get the other codes. Which respondents form the runs:

- without scores (one-answer questions), a seeded random order, as if answers were independent;
- with scores (the latent propensities of latent.py), the first constraint (the indicator's success codes,
  always the top of the scale) takes the highest scores, the later ones ("vet ikke") a random run of the
  others, and the rest go to the remaining respondents by score. Inside every run the higher score gets the
  higher code, so the answers keep the latent order while each group's counts stay exactly as planned.
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
    """n codes in the proportions of `shape`, in a block, in the order of `codes`."""
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


def _take_runs(
    codes: np.ndarray,
    order: np.ndarray,
    constraints: tuple[tuple[tuple[int, ...], float], ...],
    plan: CodePlan,
    weights: np.ndarray,
    total: float,
    descending: bool,
) -> np.ndarray:
    """Give each constraint's codes to the next run of `order`; return the respondents left over, in order."""
    cumulative = np.cumsum(weights[order])
    start, share_so_far = 0, 0.0
    for group_codes, share in constraints:
        share_so_far += share
        end = max(start, _closest_cut(cumulative, share_so_far * total))
        codes[order[start:end]] = _spread(sorted(group_codes, reverse=descending), plan.shape, end - start)
        start = end
    return order[start:]


def allocate(
    plan: CodePlan, weights: np.ndarray, rng: np.random.Generator, scores: np.ndarray | None = None
) -> np.ndarray:
    """Codes for respondents with these weights (same order as `weights`), by rank of `scores` if given."""
    n = len(weights)
    codes = np.empty(n, dtype=int)
    total = float(weights.sum()) if n else 0.0
    used = {code for group_codes, _ in plan.constraints for code in group_codes}
    rest_codes = [code for code in plan.shape if code not in used]
    if scores is None:
        rest = _take_runs(codes, rng.permutation(n), plan.constraints, plan, weights, total, descending=False)
        codes[rest] = _spread(rest_codes, plan.shape, len(rest))
        return codes
    # Highest score first; a random permutation first breaks ties at random.
    shuffled = rng.permutation(n)
    ranked = shuffled[np.argsort(-scores[shuffled], kind="stable")]
    first, later = plan.constraints[:1], plan.constraints[1:]
    others = _take_runs(codes, ranked, first, plan, weights, total, descending=True)
    rest = _take_runs(codes, rng.permutation(others), later, plan, weights, total, descending=True)
    rest = others[np.isin(others, rest)]  # back in score order
    codes[rest] = _spread(sorted(rest_codes, reverse=True), plan.shape, len(rest))
    return codes
