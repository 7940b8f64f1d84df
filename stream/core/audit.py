"""Audit records (schemas/audit-record.schema.json): who did what to which case, allowed or not, and why.

Pure and deterministic: the id is a hash of the record's content, so re-emitting the same step
(a retry, a replay) yields the same audit_id and consumers can deduplicate. Records hold ids and
reasons, never conversation text.
"""

from __future__ import annotations

import hashlib

import orjson

from stream.core.timeutil import format_rfc3339

OUTCOMES = ("allowed", "denied", "applied", "failed")


def audit_record(actor: str, role: str, action: str, target: dict, outcome: str, reason: str, ts: float,
                 details: dict | None = None) -> dict:
    """One audit record. `target` holds ids (case_id, event_id, decision_id, user_id, ...).

    `reason` is the actor's stated justification; `details` explains the outcome (e.g. why denied).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if not actor or not action:
        raise ValueError("an audit record needs an actor and an action")
    record = {"ts": format_rfc3339(ts), "actor": actor, "role": role, "action": action, "target": dict(target),
              "outcome": outcome, "reason": reason}
    if details:
        record["details"] = dict(details)
    digest = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]
    return {"audit_id": "audit-" + digest, **record}
