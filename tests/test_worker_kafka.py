"""The Faust worker on the real broker: turns in, cases and dead letters out, state survives restarts."""

from __future__ import annotations

import json
import time
import uuid

import orjson
import pytest

from tests.fakes import turn
from tests.search import topic_messages
from dev.harness import WorkerProcess, consume_until, produce, produce_turns, wait_for

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
    # the trajectory model's own cut-off is calibrated on simulated people and moves a little with every
    # retrain (3.59 -> 3.63 when the CJK reading changed, and these two threats sat between): this test is
    # about the changelog, so it fixes the cut-off; either threat alone still opens nothing (2 evidence turns)
    policy.write_text(json.dumps({"severe_score": 1.01, "escalation_threshold": 99, "accumulate_threshold": 1.0,
                                  "min_evidence_turns": 2, "trajectory_min_probability": 0.9,
                                  "trajectory_cases": True}))
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


def test_a_window_an_earlier_version_left_on_the_changelog_is_read_and_rewritten(kafka_bootstrap, tmp_path):
    """A format-2 window (JSON, as the previous version's table wrote it; tests/data) on the changelog:
    a worker recovering from it folds the next turn into that window and stores it in the current form."""
    from pathlib import Path

    from kafka import KafkaProducer

    from stream.core.timeutil import format_rfc3339
    from stream.core.window import UserWindow
    from stream.core.window_codec import FORMAT

    fixtures = orjson.loads((Path(__file__).resolve().parent / "data" / "windows_format2.json").read_bytes())
    old = next(f["stored"] for f in fixtures if f["stored"].get("case"))
    person, before = old["user_id"], UserWindow.from_stored(old)
    account = person.removeprefix("p:")
    prefix, app_id = _ids()
    changelog = f"{app_id}-windows-changelog"
    key = orjson.dumps(person)  # the table's keys are JSON
    w = WorkerProcess(kafka_bootstrap, tmp_path, prefix, app_id)
    w.start(data_dir="data-first")
    try:  # the person's first turn: its window lands on the changelog partition the person's turns use
        produce_turns(kafka_bootstrap, prefix + "turns", [turn(1, BENIGN, user=account)])
        first = wait_for(lambda: [m for m in topic_messages(kafka_bootstrap, changelog) if m.key == key],
                         "the person's window on the changelog", worker=w)
    finally:
        w.stop()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(changelog, key=key, value=orjson.dumps(old), partition=first[0].partition).get(timeout=30)
    producer.close()
    w.start(data_dir="data-second")  # a fresh local store: the window comes back from the changelog only
    try:
        later = dict(turn(2, "Thanks, that is all I needed.", user=account), ts=format_rfc3339(before.updated + 3600))
        produce_turns(kafka_bootstrap, prefix + "turns", [later])
        written = wait_for(lambda: [m for m in topic_messages(kafka_bootstrap, changelog)
                                    if m.key == key and m.value[:1] == bytes([FORMAT])
                                    and UserWindow.from_stored(m.value).updated > before.updated],
                           "the rewritten window", worker=w)
    finally:
        w.stop()
    after = UserWindow.from_stored(written[-1].value)
    assert after.turns == before.turns + 1 and after.case.case_id == before.case.case_id
    assert [e for e in after.evidence if e.event_id != "e2"] == before.evidence
    assert after.recent_ids[:-1] == before.recent_ids[1:], "the full redelivery ring moved on by one"


def test_a_record_whose_dead_letter_the_broker_refuses_is_held_and_read_again_until_it_lands(kafka_bootstrap, tmp_path):
    """Nothing lost when a dead letter cannot be written: a malformed record is acked only once its
    dead letter is on the broker. Here the dead-letter topic refuses every record (max.message.bytes
    too small): the record's offset stays uncommitted while the good turn behind it is scored; once
    the topic accepts records, the stall watchdog's re-read delivers the dead letter, the commit
    moves past the record, and the good turn read again is recognised (scored once)."""
    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

    prefix, app_id = _ids()
    dead_letter = prefix + "dead-letter"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(dead_letter, 3, 1, topic_configs={"max.message.bytes": "128"})])
    w = WorkerProcess(kafka_bootstrap, tmp_path, prefix, app_id).start()
    try:
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        bad = producer.send(prefix + "turns", key=b"dora", value=b"{dora's record is not json").get(timeout=30)
        producer.send(prefix + "turns", key=b"dora", value=orjson.dumps(turn(21, BENIGN, user="dora"))).get(timeout=30)
        producer.close()

        def committed() -> int | None:
            for tp, meta in admin.list_group_offsets(app_id).get(app_id, {}).items():
                if tp.topic == prefix + "turns" and tp.partition == bad.partition:
                    return meta.offset
            return None

        consume_until(kafka_bootstrap, prefix + "turn-scores", lambda rs: any(r["event_id"] == "e21" for r in rs),
                      worker=w)
        time.sleep(10)  # the watchdog reads the partition again after 6 s: the dead letter is refused again
        assert (committed() or 0) <= bad.offset, "committed past a record whose dead letter never landed"
        assert not topic_messages(kafka_bootstrap, dead_letter)
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, dead_letter,
                                            configs={"max.message.bytes": "1048588"})])
        dead = consume_until(kafka_bootstrap, dead_letter, lambda rs: len(rs) >= 1, worker=w)
        assert dead[0]["raw"] == "{dora's record is not json" and dead[0]["source"]["offset"] == bad.offset
        wait_for(lambda: (committed() or 0) > bad.offset + 1, "the commit past the record and the turn", worker=w)
        scores = [orjson.loads(m.value) for m in topic_messages(kafka_bootstrap, prefix + "turn-scores")]
        assert [r["event_id"] for r in scores].count("e21") == 1
    finally:
        w.stop()
        admin.close()
