"""A throwaway PostgreSQL server for the end-to-end tests: initdb and pg_ctl from PATH or Debian's versioned
folder, run as the postgres user when the tests run as root, stopped and removed when the block ends."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

from support.local_servers import free_port


def _postgres_bin(name: str) -> str:
    """initdb/pg_ctl on PATH, or in Debian's versioned folder (the postgresql package does not put them on PATH)."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail(
            f"PostgreSQL's {name} is not installed: .ci/run installs Debian's postgresql package "
            "(apt-get install postgresql)"
        )
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run the command as the postgres user."""
    if os.geteuid() != 0:
        return command
    if not shutil.which("su"):
        pytest.fail("running as root, the PostgreSQL test needs `su` to start the server as the postgres user")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(
            "running as root, the PostgreSQL test needs the postgres user (Debian's postgresql package creates it)"
        )
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in command)]


@contextmanager
def postgres_server(password: str | None = None) -> Iterator[tuple[int, dict]]:
    """A server on 127.0.0.1 with the user itip and a database itip: (its port, psycopg2's connect arguments).
    Without `password` every local connection is trusted; with it, the server asks for it (scram-sha-256)."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    # Outside pytest's root-only tmp folder, so the postgres user can reach it; short, for the socket's path.
    folder = Path(tempfile.mkdtemp(prefix="itip-pg-"))
    data = folder / "data"
    auth = ["-A", "trust"]
    if password is not None:
        (folder / "pw").write_text(password + "\n", encoding="utf-8")
        auth = ["-A", "scram-sha-256", f"--pwfile={folder / 'pw'}"]
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    port = free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data), *auth, "-U", "itip"]), check=True, capture_output=True)
    (folder / "pw").unlink(missing_ok=True)
    subprocess.run(
        _as_postgres(
            [pg_ctl, "-D", str(data), "-o", f"-p {port} -k {folder}", "-l", str(folder / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        connect = {"host": "127.0.0.1", "port": port, "user": "itip", "password": password}
        con = psycopg2.connect(**connect, dbname="postgres")
        con.autocommit = True  # CREATE DATABASE cannot run in a transaction
        con.cursor().execute("CREATE DATABASE itip")
        con.close()
        yield port, {**connect, "dbname": "itip"}
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
