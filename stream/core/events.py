"""Inbound turns: parsing and validation at the edge.

`parse_turn` never raises on bad input: it returns a `Rejection` carrying the reason, so drivers
can dead-letter the record and carry on (nothing lost, nothing crashes). Hostile input is bounded
here, before anything else reads it: record size, nesting depth, a timestamp claiming the future
(it would move retention clocks), and riskstream's internal fields, which only the worker itself
may set (on the internal turns-by-person topic, `internal=True`). Text beyond `max_text_chars` is
kept as a prefix for scoring and the turn says so (`text_chars`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import orjson

from stream.core.timeutil import parse_rfc3339
from stream.core.typecheck import type_errors
from stream.schemas import fields_of, first_error


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
    text_chars: int | None = None  # original text length when only a prefix is kept for scoring

    def order_key(self) -> tuple:
        """Event-time order, ties broken deterministically."""
        return (self.ts, self.user_id, self.conversation_id, self.turn_index, self.event_id)


# Set only by the worker (account linking, zero-data-retention scoring, control records): a turn
# from outside that carries one is forged and dead-lettered.
INTERNAL_FIELDS = frozenset({"ban_evasion", "prescored", "text_chars", "control", "request", "accounts", "now"})


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one inbound record (configurable per deployment, see stream/config.py)."""

    max_record_bytes: int = 1_000_000  # larger records are dead-lettered unread
    max_depth: int = 16  # JSON nesting (a valid turn needs 2)
    max_text_chars: int = 20_000  # only this prefix of a longer text is scored (and the score says so)
    max_future_skew_s: float = 300.0  # a ts further ahead of the wall clock than this is rejected

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        problems = type_errors(Limits, values) or [f"{k} must be positive, got {v}" for k, v in values.items() if v <= 0]
        if problems:
            raise ValueError("; ".join(problems))


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    error_path: str = ""
    event_id: str | None = None
    tenant_id: str | None = None


def parse_payload(raw: bytes | str | dict, schema: str, id_field: str = "event_id",
                  limits: Limits = DEFAULT_LIMITS, forbidden: frozenset[str] = frozenset(),
                  extension: str | None = None) -> dict | Rejection:
    """Decode one inbound record (bounded in size and depth) and validate it against
    `schemas/<schema>.schema.json`; a `forbidden` field is named as forged. With an `extension`
    schema, the fields it declares are validated by it and the others by `schema` (two closed
    schemas: much faster than one schema extending the other with unevaluatedProperties)."""
    if isinstance(raw, dict):
        payload = raw
    else:
        if len(raw) > limits.max_record_bytes:
            return Rejection(f"record too large: {len(raw)} bytes (limit {limits.max_record_bytes})")
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Rejection(f"not valid JSON: {str(exc)[:200]}")
    if not isinstance(payload, dict):
        return Rejection(f"expected a JSON object, got {type(payload).__name__}")
    if _depth_exceeds(payload, limits.max_depth):
        return Rejection(f"nested deeper than {limits.max_depth} levels", "", *_ids(payload, id_field))
    forged = sorted(forbidden & payload.keys())
    if forged:
        return Rejection(f"forged internal field {forged[0]!r}: only riskstream itself sets it", f"/{forged[0]}",
                         *_ids(payload, id_field))
    if extension is None:
        problem = first_error(schema, payload)
    else:
        added, base = fields_of(extension), fields_of(schema)  # a field both declare is checked by both
        problem = (first_error(schema, {k: v for k, v in payload.items() if k in base or k not in added})
                   or first_error(extension, {k: v for k, v in payload.items() if k in added}))
    if problem is not None:
        message, pointer = problem
        return Rejection(f"schema violation at {pointer}: {message}", pointer, *_ids(payload, id_field))
    return payload


def _ids(payload: dict, id_field: str) -> tuple[str | None, str | None]:
    """The record's id and tenant, when they are strings (for the dead letter)."""
    ident, tenant = payload.get(id_field), payload.get("tenant_id")
    return (ident if isinstance(ident, str) else None), (tenant if isinstance(tenant, str) else None)


def _depth_exceeds(value, limit: int) -> bool:
    """Iterative (a recursive walk is what deep nesting attacks)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_turn(raw: bytes | str | dict, limits: Limits = DEFAULT_LIMITS, now: float | None = None,
               internal: bool = False) -> Turn | Rejection:
    """Decode and validate one turn: from outside against `schemas/turn.schema.json`, which has no
    internal field; from the worker's own turns-by-person topic (`internal`) against
    `schemas/person-turn.schema.json`. `now` (wall clock) bounds how far ahead `ts` may claim to be."""
    payload = parse_payload(raw, "turn", limits=limits, forbidden=frozenset() if internal else INTERNAL_FIELDS,
                            extension="person-turn" if internal else None)
    if isinstance(payload, Rejection):
        return payload
    event_id, tenant_id = payload["event_id"], payload.get("tenant_id")
    try:
        ts = parse_rfc3339(payload["ts"])
    except ValueError as exc:
        return Rejection(f"bad timestamp at /ts: {exc}", "/ts", event_id, tenant_id)
    if now is not None and ts > now + limits.max_future_skew_s:
        return Rejection(f"timestamp {payload['ts']} is more than {limits.max_future_skew_s:g}s ahead of the clock",
                         "/ts", event_id, tenant_id)
    text, text_chars = payload["text"], payload.get("text_chars")
    if len(text) > limits.max_text_chars:
        text, text_chars = text[: limits.max_text_chars], len(text)
    return Turn(
        event_id=payload["event_id"],
        user_id=payload["user_id"],
        conversation_id=payload["conversation_id"],
        turn_index=payload["turn_index"],
        role=payload["role"],
        text=text,
        ts=ts,
        ts_text=payload["ts"],
        tenant_id=tenant_id,
        locale=payload.get("locale"),
        identity=dict(payload.get("identity") or {}),
        person_id=payload.get("person_id") if isinstance(payload.get("person_id"), str) else None,
        ban_evasion=payload.get("ban_evasion") if isinstance(payload.get("ban_evasion"), dict) else None,
        prescored=payload.get("prescored") if isinstance(payload.get("prescored"), dict) else None,
        text_chars=text_chars,
    )


def person_turn(turn: Turn, person_id: str, ban_evasion: dict | None = None) -> Turn:
    """The turn `detect` reads off turns-by-person (`person_payload` and its parse), without the trip:
    for a turn detected on its person's home partition (tests/test_drivers_home.py holds them equal)."""
    return replace(turn, person_id=person_id, ban_evasion=ban_evasion)


def person_payload(turn: Turn, person_id: str) -> dict:
    """The record for turns-by-person, rebuilt field by field from a validated turn: nothing the
    producer sent beyond the public fields can travel on (see `INTERNAL_FIELDS`)."""
    out = {"event_id": turn.event_id, "user_id": turn.user_id, "conversation_id": turn.conversation_id,
           "turn_index": turn.turn_index, "role": turn.role, "text": turn.text, "ts": turn.ts_text,
           "person_id": person_id}
    for name in ("tenant_id", "locale", "text_chars"):
        if getattr(turn, name) is not None:
            out[name] = getattr(turn, name)
    if turn.identity:
        out["identity"] = dict(turn.identity)
    return out
