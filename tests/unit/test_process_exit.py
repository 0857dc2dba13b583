"""A process of the pipeline ends without Python's garbage collection over what it imported
(itip_pipeline/core/process_exit.py): the `itip` command, whatever way it ends; a caller of `main` in its own
process keeps its collector."""

from __future__ import annotations

import subprocess
import sys

FROZEN_AFTER = """
import gc, sys
from itip_pipeline import cli
{setup}
sys.argv = ["itip", *sys.argv[1:]]
try:
    cli.main({argv})
except BaseException as ended:
    print(type(ended).__name__, gc.get_freeze_count() > 0)
else:
    print("returned", gc.get_freeze_count() > 0)
"""


def _ended(tmp_path, *args: str, argv: str = "", setup: str = "") -> str:
    code = FROZEN_AFTER.format(argv=argv, setup=setup)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path)
    return done.stdout.strip().splitlines()[-1]


def test_the_itip_command_freezes_what_it_made_when_it_ends_with_an_exit_status(tmp_path):
    assert _ended(tmp_path, "check", str(tmp_path / "no such delivery")) == "SystemExit True"


def test_the_itip_command_freezes_what_it_made_when_it_fails(tmp_path):
    fails = "def fails(_args):\n    raise RuntimeError('the command failed')\ncli._docs = fails"
    assert _ended(tmp_path, "docs", setup=fails) == "RuntimeError True"


def test_a_caller_of_main_with_its_own_arguments_keeps_its_collector(tmp_path):
    argv = repr(["check", str(tmp_path / "no such delivery")])
    assert _ended(tmp_path, argv=argv) == "SystemExit False"
