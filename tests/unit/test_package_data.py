"""Every file of the package that is not Python is declared as package data in pyproject.toml: the code reads
each at run time from beside its modules (the chart font, the calibration targets, the dbt client script), and
a wheel carries only the modules and what is declared."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "itip_pipeline"


def _package_of(path: Path) -> Path:
    """The nearest folder above `path` that is a Python package."""
    folder = path.parent
    while not (folder / "__init__.py").is_file():
        folder = folder.parent
    return folder


def test_every_file_beside_the_modules_is_declared_package_data():
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    declared = pyproject["tool"]["setuptools"]["package-data"]
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    data = [p for p in files if p.suffix not in {".py", ".pyc"}]
    assert len(data) >= 3
    undeclared = []
    for path in data:
        package = _package_of(path)
        name = ".".join(package.relative_to(PACKAGE.parent).parts)
        relative = path.relative_to(package).as_posix()
        if not any(fnmatch(relative, pattern) for pattern in declared.get(name, [])):
            undeclared.append(f"{name}: {relative}")
    assert not undeclared, undeclared
