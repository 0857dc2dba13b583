"""Named, independent random streams, so adding a question or a year never shifts the others' draws."""

from __future__ import annotations

import zlib

import numpy as np


def rng(seed: int, *labels: object) -> np.random.Generator:
    """A generator fixed by the seed and the labels (e.g. rng(seed, 2025, "blank", "ai_adoption"))."""
    return np.random.default_rng([seed, *(zlib.crc32(str(label).encode()) for label in labels)])
