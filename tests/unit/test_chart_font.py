"""The font the charts are measured in (report/fonts): shipped in four styles under one family, holding every
character the book's own words and labels use, registered before a process draws, and part of a drawing's key."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

from itip_pipeline.report import chart_cache, charts
from itip_pipeline.report.chart_cache import FONTS, PACKAGE

STYLES = {"Regular", "Bold", "Italic", "Bold Italic"}  # the book writes italic marks and bold titles


def _tables(path: Path) -> dict[str, bytes]:
    """A TrueType file's tables by tag (the table directory: OpenType spec, 'Organization of an OpenType Font')."""
    data = path.read_bytes()
    (count,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = data[offset : offset + length]
    return tables


def _names(table: bytes) -> dict[int, str]:
    """The Windows-platform (UTF-16) strings of a 'name' table, by name id."""
    _format, count, strings = struct.unpack_from(">HHH", table, 0)
    names = {}
    for i in range(count):
        platform, _encoding, _language, name_id, length, offset = struct.unpack_from(">HHHHHH", table, 6 + 12 * i)
        if platform == 3:
            names[name_id] = table[strings + offset : strings + offset + length].decode("utf-16-be")
    return names


def _characters(table: bytes) -> set[int]:
    """The code points a 'cmap' table maps, from its Windows Unicode BMP subtable (format 4)."""
    (count,) = struct.unpack_from(">H", table, 2)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * i)
        if (platform, encoding) == (3, 1) and struct.unpack_from(">H", table, offset)[0] == 4:
            (pairs,) = struct.unpack_from(">H", table, offset + 6)
            segments = pairs // 2
            ends = struct.unpack_from(f">{segments}H", table, offset + 14)
            starts = struct.unpack_from(f">{segments}H", table, offset + 16 + 2 * segments)
            return {c for start, end in zip(starts, ends, strict=True) for c in range(start, end + 1) if c != 0xFFFF}
    raise AssertionError("no format 4 Unicode subtable")


def _fonts() -> list[Path]:
    return sorted(FONTS.glob("*.ttf"))


def test_the_font_is_one_family_in_the_four_styles_with_its_licence():
    names = [_names(_tables(path)["name"]) for path in _fonts()]
    assert {n[1] for n in names} == {charts.FONT}
    assert {n[2] for n in names} == STYLES
    assert "Liberation" not in " ".join(n.get(4, "") + n.get(6, "") for n in names)  # a reserved font name
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert charts.CONFIG["font"].startswith(f"{charts.FONT},") and charts.CONFIG["font"].endswith("sans-serif")


def test_every_character_the_book_writes_is_in_every_style():
    """The words of the report code and the labels of the question catalogue and seeds: a character missing
    from the font would be measured in whatever font the machine has for it."""
    sources = [*(PACKAGE / "report").glob("*.py"), *(PACKAGE / "reference").rglob("*.*")]
    sources += [*(PACKAGE.parent / "dbt_project" / "seeds").rglob("*.csv")]
    written = {ord(c) for path in sources for c in path.read_text(encoding="utf-8") if c.isprintable()}
    written -= {ord(c) for c in "█▏"}  # not drawn: progress bars of the terminal, never in a chart
    assert len(written) > 100
    for path in _fonts():
        missing = sorted(chr(c) for c in written - _characters(_tables(path)["cmap"]))
        assert not missing, (path.name, missing)


def test_a_process_registers_the_font_once_before_its_first_drawing(monkeypatch):
    import vl_convert

    calls: list[str] = []
    monkeypatch.setattr(vl_convert, "register_font_directory", calls.append)
    charts.renderer.cache_clear()
    try:
        charts.warm_renderer()
        charts.warm_renderer()
    finally:
        charts.renderer.cache_clear()
    assert calls == [str(FONTS)]


def test_the_drawing_key_follows_the_fonts(tmp_path, monkeypatch):
    copied = tmp_path / "fonts"
    shutil.copytree(FONTS, copied)
    monkeypatch.setattr(chart_cache, "FONTS", copied)
    keys = (chart_cache.renderer_version, chart_cache.spec_code_version)  # a spec's drawing, a chart's inputs
    for key in keys:
        key.cache_clear()
    try:
        before = [key() for key in keys]
        for key in keys:
            key.cache_clear()
        font = copied / "ItipSans-Regular.ttf"
        font.write_bytes(font.read_bytes() + b"\0")
        after = [key() for key in keys]
    finally:
        for key in keys:
            key.cache_clear()
    assert before[0] != after[0] and before[0].split("+")[0] == after[0].split("+")[0]
    assert before[1] != after[1]
