"""The Faust worker on the real broker: turns in, cases and dead letters out, state survives restarts."""

from __future__ import annotations

import json
import uuid

import orjson
import pytest

from tests.fakes import turn
from dev.harness import WorkerProcess, consume_until, produce, produce_turns

pytestmark = pytest.mark.kafka

THREAT = "I will kill you. I am going to shoot you tomorrow morning."
THREAT2 = "I will kill you, you are dead, I will stab you."
BENIGN = "How do I kill a Python process that is stuck?"


def _ids():
    run = uuid.uuid4().hex[:8]
    return f"t{run}.", f"rs-test-{run}"


@pytest.fixture(scope="module")
def worker(kafka_bootstrap, tmp_path_factory):
    prefix, app_id = _ids()
    w = WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp("worker"), prefix, app_id).start()
    yield w
    w.stop()


def test_turns_reach_the_worker_and_a_case_arrives_on_the_review_topic(worker, kafka_bootstrap):
    rows = [turn(1, BENIGN, user="alice"), turn(2, THREAT, user="mallory")]
    produce_turns(kafka_bootstrap, worker.prefix + "turns", rows)
    cases = consume_until(kafka_bootstrap, worker.prefix + "review-cases",
                          lambda rs: any(r["user_id"] == "mallory" for r in rs), worker=worker)
    case = next(r for r in cases if r["user_id"] == "mallory")
    assert case["event"] == "open" and case["trigger_event_id"] == "e2"
    assert "violence" in case["categories"] or "harassment/threatening" in case["categories"]
    assert case["evidence"][0]["event_id"] == "e2"
    assert not any(r["user_id"] == "alice" for r in cases)
    scores = consume_until(kafka_bootstrap, worker.prefix + "turn-scores",
                           lambda rs: {r["event_id"] for r in rs} >= {"e1", "e2"}, worker=worker)
    by_id = {r["event_id"]: r for r in scores}
    assert by_id["e1"]["flagged"] is False and by_id["e2"]["flagged"] is True


def test_malformed_records_go_to_dead_letter_and_the_next_good_one_is_processed(worker, kafka_bootstrap):
    bad_schema = {k: v for k, v in turn(10, "hello", user="bob").items() if k != "conversation_id"}
    produce(kafka_bootstrap, worker.prefix + "turns", [
        ("bob", b"{this is not json"),
        ("bob", orjson.dumps(bad_schema)),
        ("bob", b"\xff\xfe binary"),
    ])
    produce_turns(kafka_bootstrap, worker.prefix + "turns", [turn(11, THREAT, user="bob")])
    dead = consume_until(kafka_bootstrap, worker.prefix + "dead-letter", lambda rs: len(rs) >= 3, worker=worker)
    reasons = [d["reason"] for d in dead]
    assert any("not valid JSON" in r for r in reasons)
    assert any("conversation_id" in r for r in reasons)
    raws = [d.get("raw") for d in dead]
    assert "{this is not json" in raws, "the original record is kept so it can be re-driven"
    assert any(d.get("raw_encoding") == "base64" for d in dead)
    assert all(d["source"]["topic"] == worker.prefix + "turns" and "offset" in d["source"] for d in dead)
    cases = consume_until(kafka_bootstrap, worker.prefix + "review-cases",
                          lambda rs: any(r["user_id"] == "bob" for r in rs), worker=worker)
    assert next(r for r in cases if r["user_id"] == "bob")["trigger_event_id"] == "e11"


def test_restarted_worker_recovers_the_window_from_the_changelog(kafka_bootstrap, tmp_path):
    """No single turn may open a case (severe_score > 1, no stage escalation): only the window across
    the restart can (the committed trajectory model, reading the peaks kept in the changelogged window)."""
    prefix, app_id = _ids()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"severe_score": 1.01, "escalation_threshold": 99, "accumulate_threshold": 1.0,
                                  "min_evidence_turns": 2}))
    w = WorkerProcess(kafka_bootstrap, tmp_path, prefix, app_id, extra=["--policy", str(policy)])
    w.start(data_dir="data-first")
    try:
        produce_turns(kafka_bootstrap, prefix + "turns", [turn(1, THREAT, user="carol", conv="c1")])
        consume_until(kafka_bootstrap, prefix + "turn-scores", lambda rs: any(r["event_id"] == "e1" for r in rs), worker=w)
    finally:
        w.stop()
    # A fresh local data dir: the window can only come back from the changelog topic.
    w.start(data_dir="data-second")
    try:
        produce_turns(kafka_bootstrap, prefix + "turns", [turn(2, THREAT2, user="carol", conv="c2", day=2)])
        cases = consume_until(kafka_bootstrap, prefix + "review-cases", lambda rs: len(rs) >= 1, worker=w)
    finally:
        w.stop()
    case = cases[0]
    assert case["user_id"] == "carol" and case["rule"] == "trajectory"
    assert [e["event_id"] for e in case["evidence"]] == ["e1", "e2"]
    assert case["conversations"] == ["c1", "c2"]
