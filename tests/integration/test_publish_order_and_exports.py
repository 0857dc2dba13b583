"""Monotonic publishing (a build older than the current version is refused, the newer version stays) and the
export set (workbooks, CSV files, figure book) made visible in one swap, the previous set whole until then."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from itip_pipeline.core.published_intact import damaged_files, published_damage
from itip_pipeline.core.published_layout import current_exports_dir, current_version_dir
from itip_pipeline.publish.versions import PublishRefused, commit_exports, publish, staged_exports
from itip_pipeline.warehouse import candidates


def _work_db(path, share: float, loads: list[str]):
    """A working database with one mart and a load log of `loads` (their loaded_at times)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists raw")
        con.execute("create or replace table marts.fct_indicator as select ?::double as share_pct", [share])
        con.execute("create or replace table raw.codebook as select 2025 as survey_year")
        con.execute(
            "create or replace table raw.load_log as select 'loaded' as status, unnest(?::timestamp[]) as loaded_at",
            [loads],
        )


def _share(database):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select share_pct from marts.fct_indicator").fetchone()[0]


def _candidate(tmp_path, run_id, share, loads):
    work = tmp_path / f"work-{run_id}.duckdb"
    _work_db(work, share, loads)
    candidate = candidates.candidate_path(tmp_path / "candidates", run_id)
    candidates.snapshot(work, candidate)
    return candidate


def _publish(tmp_path, candidate, run_id):
    return publish(
        candidate,
        tmp_path / "wh" / "itip.duckdb",
        tmp_path / "marts",
        label=run_id,
        order=candidates.build_order(candidate),
    )


FIRST_LOADS = ["2026-11-01 10:00:00"]
CORRECTED = [*FIRST_LOADS, "2026-11-02 09:00:00"]


def test_a_candidate_records_where_the_load_log_stood(tmp_path):
    order = candidates.build_order(_candidate(tmp_path, "run-a", 50.8, CORRECTED))
    assert order["loads"] == 2 and order["last_loaded_at"] == "2026-11-02T09:00:00.000000"
    assert order["built_at"] > "2026-11-02"


def test_a_build_from_an_older_load_log_is_refused_and_the_newer_version_stays(tmp_path):
    older = _candidate(tmp_path, "run-a", 50.8, FIRST_LOADS)  # A built, then paused before its publish
    newer = _candidate(tmp_path, "run-b", 60.2, CORRECTED)  # B loaded a corrected delivery
    published = _publish(tmp_path, newer, "run-b")
    with pytest.raises(PublishRefused) as refused:
        _publish(tmp_path, older, "run-a")
    sentence = str(refused.value)
    assert sentence.startswith("Run run-a did not publish: its build is older than the current version")
    assert published.version in sentence and "from 1 load (the last at 2026-11-01T10:00:00.000000 UTC)" in sentence
    assert "from 2 loads (the last at 2026-11-02T09:00:00.000000 UTC)" in sentence
    assert "The newer version stays current" in sentence and "Traceback" not in sentence
    assert current_version_dir(tmp_path / "marts").name == published.version
    assert _share(tmp_path / "wh" / "itip.duckdb") == 60.2
    assert len(list((tmp_path / "marts" / "versions").iterdir())) == 1


def test_an_earlier_build_from_the_same_load_log_is_refused_too(tmp_path):
    # Two builds of the same loads (say a rebuild after a code change, the second built later): the earlier
    # one cannot replace the later one either.
    earlier = _candidate(tmp_path, "run-a", 50.8, CORRECTED)
    later = _candidate(tmp_path, "run-b", 50.9, CORRECTED)
    _publish(tmp_path, later, "run-b")
    with pytest.raises(PublishRefused, match="did not publish: its build is older"):
        _publish(tmp_path, earlier, "run-a")
    assert _share(tmp_path / "wh" / "itip.duckdb") == 50.9


def test_a_newer_build_replaces_an_older_version(tmp_path):
    _publish(tmp_path, _candidate(tmp_path, "run-a", 50.8, FIRST_LOADS), "run-a")
    _publish(tmp_path, _candidate(tmp_path, "run-b", 60.2, CORRECTED), "run-b")
    assert _share(tmp_path / "wh" / "itip.duckdb") == 60.2


