"""Where the repository's public default pseudonym key may be used: for synthetic files only.

The repository's default key (settings.LOCAL_PSEUDONYM_KEY) is public, so a hash made with it can be
reversed by enumerating ids: it is for the synthetic data only, recognised by `_synthetic` in the file name
(as `itip generate` writes them). Every load records the key's fingerprint (core.hashing.key_fingerprint),
so a key change is noticed and every loaded year re-hashed (see `rehash`).
"""

from __future__ import annotations

from collections.abc import Iterable

from itip_pipeline.core.settings import LOCAL_PSEUDONYM_KEY
from itip_pipeline.ingest.problems import DeliveryRejected, Problem

SYNTHETIC_MARK = "_synthetic"


def is_synthetic(file_name: str) -> bool:
    return SYNTHETIC_MARK in file_name.lower()


def refuse_default_key(file_names: Iterable[str], key: str) -> None:
    """DeliveryRejected naming each panel file that is not synthetic, when the public default key is configured."""
    if key != LOCAL_PSEUDONYM_KEY:
        return
    problems = [
        Problem(
            file=name,
            rule="the warehouse runs with the repository's public default pseudonym key, which "
            "only synthetic files (named *_synthetic*) may use: set ITIP_PSEUDONYM_KEY to a secret kept "
            "outside the repository and run again",
        )
        for name in file_names
        if not is_synthetic(name)
    ]
    if problems:
        raise DeliveryRejected(problems)
