"""dbt's tests on the raw sources in Dagster: observations of the raw tables, without a warning for each.

The raw tables are the ingest assets, defined outside the dbt assets, so dagster-dbt records a test on them as an
observation of that table (the test's result in its metadata), not as an asset check of the dbt step, and logs a
warning for each: the test "was likely executed due to dbt indirect selection". Here the build selects these
tests on purpose: they are the checks of the raw tables the models read, and a failing one fails the build. Every
run's log would carry one such warning per source test, saying something untrue. They are dropped; the same
warning about any other test (one that really ran by indirect selection) is kept.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

# The start of dagster-dbt's warning, up to the test's name (dagster_dbt/core/dbt_cli_event.py).
NOTICE = "Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test `"
# The logger dagster-dbt writes it to: dagster.get_dagster_logger(), whose records Dagster stores as run events.
DAGSTER_LOGGER = "dagster.builtin"


def source_test_names(manifest: dict) -> set[str]:
    """The names of the manifest's tests that read only dbt sources (the raw tables)."""
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node["depends_on"]["nodes"]
        and all(upstream.startswith("source.") for upstream in node["depends_on"]["nodes"])
    }


class SourceTestNotices(logging.Filter):
    """Drops dagster-dbt's indirect-selection warning for a test on the sources, by the test's name. The manifest
    is read at such a warning, again only when it has changed since, so a process that never runs dbt never
    reads it and a long-lived one (the UI's code server) follows the project."""

    def __init__(self, manifest_path: Path):
        super().__init__()
        self._manifest_path = manifest_path
        self._read: tuple[int, set[str]] = (-1, set())  # (the manifest's mtime in ns, its source tests' names)

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and record.msg.startswith(NOTICE)):
            return True
        return record.msg[len(NOTICE) :].split("`", 1)[0] not in self._source_tests()

    def _source_tests(self) -> set[str]:
        try:
            changed = self._manifest_path.stat().st_mtime_ns
            if changed != self._read[0]:
                self._read = (changed, source_test_names(json.loads(self._manifest_path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError):
            return set()  # no manifest to read: every warning is kept
        return self._read[1]


def quiet_source_test_notices(manifest_path: Path) -> None:
    """Installs the filter on dagster-dbt's logger, once per process."""
    logger = logging.getLogger(DAGSTER_LOGGER)
    if not any(isinstance(existing, SourceTestNotices) for existing in logger.filters):
        logger.addFilter(SourceTestNotices(manifest_path))
