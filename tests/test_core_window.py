"""Stored window state: compact (UUID ids cost little), lossless, and still able to read formats 1 and 2."""

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
from stream.core.window import UserWindow, redelivery_key
from stream.core.window_codec import FORMAT, updated_of
from tests.fakes import TagScorer

MODELS = Path(__file__).resolve().parents[1] / "models"
FORMAT2 = orjson.loads((Path(__file__).resolve().parent / "data" / "windows_format2.json").read_bytes())
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


@pytest.mark.parametrize("n", [20, 70])
def test_an_active_persons_window_with_uuid_ids_is_small(n):
    """UUIDs are stored as their 16 bytes, never as 36 characters; the whole window is less than a
    third of what the first format stored for it."""
    rows = _person_turns(n)
    store, _ = _replay(rows)
    [stored] = store.data.values()
    window = UserWindow.from_stored(stored)
    assert len(window.recent_ids) == min(n, 64) and window.peaks and window.evidence and len(window.context) == 3
    ids = {i for e in window.evidence for i in (e.event_id, e.conversation_id, e.user_id)}
    assert all(uuid.UUID(i).bytes in stored and i.encode() not in stored for i in ids)
    assert 3 * len(stored) < len(orjson.dumps(_first_format(window, [r["event_id"] for r in rows])))


def _irreducible(w: UserWindow) -> int:
    """Bytes no encoding of `w` avoids: 16 per distinct UUID, 8 per ring key, 32 per text hash, the excerpts."""
    ids = {w.user_id[-36:]} | {i for e in w.evidence for i in (e.event_id, e.conversation_id, e.user_id)}
    ids |= {i for c in w.context for i in (c.get("event_id", ""), c.get("conversation_id", ""))}
    ids |= {p[2] for peaks in w.peaks.values() for p in peaks} | {v[1] for v in w.stages.values()}
    texts = {e.excerpt for e in w.evidence if e.excerpt} | {c["text"] for c in w.context if c.get("text")}
    return (16 * sum(1 for i in ids if len(i) == 36) + 8 * len(w.recent_ids)
            + 32 * sum(1 for e in w.evidence if e.text_sha256) + sum(len(t.encode()) for t in texts))


@pytest.mark.parametrize("fixture", FORMAT2, ids=[f["note"] for f in FORMAT2])
def test_the_stored_form_is_smaller_than_format_2_on_the_same_window(fixture):
    """Beyond what no encoding avoids (ids, ring, hashes, excerpts), format 3 spends at most half of
    what format 2 spent on the same window."""
    old = orjson.dumps(fixture["stored"])
    window = UserWindow.from_stored(old)
    new = window.to_stored()
    base = _irreducible(window)
    assert len(new) < len(old) and len(new) - base <= (len(old) - base) / 2, (len(new), len(old), base)


def test_the_stored_form_reads_back_as_the_same_window():
    rows = _person_turns(seed=5)
    rows[40]["text"] = "[harassment/threatening=0.95] I know where you live"
    rows[40]["role"] = "user"
    store, _ = _replay(rows, PolicyConfig(min_contribution=0.1))
    [stored] = store.data.values()
    assert stored[0] == FORMAT
    window = UserWindow.from_stored(stored)
    assert window.case is not None and len(window.evidence) > 3 and window.stages
    again = UserWindow.from_stored(window.to_stored())
    assert again == window and again.to_stored() == stored


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
                        "scores": {"violence": 0.5}, "stages": ["violence:grievance"],
                        "reply": "the assistant's reply", "reply_scores": {"violence": 0.25}},
                       {"conversation_id": "c", "ts": 17, "text": "older format", "scores": {}}],
           "peaks": {"violence": [[0.5, 1790000000.0001234, "E-1"], [0.2, 1789999000.5, "E-0", "acct-2"]]}}
    window = UserWindow.from_stored(old)
    assert UserWindow.from_stored(window.to_stored()) == window
    assert b"the assistant's reply" in window.to_stored(), "stored as plain text, like every excerpt"


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
    w = UserWindow.from_stored(old)
    assert UserWindow.from_stored(orjson.dumps(old)) == w, "as a changelog delivers it: JSON bytes"
    assert w.user_id == old["user_id"] and w.risk == old["risk"] and w.turns == 5
    assert w.evidence[0].excerpt == "I will make them pay" and w.evidence[0].stages == ["violence:ideation"]
    assert w.case.case_id == "case-abc" and w.case.evidence_ids == ["0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"]
    assert w.recent_ids == [redelivery_key("0f8e2d5c-1111-4a2b-8c3d-4e5f6a7b8c9d"), redelivery_key("x-2")]
    assert w.context == old["context"] and w.peaks == old["peaks"] and w.stages == old["stages"]
    assert UserWindow.from_stored(w.to_stored()) == w  # rewritten in the compact form on its next update

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
    w = UserWindow.from_stored(next(iter(store.data.values())))
    reads = w.context[-context_turns:]
    assert all("text" in c for c in reads) and all("text" not in c for c in w.context if c not in reads)


