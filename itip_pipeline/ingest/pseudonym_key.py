"""Which key the panel's respondent ids are hashed under: where the public default key may be used, and the
key's fingerprint that every load records.

The repository's default key (settings.LOCAL_PSEUDONYM_KEY) is public, so a hash made with it can be
reversed by enumerating ids: it is for the synthetic data only, recognised by `_synthetic` in the file name
(as `itip generate` writes them). The fingerprint identifies a key without revealing it: the first 16 hex
digits of sha256(HMAC-SHA256(key, "itip-key-fingerprint")). It is recorded per load in raw.load_log, so
a key change is noticed and every loaded year re-hashed (see `rehash`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from itip_pipeline.settings import LOCAL_PSEUDONYM_KEY

SYNTHETIC_MARK = "_synthetic"
_FINGERPRINT_MESSAGE = b"itip-key-fingerprint"


def key_fingerprint(key: str) -> str:
    """16 hex digits that tell keys apart; the key cannot be recovered from them."""
    tag = hmac.new(key.encode("utf-8"), _FINGERPRINT_MESSAGE, hashlib.sha256).digest()
    return hashlib.sha256(tag).hexdigest()[:16]


def is_synthetic(file_name: str) -> bool:
    return SYNTHETIC_MARK in file_name.lower()


def refuse_default_key(file_names: Iterable[str], key: str) -> None:
    """DeliveryRejected naming each panel file that is not synthetic, when the public default key is configured."""
    # Imported here: the no-op check of `itip run` reads key_fingerprint and must not load pandas.
    from itip_pipeline.ingest.problems import DeliveryRejected, Problem

    if key != LOCAL_PSEUDONYM_KEY:
        return
    problems = [
        Problem(file=name, rule="the warehouse runs with the repository's public default pseudonym key, which "
                "only synthetic files (named *_synthetic*) may use: set ITIP_PSEUDONYM_KEY to a secret kept "
                "outside the repository and run again")
        for name in file_names if not is_synthetic(name)
    ]
    if problems:
        raise DeliveryRejected(problems)
