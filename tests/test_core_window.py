"""Stored window state: compact (UUID ids cost little), lossless, and still able to read the first format."""

import dataclasses
import random
import uuid
from pathlib import Path

import orjson
import pytest

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.trajectory import TrajectoryModel
from stream.core.window import FORMAT, UserWindow, redelivery_key
from tests.fakes import TagScorer

MODELS = Path(__file__).resolve().parents[1] / "models"
_TEXTS = ["Can you help me plan a three day trip to Lisbon with two kids in October?",
          "What is the difference between a Roth IRA and a traditional one, in simple words?",
          "Please rewrite this paragraph so it sounds more formal for my manager.",
          "ok and how long would that take by train from Porto?"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _person_turns(n: int = 70, seed: int = 3) -> list[dict]:
    """An active person as production sends them: UUID ids, two accounts linked by a device, turns
    at millisecond times over four conversations, mild classifier noise and a few risky turns."""
    rng = random.Random(seed)
    accounts = [_uuid(rng), _uuid(rng)]
    convs = [_uuid(rng) for _ in range(4)]
    rows = []
    for i in range(n):
        text = rng.choice(_TEXTS)
        if i % 9 == 4:
            text = f"[harassment={rng.uniform(0.1, 0.3):.3f}] [violence={rng.uniform(0.1, 0.3):.3f}] " + text
        if i in (13, 28, 52, 61):
            text = f"[harassment={rng.uniform(0.4, 0.6):.3f}] they laughed at me again, I am sick of those people"
        rows.append({"event_id": _uuid(rng), "user_id": accounts[i % 2], "conversation_id": convs[i * 4 // n],
                     "turn_index": i, "role": "assistant" if i % 3 == 2 else "user", "text": text,
                     "ts": f"2026-10-{1 + i // 10:02d}T{9 + i % 10:02d}:{i % 60:02d}:{(7 * i) % 60:02d}.{(37 * i) % 1000:03d}Z",
                     "identity": {"device_hash": "d" * 32}})
    return rows


def _replay(rows: list[dict], config: PolicyConfig | None = None) -> tuple[MemoryStore, list]:
    from stream.core.identity import DictRegistry
    from stream.core.pipeline import with_person

    det = Detector(TagScorer(), config or PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
    registry = DictRegistry()
    turns = [with_person(t, registry) for t in sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())]
    store = MemoryStore()
    effects = [e for _, effs in run_batch(det, turns, store) for e in effs]
    return store, effects


def _first_format(w: UserWindow, event_ids: list[str]) -> dict:
    """What the first format stored for `w` (field names, full event ids in the ring)."""
    d = dataclasses.asdict(w)
    d["recent_ids"] = event_ids[-64:]
    d["conversations"] = []
    return d


@pytest.mark.parametrize("n, bound", [(20, 1100), (70, 2560)])
def test_an_active_persons_window_with_uuid_ids_is_small(n, bound):
    """20 turns over two linked accounts with one evidence turn: about 1 KB (the first format: 2.5 KB);
    a full redelivery ring (64 turns: 704 bytes of it) with four evidence turns: 2.5 KB (6 KB)."""
    rows = _person_turns(n)
    store, _ = _replay(rows)
    [stored] = store.data.values()
    window = UserWindow.from_dict(stored)
    assert len(window.recent_ids) == min(n, 64) and window.peaks and window.evidence and len(window.context) == 3
    size = len(orjson.dumps(stored))
    assert size <= bound, f"{size} bytes for one active person"
    assert len(orjson.dumps(_first_format(window, [r["event_id"] for r in rows]))) > 2.2 * size


def test_the_stored_form_reads_back_as_the_same_window():
    rows = _person_turns(seed=5)
    rows[40]["text"] = "[harassment/threatening=0.95] I know where you live"
    rows[40]["role"] = "user"
    store, _ = _replay(rows, PolicyConfig(min_contribution=0.1))
    [stored] = store.data.values()
    assert stored["v"] == FORMAT and "evidence" not in stored
    window = UserWindow.from_dict(stored)
    assert window.case is not None and len(window.evidence) > 3 and window.stages
    again = UserWindow.from_dict(orjson.loads(orjson.dumps(window.to_dict())))
    assert again == window
    assert orjson.dumps(again.to_dict()) == orjson.dumps(stored)


def test_odd_values_survive_the_round_trip():
    """Ids that are not UUIDs, times off the millisecond, scores under unknown keys, foreign signals."""
    rng = random.Random(1)
    ev = {"event_id": "E-1", "conversation_id": _uuid(rng), "turn_index": 3, "ts": 1790000000.0001234,
          "role": "user", "top_category": "violence", "score": 0.5, "scores": {"violence": 0.5, "other": 0.2},
          "excerpt": "a [EMAIL] b", "redactions": [{"kind": "email", "start": 2, "end": 9}],
          "text_sha256": "not-a-sha", "signals": [{"kind": "blocklist", "source_id": "bl-1", "category": "violence",
                                                   "detail": "x"}, {"detail": "odd order", "kind": "model"}],
          "user_id": "", "stages": ["violence:grievance", "custom:stage"], "contextual": True}
    old = {"user_id": "p:acct", "updated": 1790000500.25, "risk": {"violence": 0.3},
           "evidence": [ev], "recent_ids": ["E-1"], "conversations": ["c"], "case": None, "turns": 4,
           "stages": {"violence:grievance": [1790000000.0001234, "E-1"]},
           "context": [{"event_id": "E-1", "conversation_id": "c", "ts": 1790000000.0001234, "text": "a [EMAIL] b",
                        "scores": {"violence": 0.5}, "stages": ["violence:grievance"]},
                       {"conversation_id": "c", "ts": 17, "text": "older format", "scores": {}}],
           "peaks": {"violence": [[0.5, 1790000000.0001234, "E-1"], [0.2, 1789999000.5, "E-0", "acct-2"]]}}
    window = UserWindow.from_dict(old)
    assert UserWindow.from_dict(orjson.loads(orjson.dumps(window.to_dict()))) == window


def test_windows_of_the_first_format_are_read():
    """Windows already in RocksDB and on changelogs were written with field names and full ids."""
    old = {"user_id": "p:9b2f0c7e-3a51-4d0e-9c1f-5d6e7f8a9b0c", "updated": 1790600000.0,
           "risk": {"violence": 0.8, "harassment": 0.4},
           "evidence": [{"event_id": "0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d", "conversation_id": "conv-1",
                         "turn_index": 2, "ts": 1790590000.0, "role": "user", "top_category": "violence", "score": 0.8,
                         "scores": {"violence": 0.8}, "excerpt": "I will make them pay", "redactions": [],
                         "text_sha256": "ab" * 32, "signals": [], "user_id": "9b2f0c7e-3a51-4d0e-9c1f-5d6e7f8a9b0c",
                         "stages": ["violence:ideation"], "contextual": False}],
           "conversations": ["conv-1"], "recent_ids": ["0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d", "x-2"],
           "case": {"case_id": "case-abc", "opened_at": 1790590000.0, "updated_at": 1790590000.0,
                    "last_emitted_at": 1790590000.0, "categories": ["violence"], "severity": 0.7, "priority": 2,
                    "route": "enforcement", "rule": "escalation",
                    "evidence_ids": ["0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"]},
           "turns": 5, "stages": {"violence:ideation": [1790590000.0, "0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"]},
           "context": [{"event_id": "0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d", "conversation_id": "conv-1",
                        "ts": 1790590000.0, "text": "I will make them pay", "scores": {"violence": 0.8}}],
           "peaks": {"violence": [[0.8, 1790590000.0, "0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"]]}}
    w = UserWindow.from_dict(old)
    assert w.user_id == old["user_id"] and w.risk == old["risk"] and w.turns == 5
    assert w.evidence[0].excerpt == "I will make them pay" and w.evidence[0].stages == ["violence:ideation"]
    assert w.case.case_id == "case-abc" and w.case.evidence_ids == ["0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"]
    assert w.recent_ids == [redelivery_key("0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"), redelivery_key("x-2")]
    assert w.context == old["context"] and w.peaks == old["peaks"] and w.stages == old["stages"]
    assert UserWindow.from_dict(w.to_dict()) == w  # rewritten in the compact form on its next update

    # a turn of the old ring delivered again is still recognised
    det = Detector(TagScorer())
    redelivered = parse_turn({"event_id": "x-2", "user_id": "u", "conversation_id": "conv-1", "turn_index": 9,
                              "role": "user", "text": "[violence=0.9] again", "ts": "2026-09-28T12:00:00Z",
                              "person_id": old["user_id"]})
    step = det.step(w, redelivered, det.score([redelivered])[0])
    assert step.effects == [] and step.window.turns == 5


def test_detection_does_not_reflect_over_dataclasses(monkeypatch):
    """The per-turn path writes windows by hand (dataclasses.asdict cost ~1 ms a turn)."""
    def forbidden(*_a, **_k):
        raise AssertionError("dataclasses.asdict in the per-turn path")

    monkeypatch.setattr(dataclasses, "asdict", forbidden)
    store, effects = _replay(_person_turns(n=30))
    assert store.data and any(e.kind == "score" for e in effects)


@pytest.mark.parametrize("context_turns", [0, 1, 2, 3])
def test_context_text_is_dropped_only_where_no_later_turn_reads_it(context_turns):
    rows = _person_turns(n=12)
    for r in rows:
        r["role"] = "user"
    store, _ = _replay(rows, PolicyConfig(context_turns=context_turns))
    w = UserWindow.from_dict(next(iter(store.data.values())))
    reads = w.context[-context_turns:]
    assert all("text" in c for c in reads) and all("text" not in c for c in w.context if c not in reads)