def _as_read_now(written: dict) -> dict:
    """A fixture window as this version reads it: fields added since it was written at their default
    (the window's hindsight, heading readings and direction, the evidence's `unsaid`)."""
    return {"hindsight": [], "heading": [], "direction": [], **written, "evidence": [{"unsaid": [], **e} for e in written["evidence"]]}


@pytest.mark.parametrize("fixture", FORMAT2, ids=[f["note"] for f in FORMAT2])
def test_windows_of_the_second_format_are_read(fixture):
    """Blobs the format-2 writer stored (tests/data/windows_format2.json, written by it) read back as
    the windows it wrote, whether a changelog delivers JSON bytes or a store holds the object."""
    for stored in (orjson.dumps(fixture["stored"]), fixture["stored"]):
        window = UserWindow.from_stored(stored)
        assert dataclasses.asdict(window) == _as_read_now(fixture["window"])
        assert updated_of(stored) == window.updated
        assert UserWindow.from_stored(window.to_stored()) == window


# -- round trips over varied windows ----------------------------------------------------------------------
_WORDS = ["threat", "\u00e9l\u00e8ve", "\u4f60\u597d\u4e16\u754c", "\U0001f600\u200d\U0001f525", "a\"quote\"",
          "back\\slash", "new\nline", "\u0645\u0631\u062d\u0628\u0627", "", "[EMAIL]", "tab\tthere", "\x00nul"]


def _any_id(rng: random.Random) -> str:
    kind = rng.randrange(7)
    u = _uuid(rng)
    return [u, u.upper(), "p:" + u, f"e{rng.randrange(10**6)}", u.replace("-", ""), "\u00fcser-" + u[:5], ""][kind]


def _time(rng: random.Random, base: float) -> float:
    t = base - rng.randrange(0, 30 * 86400 * 1000) / 1000
    return [t, t + rng.random() * 1e-3, float(round(t))][rng.randrange(3)]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(0, 12)))[: rng.choice([0, 5, 400])]


def _scores(rng: random.Random) -> dict[str, float]:
    from stream.taxonomy import CATEGORIES
    out = {c: round(rng.random(), rng.choice([4, 17])) for c in rng.sample(CATEGORIES, rng.randrange(0, 4))}
    if rng.random() < 0.1:
        out["not-a-category"] = 0.5
    return out


