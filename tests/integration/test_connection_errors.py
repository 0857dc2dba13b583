"""A PostgreSQL run history that cannot be opened is one sentence naming ITIP_PG_URL, and the password is nowhere:
not on the terminal (stdout and stderr at the file descriptors), not in a log record, not in the sentence, not in
any file under the data folder (DAGSTER_HOME, where Dagster's event log would be). Each URL points at a port
nothing listens on, or at a host that does not exist; the wrong password against a real server is in
tests/e2e/test_postgres_deploy.py."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from itip_pipeline.instance.opening import InstanceUnavailable, open_instance
from itip_pipeline.instance.postgres_url import MASK, PostgresUrlInvalid, masked, parse

from support.local_servers import free_port

PASSWORD = "Hemmelig-ord-42"


@pytest.fixture
def log_factory():
    """The process's log record factory restored after the test (open_instance installs a masking one)."""
    before = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(before)


def _cases() -> dict[str, tuple[str, str]]:
    closed = free_port()
    at = f"127.0.0.1:{closed}/itip"
    cases = {
        "nothing listens on the port": (f"postgresql://itip:{PASSWORD}@{at}", PASSWORD),
        "a port that is not a number": (f"postgresql://itip:{PASSWORD}@127.0.0.1:54x32/itip", PASSWORD),
        "a port out of range": (f"postgresql://itip:{PASSWORD}@127.0.0.1:99999/itip", PASSWORD),
        "an unknown host": (f"postgresql://itip:{PASSWORD}@no-such-host.invalid:5432/itip", PASSWORD),
        "postgres:// (libpq's, not SQLAlchemy's)": (f"postgres://itip:{PASSWORD}@{at}", PASSWORD),
        "an encoded password, closed port": (f"postgresql://itip:{quote('a/b@c:d#e?f', safe='')}@{at}", "a/b@c:d#e?f"),
    }
    for char in "/@:#?%[":
        secret = f"Hemm{char}elig-42"
        cases[f"an unencoded {char} in the password"] = (f"postgresql://itip:{secret}@{at}", secret)
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_connection_failure_is_a_sentence_without_the_password(
    settings, monkeypatch, capfd, caplog, case, log_factory
):
    url, secret = CASES[case]
    monkeypatch.setenv("ITIP_PG_URL", url)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InstanceUnavailable) as refused:
        open_instance(settings)
    sentence = str(refused.value)
    assert "ITIP_PG_URL" in sentence and "Traceback" not in sentence
    out = capfd.readouterr()
    files = [p.read_bytes().decode("utf-8", "replace") for p in settings.data_dir.rglob("*") if p.is_file()]
    seen = [sentence, out.out, out.err, caplog.text, *(r.getMessage() for r in caplog.records), *files]
    # the password, encoded or not, or any five characters of it (a malformed URL shows the driver a piece)
    pieces = {secret, quote(secret, safe=""), *(secret[i : i + 5] for i in range(len(secret) - 4))}
    leaked = [piece for piece in pieces for text in seen if piece in text]
    assert not leaked, f"{case}: {leaked}"


def test_a_log_record_never_shows_the_password_once_the_url_is_known(settings, monkeypatch, caplog, log_factory):
    url = f"postgresql://itip:{quote('s3/cr@t', safe='')}@127.0.0.1:{free_port()}/itip"
    monkeypatch.setenv("ITIP_PG_URL", url)
    with pytest.raises(InstanceUnavailable):
        open_instance(settings)
    logging.getLogger("a.driver").warning("Retrying failed database connection: %s (password %s)", url, "s3/cr@t")
    assert "s3/cr@t" not in caplog.text and "s3%2Fcr%40t" not in caplog.text and MASK in caplog.text


def test_masking_any_url_credentials_and_the_password_as_decoded():
    url = "postgresql://itip:p%40ss%2Fword@db.example:5432/itip"
    text = f"failed: {url}; dsn=postgresql://other:zzz@h/x; password p@ss/word"
    shown = masked(text, url)
    assert "p@ss/word" not in shown and "p%40ss" not in shown and "zzz" not in shown
    raw = "postgresql://itip:se@cret/pw@127.0.0.1:5432/itip"  # unencoded: the pattern alone would keep "cret"
    assert "cret" not in masked(f"could not connect: {raw}; password se@cret/pw", raw)
    assert parse(url).password == "p@ss/word" and parse(url).masked() == "postgresql://itip:***@db.example:5432/itip"


def test_a_good_url_keeps_its_libpq_options():
    address = parse("postgresql+psycopg2://itip:pw@[::1]:6432/itip?sslmode=require&application_name=itip")
    assert address.connect_arguments() == {
        "host": "::1",
        "port": 6432,
        "user": "itip",
        "password": "pw",
        "dbname": "itip",
        "sslmode": "require",
        "application_name": "itip",
    }


def test_a_url_without_a_password_leaves_it_to_libpq_but_a_url_without_a_user_is_refused():
    """A server that trusts the host, or a password in ~/.pgpass or PGPASSWORD: the URL names only the user."""
    address = parse("postgresql://itip@127.0.0.1:5432/itip")
    assert address.user == "itip" and "password" not in address.connect_arguments()
    for url in ("postgresql://127.0.0.1:5432/itip", "postgresql://:pw@127.0.0.1:5432/itip"):
        with pytest.raises(PostgresUrlInvalid, match="names no user"):
            parse(url)
