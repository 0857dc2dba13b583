"""The chart cache: a spec drawn before is read back, anything a drawing depends on being different draws again,
and pruning keeps exactly the last book's charts."""

from __future__ import annotations

from itip_pipeline.report.chart_cache import ChartCache, chart_key, prune

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
