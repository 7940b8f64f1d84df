"""Malformed and forged turn records for the fault-injection suites (worker and replay).

Each is what some producer could write to the public turns topic; every one must be dead-lettered
with a reason, and none may cost a good turn its score or plant anything in anyone's window.
Timestamps are near the wall clock so that the worker's future-skew bound is what is tested.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson

ZDR = "tenant-zdr"
ZDR_SECRET = "Quorvantil"  # made-up word in a ZDR tenant's malformed record: must reach no topic
VICTIM = "vic"  # has a window and an open case before the hostile records arrive
INNOCENT = "inno"  # forged records try to open cases against this user


def ts(minutes_from_now: float = -5.0) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes_from_now)).strftime("%Y-%m-%dT%H:%M:%SZ")


def good(event_id: str, user: str, text: str, minutes: float = -5.0, **extra) -> dict:
    return {"event_id": event_id, "user_id": user, "conversation_id": f"conv-{user}", "turn_index": 1,
            "role": "user", "text": text, "ts": ts(minutes), **extra}


def _with(i: int, **changes) -> bytes:
    base = good(f"bad-{i}", INNOCENT, "can you recommend a good book about gardening?")
    base.update(changes)
    return orjson.dumps({k: v for k, v in base.items() if v is not _DROP})


_DROP = object()
_FORGED_PRESCORE = {"alone": {"scores": {"violence": 0.99}, "flags": {"violence": True}, "signals": []},
                    "scores": {"violence": 0.99}, "contextual": False, "stages": ["violence:imminence"],
                    "text_sha256": "00"}


def hostile_records() -> list[tuple[str, bytes]]:
    """(kind, raw value) pairs: at least 40 kinds."""
    deep = b'{"a":' * 500 + b"1" + b"}" * 500
    raw_turn = orjson.dumps(good("bad-deep", INNOCENT, "hello"))
    rows = [
        ("not json", b"{not json"),
        ("empty value", b""),
        ("truncated json", _with(1)[:40]),
        ("json array", b"[1, 2, 3]"),
        ("json string", b'"a turn"'),
        ("json number", b"42"),
        ("json null", b"null"),
        ("binary garbage", b"\xff\xfe\x00\x01riskstream"),
        ("invalid utf-8 in a string", _with(2).replace(b"gardening", b"garden\xff\xfeing")),
        ("lone surrogate", _with(3).replace(b"gardening", b"garden\\ud800ing")),
        ("NaN", _with(4)[:-1] + b', "score": NaN}'),
        ("missing event_id", _with(5, event_id=_DROP)),
        ("missing user_id", _with(6, user_id=_DROP)),
        ("missing text", _with(7, text=_DROP)),
        ("missing ts", _with(8, ts=_DROP)),
        ("missing conversation_id", _with(9, conversation_id=_DROP)),
        ("turn_index as string", _with(10, turn_index="1")),
        ("negative turn_index", _with(11, turn_index=-1)),
        ("huge turn_index", _with(12).replace(b'"turn_index":1', b'"turn_index":1e40')),
        ("unknown role", _with(13, role="narrator")),
        ("text as number", _with(14, text=12345)),
        ("text null", _with(15, text=None)),
        ("ts not a date", _with(16, ts="yesterday")),
        ("ts without offset", _with(17, ts="2026-10-01T09:00:00")),
        ("ts far in the future", _with(18, ts="2999-01-01T00:00:00Z")),
        ("ts an hour ahead", _with(19, ts=ts(60))),
        ("empty event_id", _with(20, event_id="")),
        ("user_id too long", _with(21, user_id="u" * 300)),
        ("event_id of 900 KB", _with(37, event_id="e" * 900_000)),
        ("tenant_id of 900 KB", _with(38, tenant_id=ZDR + "x" * 900_000)),
        ("empty tenant_id", _with(22, tenant_id="")),
        ("locale too long", _with(23, locale="x" * 100)),
        ("empty person_id", _with(24, person_id="")),
        ("identity not an object", _with(25, identity="device-1")),
        ("identity unknown signal", _with(26, identity={"ip_hash": "abc"})),
        ("conversation_id an object", _with(27, conversation_id={"id": "c"})),
        ("500-deep nesting", raw_turn[:-1] + b',"identity":' + deep + b"}"),
        ("5000-deep arrays", b"[" * 5000 + b"]" * 5000),
        ("forged control purge", orjson.dumps({"control": "purge", "person_id": f"p:{VICTIM}", "now": 4.0e10,
                                               **good("bad-purge", INNOCENT, "hi")})),
        ("forged control erase", orjson.dumps({"control": "erase", "person_id": f"p:{VICTIM}", **good(
            "bad-erase", INNOCENT, "hi"), "request": {"request_id": "forged", "user_id": VICTIM,
                                                     "ts": ts(), "type": "delete_user"}})),
        ("forged ban_evasion", _with(30, ban_evasion={"decision_id": "d-forged", "categories": ["violence"],
                                                      "linked_via": "device_hash:x"})),
        ("forged empty prescored", _with(31, prescored={})),
        ("forged prescored scores", _with(32, prescored=_FORGED_PRESCORE, text="")),
        ("forged text_chars", _with(33, text_chars=5)),
        ("unknown field", _with(34, priority=1)),
        ("5 MB text", _with(35, text="A" * 5_000_000)),
        ("ZDR tenant malformed", _with(36, tenant_id=ZDR, role=f"{ZDR_SECRET} villain")),
        ("ZDR tenant unparseable", f'{{"tenant_id": "{ZDR}", "text": "{ZDR_SECRET}", '.encode()),
    ]
    assert len(rows) >= 40 and len({k for k, _ in rows}) == len(rows)
    return rows


def canary(i: int) -> dict:
    """A good turn sent after each hostile record: it must be scored."""
    return good(f"canary-{i}", f"canary-{i}", f"what is a good recipe for banana bread, batch {i}?")
