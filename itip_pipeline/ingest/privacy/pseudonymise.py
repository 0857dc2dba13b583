"""Turning the panel vendor's respondent ids into keyed pseudonyms before anything is stored.

The key (settings.pseudonym_key) stays outside the warehouse, so a stored respondent_key cannot be
traced back to the vendor's id without it; the same id and key give the same key in every year.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(respondent_id: str, key: str) -> str:
    """The hex HMAC-SHA256 of the respondent id under the key."""
    if not key:
        raise ValueError("the pseudonym key must not be empty")
    return hmac.new(key.encode("utf-8"), respondent_id.encode("utf-8"), hashlib.sha256).hexdigest()
