"""`itip check <folder>`: the load's own validation on a delivery folder, with exit code 0 or 1 and nothing written.

The bad folders are support/refusal_cases.py's contract breaches, each spoiling a good delivery; a load refuses
every one of them, so the check must too, naming the same file and rule, and leave data/ byte for byte as
it was.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from itip_pipeline.cli import main
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.loading.self_check import check_delivery
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import LOADED_YEAR, write_delivery
from support.refusal_cases import CASES


def _snapshot(root) -> dict[str, str]:
    """Every file and folder under root, with a hash of each file's bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(root.rglob("*"))
    }


def _check(capsys, *argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(["check", *map(str, argv)])
    out = capsys.readouterr()
    return exited.value.code, out.out + out.err


@pytest.fixture
def delivery(settings):
    return write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)


def test_a_good_folder_is_acceptable_and_nothing_is_written(settings, delivery, capsys):
    before = _snapshot(settings.data_dir)
    code, out = _check(capsys, delivery)
    assert code == 0
    assert f"as the {LOADED_YEAR} delivery" in out and "ACCEPTABLE" in out and "3 panel respondents" in out
    assert _snapshot(settings.data_dir) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_folder_a_load_would_refuse_exits_1_naming_file_and_rule(settings, delivery, capsys, case):
    spoil, file, text = CASES[case]
    spoil(settings)
    before = _snapshot(settings.data_dir)
    code, out = _check(capsys, delivery)
    assert code == 1
    assert "WOULD BE REFUSED" in out
    assert f"| {file} |" in out and text in out
    assert _snapshot(settings.data_dir) == before


@pytest.mark.parametrize("case", ["two question ids swapped", "second panel file", "SPSS user-missing values"])
def test_the_check_reports_exactly_the_problems_a_load_reports(settings, delivery, case):
    CASES[case][0](settings)
    checked = check_delivery(delivery, None, settings.pseudonym_key)
    with open_for_writing(settings.work_db) as con, pytest.raises(LoadRejected) as loaded:
        load_year(con, settings, LOADED_YEAR)
    assert checked.problems == loaded.value.problems


def test_a_folder_not_named_by_its_year_needs_year(settings, delivery, capsys, tmp_path):
    renamed = delivery.rename(tmp_path / "levering_mars")
    code, out = _check(capsys, renamed)
    assert code == 2 and "not named by a year" in out and "--year" in out
    code, out = _check(capsys, renamed, "--year", LOADED_YEAR)
    assert code == 0 and "ACCEPTABLE" in out
    # The year matters: a codebook checked as another year's is held to that year's catalogue.
    code, out = _check(capsys, renamed, "--year", 2024)
    assert code == 1 and "has no org question ai_task_administrative in 2024" in out


def test_the_command_imports_neither_dagster_nor_dbt(settings, delivery):
    # The one run of the real command line: a fresh interpreter, so earlier imports in this session do not count.
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('heavy imports:', sorted(m for m in ('dagster', 'dagster_dbt', 'dbt', "
        "'great_expectations') if m in sys.modules)))\n"
        "from itip_pipeline.cli import main\n"
        f"main(['check', {str(delivery)!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ}, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "ACCEPTABLE" in done.stdout
    assert "heavy imports: []" in done.stdout
