"""The chart cache: a spec drawn before is read back, anything a drawing depends on being different draws again,
and pruning keeps exactly the last book's charts."""

from __future__ import annotations

from itip_pipeline.report.chart_cache import ChartCache, chart_key, inputs_key, prune

SPEC = {"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}}}


class Drawer:
    """A stand-in renderer that counts its drawings and writes the spec into the SVG it returns."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, spec: dict, locale: object):
        def draw() -> str:
            self.calls += 1
            return f"<svg>{spec}{locale}</svg>"

        return draw


def test_the_same_spec_is_read_back_not_drawn_again(tmp_path):
    draw = Drawer()
    first = ChartCache(tmp_path).svg(SPEC, "en-US", draw(SPEC, "en-US"))
    again = ChartCache(tmp_path)
    assert again.svg(dict(SPEC), "en-US", draw(SPEC, "en-US")) == first
    assert draw.calls == 1 and again.drawn == 0 and again.used == {chart_key(SPEC, "en-US")}


def test_a_changed_spec_or_locale_is_drawn_again(tmp_path):
    draw = Drawer()
    cache = ChartCache(tmp_path)
    cache.svg(SPEC, "en-US", draw(SPEC, "en-US"))
    changed = {**SPEC, "data": {"values": [{"a": 2}]}}
    assert cache.svg(changed, "en-US", draw(changed, "en-US")) == f"<svg>{changed}en-US</svg>"
    norwegian = {"decimal": ","}
    assert cache.svg(SPEC, norwegian, draw(SPEC, norwegian)) == f"<svg>{SPEC}{norwegian}</svg>"
    assert draw.calls == 3 and cache.drawn == 3 and len(cache.used) == 3


def test_the_key_follows_the_renderer_version(monkeypatch):
    from itip_pipeline.report import chart_cache

    before = chart_key(SPEC, "en-US")
    monkeypatch.setattr(chart_cache, "renderer_version", lambda: "0.0.0-other")
    assert chart_key(SPEC, "en-US") != before


def test_without_a_folder_every_chart_is_drawn(tmp_path):
    draw = Drawer()
    cache = ChartCache(None)
    cache.svg(SPEC, "en-US", draw(SPEC, "en-US"))
    cache.svg(SPEC, "en-US", draw(SPEC, "en-US"))
    assert draw.calls == 2 and not any(tmp_path.iterdir())


def test_pruning_keeps_only_the_charts_of_the_last_book(tmp_path):
    draw = Drawer()
    cache = ChartCache(tmp_path)
    other = {**SPEC, "mark": "line"}
    cache.svg(SPEC, "en-US", draw(SPEC, "en-US"))
    cache.svg(other, "en-US", draw(other, "en-US"))
    (tmp_path / ".left.123.new").write_text("half a chart", encoding="utf-8")
    assert prune(tmp_path, {chart_key(SPEC, "en-US")}) == 2
    assert [p.name for p in tmp_path.iterdir()] == [f"{chart_key(SPEC, 'en-US')}.svg"]


FRAME_VALUES = {"label": ["A", "B"], "share_pct": [40.0, 55.5]}


def _frame(**changes):
    import pandas as pd

    return pd.DataFrame({**FRAME_VALUES, **changes})


def test_a_chart_drawn_from_the_same_inputs_is_neither_built_nor_drawn_again(tmp_path):
    draw, built = Drawer(), []

    def spec() -> dict:
        built.append(1)
        return SPEC

    key = inputs_key("bars", [_frame(), "no"], "en-US")
    first = ChartCache(tmp_path).svg_for_inputs(key, spec, "en-US", lambda s: draw(s, "en-US")())
    again = ChartCache(tmp_path)
    assert again.svg_for_inputs(inputs_key("bars", [_frame(), "no"], "en-US"), spec, "en-US", None) == first
    assert (len(built), draw.calls, again.drawn) == (1, 1, 0)
    assert again.used == {key, chart_key(SPEC, "en-US")}, "both files are kept by the prune"
    assert prune(tmp_path, again.used) == 0


def test_the_inputs_key_follows_every_input():
    base = inputs_key("bars", [_frame(), "no"], "en-US")
    assert inputs_key("bars", [_frame(), "no"], "en-US") == base
    others = [
        inputs_key("bars", [_frame(share_pct=[40.0, 55.50000001]), "no"], "en-US"),  # a value
        inputs_key("bars", [_frame(label=["A", "C"]), "no"], "en-US"),  # a label
        inputs_key("bars", [_frame().astype({"share_pct": "float32"}), "no"], "en-US"),  # a type
        inputs_key("bars", [_frame().set_index("label"), "no"], "en-US"),  # the index
        inputs_key("bars", [_frame(), "en"], "en-US"),  # an argument
        inputs_key("trend", [_frame(), "no"], "en-US"),  # the chart function
        inputs_key("bars", [_frame(), "no"], {"decimal": ","}),  # the locale
    ]
    assert len({base, *others}) == len(others) + 1


def test_the_inputs_key_follows_the_code_and_libraries(monkeypatch):
    from itip_pipeline.report import chart_cache

    before = inputs_key("bars", [_frame()], "en-US")
    monkeypatch.setattr(chart_cache, "spec_code_version", lambda: "another version")
    assert inputs_key("bars", [_frame()], "en-US") != before


def test_the_code_a_spec_is_built_from_is_all_in_the_hashed_packages():
    """charts.py and what it imports of the project, transitively, lie in SPEC_CODE's folders."""
    import ast
    from pathlib import Path

    from itip_pipeline.report.chart_cache import PACKAGE, SPEC_CODE

    from support.python_source import parse_source

    seen, todo = set(), ["itip_pipeline.report.charts"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        for node in ast.walk(parse_source(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("itip_pipeline"):
                todo.append(node.module)
            elif isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names if a.name.startswith("itip_pipeline"))
    files = [PACKAGE.parent / (m.replace(".", "/") + ".py") for m in seen]
    assert {"itip_pipeline.report.flags", "itip_pipeline.report.translations"} <= seen
    assert all(any(folder in Path(f).parents for folder in SPEC_CODE) for f in files), sorted(seen)
