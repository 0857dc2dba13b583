"""dbt's seeds (dbt_project/seeds/*.csv) read for Python, in one way.

Every value is read as text with nothing taken as missing, so a code like "0301" or an empty "vet ikke" column
arrives as written; a reader converts the columns it needs. dbt loads the same files with the types in
seeds/_seeds.yml.
"""

from __future__ import annotations

import pandas as pd

from itip_pipeline.core.settings import get_settings


def seed(name: str) -> pd.DataFrame:
    """The seed `name` (without .csv), every column as str."""
    return pd.read_csv(get_settings().dbt_project_dir / "seeds" / f"{name}.csv", dtype=str, keep_default_na=False)
