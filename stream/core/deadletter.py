"""Dead-letter records (schemas/dead-letter.schema.json): the rejected record, why, and where from.

The raw record is kept so it can be fixed and re-driven, except for zero-data-retention tenants,
whose records keep only a hash.
"""

from __future__ import annotations

import base64
import hashlib

from stream.core.events import Rejection
from stream.core.timeutil import format_rfc3339


def dead_letter_record(rejection: Rejection, raw: bytes, source: dict, key: str | None, received_at: float,
                       zdr_tenants: frozenset[str] = frozenset()) -> dict:
    record = {
        "reason": rejection.reason,
        "error_path": rejection.error_path,
        "source": source,
        "key": key,
        "event_id": rejection.event_id,
        "tenant_id": rejection.tenant_id,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "received_at": format_rfc3339(received_at),
    }
    if rejection.tenant_id in zdr_tenants:
        # validator messages quote the offending value: keep only where it failed, never what it said
        record["reason"] = _without_values(rejection)
        record["raw"] = None
        return record
    try:
        record["raw"], record["raw_encoding"] = raw.decode("utf-8"), "utf8"
    except UnicodeDecodeError:
        record["raw"], record["raw_encoding"] = base64.b64encode(raw).decode("ascii"), "base64"
    return record


def _without_values(rejection: Rejection) -> str:
    head = rejection.reason.split(":", 1)[0]
    return f"{head} (details withheld: zero-data-retention tenant)"
