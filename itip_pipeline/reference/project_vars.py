"""dbt's vars (dbt_project/dbt_project.yml, `vars:`) read for Python, so that a page stating a threshold states
the value the models used, not a copy of it.
"""

from __future__ import annotations

import yaml

from itip_pipeline.core.settings import get_settings


def project_vars() -> dict[str, object]:
    """Every var of the dbt project by name, as YAML gives it (numbers as numbers)."""
    text = (get_settings().dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text).get("vars") or {})
