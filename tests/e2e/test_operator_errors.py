"""`itip run` when the machine, not the delivery, is at fault: a sentence naming the file and what to do, never a
traceback, and nothing loaded. Each case runs the real command in a subprocess; both stop before any load."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.itip_processes import ITIP, itip_env

# Another program with the working database open read-write, without the pipeline's advisory lock
# (a DuckDB shell or a notebook left open).
HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create table if not exists notebook_scratch as select 1 as x")
    print("holding", flush=True)
    time.sleep(300)
""")


def _itip_run(data_dir: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ITIP, "run"],
        env=itip_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_working_database_held_by_another_program_is_named_with_what_to_do(tmp_path):
    data_dir = tmp_path / "data"
    work_db = data_dir / "work" / "itip_work.duckdb"
    work_db.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(work_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = _itip_run(data_dir)
    finally:
        holder.kill()
        holder.wait()
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "IOException" not in output
    assert f"The working database {work_db} is open in another program" in output
    assert f"process {holder.pid}" in output and "Close it there" in output
    assert not list((data_dir / "landing").iterdir()), "it stopped before generating or loading anything"


def test_an_output_folder_that_cannot_be_written_is_named_with_what_to_do(tmp_path):
    data_dir = tmp_path / "data"
    blocked = tmp_path / "published_here"
    blocked.write_text("a file where the warehouse folder should be")
    result = _itip_run(data_dir, ITIP_WAREHOUSE_DB=str(blocked / "itip.duckdb"))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "Error:" not in output
    assert f"Cannot write to {blocked}" in output and "Make it a folder this user can write" in output
    assert not (data_dir / "work" / "itip_work.duckdb").exists(), "nothing was loaded"


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00" * 4096, b"SQLite format 3\x00" + b"\x01" * 8000],
    ids=["emptied", "zeroed", "another database's file"],
)
def test_a_damaged_working_database_is_named_with_what_to_do(tmp_path, damage):
    data_dir = tmp_path / "data"
    work_db = data_dir / "work" / "itip_work.duckdb"
    work_db.parent.mkdir(parents=True)
    work_db.write_bytes(damage)
    result = _itip_run(data_dir)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "IOException" not in output
    assert f"The working database {work_db} cannot be opened as a DuckDB database" in output
    assert "move it aside" in output and "itip run --force" in output
    assert work_db.read_bytes() == damage, "the file is left for the operator to look at"
    assert not list((data_dir / "landing").iterdir()), "it stopped before generating or loading anything"
