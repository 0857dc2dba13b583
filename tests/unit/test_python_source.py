"""The tests' reader of Python source survives finalizers that parse while it parses."""

import ast
import gc

from itip_pipeline.core.settings import REPO_ROOT

from support.python_source import parse_source

SOURCE = REPO_ROOT / "itip_pipeline" / "report" / "charts.py"


class _ParsesWhenCollected:
    """A cycle whose finalizer parses, as a closing connection's cleanup code might run anything."""

    def __init__(self):
        self.me = self

    def __del__(self):
        ast.parse("x = [[[[1]]]]")


def test_a_parse_with_collectable_finalizers_around_gives_the_clean_tree():
    clean = ast.dump(ast.parse(SOURCE.read_text(encoding="utf-8")))
    threshold = gc.get_threshold()
    gc.set_threshold(50)  # the collector runs every 50 allocations: during the parse, were it on
    try:
        trees = []
        for _ in range(5):
            garbage = [_ParsesWhenCollected() for _ in range(2000)]
            del garbage
            trees.append(ast.dump(parse_source(SOURCE)))
    finally:
        gc.set_threshold(*threshold)
        gc.collect()
    assert trees == [clean] * 5
    assert gc.isenabled()
