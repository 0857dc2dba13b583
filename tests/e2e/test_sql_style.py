"""The dbt project's SQL passes sqlfluff with the project's configuration (dbt_project/.sqlfluff); in the full tier
because it compiles the whole dbt project (a minute): `make lint` runs the same check."""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
# The sqlfluff installed beside this interpreter (the project's venv), whatever is on PATH.
SQLFLUFF = Path(sys.executable).parent / "sqlfluff"
LINTED = ["dbt_project/models", "dbt_project/macros", "dbt_project/tests"]


def test_dbt_sql_passes_sqlfluff():
    result = subprocess.run(
        [str(SQLFLUFF), "lint", *LINTED], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"sqlfluff lint {' '.join(LINTED)}:\n{result.stdout}\n{result.stderr}"