def _write_set(folder, value: str) -> None:
    (folder / "csv").mkdir()
    (folder / "csv" / "fct_indicator.csv").write_text(f"share\n{value}\n")
    (folder / "csv" / "mart_ai_adoption.csv").write_text(f"share\n{value}\n")
    (folder / "itip_indicators.xlsx").write_text(f"workbook {value}")
    (folder / "figures").mkdir()
    (folder / "figures" / "index.html").write_text(f"<p>{value}</p>")


def _links(tmp_path):
    marts = tmp_path / "marts"
    return {
        marts / "itip_indicators.xlsx": "itip_indicators.xlsx",
        marts / "csv": "csv",
        tmp_path / "figures": "figures",
    }


def _seen(tmp_path) -> dict[str, str]:
    """Every export file as a reader opens it through the stable paths."""
    marts = tmp_path / "marts"
    paths = [
        marts / "csv" / "fct_indicator.csv",
        marts / "csv" / "mart_ai_adoption.csv",
        marts / "itip_indicators.xlsx",
        tmp_path / "figures" / "index.html",
    ]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _published_with_exports(tmp_path, share: float, value: str):
    marts = tmp_path / "marts"
    result = _publish(tmp_path, _candidate(tmp_path, f"run-{value}", share, CORRECTED), f"run-{value}")
    with staged_exports(marts, result.version_dir) as staging:
        _write_set(staging, value)
    commit_exports(marts, result.version_dir, staging, _links(tmp_path))
    return result


def test_exports_follow_one_pointer_and_a_failure_while_writing_leaves_the_previous_set_whole(tmp_path):
    marts = tmp_path / "marts"
    _published_with_exports(tmp_path, 50.8, "old")
    before = _seen(tmp_path)
    second = _publish(tmp_path, _candidate(tmp_path, "run-new", 60.2, [*CORRECTED, "2026-11-03"]), "run-new")
    with pytest.raises(OSError), staged_exports(marts, second.version_dir) as staging:
        (staging / "csv").mkdir()
        (staging / "csv" / "fct_indicator.csv").write_text("share\nnew\n")
        raise OSError("No space left on device")  # the disk fills before mart_ai_adoption.csv
    assert _seen(tmp_path) == before, "readers see the previous set, whole"
    assert damaged_files(current_exports_dir(marts)) == []
    assert list(second.version_dir.glob(".exports-*")) == [], "the half-written set is gone"
    assert any("not those of version" in p for p in published_damage(marts, tmp_path / "wh" / "itip.duckdb"))

    with staged_exports(marts, second.version_dir) as staging:
        _write_set(staging, "new")
    commit_exports(marts, second.version_dir, staging, _links(tmp_path))
    assert (marts / "csv" / "mart_ai_adoption.csv").read_text() == "share\nnew\n"
    assert published_damage(marts, tmp_path / "wh" / "itip.duckdb") == []


def test_a_set_left_by_a_killed_export_is_never_seen_and_removed_by_the_next(tmp_path):
    marts = tmp_path / "marts"
    result = _published_with_exports(tmp_path, 50.8, "old")
    before = _seen(tmp_path)
    killed = result.version_dir / ".exports-20990101T000000000000Z.4194305.new"  # its `except` never ran
    killed.mkdir()
    _write_set(killed, "half")
    assert _seen(tmp_path) == before
    with staged_exports(marts, result.version_dir) as staging:
        assert not killed.exists()
        _write_set(staging, "again")
    commit_exports(marts, result.version_dir, staging, _links(tmp_path))
    assert [p.name for p in result.version_dir.glob("exports-*")] == [current_exports_dir(marts).name]


def test_exports_of_an_older_version_committed_late_do_not_replace_a_newer_set(tmp_path):
    marts = tmp_path / "marts"
    old = _published_with_exports(tmp_path, 50.8, "old")
    new = _published_with_exports(tmp_path, 60.2, "new")
    with staged_exports(marts, old.version_dir) as staging:
        _write_set(staging, "late")
    commit_exports(marts, old.version_dir, staging, _links(tmp_path))
    assert current_exports_dir(marts).parent == new.version_dir
    assert (marts / "itip_indicators.xlsx").read_text() == "workbook new"
