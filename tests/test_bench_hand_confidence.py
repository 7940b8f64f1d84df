"""bench/bench_hand_confidence.py lays out every hand scenario as the tests do (nothing replayed here)."""

from __future__ import annotations

import tests.test_escalation_replay as hand
from bench.bench_hand_confidence import scenario_rows


def test_every_person_of_every_hand_scenario_set_is_laid_out_once_in_event_time_order():
    rows = scenario_rows()
    expected = {f"{n}:{p}" for n in dir(hand) if n.isupper() and isinstance(getattr(hand, n), dict)
                for p in getattr(hand, n)}
    assert {r["user_id"] for r in rows} == expected and len(expected) > 40
    assert len({r["event_id"] for r in rows}) == len(rows), "event ids are unique across sets"
    assert [r["ts"] for r in rows] == sorted(r["ts"] for r in rows)
    issue = [r["text"] for r in rows if r["user_id"] == "THREATS:issue"]
    assert issue == list(hand.THREATS["issue"]), "a tuple of texts is one turn a day, in order"
