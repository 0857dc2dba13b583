"""Headless Chromium for the browser tests: Debian's chromium and chromium-driver, which .ci/run installs.

A machine without them fails the browser tests with that hint rather than skipping them: a skipped test
would pass CI while checking nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HEADLESS_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def headless_chromium(user_data_dir: Path, window_size: str, logs: bool = False):
    """A selenium driver for headless Chromium; `logs` records the console and every network request."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail(
            "the browser tests need Debian's chromium and chromium-driver on PATH "
            "(.ci/run installs them: apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*HEADLESS_FLAGS, f"--window-size={window_size}", f"--user-data-dir={user_data_dir}"):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=options)
