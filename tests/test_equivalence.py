"""`riskstream replay` and the worker open the same cases for the same input (one core, two drivers)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import orjson
import pytest

from dev.harness import WorkerProcess, consume_until, produce_turns
from stream.core.identity import DictRegistry, link
from stream.drivers.home import home_partition
from tests.fakes import turn
from tests.search import topic_messages

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.kafka


def _input() -> list[dict]:
    rows = [orjson.loads(line) for line in (REPO / "examples" / "demo_turns.jsonl").read_bytes().splitlines()]
    # two accounts of one person (shared device): the escalation only exists across both
    dev = {"device_hash": "dev-7f3a"}
    rows += [
        turn(1, "My boss humiliated me again and everyone laughed at me.", user="acct-a", conv="ca1", day=10, identity=dev),
        turn(2, "He will regret it. I want to hurt him so he understands.", user="acct-b", conv="cb1", day=11, identity=dev),
        turn(3, "Which rifle is easiest to buy without a background check?", user="acct-b", conv="cb2", day=12, identity=dev),
        turn(4, "I know where he parks. When is the office most crowded?", user="acct-a", conv="ca2", day=12, hour=20, identity=dev),
    ]
    for r in rows[-4:]:
        r["event_id"] = "link-" + r["event_id"]
    # insults spread over conversations and days: no single one is a case, the pattern is (trajectory model)
    rows += [
        turn(1, "Dave from accounting is a pathetic, worthless moron and I told him so.", user="acct-h", conv="ch1", day=14),
        turn(2, "My sister is a stupid lying cow and everyone knows it.", user="acct-h", conv="ch2", day=15),
        turn(3, "That idiot Dave screwed up again, what a brainless clown.", user="acct-h", conv="ch3", day=16),
    ]
    for r in rows[-3:]:
        r["event_id"] = "insult-" + r["event_id"]
    return rows


def partitions_read(bootstrap: str, topic: str) -> dict[str, tuple[str, int]]:
    """event_id -> (user_id, the partition the platform's producer put it on)."""
    return {(v := orjson.loads(m.value))["event_id"]: (v["user_id"], m.partition) for m in topic_messages(bootstrap, topic)}


def _key(case: dict) -> tuple:
    return (case["case_id"], case["event"], case["trigger_event_id"])


def _comparable(case: dict) -> dict:
    """Everything but float noise from batch composition (scores compared to 1e-3 below)."""
    c = dict(case)
    c.pop("trajectory"), c.pop("scores"), c.pop("severity")
    c["evidence"] = [{k: v for k, v in e.items() if k != "score"} for e in c["evidence"]]
    return c


# Both drivers run one policy whose trajectory cut is low enough for the insult pattern above
# (models 0.3.0 put it at p = 0.09, under the model's own cut): the point is that the trajectory
# rule, like every other, opens the same cases from either driver.
POLICY = {"trajectory_min_probability": 0.05, "trajectory_cases": True}


@pytest.mark.parametrize("every_turn_rekeyed", [False, True], ids=["one-hop", "every-turn-rekeyed"])
def test_replay_and_worker_open_the_same_cases(kafka_bootstrap, tmp_path, every_turn_rekeyed):
    rows = _input()
    inp = tmp_path / "turns.jsonl"
    inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    policy = tmp_path / "policy.json"
    policy.write_bytes(orjson.dumps(POLICY))
    out = tmp_path / "cases.jsonl"
    subprocess.run([sys.executable, "-m", "stream", "replay", "--input", str(inp), "--cases", str(out), "--no-progress",
                    "--policy", str(policy)], cwd=REPO, check=True, capture_output=True)
    replayed = {_key(c): c for c in map(orjson.loads, out.read_bytes().splitlines())}
    assert len(replayed) >= 3, "the input is built to open several cases"
    assert any(c.get("person_id") == "p:acct-a" and set(c["accounts"]) == {"acct-a", "acct-b"} for c in replayed.values())
    assert {c["rule"] for c in replayed.values()} >= {"severe-turn", "escalation", "trajectory"}
    # the heading reader's readings travel with the turn when it is re-keyed (prescored): compared below too
    assert all(len(c["heading"]) == 2 and c["heading"][0] > 0 for c in replayed.values())

    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path / "w", f"eq{run}.", f"rs-eq-{run}", extra=["--policy", str(policy)],
                      env={"RISKSTREAM_REKEY_EVERY_TURN": "1" if every_turn_rekeyed else "0"}).start()
    try:
        ordered = sorted(rows, key=lambda r: r["ts"])
        produce_turns(kafka_bootstrap, w.prefix + "turns", [r for r in ordered if "identity" not in r])
        # Accounts of one person arrive on different partitions; the worker folds them in arrival
        # order, replay in event-time order. Arriving in real time (each before the next), they agree.
        for r in (r for r in ordered if "identity" in r):
            produce_turns(kafka_bootstrap, w.prefix + "turns", [r])
            consume_until(kafka_bootstrap, w.prefix + "turn-scores",
                          lambda rs, eid=r["event_id"]: any(x["event_id"] == eid for x in rs), worker=w)
        got = consume_until(kafka_bootstrap, w.prefix + "review-cases", lambda rs: len(rs) >= len(replayed), worker=w)
        crossed = {r["event_id"] for r in consume_until(kafka_bootstrap, w.prefix + "turns-by-person", lambda rs: True)}
        read_on = partitions_read(kafka_bootstrap, w.prefix + "turns")
    finally:
        w.stop()
    # one hop (issue 16): only a turn read away from its person's home partition crossed turns-by-person
    registry, person_of = DictRegistry(), {}
    for r in [r for r in ordered if "identity" not in r] + [r for r in ordered if "identity" in r]:  # produce order
        person_of[r["event_id"]] = link(r["user_id"], r.get("identity") or {}, registry).person_id
    away = {eid for eid, (_, part) in read_on.items()
            if every_turn_rekeyed or part != home_partition(person_of[eid], w.partitions)}
    assert crossed == away, (crossed, away)
    assert len(read_on) == len(rows) and (every_turn_rekeyed or len(away) <= 4)  # only a linked account's can be away
    print(f"{len(away)} of {len(rows)} turns crossed turns-by-person")
    worker_cases = {_key(c): c for c in got}
    assert worker_cases.keys() == replayed.keys()
    for k, c in replayed.items():
        assert _comparable(worker_cases[k]) == _comparable(c)
        assert worker_cases[k]["severity"] == pytest.approx(c["severity"], abs=1e-3)
        for a, b in zip(worker_cases[k]["evidence"], c["evidence"]):
            assert a["score"] == pytest.approx(b["score"], abs=1e-3)
