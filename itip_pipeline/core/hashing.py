"""Hashes the pipeline records: a file's sha256 and a pseudonym key's fingerprint.

Standard library only: the no-op check of `itip run` uses both before pandas or DuckDB is imported.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

_FINGERPRINT_MESSAGE = b"itip-key-fingerprint"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_fingerprint(key: str) -> str:
    """16 hex digits that tell pseudonym keys apart, recorded with every load: the first 16 hex digits of
    sha256(HMAC-SHA256(key, "itip-key-fingerprint")). The key cannot be recovered from them."""
    tag = hmac.new(key.encode("utf-8"), _FINGERPRINT_MESSAGE, hashlib.sha256).digest()
    return hashlib.sha256(tag).hexdigest()[:16]
