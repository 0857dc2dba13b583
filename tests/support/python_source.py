"""Reading the project's Python source as syntax trees, for tests that check what code imports or calls."""

import ast
import gc
from pathlib import Path


def parse_source(path: Path) -> ast.Module:
    """The syntax tree of a Python file.

    The garbage collector is off while the tree is built. CPython 3.11 counts the tree's depth in one counter
    per interpreter: a finalizer the collector runs in between (a leftover database connection closing) can
    let another parse run and leave the counter unbalanced, and `ast.parse` then raises "AST constructor
    recursion depth mismatch" on sound source. Without the collector no Python code runs during the parse.
    """
    text = path.read_text(encoding="utf-8")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(text)
    finally:
        if was_enabled:
            gc.enable()
