"""Drawn charts kept by what they draw, so that a book whose data did not change is not drawn again.

vl-convert's SVG depends only on the Vega-Lite spec (the data are inline in it), the number locale and
vl-convert itself, so a chart is kept under a hash of exactly those three and read back when all three are the
same. Nothing else can change a drawing, so a kept one is the drawing itself, never an approximation.

The folder (settings.chart_cache_dir, under data/work/) keeps one file per chart; after each book it is pruned to
the charts that book used, so it never holds more than one book's drawings. A file is written under a
temporary name and renamed, so a killed run leaves no half-written chart behind to be read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

SUFFIX = ".svg"


@cache
def renderer_version() -> str:
    """The installed vl-convert's version: a new one may draw the same spec differently."""
    return metadata.version("vl-convert-python")


def chart_key(spec: dict, format_locale: object) -> str:
    """A hash of everything a drawing depends on: the spec, the locale and the renderer's version."""
    said = json.dumps(
        [spec, format_locale, renderer_version()], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(said.encode("utf-8")).hexdigest()


class ChartCache:
    """The drawings in `folder` (None: keep nothing, draw every chart), and the keys this process asked for."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.drawn = 0

    def svg(self, spec: dict, format_locale: object, draw: Callable[[], str]) -> str:
        """The chart's SVG: read back when this spec was drawn before, otherwise `draw()`n and kept."""
        if self.folder is None:
            self.drawn += 1
            return draw()
        key = chart_key(spec, format_locale)
        self.used.add(key)
        path = self.folder / f"{key}{SUFFIX}"
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        svg = draw()
        self.drawn += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}.new")
        try:
            staged.write_text(svg, encoding="utf-8")
            staged.replace(path)
        finally:
            staged.unlink(missing_ok=True)
        return svg


def prune(folder: Path | None, keep: Iterable[str]) -> int:
    """Remove every kept drawing in `folder` whose key is not in `keep` (the last book's); how many went."""
    if folder is None or not folder.is_dir():
        return 0
    wanted = {f"{key}{SUFFIX}" for key in keep}
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in wanted:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
