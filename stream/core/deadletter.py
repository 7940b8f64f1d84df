"""Dead-letter records (schemas/dead-letter.schema.json): the rejected record, why, and where from.

The raw record is kept so it can be fixed and re-driven, but bounded: at most `RAW_LIMIT` bytes
of it, `REASON_LIMIT` characters of reason and `ID_LIMIT` of each id (validator messages quote the value; quoting a 5 MB
text would make a dead letter no broker accepts). While zero-data-retention tenants are
configured, a record of one of them, or of no readable tenant, keeps only a hash.
"""

from __future__ import annotations

import base64
import hashlib

from stream.core.events import Rejection
from stream.core.timeutil import format_rfc3339

RAW_LIMIT = 16 * 1024
REASON_LIMIT = 500
ID_LIMIT = 256  # key, event id, tenant id (an over-long tenant id is no known tenant)


def dead_letter_record(rejection: Rejection, raw: bytes, source: dict, key: str | None, received_at: float,
                       zdr_tenants: frozenset[str] = frozenset()) -> dict:
    tenant = rejection.tenant_id if rejection.tenant_id and len(rejection.tenant_id) <= ID_LIMIT else None
    record = {
        "reason": _bounded(rejection.reason),
        "error_path": rejection.error_path[:REASON_LIMIT],
        "source": source,
        "key": key[:ID_LIMIT] if key else key,
        "event_id": rejection.event_id[:ID_LIMIT] if rejection.event_id else rejection.event_id,
        "tenant_id": tenant,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "raw_bytes": len(raw),
        "received_at": format_rfc3339(received_at),
    }
    if zdr_tenants and (tenant is None or tenant in zdr_tenants):
        # validator messages quote the offending value: keep only where it failed, never what it said
        record["reason"] = _without_values(rejection)
        record["raw"] = None
        if tenant is None:
            record["key"] = None  # the key may be anyone's user id, of any tenant
        return record
    kept = raw[:RAW_LIMIT]
    if _is_utf8(raw):  # a cut through a multi-byte character drops that character only
        record["raw"], record["raw_encoding"] = kept.decode("utf-8", "ignore"), "utf8"
    else:
        record["raw"], record["raw_encoding"] = base64.b64encode(kept).decode("ascii"), "base64"
    if len(kept) < len(raw):
        record["raw_truncated"] = True
    return record


def processing_error(exc: BaseException, event_id: str | None = None, tenant_id: str | None = None) -> Rejection:
    """A record that validated but failed while being handled: dead-lettered, never a crash."""
    return Rejection(f"processing error: {type(exc).__name__}: {exc}", "", event_id, tenant_id)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _bounded(reason: str) -> str:
    return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"


def _without_values(rejection: Rejection) -> str:
    head = rejection.reason.split(":", 1)[0][:100]
    return f"{head} (details withheld: zero-data-retention or unknown tenant)"
