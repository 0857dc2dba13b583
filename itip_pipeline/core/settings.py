"""Every path the pipeline touches, resolved to an absolute path in one place.

Each path can be overridden by an environment variable, so tests and benchmarks can run the whole
pipeline inside a temporary directory. Nothing else in the package builds paths from strings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The Dagster workspace the UI, the daemon and `itip serve` load the code location from.
WORKSPACE_FILE = REPO_ROOT / "workspace.yaml"

# A local key for pseudonymising the synthetic panel's ids. Real deliveries must set ITIP_PSEUDONYM_KEY
# to a secret kept outside the repository (see docs/data_contract.md, "Personvern").
LOCAL_PSEUDONYM_KEY = "itip-local-synthetic-only"


def _path(env: str, default: Path, link: bool = False) -> Path:
    """The setting as an absolute path; a `link` setting keeps its last part unresolved: it is a link that
    publishing repoints (the warehouse file follows the current version), not the file it leads to now."""
    value = os.environ.get(env)
    path = (Path(value) if value else default).expanduser()
    return path.parent.resolve() / path.name if link else path.resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    quarantine_dir: Path
    archive_dir: Path
    reports_dir: Path
    marts_dir: Path
    work_db: Path
    warehouse_db: Path
    dbt_project_dir: Path
    dbt_profiles_dir: Path
    dagster_home: Path
    pseudonym_key: str
    # Where readers reach the marts folder (data/marts/): the catalogue's links are made from it. By default
    # the folder itself as a file: URL; set ITIP_PUBLIC_BASE_URL to the address a web server serves it at.
    public_base_url: str = ""

    @property
    def gx_report_dir(self) -> Path:
        """Great Expectations' project folder; its HTML report is under gx/uncommitted/data_docs/."""
        return self.reports_dir / "great_expectations"

    @property
    def candidates_dir(self) -> Path:
        """Each run's built marts, frozen until that run has checked and published them (warehouse/candidates.py)."""
        return self.work_db.parent / "candidates"

    @property
    def chart_cache_dir(self) -> Path:
        """The figure book's charts as last drawn, kept by what they draw (report/chart_cache.py)."""
        return self.work_db.parent / "charts"

    @property
    def written_dirs(self) -> tuple[Path, ...]:
        """Every folder the pipeline writes into."""
        return (
            self.landing_dir,
            self.quarantine_dir,
            self.archive_dir,
            self.reports_dir,
            self.marts_dir,
            self.work_db.parent,
            self.warehouse_db.parent,
            self.dagster_home,
        )

    @property
    def figure_book_dir(self) -> Path:
        """The figure book, a static HTML site (itip_pipeline.report)."""
        return self.reports_dir / "figures"

    def ensure_dirs(self) -> None:
        for path in self.written_dirs:
            path.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    """Read the environment now (not at import), so a test can point ITIP_DATA_DIR elsewhere."""
    data_dir = _path("ITIP_DATA_DIR", REPO_ROOT / "data")
    dbt_project_dir = _path("ITIP_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")
    return Settings(
        data_dir=data_dir,
        landing_dir=_path("ITIP_LANDING_DIR", data_dir / "landing"),
        quarantine_dir=_path("ITIP_QUARANTINE_DIR", data_dir / "quarantine"),
        archive_dir=_path("ITIP_ARCHIVE_DIR", data_dir / "archive"),
        reports_dir=_path("ITIP_REPORTS_DIR", data_dir / "reports"),
        marts_dir=_path("ITIP_MARTS_DIR", data_dir / "marts"),
        work_db=_path("ITIP_WORK_DB", data_dir / "work" / "itip_work.duckdb"),
        warehouse_db=_path("ITIP_WAREHOUSE_DB", data_dir / "warehouse" / "itip.duckdb", link=True),
        dbt_project_dir=dbt_project_dir,
        dbt_profiles_dir=_path("ITIP_DBT_PROFILES_DIR", dbt_project_dir),
        dagster_home=_path("DAGSTER_HOME", data_dir / "dagster_home"),
        pseudonym_key=os.environ.get("ITIP_PSEUDONYM_KEY", LOCAL_PSEUDONYM_KEY),
        public_base_url=_base_url(os.environ.get("ITIP_PUBLIC_BASE_URL"), _path("ITIP_MARTS_DIR", data_dir / "marts")),
    )


def _base_url(value: str | None, marts_dir: Path) -> str:
    """The marts folder's public address, ending in "/" so that file names join onto it."""
    url = (value or "").strip() or marts_dir.as_uri()
    return url if url.endswith("/") else url + "/"
