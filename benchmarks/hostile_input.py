"""Work on hostile input: the duplicate-respondent check on a million rows, and a workbook bomb refused.

Each measurement runs in a process of its own (wall time and peak RSS of the whole process, imports included):
  duplicates  validate.py's duplicate check on 10,000, 100,000 and 1,000,000 organisation rows, one row in a
              hundred repeating an orgnr: the fastest of REPEATS checks per size, and the growth from
              one size to the next (linear work grows about ten times);
  bomb        readers.read_table on a small xlsx whose shared strings unpack to 1.78 GB (under the byte
              limit on the whole workbook), which must be refused, its seconds and peak RSS.

    python benchmarks/hostile_input.py [--work-dir benchmarks/work]   -> JSON on stdout
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from proctree import run_measured

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the workbook writer the readers' tests use
from support.hostile_workbooks import write_shared_strings_xlsx  # noqa: E402

DUPLICATE_ROWS = (10_000, 100_000, 1_000_000)
# The smaller sizes take hundredths of a second, where one timing can be several times another; the growth
# between sizes is a ratio of two of them, so each size is timed several times and the fastest kept: what the
# check itself costs, without what else the machine did meanwhile (as timeit reports it).
REPEATS = 5
BOMB_SHARED_STRINGS_BYTES = 1_780_000_000


def _orgnrs(rows: int) -> list[str]:
    """`rows` valid organisation numbers, one in a hundred a repeat of the number before it."""
    from itip_pipeline.core.contract import orgnr_check_digit

    numbers: list[str] = []
    first_eight = 80_000_000
    while len(numbers) < rows:
        if len(numbers) % 100 == 99:
            numbers.append(numbers[-1])
            continue
        digit = orgnr_check_digit(str(first_eight))
        if digit is not None:
            numbers.append(f"{first_eight}{digit}")
        first_eight += 1
    return numbers


def duplicates(rows: int) -> dict:
    """Time the duplicate check alone on `rows` organisation rows (run in this process)."""
    import pandas as pd

    from itip_pipeline.ingest.rules.validate import _duplicate_respondents

    frame = pd.DataFrame(
        {
            "orgnr": pd.array(_orgnrs(rows), dtype="string"),
            "source_file": pd.array(["org_survey.csv"] * rows, dtype="string"),
            "source_row": range(2, rows + 2),
        }
    )
    _duplicate_respondents([frame.head(10)], "org")  # pandera builds its checks on the first call: not timed
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        problems = _duplicate_respondents([frame], "org")
        timings.append(time.perf_counter() - started)
    return {"rows": rows, "problems": len(problems), "seconds": min(timings), "repeats": REPEATS}


def bomb(path: Path) -> dict:
    """read_table on the bomb (run in this process): refused or not, and the sentence."""
    from itip_pipeline.ingest.files.readers import read_table
    from itip_pipeline.ingest.problems import DeliveryRejected

    started = time.perf_counter()
    try:
        read_table(path, ["orgnr"])
    except DeliveryRejected as rejected:
        return {"refused": True, "sentence": str(rejected.problems[0]), "seconds": time.perf_counter() - started}
    return {"refused": False, "seconds": time.perf_counter() - started}


def _in_child(work: Path, what: str, argument: str) -> dict:
    log = work / f"hostile_{what}_{argument.replace('/', '_')[-40:]}.log"
    done = run_measured([sys.executable, __file__, "--child", what, argument], None, log)
    if done.returncode != 0:
        return {"failed": done.output[-2000:]}
    measured = json.loads(done.output.strip().splitlines()[-1])
    return {**measured, "process_s": done.seconds, "peak_rss_mb": done.peak_rss_bytes / 2**20}


def measure(work: Path) -> dict:
    """Every measurement above, each in a child process."""
    work.mkdir(parents=True, exist_ok=True)
    sizes = [_in_child(work, "duplicates", str(rows)) for rows in DUPLICATE_ROWS]
    bomb_path = write_shared_strings_xlsx(work / "bomb.xlsx", [["orgnr"], ["974760673"]], BOMB_SHARED_STRINGS_BYTES)
    try:
        refused = _in_child(work, "bomb", str(bomb_path))
    finally:
        bomb_path.unlink(missing_ok=True)
    growth = [
        later["seconds"] / earlier["seconds"] if "seconds" in earlier and "seconds" in later else None
        for earlier, later in zip(sizes, sizes[1:], strict=False)
    ]
    return {"duplicates": sizes, "duplicates_growth": growth, "bomb": refused}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=HERE / "work")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "ARGUMENT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        what, argument = args.child
        print(json.dumps(duplicates(int(argument)) if what == "duplicates" else bomb(Path(argument))))
        return
    print(json.dumps(measure(args.work_dir), indent=2))


if __name__ == "__main__":
    main()
