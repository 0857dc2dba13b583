"""Running a command while sampling the resident memory of its whole process tree from /proc.

psutil is not in the locked environment, so the tree is found from /proc/<pid>/stat (parent ids) and
each process's resident set from /proc/<pid>/statm. The peak is the largest *sum* over the tree seen at
one sample (every `interval_s`), so `itip run` and its `dbt` child count together.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    output: str


def _parent_ids() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree_pids(root: int) -> list[int]:
    """The root and every descendant alive now."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parent_ids().items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_rss_bytes(root: int) -> int:
    total = 0
    for pid in tree_pids(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
        except (OSError, IndexError):
            continue
    return total


def run_measured(command: list[str], env: dict[str, str], log: Path, interval_s: float = 0.1) -> Measured:
    """Run `command` to completion, its output to `log`; wall time and the tree's peak summed RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(interval_s)
        seconds = time.perf_counter() - started
    return Measured(seconds, peak, process.returncode, log.read_text())