def _random_window(seed: int) -> UserWindow:
    """A window with ids of several kinds, unicode excerpts, empty fields and (one in four) no text at all (ZDR)."""
    from stream.core.window import Evidence, OpenCase
    from stream.core.window_codec import _STAGE_KEYS
    from stream.taxonomy import CATEGORIES

    rng = random.Random(seed)
    zdr = rng.random() < 0.25
    base = rng.choice([1790000000.0, 1790000123.456, 1790000123.4567891])
    events = [(_any_id(rng), _time(rng, base)) for _ in range(rng.randrange(0, 8))]
    convs, accounts = [_any_id(rng) for _ in range(3)], [_any_id(rng) for _ in range(2)]
    stages = list(_STAGE_KEYS) + ["custom:stage"]
    evidence = []
    for event_id, ts in events[: rng.randrange(0, len(events) + 1)]:
        scores = _scores(rng) or {"violence": 0.5}
        top = max(scores, key=lambda c: (scores[c], c)) if rng.random() < 0.8 else rng.choice(CATEGORIES)
        evidence.append(Evidence(
            event_id, rng.choice(convs), rng.randrange(50), ts, rng.choice(["user", "user", "assistant"]), top,
            scores.get(top, 0.3), scores, None if zdr else _text(rng),
            [{"kind": "email", "start": 1, "end": 8}] if rng.random() < 0.3 else [],
            rng.choice(["", bytes(rng.randrange(256) for _ in range(32)).hex(), "not-a-sha", "AB" * 32]),
            [{"kind": "model", "source_id": _any_id(rng), "category": "violence", "detail": "violence:ideation"}]
            if rng.random() < 0.3 else [], rng.choice(["", *accounts]), rng.sample(stages, rng.randrange(3)),
            rng.random() < 0.2))
    # some of them kept to cite in hindsight instead (stream/core/hindsight.py): the same record, its own list
    later = [rng.random() < 0.25 for _ in evidence]
    hindsight = [e for e, h in zip(evidence, later) if h]
    evidence = [e for e, h in zip(evidence, later) if not h]
    context = []
    for event_id, ts in events[-3:]:
        c = {"event_id": event_id, "conversation_id": rng.choice(convs), "ts": ts, "scores": _scores(rng)}
        if not zdr and rng.random() < 0.7:
            same = [e.excerpt for e in evidence if e.event_id == event_id and e.excerpt is not None]
            c["text"] = same[0] if same and rng.random() < 0.5 else _text(rng) if rng.random() < 0.9 else None
        if rng.random() < 0.3:
            c["stages"] = rng.sample(stages, 1)
        context.append(c)
    case = None
    if evidence and rng.random() < 0.5:
        case = OpenCase(_any_id(rng), _time(rng, base), base, base, [evidence[0].top_category], rng.random(),
                        rng.randrange(1, 5), rng.choice(["enforcement", "support"]), "escalation",
                        [e.event_id for e in evidence])
    return UserWindow(
        user_id=_any_id(rng), updated=base,
        risk={c: round(rng.random(), 6) for c in rng.sample(CATEGORIES, rng.randrange(0, 4))},
        evidence=evidence, recent_ids=[redelivery_key(e) if rng.random() < 0.95 else e for e, _ in events],
        case=case, turns=rng.randrange(100),
        stages={k: [ts, e] for k, (e, ts) in zip(rng.sample(stages, 3), events)}, context=context,
        peaks={c: [[round(rng.random(), 4), ts, e] + ([rng.choice(accounts)] if rng.random() < 0.5 else [])
                   for e, ts in events[:3]] for c in rng.sample(CATEGORIES, rng.randrange(0, 3)) if events},
        hindsight=hindsight,
        heading=[[round(rng.random(), 4), ts, e] + ([rng.choice(accounts)] if rng.random() < 0.5 else [])
                 for e, ts in events[:rng.randrange(0, 4)]])


@pytest.mark.parametrize("seed", range(300))
def test_varied_windows_round_trip(seed):
    window = _random_window(seed)
    stored = window.to_stored()
    again = UserWindow.from_stored(stored)
    assert again == window
    assert dataclasses.asdict(again) == dataclasses.asdict(window)
    assert again.to_stored() == stored, "writing is deterministic"
    assert updated_of(stored) == window.updated


def test_risk_is_kept_to_six_decimals():
    """As format 2 did: risk decays continuously and is dropped below 1e-3."""
    w = UserWindow("u", updated=1790000000.0, risk={"violence": 0.123456789})
    assert UserWindow.from_stored(w.to_stored()).risk == {"violence": 0.123457}


def test_a_truncated_or_padded_window_is_refused():
    stored = _random_window(7).to_stored()
    assert UserWindow.from_stored(stored) == _random_window(7)
    for broken in (stored[:-1], stored + b"\x00"):
        with pytest.raises(ValueError):
            UserWindow.from_stored(broken)


def test_excerpts_are_stored_as_plain_text_and_zdr_windows_hold_none():
    """A byte search of a changelog or store finds an excerpt (so audits and the privacy suites see
    what is kept), and a zero-data-retention tenant's window holds no word of its turns."""
    rows = _person_turns(n=20)
    for r in rows:
        r["tenant_id"] = "t-zdr" if r["user_id"] == rows[0]["user_id"] else "t-open"
        r["person_id"] = "p:" + r["user_id"]
    store, _ = _replay(rows, PolicyConfig(zdr_tenants=frozenset({"t-zdr"}), min_contribution=0.1))
    zdr, open_ = store.data["p:" + rows[0]["user_id"]], store.data["p:" + rows[1]["user_id"]]
    words = {w.encode() for r in rows for w in r["text"].split() if len(w) > 4 and "=" not in w}
    kept = [e.excerpt for e in UserWindow.from_stored(open_).evidence]
    assert kept and all(x.encode() in open_ for x in kept), "control: the open tenant's excerpts are found"
    assert not [w for w in words if w in zdr]
    assert not UserWindow.from_stored(zdr).context and all(e.excerpt is None for e in UserWindow.from_stored(zdr).evidence)


FORMAT3 = orjson.loads((Path(__file__).resolve().parent / "data" / "windows_format3.json").read_bytes())


