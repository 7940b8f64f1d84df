"""Inbound turns: parsing and validation at the edge.

`parse_turn` never raises on bad input: it returns a `Rejection` carrying the reason, so drivers
can dead-letter the record and carry on (nothing lost, nothing crashes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from stream.core.timeutil import parse_rfc3339
from stream.schemas import first_error


@dataclass(frozen=True, slots=True)
class Turn:
    event_id: str
    user_id: str
    conversation_id: str
    turn_index: int
    role: str
    text: str
    ts: float  # event time, epoch seconds (UTC)
    ts_text: str  # the timestamp as received
    tenant_id: str | None = None
    locale: str | None = None
    identity: dict = field(default_factory=dict)
    person_id: str | None = None  # set by account linking (or by the platform, if it knows)
    ban_evasion: dict | None = None  # set by account linking: a new account linked to a banned person
    prescored: dict | None = None  # zero-data-retention: text features computed before re-keying (text is "")

    def order_key(self) -> tuple:
        """Event-time order, ties broken deterministically."""
        return (self.ts, self.user_id, self.conversation_id, self.turn_index, self.event_id)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    error_path: str = ""
    event_id: str | None = None
    tenant_id: str | None = None


def parse_payload(raw: bytes | str | dict, schema: str, id_field: str = "event_id") -> dict | Rejection:
    """Decode one inbound record and validate it against `schemas/<schema>.schema.json`."""
    if isinstance(raw, dict):
        payload = raw
    else:
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Rejection(f"not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return Rejection(f"expected a JSON object, got {type(payload).__name__}")
    problem = first_error(schema, payload)
    if problem is not None:
        message, pointer = problem
        ident = payload.get(id_field) if isinstance(payload.get(id_field), str) else None
        tenant_id = payload.get("tenant_id") if isinstance(payload.get("tenant_id"), str) else None
        return Rejection(f"schema violation at {pointer}: {message}", pointer, ident, tenant_id)
    return payload


def parse_turn(raw: bytes | str | dict) -> Turn | Rejection:
    """Decode and validate one inbound record against `schemas/turn.schema.json`."""
    payload = parse_payload(raw, "turn")
    if isinstance(payload, Rejection):
        return payload
    event_id, tenant_id = payload["event_id"], payload.get("tenant_id")
    try:
        ts = parse_rfc3339(payload["ts"])
    except ValueError as exc:
        return Rejection(f"bad timestamp at /ts: {exc}", "/ts", event_id, tenant_id)
    return Turn(
        event_id=payload["event_id"],
        user_id=payload["user_id"],
        conversation_id=payload["conversation_id"],
        turn_index=payload["turn_index"],
        role=payload["role"],
        text=payload["text"],
        ts=ts,
        ts_text=payload["ts"],
        tenant_id=tenant_id,
        locale=payload.get("locale"),
        identity=dict(payload.get("identity") or {}),
        person_id=payload.get("person_id") if isinstance(payload.get("person_id"), str) else None,
        ban_evasion=payload.get("ban_evasion") if isinstance(payload.get("ban_evasion"), dict) else None,
        prescored=payload.get("prescored") if isinstance(payload.get("prescored"), dict) else None,
    )
