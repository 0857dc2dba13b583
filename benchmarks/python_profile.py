"""Where a whole `itip run` process spends its time, from cProfile, grouped by package.

`python -m cProfile -o run.prof .venv/bin/itip run` profiles the `itip` process (its main thread), imports
included; dbt runs as a child process, so its time shows here as dagster-dbt waiting on dbt's event stream
(group `dbt`). Each function is put in one group by where it lives: a package's folder under site-packages,
the project's itip_pipeline/, the standard library's sqlite3, a C extension's qualified name
(`_duckdb.DuckDBPyConnection`), or importlib's frozen bootstrap (group `import`).

Per group the summary gives its self time (these add up to the profiled total) and its functions with the
largest cumulative time. A cumulative time includes everything called beneath, across groups: the top
`import` function is the time spent importing, the top `dbt` function the time waiting on dbt. Two kinds of
function are left out of the lists as saying nothing about where the time goes: those spanning nearly the
whole run (the `itip` command, `run_all`: SPINE_SHARE of the outermost function's time or more), and those within
CHAIN_SHARE of a function already listed in the group (a caller and its callee, one chain of calls).
"""

from __future__ import annotations

import pstats
import re
from pathlib import Path

# (group, top-level modules), in the order the report lists them; anything else is `other`.
GROUPS = (
    ("dagster", ("dagster", "dagster_shared", "dagster_pipes", "dagster_graphql", "dagster_webserver")),
    ("dbt", ("dagster_dbt", "dbt", "dbt_common", "dbt_adapters", "dbt_semantic_interfaces")),
    ("duckdb", ("duckdb", "_duckdb")),
    ("great_expectations", ("great_expectations",)),
    ("vl_convert", ("vl_convert",)),
    ("altair", ("altair",)),
    ("pandas", ("pandas",)),
    ("itip_pipeline", ("itip_pipeline",)),
    ("sqlite3", ("sqlite3", "_sqlite3")),
    ("import", ("importlib", "_imp", "zipimport", "marshal")),
)
OTHER = "other"
TOP_FUNCTIONS = 4
SPINE_SHARE = 0.95
CHAIN_SHARE = 0.02
_GROUP_OF = {module: group for group, modules in GROUPS for module in modules}
# A C function's name, e.g. "<method 'execute' of '_duckdb.DuckDBPyConnection' objects>" or
# "<built-in method _imp.exec_dynamic>"
_BUILTIN_MODULE = re.compile(r"(?:of '|built-in method )([A-Za-z_][\w]*)\.")


def module_of(filename: str, function: str) -> str:
    """The top-level module a profiled function belongs to ("" when none can be told)."""
    if filename.startswith("<frozen "):
        return filename[len("<frozen ") :].split(".")[0]  # <frozen importlib._bootstrap> -> importlib
    if filename == "~":
        match = _BUILTIN_MODULE.search(function)
        return match.group(1) if match else ""
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts and parts.index(anchor) + 1 < len(parts):
            return parts[parts.index(anchor) + 1].removesuffix(".py")
    if "itip_pipeline" in parts:
        return "itip_pipeline"
    # The standard library: .../lib/python3.11/<module or package>/...
    lib = next((i for i, part in enumerate(parts) if part.startswith("python3")), None)
    return parts[lib + 1].removesuffix(".py") if lib is not None and lib + 1 < len(parts) else ""


def group_of(filename: str, function: str) -> str:
    return _GROUP_OF.get(module_of(filename, function), OTHER)


def _label(filename: str, line: int, function: str) -> str:
    if filename == "~":
        return function
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    if "itip_pipeline" in parts:
        parts = parts[parts.index("itip_pipeline") :]
    return f"{'/'.join(parts[-4:])}:{line} {function}"


def summarise(profile: Path, top: int = TOP_FUNCTIONS) -> dict:
    """Total profiled seconds, and per group (the GROUPS' order, then `other`) its self time and the
    `top` functions by cumulative time."""
    stats = pstats.Stats(
        str(profile)
    ).stats  # (file, line, function) -> (calls, primitive calls, self, cumulative, callers)
    names = [group for group, _ in GROUPS] + [OTHER]
    self_s = dict.fromkeys(names, 0.0)
    functions: dict[str, list[tuple[float, str]]] = {name: [] for name in names}
    for (filename, line, function), (_, _, own, cumulative, _) in stats.items():
        group = group_of(filename, function)
        self_s[group] += own
        functions[group].append((cumulative, _label(filename, line, function)))
    # The run: the outermost function's cumulative time (with threads, the self times add up to more).
    run = max(seconds for listed in functions.values() for seconds, _ in listed)
    return {
        "profiled_s": sum(self_s.values()),
        "groups": [
            {"group": name, "self_s": self_s[name], "top": telling_functions(functions[name], run, top)}
            for name in names
            if functions[name]
        ],
    }


def telling_functions(functions: list[tuple[float, str]], run: float, top: int) -> list[dict]:
    """The `top` largest cumulative times, leaving out the spine and the rest of a listed function's chain."""
    listed: list[tuple[float, str]] = []
    for seconds, label in sorted(functions, reverse=True):
        if len(listed) == top:
            break
        spine = seconds >= SPINE_SHARE * run
        chained = any(abs(seconds - other) <= CHAIN_SHARE * other for other, _ in listed)
        if not (spine or chained):
            listed.append((seconds, label))
    return [{"function": label, "cumulative_s": seconds} for seconds, label in listed]
