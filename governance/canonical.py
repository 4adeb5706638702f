"""Canonical JSON: sorted keys, no whitespace, UTF-8; the same data always gives the same bytes."""

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Serialise for hashing: sorted keys, compact separators, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
