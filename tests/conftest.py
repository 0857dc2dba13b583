"""The tiers and the fixtures every tier shares: settings pointed at a temporary data folder, the synthetic
deliveries and the dbt manifest, each made once.

A test's tier is the folder its module sits in (tests/unit, tests/integration, tests/e2e), marked here as
`unit`, `integration` or `e2e`; a test module anywhere else stops the collection, so no test goes untiered.

`make test` and `make test-all` run two pytest-xdist workers (`-n 2 --dist loadscope`). A module is one unit
of work, so its module- and session-scoped fixtures are made once per session; the modules on the session's
published folder (PUBLISHED_MODULES, the tests using `published_once`) are one unit together, so the full
pipeline is built once. The longest units are scheduled first (LONGEST_FIRST). Each pytest process builds dbt
from its own copy of dbt_project/, so two workers never race on one manifest and partial-parse state, and the
repository's dbt_project/target/ is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from itip_pipeline.core.blas_threads import limit_this_process

limit_this_process()  # before anything imports numpy: the differencing attacker runs many small SVDs

import pytest  # noqa: E402

from itip_pipeline.core.settings import Settings, get_settings  # noqa: E402

from support import TESTS_DIR  # noqa: E402

os.environ.setdefault("DO_NOT_TRACK", "1")
TIERS = ("unit", "integration", "e2e")


# The modules whose tests use the session's pipeline run: one unit of work, so that run is made once.
PUBLISHED_MODULES = (
    "tests/e2e/test_pipeline_e2e.py",
    "tests/e2e/test_faults.py",
    "tests/e2e/test_publish_race.py",
    "tests/e2e/test_disclosure_order.py",
    "tests/e2e/test_paired_change_synthetic.py",
    "tests/e2e/test_disclosure_audit.py",
    "tests/e2e/test_disclosure_policy_outcome.py",
    "tests/e2e/test_workbook_print.py",
    "tests/e2e/test_renderer_limits.py",
    "tests/e2e/test_jsonstat_e2e.py",
    "tests/e2e/test_release_history.py",
)
# Units of work that take minutes, started first so that the other worker does the rest meanwhile; then the
# units of half a minute or so, so that the last unit either worker picks up is a short one.
LONGEST_FIRST = (
    "published",
    "tests/e2e/test_incremental_identity.py",
    "tests/integration/test_dbt_project.py",
    "tests/integration/test_one_run_per_load.py",
    "tests/integration/test_dbt_cli.py",
    "tests/integration/test_fuzz_ingest.py",
    "tests/integration/test_nonresponse.py",
    "tests/integration/test_privacy.py",
    "tests/integration/test_figure_book.py",
)
DBT_PROJECT_COPY = pytest.StashKey[Path]()


def pytest_configure(config):
    copy = Path(tempfile.mkdtemp(prefix="itip-tests-")) / "dbt_project"
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    shutil.copytree(get_settings().dbt_project_dir, copy, ignore=ignore)
    os.environ["ITIP_DBT_PROJECT_DIR"] = str(copy)
    config.stash[DBT_PROJECT_COPY] = copy


def pytest_unconfigure(config):
    copy = config.stash.get(DBT_PROJECT_COPY, None)
    if copy is not None:
        shutil.rmtree(copy.parent, ignore_errors=True)


def _work_unit(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    return "published" if module in PUBLISHED_MODULES else module


def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadscope`: xdist's module scopes, except that PUBLISHED_MODULES share one."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid)

    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    outside, unshared = set(), set()
    for item in items:
        relative = item.path.relative_to(TESTS_DIR).parts if item.path.is_relative_to(TESTS_DIR) else ()
        if len(relative) < 2 or relative[0] not in TIERS:
            outside.add(str(item.path))
            continue
        item.add_marker(getattr(pytest.mark, relative[0]))
        if "published_once" in item.fixturenames and _work_unit(item.nodeid) != "published":
            unshared.add(item.nodeid.split("::", 1)[0])
    if outside:
        raise pytest.UsageError(
            f"test modules outside tests/unit, tests/integration and tests/e2e: {sorted(outside)}; "
            "a module's folder is its tier"
        )
    if unshared:
        raise pytest.UsageError(
            f"{sorted(unshared)} use published_once: add them to PUBLISHED_MODULES in tests/conftest.py, or a "
            "parallel run builds the whole pipeline once more for them"
        )
    rank = {unit: i for i, unit in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_work_unit(item.nodeid), len(rank)))  # stable: else collection order


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings whose every data path is under tmp_path (the dbt project is the session's copy)."""
    from support.delivery_builders import TEST_PSEUDONYM_KEY

    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    configured = get_settings()
    configured.ensure_dirs()
    return configured


@pytest.fixture
def loaded(settings) -> Settings:
    """Settings whose working database holds a good LOADED_YEAR delivery, loaded from data/landing/<year>/."""
    from itip_pipeline.ingest.loading.loader import load_year
    from itip_pipeline.warehouse.working_db import open_for_writing

    from support.delivery_builders import LOADED_YEAR, write_delivery

    write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    with open_for_writing(settings.work_db) as con:
        load_year(con, settings, LOADED_YEAR)
    return settings


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """The five synthetic years 2021-2025 (seed 2025), generated once for the whole session."""
    from itip_pipeline.runner.itip_run import DEFAULT_YEARS
    from itip_pipeline.synthetic.generator import generate_deliveries

    root = tmp_path_factory.mktemp("synthetic")
    generate_deliveries(root, DEFAULT_YEARS, seed=2025)
    return root


@pytest.fixture(scope="session")
def dbt_manifest():
    """The dbt manifest, ready for Dagster's definitions. Importing the dbt assets parses it once per process, for
    the settings in force then; later imports reuse the module whatever settings a test has, so no test pays
    for a second `dbt parse`."""
    from itip_pipeline.defs.dbt import assets

    return assets.DBT_PROJECT.manifest_path
