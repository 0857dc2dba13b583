"""dbt's target folder stays bounded: old per-invocation folders go, the project's own files stay."""

from __future__ import annotations

import os

from itip_pipeline.defs.dbt_target import KEEP_INVOCATIONS, prune_invocation_dirs


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
    assert left == sorted(["manifest.json", "partial_parse.msgpack", "compiled", current.name,
                           *[f.name for f in folders[-KEEP_INVOCATIONS:]]])
