"""One DuckDB transaction around a block: committed when the block ends, rolled back if anything escapes it.

The loads, the raw schema's upgrade and the copies of the marts each change several tables or write hundreds of
statements that must land together or not at all (and in autocommit each statement would write the file alone).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:  # an interrupt too: nothing half-written stays
        con.rollback()
        raise
