"""The audited reveal path: full text of one evidence turn, for authorised roles only.

Reviewers work on redacted cases. Revealing is an exception that must be justified and leaves a
trace: `authorize` decides from the deployment's role table (config/roles.json, never a file the
caller names) and the case as the worker wrote it on review-cases (never a payload the caller
supplies), `fetch_turn` reads the original turn back from the turns topic by event id, however
late it was produced (never from state: state holds no raw text), and the command writes the
audit record before it shows anything. Evidence erased by a deletion request (`redact` events)
is never revealed.

Zero-data-retention tenants cannot be revealed, by design: their text is never persisted by
riskstream (cases hold no excerpt), and reading it back from the customer's own topic would
defeat the promise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

import orjson

from stream.config import Settings
from stream.core.timeutil import parse_rfc3339


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    why: str  # the rule that decided, for the audit record and the error message


def evidence_of(case: dict, event_id: str) -> dict | None:
    return next((e for e in case.get("evidence", []) if e.get("event_id") == event_id), None)


def authorize(role: str, case: dict, event_id: str, roles: dict[str, dict],
              zdr_tenants: frozenset[str] = frozenset()) -> Verdict:
    """May `role` see the full text of evidence turn `event_id` of `case`? (pure)"""
    spec = roles.get(role)
    if spec is None:
        return Verdict(False, f"unknown role {role!r} (known: {', '.join(sorted(roles))})")
    if not spec["reveal"]:
        return Verdict(False, f"role {role!r} may not reveal text")
    evidence = evidence_of(case, event_id)
    if evidence is None:
        return Verdict(False, f"turn {event_id!r} is not evidence of case {case.get('case_id')!r}")
    if case.get("tenant_id") in zdr_tenants or evidence.get("excerpt") is None:
        return Verdict(False, "zero-data-retention tenant: its text is never persisted, so it cannot be revealed")
    allowed = set(spec.get("categories", []))
    outside = [c for c in case.get("categories", []) if c not in allowed and "*" not in allowed]
    if outside:
        return Verdict(False, f"role {role!r} does not cover {', '.join(outside)}")
    return Verdict(True, f"role {role!r} covers {', '.join(case.get('categories', []))}")


def latest_case(values: Iterable[bytes], case_id: str) -> dict | None:
    """The last open / update / reopen event of `case_id` among review-case records, without the
    evidence that a later `redact` event erased."""
    found, erased = None, set()
    for value in values:
        try:
            rec = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(rec, dict) or rec.get("case_id") != case_id:
            continue
        if rec.get("event") == "redact":
            erased.update(rec.get("redacted_event_ids") or [])
        else:
            found = rec
    if found is not None and erased:
        found = {**found, "evidence": [e for e in found.get("evidence", []) if e.get("event_id") not in erased]}
    return found


def matching_turn(values: Iterable[bytes], evidence: dict) -> dict | None:
    """The turn record with the evidence's event_id and, when recorded, the same text hash."""
    for value in values:
        try:
            rec = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(rec, dict) or rec.get("event_id") != evidence["event_id"] or not isinstance(rec.get("text"), str):
            continue
        digest = evidence.get("text_sha256")
        if digest and hashlib.sha256(rec["text"].encode()).hexdigest() != digest:
            continue  # same id, other text: not the turn that was scored
        return rec
    return None


def fetch_turn(settings: Settings, evidence: dict, margin_s: float) -> dict | None:
    """Read the turn back from the turns topic (every partition, no consumer group): first around
    its event time (`margin_s` either side), then, if it was produced later than that, the whole
    topic (bounded by its retention), stopping at the first match."""
    from stream.drivers.topic_source import read_topic

    ts_ms = int(parse_rfc3339(evidence["ts"]) * 1000)
    near = read_topic(settings, settings.topic("turns"), ts_ms, ts_ms, int(margin_s * 1000))
    found = matching_turn((r.value for r in near), evidence)
    if found is None:
        found = matching_turn((r.value for r in read_topic(settings, settings.topic("turns"))), evidence)
    return found


def fetch_case(settings: Settings, case_id: str) -> dict | None:
    """The case as the worker wrote it on the review-cases topic (a full scan)."""
    from stream.drivers.topic_source import read_topic

    return latest_case((r.value for r in read_topic(settings, settings.topic("review-cases"))), case_id)