@pytest.mark.parametrize("blob, fixture", list(zip(FORMAT3, FORMAT2)), ids=[f["note"] for f in FORMAT3])
def test_format_3_blobs_written_by_its_first_version_stay_readable(blob, fixture):
    """tests/data/windows_format3.json holds the windows of windows_format2.json as format 3 was first
    written: whatever changes later (the writer, the preset dictionary), such blobs sit in changelogs."""
    assert blob["note"] == fixture["note"]
    assert dataclasses.asdict(UserWindow.from_stored(bytes.fromhex(blob["stored_hex"]))) == _as_read_now(fixture["window"])


@pytest.mark.parametrize("key", ["AAAAAAAAAAB", "AAAAAAAAAA=", "AAAAAAAAAA-", "AAAAAAAAAAé", "short", "AAAAAAAAAAAA"])
def test_a_ring_key_its_bytes_would_not_give_back_is_kept_as_written(key):
    """The ring is stored as raw bytes only when every key reads back from them ("...B" has a low
    bit set that 8 bytes do not hold)."""
    w = UserWindow("u", updated=1790000000.0, recent_ids=[redelivery_key("e-1"), key, redelivery_key("e-2")])
    assert UserWindow.from_stored(w.to_stored()).recent_ids == w.recent_ids


def _dump(w: UserWindow) -> bytes:
    """Every field, in order and with its type (1 and 1.0 differ here, unlike `==`)."""
    return orjson.dumps(dataclasses.asdict(w))


@pytest.mark.parametrize("seed", range(100))
def test_a_settled_window_is_what_its_bytes_read_back_as(seed):
    from stream.core.window_codec import _CONTEXT_KEYS, settle

    window = _random_window(seed)
    window.risk = {c: v / 3 for c, v in window.risk.items()}  # risk as decay leaves it: more than 6 decimals
    # context entries in the order the core writes their keys (context.remember, remember_reply; the
    # test below checks it on windows the core built): the random ones are put together in another
    window.context = [{k: c[k] for k in _CONTEXT_KEYS if k in c} for c in window.context]
    stored = window.to_stored()
    assert _dump(settle(window)) == _dump(UserWindow.from_stored(stored))


def test_every_window_a_person_steps_through_is_what_its_bytes_read_back_as():
    from stream.core.identity import DictRegistry
    from stream.core.pipeline import with_person
    from stream.core.window_codec import settle

    det = Detector(TagScorer(), PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
    registry = DictRegistry()
    rows = _person_turns()
    rows[40]["text"] = "[violence=0.95] I will hurt him"  # a case opens
    turns = [with_person(t, registry) for t in sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())]
    window, seen = None, set()
    for turn, score in zip(turns, det.score(turns)):
        window = det.step(window, turn, score).window
        stored = window.to_stored()
        window = settle(window)
        assert _dump(window) == _dump(UserWindow.from_stored(stored)), turn.event_id
        seen |= {f for f in ("case", "evidence", "context", "peaks", "stages") if getattr(window, f)}
        seen |= {"reply"} if any("reply" in c for c in window.context) else set()
    assert seen == {"case", "evidence", "context", "peaks", "stages", "reply"}, "a window with every part"


