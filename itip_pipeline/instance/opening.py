"""Opening the Dagster instance for work: its storage created once, and the runs whose process died failed.

`itip run`, `itip ui` and `itip serve` all start here, so each takes the same lock and leaves no orphan:
- The first `DagsterInstance.get()` on a fresh DAGSTER_HOME creates the storage. Two processes doing so at
  once both run the migrations and one fails ("more than one head present"), so it is done under the lock.
- A run whose process was killed stays STARTED and would hold the one-run queue (see orphaned_runs).
- An unreachable PostgreSQL run history is a sentence naming the variable to check, not a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from itip_pipeline.core.settings import Settings
from itip_pipeline.instance.dagster_home import POSTGRES_URL_VAR, prepare_dagster_home
from itip_pipeline.instance.orphaned_runs import fail_orphaned_runs
from itip_pipeline.warehouse.working_db import writer_lock


class InstanceUnavailable(SystemExit):
    """The run history cannot be opened: the command ends with a sentence saying what to check, no traceback."""


@dataclass(frozen=True)
class OpenedInstance:
    home: Path  # DAGSTER_HOME
    instance: dg.DagsterInstance
    orphaned_runs: list[str]  # run ids just marked failed because their process had died


def open_instance(settings: Settings) -> OpenedInstance:
    """DAGSTER_HOME prepared, the instance opened under the lock, orphaned runs failed."""
    import sqlalchemy.exc
    from dagster_postgres.utils import DagsterPostgresException

    home = prepare_dagster_home(settings)
    try:
        with writer_lock(settings.dagster_home):
            instance = dg.DagsterInstance.get()
        return OpenedInstance(home, instance, fail_orphaned_runs(instance))
    except (sqlalchemy.exc.OperationalError, DagsterPostgresException) as error:
        raise InstanceUnavailable(_unreachable(error)) from None


def _unreachable(error: Exception) -> str:
    # dagster-postgres retries, then wraps the driver's error; the driver's first line says what failed.
    cause = error.__cause__ or error
    reason = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
    return (
        f"Cannot open the Dagster run history in PostgreSQL ({reason}). Check {POSTGRES_URL_VAR} and that "
        "the server accepts this user (deploy/README.md)."
    )
