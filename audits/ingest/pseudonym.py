"""Keyed pseudonymisation of subject references (GDPR Art. 4(5), 25(1)).

The same key and reference always give the same pseudonym, so consent records and stored
prediction rows can be matched without the raw reference ever being stored.
"""

from __future__ import annotations

import hmac

EMPTY_KEY = "The pseudonymisation key must not be empty."


def pseudonymise(value: str, key: bytes) -> str:
    """HMAC-SHA-256 of the reference (surrounding whitespace removed, UTF-8) as 64 hex digits.

    Raises ValueError for an empty key: an unkeyed hash of a guessable reference (an e-mail
    address, a customer number) is not a pseudonym.
    """
    if not key:
        raise ValueError(EMPTY_KEY)
    return hmac.digest(key, value.strip().encode("utf-8"), "sha256").hex()
