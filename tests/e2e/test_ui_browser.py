"""The Dagster UI, as a person sees it: started on 127.0.0.1, the lineage shows the ingest assets and the marts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from itip_pipeline.core.settings import REPO_ROOT

from support.chromium import headless_chromium
from support.local_servers import free_port, graphql, wait_for_code_location

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory, dbt_manifest):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "ITIP_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }
    # `dagster dev` in the background ignores SIGINT/SIGTERM unless their default handlers are restored.
    process = subprocess.Popen(
        [
            "env",
            "--default-signal=INT,TERM",
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(REPO_ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_code_location(base, process)
        graphql(base, "mutation { setNuxSeen }")  # the community dialog would cover the page
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"), "1600,2600")
    yield driver
    driver.quit()


def _wait_for_text(driver, texts: list[str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = driver.find_element("tag name", "body").text
        if all(t in page for t in texts):
            return page
        time.sleep(1)
    return driver.find_element("tag name", "body").text


def _page_shows(driver, url: str, wanted: list[str], screenshot=None) -> list[str]:
    driver.get(url)
    page = _wait_for_text(driver, wanted)
    if screenshot:
        driver.save_screenshot(str(screenshot))
    return [t for t in wanted if t not in page]


def test_the_global_lineage_runs_from_landing_to_published(dagster_ui, browser, tmp_path):
    layers = ["landing", "ingest", "staging", "intermediate", "marts", "published"]
    assert not _page_shows(browser, f"{dagster_ui}/asset-groups", layers, tmp_path / "lineage.png")


def test_the_ingest_and_mart_lineage_show_their_assets(dagster_ui, browser):
    groups = f"{dagster_ui}/locations/itip/asset-groups"
    assert not _page_shows(
        browser,
        f"{groups}/ingest/lineage",
        ["org_survey_files", "codebook", "org_respondents", "panel_respondents", "stg_org_answers"],
    )
    # The marts group is taller than any window and the graph draws only the nodes in view: its own nodes are
    # checked there, and where a number comes from on the lineage tab of a mart and of its estimates.
    assert not _page_shows(browser, f"{groups}/marts/lineage", ["fct_indicator", "warehouse"])
    assert not _page_shows(
        browser,
        f"{dagster_ui}/assets/marts/mart_authority_support?view=lineage",
        ["mart_authority_support", "fct_indicator", "warehouse"],
    )
    assert not _page_shows(
        browser,
        f"{dagster_ui}/assets/intermediate/int_indicator_estimates?view=lineage",
        ["int_indicator_estimates", "int_indicator_answers", "fct_indicator"],
    )


def test_an_asset_page_shows_its_contract_check(dagster_ui, browser):
    browser.get(f"{dagster_ui}/assets/raw/org_respondents?view=checks")
    page = _wait_for_text(browser, ["delivery_contract"])
    assert "delivery_contract" in page
