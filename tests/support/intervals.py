"""The Wilson score interval from the textbook formula: the independent value the models' intervals are
checked against."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson_interval(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval from the textbook formula (Wilson 1927; Newcombe 1998, method 3)."""
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half
