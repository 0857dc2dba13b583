"""A process of the pipeline ends without Python's garbage collection over what it imported
(itip_pipeline/core/process_exit.py): the `itip` command, whatever way it ends."""

from __future__ import annotations

import gc

import pytest

from itip_pipeline import cli


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's own objects go back to the collector


def test_itip_freezes_what_it_made_when_a_command_ends_with_an_exit_status(tmp_path, unfrozen):
    assert gc.get_freeze_count() == 0
    with pytest.raises(SystemExit):
        cli.main(["check", str(tmp_path / "no such delivery")])
    assert gc.get_freeze_count() > 0


def test_itip_freezes_what_it_made_when_a_command_fails(monkeypatch, unfrozen):
    def fails(_args):
        raise RuntimeError("the command failed")

    monkeypatch.setattr(cli, "_docs", fails)  # build_parser binds the command's function when main calls it
    with pytest.raises(RuntimeError):
        cli.main(["docs"])
    assert gc.get_freeze_count() > 0
