"""Edge validation: bad records become rejections with a reason, never exceptions."""

import orjson
import pytest

from stream.core.events import Rejection, Turn, parse_turn
from tests.fakes import turn


def test_valid_turn_parses_with_event_time():
    t = parse_turn(orjson.dumps(turn(1, "hello")))
    assert isinstance(t, Turn)
    assert t.user_id == "u1" and t.turn_index == 1 and t.role == "user"
    assert t.ts == pytest.approx(1790845260.0)


@pytest.mark.parametrize("raw,fragment", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (orjson.dumps({k: v for k, v in turn(1, "x").items() if k != "user_id"}), "'user_id' is a required property"),
    (orjson.dumps({**turn(1, "x"), "role": "narrator"}), "/role"),
    (orjson.dumps({**turn(1, "x"), "turn_index": -1}), "/turn_index"),
    (orjson.dumps({**turn(1, "x"), "ts": "yesterday"}), "/ts"),
    (orjson.dumps({**turn(1, "x"), "ts": "2026-10-01T09:00:00"}), "no UTC offset"),
])
def test_bad_records_are_rejected_with_reason(raw, fragment):
    r = parse_turn(raw)
    assert isinstance(r, Rejection)
    assert fragment in r.reason


def test_rejection_keeps_event_and_tenant_ids_when_present():
    r = parse_turn(orjson.dumps({**turn(7, "x"), "tenant_id": "t1", "role": 3}))
    assert isinstance(r, Rejection) and r.event_id == "e7" and r.tenant_id == "t1"


# -- hostile input (issue 15): forged internal fields, limits, future timestamps ------------------

from stream.core.deadletter import RAW_LIMIT, dead_letter_record, processing_error  # noqa: E402
from stream.core.events import INTERNAL_FIELDS, Limits  # noqa: E402
from stream.core.timeutil import parse_rfc3339  # noqa: E402

NOW = parse_rfc3339("2026-10-01T12:00:00Z")


@pytest.mark.parametrize("field,value", [("control", "purge"), ("control", "erase"), ("prescored", {}),
                                         ("ban_evasion", {"decision_id": "d", "categories": ["violence"]}),
                                         ("text_chars", 5), ("request", {"user_id": "x"}), ("now", 4e9)])
def test_internal_fields_from_outside_are_rejected_as_forged(field, value):
    r = parse_turn(orjson.dumps({field: value, **turn(1, "hello")}), now=NOW)
    assert isinstance(r, Rejection) and "forged internal field" in r.reason and r.error_path == f"/{field}"
    assert field in INTERNAL_FIELDS


def test_unknown_fields_are_rejected_and_internal_ones_need_the_internal_schema():
    r = parse_turn(orjson.dumps({**turn(1, "x"), "priority": 1}))
    assert isinstance(r, Rejection) and "'priority' was unexpected" in r.reason
    inner = {**turn(1, "x"), "person_id": "p:u1", "prescored": {}}
    r = parse_turn(orjson.dumps(inner), internal=True)
    assert isinstance(r, Rejection) and "/prescored" in r.reason, "a malformed prescore is caught, not a crash"
    ok = parse_turn(orjson.dumps({**inner, "ban_evasion": {"decision_id": "d"}, "prescored": None} | {"prescored": {
        "alone": {"scores": {}, "flags": {}, "signals": []}, "text_sha256": "ab"}}), internal=True)
    assert isinstance(ok, Turn) and ok.prescored and ok.ban_evasion == {"decision_id": "d"}


def test_a_timestamp_beyond_the_allowed_skew_is_rejected():
    limits = Limits(max_future_skew_s=300)
    assert isinstance(parse_turn(orjson.dumps({**turn(1, "x"), "ts": "2026-10-01T12:04:59Z"}), limits, NOW), Turn)
    r = parse_turn(orjson.dumps({**turn(1, "x"), "ts": "2999-01-01T00:00:00Z"}), limits, NOW)
    assert isinstance(r, Rejection) and r.error_path == "/ts" and "ahead of the clock" in r.reason
    assert isinstance(parse_turn(orjson.dumps({**turn(1, "x"), "ts": "2026-10-01T12:05:01Z"}), limits, NOW),
                      Rejection)


def test_size_and_depth_limits():
    limits = Limits(max_record_bytes=2000, max_depth=4)
    r = parse_turn(orjson.dumps(turn(1, "x" * 3000)), limits)
    assert isinstance(r, Rejection) and "record too large" in r.reason
    deep = b'{"a":' * 500 + b"1" + b"}" * 500  # 500-deep nesting, as the attacker sent it
    r = parse_turn(orjson.dumps(turn(1, "x"))[:-1] + b',"identity":' + deep + b"}")
    assert isinstance(r, Rejection) and "nested deeper than 16" in r.reason
    assert isinstance(parse_turn(b"[" * 5000 + b"]" * 5000), Rejection)


def test_a_long_text_is_scored_by_its_prefix_and_says_so():
    t = parse_turn(orjson.dumps(turn(1, "ab" * 600)), Limits(max_text_chars=1000))
    assert isinstance(t, Turn) and t.text == "ab" * 500 and t.text_chars == 1200
    assert parse_turn(orjson.dumps(turn(1, "short"))).text_chars is None


def test_dead_letters_are_bounded_and_withhold_zdr_and_unknown_tenants():
    raw = orjson.dumps({**turn(1, "é" * 3_000_000), "role": "narrator"})
    r = parse_turn(raw, Limits(max_record_bytes=10_000_000))
    rec = dead_letter_record(r, raw, {"topic": "t"}, "u1", NOW)
    assert len(orjson.dumps(rec)) < 2 * RAW_LIMIT, "never the whole value quoted"
    assert rec["raw_truncated"] is True and rec["raw_bytes"] == len(raw) and len(rec["reason"]) <= 500
    garbage = b"\xff not json Vexmorrow"
    withheld = dead_letter_record(parse_turn(garbage), garbage, {"topic": "t"}, "u1", NOW, frozenset({"z"}))
    assert withheld["raw"] is None and withheld["key"] is None and b"Vexmorrow" not in orjson.dumps(withheld)
    kept = dead_letter_record(parse_turn(garbage), garbage, {"topic": "t"}, "u1", NOW)
    assert kept["raw_encoding"] == "base64", "without ZDR tenants configured the record is kept to be re-driven"
    huge = Rejection("schema violation", "/event_id", "e" * 900_000, "t" * 900_000)
    rec = dead_letter_record(huge, b"{}", {"topic": "t"}, "k" * 900_000, NOW, frozenset({"z"}))
    assert len(orjson.dumps(rec)) < 2_000 and rec["tenant_id"] is None and rec["raw"] is None
    err = processing_error(KeyError("alone"), "e1", "z")
    assert dead_letter_record(err, b"{}", {"topic": "t"}, None, NOW, frozenset({"z"}))["raw"] is None
