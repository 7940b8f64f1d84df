"""`riskstream replay` on a file of hostile records, each followed by a good turn: every hostile
record is dead-lettered with a reason (bounded, never quoting a 5 MB value; nothing raw of a ZDR
tenant), every good turn is scored, and nothing stops the run with a traceback."""

from __future__ import annotations

import hashlib

import orjson

from dev.harness import run_cli
from tests.hostile import ZDR, ZDR_SECRET, canary, hostile_records


def test_replay_dead_letters_every_hostile_record_and_scores_every_canary(tmp_path):
    rows = [(kind, raw) for kind, raw in hostile_records() if raw.strip() and b"\n" not in raw]  # one per line
    lines = []
    for i, (_, raw) in enumerate(rows):
        lines += [raw, orjson.dumps(canary(i))]
    src = tmp_path / "turns.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    scores, dead = tmp_path / "scores.jsonl", tmp_path / "dead.jsonl"
    proc = run_cli("replay", "--input", str(src), "--scores", str(scores), "--dead-letter", str(dead),
                   "--zdr-tenants", ZDR, "--no-progress")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0 and "Traceback" not in err, err
    scored = {orjson.loads(line)["event_id"] for line in scores.read_bytes().splitlines()}
    assert scored == {f"canary-{i}" for i in range(len(rows))}, "a hostile record cost a good turn its score"
    letters = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    by_hash = {d["raw_sha256"]: d for d in letters}
    missing = [kind for kind, raw in rows if hashlib.sha256(raw).hexdigest() not in by_hash]
    assert not missing, f"not dead-lettered: {missing}"
    assert len(letters) == len(rows) and all(d["reason"] for d in letters)
    assert max(len(line) for line in dead.read_bytes().splitlines()) < 40_000, "dead letters are bounded"
    assert ZDR_SECRET.encode() not in dead.read_bytes() + scores.read_bytes()


def test_a_turn_failing_in_replay_is_dead_lettered_and_the_replay_goes_on():
    from stream.core.engine import Detector
    from stream.core.events import parse_turn
    from stream.drivers.replay import Lane, replay_lanes
    from tests.fakes import TagScorer, turn

    class Exploding(TagScorer):
        def score_batch(self, texts):
            if any("BOOM" in t for t in texts):
                raise RuntimeError("scorer failed")
            return super().score_batch(texts)

    turns = [parse_turn(turn(i, "BOOM" if i == 2 else f"hello {i}", user=f"u{i}")) for i in range(1, 5)]
    lane = Lane(Detector(Exploding()), {})
    replay_lanes([lane], turns, batch_size=4)
    assert lane.stats.turns == 3 and lane.stats.rejected == 1
    [letter] = lane.stats.rejections
    assert letter["event_id"] == "e2" and letter["reason"] == "processing error: RuntimeError: scorer failed"
    assert "BOOM" in letter["raw"] and letter["source"] == {"topic": "riskstream-replay"}
