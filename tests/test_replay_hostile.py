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
