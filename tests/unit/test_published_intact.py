"""The intact check of the no-op run: every file published (the version's DuckDB file and Parquet set, the
workbooks, the CSV files, the figure book's pages) and every stable path to them, against the manifests."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout

import pytest

from itip_pipeline.core import build_state
from itip_pipeline.core.published_intact import published_damage
from itip_pipeline.core.published_layout import EXPORTS, current_exports_dir, current_version_dir
from itip_pipeline.core.settings import get_settings
from itip_pipeline.runner.itip_run import _up_to_date

from support.published_folders import lay_out_published

VERSION = "20260101T000000000000Z-abcdef12"
OLDER = "20251201T000000000000Z-00000001"
FILES = {"fct_indicator.parquet": b"PAR1 indicator rows PAR1", "mart_ai_adoption.parquet": b"PAR1 ai rows PAR1"}


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """A published data folder whose build state matches today's inputs: only damage can make a run real.
    The inputs other than the landing folder (code, packages, dbt project: hashing them takes most of a second)
    are one stand-in value; tests/integration/test_build_state.py checks them."""
    monkeypatch.setattr(build_state, "inputs", lambda settings: {"code": "as built"})
    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "data"))
    settings = get_settings()
    (settings.landing_dir / "2025").mkdir(parents=True)
    (settings.landing_dir / "2025" / "codebook.csv").write_text("codebook 2025\n")
    settings.work_db.parent.mkdir(parents=True)
    # Shaped as a whole DuckDB file (magic bytes, headers): the no-op check refuses a working database cut short.
    header = bytes(8) + build_state.DUCKDB_MAGIC
    settings.work_db.write_bytes(header + bytes(build_state.DUCKDB_HEADERS - len(header)))
    state = json.dumps(build_state.capture(settings, landing_matches_loaded=True)).encode()
    lay_out_published(settings, VERSION, {**FILES, build_state.STATE_FILE: state})
    return settings


def _no_op(settings) -> tuple[bool, str]:
    """Whether `itip run` stops as up to date, and what it said."""
    terminal = io.StringIO()
    with redirect_stdout(terminal):
        summary = _up_to_date(settings, 0.0)
    return summary is not None, terminal.getvalue()


def _truncate(path):
    path.write_bytes(path.read_bytes()[:-4])


def _same_size_other_content(path):
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def _to_older_version(settings):
    """The exports pointer at another version's set: whole in itself, but not the current version's."""
    import shutil

    shown = current_exports_dir(settings.marts_dir)
    older = settings.marts_dir / "versions" / OLDER / shown.name
    shutil.copytree(shown, older)
    (settings.marts_dir / EXPORTS).unlink()
    (settings.marts_dir / EXPORTS).symlink_to(os.path.relpath(older, settings.marts_dir))


DAMAGE = {
    "a Parquet file truncated": (lambda s: _truncate(current_version_dir(s.marts_dir) / "fct_indicator.parquet"),),
    "a Parquet file deleted": (lambda s: (current_version_dir(s.marts_dir) / "mart_ai_adoption.parquet").unlink(),),
    "the DuckDB file changed in place": (lambda s: _same_size_other_content(s.warehouse_db),),
    "the warehouse path a stale copy": (
        lambda s: (s.warehouse_db.unlink(), s.warehouse_db.write_bytes(b"the published marts")),
    ),
    "the workbook deleted": (lambda s: (s.marts_dir / "itip_indicators.xlsx").unlink(),),
    "a CSV file overwritten, same size": (
        lambda s: _same_size_other_content(s.marts_dir / "csv" / "fct_indicator.csv"),
    ),
    "the figure book's index deleted": (lambda s: (s.figure_book_dir / "index.html").unlink(),),
    "a stable Parquet path replaced by a file": (
        lambda s: (
            (s.marts_dir / "fct_indicator.parquet").unlink(),
            (s.marts_dir / "fct_indicator.parquet").write_bytes(b"x"),
        ),
    ),
    "the exports of another version": (_to_older_version,),
    "the version's manifest deleted": (lambda s: (current_version_dir(s.marts_dir) / "manifest.json").unlink(),),
}


def test_an_intact_publish_is_intact_and_the_run_a_no_op(settings):
    assert published_damage(settings.marts_dir, settings.warehouse_db) == []
    assert _no_op(settings) == (True, "")


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_any_damage_is_found_said_and_means_a_real_run(settings, damage):
    damage[0](settings)
    assert published_damage(settings.marts_dir, settings.warehouse_db)
    stopped, said = _no_op(settings)
    assert not stopped, "a real run publishes every file again"
    assert said.startswith("The published files are not intact (") and "publish them again" in said
    assert "Traceback" not in said


def test_the_damage_sentence_names_the_damaged_file(settings):
    _truncate(current_version_dir(settings.marts_dir) / "fct_indicator.parquet")
    (settings.marts_dir / "csv" / "fct_indicator.csv").unlink()
    problems = published_damage(settings.marts_dir, settings.warehouse_db)
    assert any("fct_indicator.parquet was changed since it was published" in p for p in problems)
    assert any(str(current_exports_dir(settings.marts_dir) / "csv" / "fct_indicator.csv") in p for p in problems)


def test_a_copied_data_folder_is_checked_as_itself(settings, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(settings.data_dir, copy, symlinks=True)
    _truncate(current_version_dir(settings.marts_dir) / "fct_indicator.parquet")
    assert published_damage(copy / "marts", copy / "warehouse" / "itip.duckdb") == []
    assert (copy / "marts" / EXPORTS).is_symlink()
