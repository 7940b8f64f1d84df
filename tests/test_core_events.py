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
