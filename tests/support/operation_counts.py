"""Counting work instead of timing it: how many values pandas compares with `==` while a check runs.

A check that scans a whole column per problem, or the whole catalogue per row, compares rows × problems
values; a linear one compares a few per row. The count is exact and independent of the machine's load, so
a test can compare it at 10× and 100× the rows where a timing would be noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd


@contextmanager
def values_compared(monkeypatch) -> Iterator[list[int]]:
    """A one-element list holding the number of values compared by pandas.Series.__eq__ inside the block."""
    compared = [0]
    series_eq = pd.Series.__eq__

    def counting_eq(self, other):
        compared[0] += len(self)
        return series_eq(self, other)

    with monkeypatch.context() as patched:
        patched.setattr(pd.Series, "__eq__", counting_eq)
        yield compared
