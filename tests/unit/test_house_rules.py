"""The house rules a reviewer would otherwise check by eye: ruff's lint rules and format, and the package's layers.

Each tool runs as a subprocess of this virtual environment, on the repository, with its configuration from
pyproject.toml; a failure shows the tool's own output. The layer contract is also shown to bite: a copy of
the package with one import pointing upwards must fail it, naming that import.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from itip_pipeline.core.settings import REPO_ROOT

from support import TESTS_DIR

BIN = Path(sys.executable).parent
PACKAGE = REPO_ROOT / "itip_pipeline"


def _tool(*argv: str, cwd: Path = REPO_ROOT, **env: str) -> subprocess.CompletedProcess:
    # Wide columns: lint-imports wraps its report at the terminal's width, which would split the import lines.
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _output(result: subprocess.CompletedProcess) -> str:
    return f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_ruff_finds_nothing_to_fix():
    result = _tool("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, _output(result)


def test_every_python_file_is_formatted_as_ruff_formats_it():
    result = _tool("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, _output(result)


def test_the_import_contracts_are_kept():
    # --no-cache: the check leaves no .import_linter_cache folder in the repository.
    result = _tool("lint-imports", "--no-cache")
    assert result.returncode == 0, _output(result)
    assert "0 broken" in result.stdout, _output(result)


def test_an_import_from_a_higher_layer_breaks_the_layer_contract(tmp_path):
    copy = tmp_path / "itip_pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    settings = copy / "core" / "settings.py"
    lines = settings.read_text(encoding="utf-8").splitlines(keepends=True)
    # After the module docstring and `from __future__`, which must stay first.
    at = next(i for i, line in enumerate(lines) if line.startswith("from __future__")) + 1
    lines.insert(at, "from itip_pipeline.runner import itip_run  # noqa: F401\n")
    settings.write_text("".join(lines), encoding="utf-8")
    upward_line = at + 1

    # The copy first on the path, so import-linter analyses it and not the package installed in the venv.
    result = _tool("lint-imports", "--no-cache", "--contract", "layers", cwd=tmp_path, PYTHONPATH=str(tmp_path))
    assert result.returncode != 0, _output(result)
    assert "A layer imports only the layers below it BROKEN" in result.stdout, _output(result)
    assert "itip_pipeline.core is not allowed to import itip_pipeline.runner" in result.stdout, _output(result)
    named = f"itip_pipeline.core.settings -> itip_pipeline.runner.itip_run (l.{upward_line})"
    assert named in result.stdout, _output(result)


def test_the_package_root_holds_at_most_three_python_files():
    # The entry points only (__init__, the CLI, the Dagster definitions); everything else lives in a layer.
    found = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(found) <= 3, found


def test_no_test_module_imports_another():
    # Shared code lives in tests/support/: a test module imported as a library runs its module-level set-up
    # wherever it is imported and ties two tiers together. Read as text, so a script in a string counts too.
    importing = re.compile(r"^\s*(?:from|import)\s+(?:tests\.)?(?:\w+\.)*(?:test_\w+|conftest)\b", re.MULTILINE)
    found = [
        f"{path.relative_to(TESTS_DIR)}: {match.group(0).strip()}"
        for path in sorted(TESTS_DIR.rglob("*.py"))
        for match in importing.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
