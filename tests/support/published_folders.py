"""A published layout as publish and the exports step leave it, with small stand-ins for the files: the version
folder and its manifest, an export set with the figure book's marker, and every pointer and stable link."""

from __future__ import annotations

import os
from pathlib import Path

from itip_pipeline.core.build_state import FIGURE_BOOK_MARKER
from itip_pipeline.core.published_intact import write_manifest
from itip_pipeline.core.published_layout import CURRENT, EXPORTS, VERSIONS_DIR, WAREHOUSE_FILE
from itip_pipeline.core.settings import Settings

EXPORT_FILES = {"itip_indicators.xlsx": b"a workbook", "csv/fct_indicator.csv": b"year;share\n2025;50,8\n"}


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(target, link.parent))


def lay_out_published(settings: Settings, version_name: str, version_files: dict[str, bytes]) -> Path:
    """`version_files` (relative path -> content) as the published version `version_name`, made current, with
    an export set; the version folder. Files of the version written after this call are not in its manifest."""
    version = settings.marts_dir / VERSIONS_DIR / version_name
    for relative, content in {WAREHOUSE_FILE: b"the published marts", **version_files}.items():
        (version / relative).parent.mkdir(parents=True, exist_ok=True)
        (version / relative).write_bytes(content)
    write_manifest(version)
    _link(settings.marts_dir / CURRENT, version)
    _link(settings.warehouse_db, settings.marts_dir / CURRENT / WAREHOUSE_FILE)
    for relative in version_files:
        if relative.endswith(".parquet"):
            _link(settings.marts_dir / relative, settings.marts_dir / CURRENT / relative)
    exports = version / f"{EXPORTS}-20260101T000000000000Z"
    for relative, content in EXPORT_FILES.items():
        (exports / relative).parent.mkdir(parents=True, exist_ok=True)
        (exports / relative).write_bytes(content)
    (exports / "figures").mkdir()
    (exports / "figures" / "index.html").write_text("<html>the figure book</html>", encoding="utf-8")
    (exports / "figures" / FIGURE_BOOK_MARKER).write_text(version_name, encoding="utf-8")
    stable = {
        "itip_indicators.xlsx": "itip_indicators.xlsx",
        "csv": "csv",
        os.path.relpath(settings.figure_book_dir, settings.marts_dir): "figures",
    }
    write_manifest(exports, links=stable)
    _link(settings.marts_dir / EXPORTS, exports)
    for relative, inside in stable.items():
        _link(Path(os.path.normpath(settings.marts_dir / relative)), settings.marts_dir / EXPORTS / inside)
    return version
