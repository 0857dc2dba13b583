"""ITIP_PG_URL, the PostgreSQL run history's address, checked before anything connects with it, and its password
kept out of every message.

A password holding an unencoded / ? # @ : [ ] or a stray % makes the URL mean something else: part of the
password becomes the host, the port or the database, and the driver's error message (printed and logged) shows
it. A port that is not a number, or a scheme SQLAlchemy does not know (postgres://), ends in a traceback. So
the URL is parsed here first, strictly; a URL that is not exactly user:password@host:port/database is refused
with a sentence naming ITIP_PG_URL and what to change, never quoting the password, the user or the host (any
of them may hold a piece of the password when the URL is malformed).

`masked` removes the password (as written and as decoded) and any URL credentials from a text; `hide_in_logs`
applies it to every log record of the process, so that a driver's retry warnings cannot print the password.
Standard library only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

POSTGRES_URL_VAR = "ITIP_PG_URL"
SCHEMES = ("postgresql", "postgresql+psycopg2")
# Characters a password must percent-encode in a URL (RFC 3986's delimiters of the authority and after it).
RESERVED = set("/?#@:[]")
ENCODE_HINT = (
    "percent-encode it: / ? # @ : [ ] % as %2F %3F %23 %40 %3A %5B %5D %25, e.g. with "
    "python3 -c 'import getpass, urllib.parse; print(urllib.parse.quote(getpass.getpass(), safe=\"\"))'"
)
_HOST_PART = re.compile(
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(?P<port>[^/?#]*))?(?:/(?P<database>[^/?#]*))?(?:\?(?P<query>[^#]*))?"
)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Any URL's credentials in a text: scheme://user:password@ -> scheme://user:***@
_CREDENTIALS = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):[^\s@]*@")
MASK = "***"
# A password shorter than this is masked where it stands in a URL, but not wherever its letters recur in a text.
MIN_MASKED_ALONE = 4


class PostgresUrlInvalid(ValueError):
    """ITIP_PG_URL cannot be used as written: a sentence saying what to change, without the password."""


@dataclass(frozen=True)
class PostgresUrl:
    user: str
    password: str
    host: str
    port: int
    database: str
    options: tuple[tuple[str, str], ...] = ()  # the query's libpq parameters, e.g. (("sslmode", "require"),)

    def connect_arguments(self) -> dict[str, object]:
        """The keyword arguments of psycopg2.connect (libpq's parameter names)."""
        return {
            "host": self.host.strip("[]"),
            "port": self.port,
            "user": self.user,
            **({"password": self.password} if self.password else {}),  # none: libpq's ~/.pgpass or PGPASSWORD
            "dbname": self.database,
            **dict(self.options),
        }

    def masked(self) -> str:
        return f"postgresql://{self.user}:{MASK}@{self.host}:{self.port}/{self.database}"


def _refused(what: str) -> PostgresUrlInvalid:
    return PostgresUrlInvalid(
        f"{POSTGRES_URL_VAR} {what}. Write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE (deploy/README.md)."
    )


def parse(url: str) -> PostgresUrl:
    """The URL's parts, or PostgresUrlInvalid with a sentence that quotes none of them but the scheme."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        known = " or ".join(f"{s}://" for s in SCHEMES)
        said = f"{scheme}://" if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else "something else"
        raise _refused(f"must start with {known}, not {said}")
    userinfo, at, host_part = rest.rpartition("@")
    # A user is required; a password is not: a server may trust the host, or libpq finds it in ~/.pgpass or
    # PGPASSWORD, which keep it out of the URL altogether.
    user, _colon, password = userinfo.partition(":")
    if not at or not user:
        raise _refused("names no user (USER@ or USER:PASSWORD@ before the host)")
    if RESERVED & set(userinfo.replace(":", "", 1)):
        raise _refused(f"holds a character in its user or password that the URL reads as a delimiter; {ENCODE_HINT}")
    if _BAD_PERCENT.search(userinfo):
        raise _refused(f"holds a % in its user or password that is not followed by two hex digits; {ENCODE_HINT}")
    where = _HOST_PART.fullmatch(host_part)
    if where is None:
        raise _refused("has no HOST[:PORT]/DATABASE after the @ (or an unencoded character in the password)")
    port_text = where["port"] or "5432"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _refused("has a port that is not a number from 1 to 65535")
    if not where["database"]:
        raise _refused("names no database after the host (/DATABASE)")
    options = tuple(parse_qsl(where["query"] or "", keep_blank_values=True))
    return PostgresUrl(
        unquote(user), unquote(password), where["host"], int(port_text), unquote(where["database"]), options
    )


def masked(text: str, url: str | None) -> str:
    """`text` with the URL, its password (as written and decoded) and any URL's credentials replaced by ***."""
    text = str(text)
    if url:
        # The known secrets first and longest first: the credentials pattern below stops at the first @, so a
        # password holding one would keep its tail if the pattern ran first.
        userinfo = url.partition("://")[2].rpartition("@")[0]
        password = userinfo.partition(":")[2]
        secrets = {url, url.strip(), userinfo} | {
            s for s in (password, unquote(password)) if len(s) >= MIN_MASKED_ALONE
        }
        for secret in sorted(secrets - {""}, key=len, reverse=True):
            text = text.replace(secret, MASK)
    return _CREDENTIALS.sub(rf"\1:{MASK}@", text)


class _MaskingFactory:
    """A log record factory that masks the URL's password in the message (arguments included) as it is made."""

    def __init__(self, url: str, make):
        self.url, self.make = url, make

    def __call__(self, *args, **kwargs) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: logging reports that itself
            return record
        shown = masked(message, self.url)
        if shown != message:
            record.msg, record.args = shown, None
        return record


def hide_in_logs(url: str) -> None:
    """From now on, no log record of this process shows the URL's password (once per process and URL)."""
    current = logging.getLogRecordFactory()
    if isinstance(current, _MaskingFactory) and current.url == url:
        return
    logging.setLogRecordFactory(_MaskingFactory(url, current))
