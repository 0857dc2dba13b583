"""A workbook bomb as a vendor could send it, checked by the real command: refused in seconds, in little memory.

The organisation file is a 20 MB xlsx whose shared strings table unpacks to 1.78 GB, under the byte limit on
a whole workbook (2 GiB) but far over the limit on its shared strings. `itip check` runs in a process of its
own under a wrapper that reports its children's peak resident memory, so nothing of this test's own memory
counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from itip_pipeline.core import contract

from support.delivery_builders import LOADED_YEAR, write_delivery
from support.hostile_workbooks import write_shared_strings_xlsx

SHARED_STRINGS_BYTES = 1_780_000_000
REFUSED_WITHIN_S = 30
MEMORY_BOUND_BYTES = 1_000_000_000

# Runs the command as a child and prints its exit code and the child's peak RSS (ru_maxrss is in KiB).
_MEASURED = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
    "print(json.dumps({'code': done.returncode, 'out': done.stdout + done.stderr, 'peak': peak}))\n"
)


def test_a_shared_strings_bomb_is_refused_by_itip_check_within_seconds_and_a_gigabyte(settings):
    folder = write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    org = next(folder.glob(f"{contract.FILE_PREFIXES['org']}*"))
    org.unlink()
    bomb = write_shared_strings_xlsx(
        folder / f"{contract.FILE_PREFIXES['org']}_{LOADED_YEAR}.xlsx", [["orgnr"], ["974760673"]], SHARED_STRINGS_BYTES
    )
    assert bomb.stat().st_size < contract.MAX_FILE_BYTES
    itip = Path(sys.executable).parent / "itip"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(itip), "check", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=600,
    )
    seconds = time.perf_counter() - started
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["code"] == 1, measured["out"]
    assert bomb.name in measured["out"] and "possible zip bomb" in measured["out"]
    assert "Traceback" not in measured["out"]
    assert seconds < REFUSED_WITHIN_S, seconds
    assert measured["peak"] < MEMORY_BOUND_BYTES, measured["peak"]
