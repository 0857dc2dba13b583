"""`itip run` against a real PostgreSQL that asks for a password holding every character a URL reads as a
delimiter: a wrong password and the right one left unencoded each end in one sentence naming ITIP_PG_URL, with
the password nowhere on the terminal, in the run's log or in any file under the data folder; percent-encoded,
the same password opens the run history, and neither the server's tables nor Dagster's event log hold it."""

from __future__ import annotations

import subprocess
from urllib.parse import quote

import psycopg2
import pytest

from itip_pipeline.instance.opening import open_instance

from support.delivery_builders import LOADED_YEAR, TEST_PSEUDONYM_KEY, write_delivery
from support.itip_processes import ITIP, itip_env
from support.postgres_server import postgres_server

PASSWORD = "rett/ord@4:2#x?y[z]%"
WRONG = "Feil-passord-77"


@pytest.fixture(scope="module")
def server():
    with postgres_server(PASSWORD) as (port, connect):
        yield port, connect


def _pieces(secret: str) -> set[str]:
    """The password as written and encoded, and any five characters of it (a malformed URL shows a piece)."""
    return {secret, quote(secret, safe=""), *(secret[i : i + 5] for i in range(len(secret) - 4))}


def _leaks(secret: str, *texts: str) -> list[str]:
    return sorted({piece for piece in _pieces(secret) for text in texts if piece in text})


@pytest.mark.parametrize(
    ("case", "password", "secret"),
    [("a wrong password", quote(WRONG, safe=""), WRONG), ("the right one unencoded", PASSWORD, PASSWORD)],
)
def test_itip_run_says_what_to_fix_without_the_password(server, tmp_path, case, password, secret):
    port, _connect = server
    data = tmp_path / "data"
    write_delivery(data / "landing" / str(LOADED_YEAR), LOADED_YEAR)
    url = f"postgresql://itip:{password}@127.0.0.1:{port}/itip"
    done = subprocess.run(
        [ITIP, "run"],
        env=itip_env(data, ITIP_PG_URL=url, ITIP_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "ITIP_PG_URL" in done.stderr and "Traceback" not in done.stdout + done.stderr, done.stderr
    files = [p.read_bytes().decode("utf-8", "replace") for p in data.rglob("*") if p.is_file()]
    assert not _leaks(secret, done.stdout, done.stderr, *files), case


def test_the_encoded_password_opens_the_history_and_is_stored_nowhere(server, settings, monkeypatch, capfd):
    port, connect = server
    monkeypatch.setenv("ITIP_PG_URL", f"postgresql://itip:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/itip")
    opened = open_instance(settings)
    opened.instance.report_engine_event("a test event", job_name="test", run_id="0" * 32)  # in the event log
    out = capfd.readouterr()
    with psycopg2.connect(**connect) as con, con.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = 'public'")
        tables = [name for (name,) in cursor.fetchall()]
        stored = []
        for table in tables:
            cursor.execute(f'select t::text from "{table}" t')
            stored += [row for (row,) in cursor.fetchall()]
    assert "event_logs" in tables and any("a test event" in row for row in stored)
    assert not _leaks(PASSWORD, out.out, out.err, *stored)
