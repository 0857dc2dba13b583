"""Opening the Dagster instance for work: its storage created once, and the runs whose process died failed.

`itip run`, `itip ui` and `itip serve` all start here, so each takes the same lock and leaves no orphan:
- The first `DagsterInstance.get()` on a fresh DAGSTER_HOME creates the storage. Two processes doing so at
  once both run the migrations and one fails ("more than one head present"), so it is done under the lock.
- A run whose process was killed stays STARTED and would hold the one-run queue (see orphaned_runs).
- An unreachable PostgreSQL run history is a sentence naming the variable to check, not a traceback, and never
  shows the password (postgres_url.py).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from itip_pipeline.core.settings import Settings
from itip_pipeline.instance import postgres_url
from itip_pipeline.instance.dagster_home import prepare_dagster_home
from itip_pipeline.instance.orphaned_runs import fail_orphaned_runs
from itip_pipeline.instance.postgres_url import POSTGRES_URL_VAR, hide_in_logs
from itip_pipeline.warehouse.working_db import writer_lock

CONNECT_TIMEOUT_S = 10  # the first try of the server: long enough for a server across a network


class InstanceUnavailable(SystemExit):
    """The run history cannot be opened: the command ends with a sentence saying what to check, no traceback."""


@dataclass(frozen=True)
class OpenedInstance:
    home: Path  # DAGSTER_HOME
    instance: dg.DagsterInstance
    orphaned_runs: list[str]  # run ids just marked failed because their process had died


def open_instance(settings: Settings) -> OpenedInstance:
    """DAGSTER_HOME prepared, the instance opened under the lock, orphaned runs failed. With ITIP_PG_URL set, the
    URL is checked and the server tried once first, so that a wrong URL, password, host or port is one sentence
    (without the password) at once, not a traceback or Dagster's retries printing the driver's message."""
    url = os.environ.get(POSTGRES_URL_VAR, "").strip() or None
    if url:
        hide_in_logs(url)
        _try_postgres(url)
    home = prepare_dagster_home(settings)
    try:
        with writer_lock(settings.dagster_home):
            instance = dg.DagsterInstance.get()
        return OpenedInstance(home, instance, fail_orphaned_runs(instance))
    except Exception as error:
        if not _storage_unreachable(error):
            raise
        raise InstanceUnavailable(_unreachable(error, url)) from None


def _storage_unreachable(error: Exception) -> bool:
    """Whether `error` is the run history's database refusing: SQLAlchemy's errors, or dagster-postgres's once
    it gave up retrying. dagster-postgres is imported only by an instance that stores in PostgreSQL (it costs
    about a second), so an error of its own can only come when it is already imported."""
    import sqlalchemy.exc

    postgres = sys.modules.get("dagster_postgres.utils")
    raised_by = (sqlalchemy.exc.SQLAlchemyError, *([postgres.DagsterPostgresException] if postgres else []))
    return isinstance(error, raised_by)


def _try_postgres(url: str) -> None:
    """One connection to the server ITIP_PG_URL names, closed at once; a sentence when the URL or the server
    refuses it."""
    import psycopg2

    try:
        address = postgres_url.parse(url)
    except postgres_url.PostgresUrlInvalid as error:
        raise InstanceUnavailable(f"Cannot open the Dagster run history in PostgreSQL: {error}") from None
    try:
        psycopg2.connect(**address.connect_arguments(), connect_timeout=CONNECT_TIMEOUT_S).close()
    except psycopg2.Error as error:
        raise InstanceUnavailable(_unreachable(error, url, f" at {address.masked()}")) from None


def _unreachable(error: Exception, url: str | None, where: str = "") -> str:
    # dagster-postgres retries, then wraps the driver's error; the driver's first line says what failed.
    cause = error.__cause__ or error
    reason = (str(getattr(cause, "orig", None) or cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"Cannot open the Dagster run history in PostgreSQL{where} ({postgres_url.masked(reason, url)}). Check "
        f"{POSTGRES_URL_VAR} (user, password, host, port, database) and that the server runs and accepts this user "
        "(deploy/README.md)."
    )
