"""core/ is the standard library only: `itip run` answers "nothing changed" from it before any third-party
package is imported, so a module-level import of one there would slow every no-op run."""

from __future__ import annotations

import subprocess
import sys

from itip_pipeline.core.settings import REPO_ROOT

CORE = REPO_ROOT / "itip_pipeline" / "core"

SCRIPT = """
import importlib, sys
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
roots = {m.split(".")[0] for m in set(sys.modules) - before}
print(sorted(r for r in roots if r not in sys.stdlib_module_names and r not in {"itip_pipeline", "_distutils_hack"}))
"""


def test_every_core_module_imports_only_the_standard_library():
    modules = sorted(f"itip_pipeline.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    assert len(modules) >= 9, modules
    result = subprocess.run([sys.executable, "-c", SCRIPT, *modules], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"core/ imports a third-party package: {result.stdout}{result.stderr}"


def test_the_check_sees_a_third_party_import():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "json", "duckdb"], capture_output=True, text=True, check=True
    )
    assert "duckdb" in result.stdout
