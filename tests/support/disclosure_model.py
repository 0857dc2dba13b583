"""dbt's disclosure-control model (a dbt Python model, not a package module) loaded for the tests.

dbt-duckdb runs the file without registering it as a module, so the tests load it the same way, once.
"""

from __future__ import annotations

import importlib.util

from itip_pipeline.core.settings import REPO_ROOT

MODEL = REPO_ROOT / "dbt_project" / "models" / "intermediate" / "int_disclosure_control.py"


def _load():
    spec = importlib.util.spec_from_file_location("int_disclosure_control", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


control = _load()