def test_a_batch_reads_and_writes_a_persons_window_once(monkeypatch):
    """A person's window is read once per batch, kept in hand between their turns and written once,
    after their last turn of it: the cases, scores and stored window are those of one turn per
    batch, whatever object the store hands back (a table read from disk gives new bytes each time)."""
    from stream.core import window_codec
    from stream.core.identity import DictRegistry
    from stream.core.pipeline import with_person

    registry = DictRegistry()
    turns = [with_person(t, registry) for t in sorted((parse_turn(r) for r in _person_turns()), key=lambda t: t.order_key())]
    det = Detector(TagScorer(), PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
    one_by_one, store_1 = [], MemoryStore()
    for t in turns:
        one_by_one += [e.payload for _, effs in run_batch(det, [t], store_1) for e in effs]
    reads, encodes = [], []
    decode, encode = window_codec.decode, window_codec.encode
    monkeypatch.setattr(window_codec, "decode", lambda v: reads.append(v) or decode(v))
    monkeypatch.setattr(window_codec, "encode", lambda w: encodes.append(w) or encode(w))

    class Copying(MemoryStore):
        """Hands back equal bytes, never the object it was given (as a table read from disk does),
        and counts what is written."""

        puts = 0

        def get(self, key, turn):
            value = super().get(key, turn)
            return None if value is None else bytes(bytearray(value))

        def put(self, key, value, turn):
            self.puts += 1
            super().put(key, value, turn)

    for store in (MemoryStore(), Copying()):
        reads.clear(), encodes.clear()
        det = Detector(TagScorer(), PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
        batched = [e.payload for _, effs in run_batch(det, turns, store) for e in effs]
        assert orjson.dumps(batched) == orjson.dumps(one_by_one)
        assert store.data == store_1.data
        assert reads == [] and len(encodes) == 1, "one person, one batch: nothing read back, one window written"
    assert store.puts == 1
    half = len(turns) // 2
    store = Copying()
    reads.clear(), encodes.clear()
    det = Detector(TagScorer(), PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
    two = [e.payload for part in (turns[:half], turns[half:]) for _, effs in run_batch(det, part, store) for e in effs]
    assert orjson.dumps(two) == orjson.dumps(one_by_one) and store.data == store_1.data
    assert len(reads) == 1 and store.puts == 2, "read once in the second batch, written once per batch"


def test_a_memory_store_hands_the_next_batch_the_window_it_wrote(monkeypatch):
    """Replay's store keeps the settled window beside the bytes written for it: a person's next
    batch steps that object instead of decoding the bytes (once: stepping changes it), with the
    same cases, scores and stored windows as a store that hands back new bytes (and so decodes)."""
    from stream.core import window_codec
    from stream.core.identity import DictRegistry
    from stream.core.pipeline import with_person

    registry = DictRegistry()
    turns = [with_person(t, registry) for t in sorted((parse_turn(r) for r in _person_turns()), key=lambda t: t.order_key())]
    reads = []
    decode = window_codec.decode
    monkeypatch.setattr(window_codec, "decode", lambda v: reads.append(v) or decode(v))

    class Decoding(MemoryStore):
        def get(self, key, turn):
            value = super().get(key, turn)
            return None if value is None else bytes(bytearray(value))

    out = {}
    for store in (MemoryStore(), Decoding()):
        reads.clear()
        det = Detector(TagScorer(), PolicyConfig(), trajectory=TrajectoryModel.load(MODELS))
        out[type(store)] = ([e.payload for k in range(0, len(turns), 7) for _, effs in run_batch(det, turns[k:k + 7], store)
                             for e in effs], store.data, len(reads))
    (kept, kept_data, kept_reads), (decoded, decoded_data, decoded_reads) = out.values()
    assert orjson.dumps(kept) == orjson.dumps(decoded) and kept_data == decoded_data
    assert kept_reads == 0 and decoded_reads == -(-len(turns) // 7) - 1
    store = MemoryStore()
    list(run_batch(Detector(TagScorer(), PolicyConfig()), turns[:3], store))
    [key] = store.data
    store.delete(key, turns[0])
    assert len(store.settled) == 0, "a deleted window is not kept as an object either"


def test_a_caller_that_stops_early_leaves_the_windows_of_the_turns_it_took():
    """Windows held in hand are written when the caller stops taking turns: the store holds what the
    turns it took made of them, as if they had been run alone."""
    rows = _person_turns(12)
    det = Detector(TagScorer(), PolicyConfig())
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    alone = MemoryStore()
    for t in turns[:7]:
        list(run_batch(det, [t], alone))
    store = MemoryStore()
    gen = run_batch(Detector(TagScorer(), PolicyConfig()), turns, store)
    for _ in range(7):
        next(gen)
    gen.close()
    assert store.data == alone.data and len(store.data) == 2


def test_a_step_that_fails_half_way_leaves_the_window_its_batch_wrote_before():
    """The step mutates its window before failing: the turns after it read the stored window, not
    the half-stepped one the batch held."""
    from stream.core.pipeline import run_isolated

    class Failing(Detector):
        def step(self, window, turn, score):
            out = super().step(window, turn, score)
            if "BOOM" in turn.text:
                raise RuntimeError("failed after folding the turn in")
            return out

    rows = [{k: v for k, v in r.items() if k != "identity"} | {"user_id": "u1"} for r in _person_turns(6)]
    rows[3]["text"] = "BOOM"  # a user turn (every third is the assistant's)
    store = MemoryStore()
    out = list(run_isolated(Failing(TagScorer(), PolicyConfig()), [parse_turn(r) for r in rows], store))
    assert [isinstance(e, Exception) for _, e in out] == [False, False, False, True, False, False]
    assert UserWindow.from_stored(store.data["u1"]).turns == 5, "the failed turn left no trace"
    without = MemoryStore()
    for r in rows[:3] + rows[4:]:
        list(run_batch(Detector(TagScorer(), PolicyConfig()), [parse_turn(r)], without))
    assert store.data == without.data, "the window is the one the other five turns make, one at a time"
