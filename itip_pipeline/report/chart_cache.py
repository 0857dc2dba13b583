"""Drawn charts kept by what they draw, so that a book whose data did not change is not drawn again, and by
what they are built from, so that its charts are not even built again.

vl-convert's SVG depends only on the Vega-Lite spec (the data are inline in it), the number locale, and
vl-convert itself with the font it measures text in (FONTS), so a chart is kept under a hash of exactly those
and read back when they are all the same. Nothing else can change a drawing, so a kept one is the drawing
itself, never an approximation.

Building a spec costs more than reading a drawing back, so a chart is also kept under a hash of its inputs: the
chart function's name and arguments (data frames by their values, index, columns and types), the language,
the code a spec is built from (every file of the report and core packages, which is all of the project that
charts.py imports; a test asserts that) and the versions of the libraries that build and draw it. The same
inputs build the same spec, so the drawing read back under that hash is the one building it would give. The
inputs' hash names the spec's hash (a `.key` file), so a drawing is kept once.

The folder (settings.chart_cache_dir, under data/work/) keeps one drawing per chart; after each book it is pruned to
the charts that book used; between books it also holds the charts drawn ahead for the next one (predraw.py). A
file is written under a temporary name and renamed, so a killed run leaves no half-written chart behind to be
read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from itip_pipeline.core.published_layout import RELEASE_COLUMN

SUFFIX = ".svg"
POINTER = ".key"  # a file under a chart's inputs key, holding its spec's key
PACKAGE = Path(__file__).resolve().parents[1]
# The project code a spec is built from (charts.py imports from these packages only), and the libraries; what
# draws it (vl-convert and the fonts) is renderer_version's.
SPEC_CODE = (PACKAGE / "report", PACKAGE / "core")
SPEC_LIBRARIES = ("altair", "pandas", "numpy")
FONTS = PACKAGE / "report" / "fonts"  # the font vl-convert measures text in (charts.FONT)


@cache
def renderer_version() -> str:
    """The installed vl-convert's version and the fonts it measures text in: a new version, or a font's
    other widths, may draw the same spec differently."""
    digest = hashlib.sha256()
    for path in sorted(FONTS.glob("*.ttf")):
        digest.update(f"{path.name}\0".encode())
        digest.update(path.read_bytes())
    return f"{metadata.version('vl-convert-python')}+fonts-{digest.hexdigest()[:16]}"


@cache
def spec_code_version() -> str:
    """A hash of the code and library versions a spec is built from, and of what draws it (renderer_version):
    a chart's inputs key leads to its drawing."""
    digest = hashlib.sha256()
    for folder in SPEC_CODE:
        for path in sorted(folder.rglob("*.py")):
            digest.update(f"{path.relative_to(PACKAGE)}\0".encode())
            digest.update(path.read_bytes())
    for library in SPEC_LIBRARIES:
        digest.update(f"{library}={metadata.version(library)}\0".encode())
    digest.update(renderer_version().encode())
    return digest.hexdigest()


def inputs_key(function: str, arguments: list, format_locale: object) -> str:
    """A hash of everything a chart is built and drawn from: the chart function, its arguments, the locale, and
    the code, libraries and renderer (spec_code_version)."""
    digest = hashlib.sha256(f"{function}\0{spec_code_version()}\0".encode())
    digest.update(json.dumps(format_locale, sort_keys=True).encode())
    for argument in arguments:
        _hash_argument(digest, argument)
    return "in-" + digest.hexdigest()


def _hash_argument(digest, argument: object) -> None:
    digest.update(content_hash(argument))


# Columns of the published tables that no chart shows. The release id changes with every release while the
# figures stay; as a chart input it would make every chart new, and built and drawn again, each release.
NOT_DRAWN = (RELEASE_COLUMN,)


def content_hash(value: object) -> bytes:
    """A hash of a value's contents. A data frame by its shape, columns, types, index and values: numeric arrays
    by their bytes, others by the repr of each value (exact for floats and text, and None apart from NaN). Not
    pickled: pickle's bytes also follow which equal strings are one object, which differs between processes."""
    import numpy as np
    import pandas as pd

    digest = hashlib.sha256()
    if isinstance(value, pd.DataFrame):
        value = value.drop(columns=list(NOT_DRAWN), errors="ignore")
        digest.update(repr((value.shape, list(value.columns), [str(t) for t in value.dtypes])).encode())
        for array in [value.index.to_numpy(), *(value.iloc[:, i].to_numpy() for i in range(value.shape[1]))]:
            array = np.asarray(array)
            digest.update(array.tobytes() if array.dtype != object else repr(array.tolist()).encode())
    else:
        digest.update(f"{type(value).__name__}:{value!r}".encode())
    return digest.digest()


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

    def svg_for_inputs(
        self, key: str, spec: Callable[[], dict], format_locale: object, draw: Callable[[dict], str]
    ) -> str:
        """The chart's SVG: read back when a chart was drawn from the same inputs (`key`, inputs_key), otherwise
        its spec built and drawn (or read back by spec). The inputs' key names the spec's key in a file of its
        own, so each drawing is kept once."""
        if self.folder is None:
            return self.svg(built := spec(), format_locale, lambda: draw(built))
        pointer = self.folder / f"{key}{POINTER}"
        try:
            spec_key = pointer.read_text(encoding="utf-8")
            svg = (self.folder / f"{spec_key}{SUFFIX}").read_text(encoding="utf-8")
        except FileNotFoundError:
            built = spec()
            spec_key = chart_key(built, format_locale)
            svg = self._svg(spec_key, lambda: draw(built))
            self._keep(pointer, spec_key)
        self.used.update((key, spec_key))
        return svg

    def svg(self, spec: dict, format_locale: object, draw: Callable[[], str]) -> str:
        """The chart's SVG: read back when this spec was drawn before, otherwise `draw()`n and kept."""
        if self.folder is None:
            self.drawn += 1
            return draw()
        key = chart_key(spec, format_locale)
        self.used.add(key)
        return self._svg(key, draw)

    def _svg(self, key: str, draw: Callable[[], str]) -> str:
        path = self.folder / f"{key}{SUFFIX}"
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        svg = draw()
        self.drawn += 1
        self._keep(path, svg)
        return svg

    def _keep(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}.new")
        try:
            staged.write_text(text, encoding="utf-8")
            staged.replace(path)
        finally:
            staged.unlink(missing_ok=True)


def prune(folder: Path | None, keep: Iterable[str]) -> int:
    """Remove every kept drawing and key file in `folder` whose key is not in `keep` (the last book's); how many
    went."""
    if folder is None or not folder.is_dir():
        return 0
    wanted = {f"{key}{suffix}" for key in keep for suffix in (SUFFIX, POINTER)}
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in wanted:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
