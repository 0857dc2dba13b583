"""dbt's target folder stays bounded: old per-invocation folders go, the project's own files stay."""

from __future__ import annotations

import os
from pathlib import Path

from itip_pipeline.defs.dbt.invocation_dirs import KEEP_INVOCATIONS, prune_invocation_dirs


def test_old_invocation_folders_are_removed_and_the_current_and_project_files_kept(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    (target / "partial_parse.msgpack").write_bytes(b"x")
    (target / "compiled").mkdir()  # dbt's own folder from a `dbt docs generate` or a hand-run build
    folders = []
    for i in range(6):
        folder = target / f"itip_dbt-{i:07x}-abc{i:04d}"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))
        folders.append(folder)
    current = folders[0]  # the oldest mtime, but it is this build's: never removed

    for _ in range(3):  # repeated builds never grow it
        prune_invocation_dirs(target, keep=current)
    left = sorted(p.name for p in target.iterdir())
    assert left == sorted(
        [
            "manifest.json",
            "partial_parse.msgpack",
            "compiled",
            current.name,
            *[f.name for f in folders[-KEEP_INVOCATIONS:]],
        ]
    )


def test_the_project_relative_paths_dagster_dbt_gives_are_resolved_against_the_project(tmp_path, monkeypatch):
    """DbtProject.target_path is `target` and an invocation's is `target/<folder>`: relative to the project.
    Resolved against the working directory they name nothing, and nothing was ever pruned."""
    from itip_pipeline.defs.dbt.invocation_dirs import invocation_root
    from itip_pipeline.defs.dbt.project import dbt_project

    project = dbt_project()
    root = invocation_root(project.project_dir, project.target_path)
    assert root.is_absolute() and root == project.project_dir / "target"

    target = tmp_path / "project" / "target"
    target.mkdir(parents=True)
    for i in range(5):
        (target / f"itip_dbt-{i:07x}-abc{i:04d}").mkdir()
        os.utime(target / f"itip_dbt-{i:07x}-abc{i:04d}", (1_000_000 + i, 1_000_000 + i))
    monkeypatch.chdir(tmp_path)  # not the project: a relative path would resolve to nothing here
    keep = Path("target") / "itip_dbt-0000000-abc0000"  # the oldest, as dagster-dbt names it: relative
    prune_invocation_dirs(invocation_root(tmp_path / "project", Path("target")), keep=keep)
    assert sorted(p.name for p in target.iterdir()) == [
        "itip_dbt-0000000-abc0000",
        "itip_dbt-0000003-abc0003",
        "itip_dbt-0000004-abc0004",
    ]
