"""Both BI paths are one version after a publish killed at any point: `itip run`'s publish in a real process,
SIGKILLed right after each rename or replace it makes (a kill between two swaps is the case that matters: with
two swaps, `current` at the new version and data/warehouse/itip.duckdb at the old one)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from itip_pipeline.core.published_intact import damaged_files
from itip_pipeline.core.published_layout import current_version_dir
from itip_pipeline.publish.versions import publish

# The child publishes and kills itself (SIGKILL: no `finally`, no `except`) right after its n-th swap: each call
# of os.replace or os.rename, which is how every file and link of a publish is put in place.
KILLED_PUBLISH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from itip_pipeline.publish.versions import publish

    source, warehouse, marts, kill_after = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    swaps = 0

    def killing(real):
        def swap(*args, **kwargs):
            global swaps
            real(*args, **kwargs)
            swaps += 1
            if swaps == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return swap

    os.replace, os.rename = killing(os.replace), killing(os.rename)
    publish(source, warehouse, marts, label="killed")
""")
OLD, NEW = 50.85, 60.17


def _work_db(path: Path, share: float) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_indicator as select ?::double as share_pct", [share])
        con.execute("create or replace table marts.mart_ai_adoption as select ?::double as share_pct", [share])


def _share(database: Path) -> float:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select share_pct from marts.fct_indicator").fetchone()[0]


def _parquet_share(path: Path) -> float:
    with duckdb.connect() as con:
        return con.execute(f"select share_pct from '{path}'").fetchone()[0]


def test_current_and_the_warehouse_file_agree_after_a_kill_at_any_swap(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "warehouse" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, OLD)
    first = publish(work, warehouse, marts, label="first")
    # The layout before the link: the warehouse file a copy of the version's. The first kill runs migrate it.
    warehouse.unlink()
    shutil.copyfile(first.version_dir / "itip.duckdb", warehouse)
    _work_db(work, NEW)
    seen = []
    for kill_after in range(1, 30):
        child = subprocess.run(
            [sys.executable, "-c", KILLED_PUBLISH, str(work), str(warehouse), str(marts), str(kill_after)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        current = current_version_dir(marts)
        both = (_share(warehouse), _share(current / "itip.duckdb"), _parquet_share(marts / "fct_indicator.parquet"))
        seen.append(both)
        assert both in ((OLD, OLD, OLD), (NEW, NEW, NEW)), f"killed after swap {kill_after}: {both}"
        assert damaged_files(current) == [], f"killed after swap {kill_after}"
        if child.returncode == 0:  # the publish made fewer swaps than this: it finished
            break
        assert child.returncode == -9, child.stderr[-2000:]
    else:
        raise AssertionError("the publish never finished")
    assert seen[0] == (OLD, OLD, OLD) and seen[-1] == (NEW, NEW, NEW)
    assert warehouse.is_symlink() and warehouse.resolve() == current_version_dir(marts) / "itip.duckdb"
