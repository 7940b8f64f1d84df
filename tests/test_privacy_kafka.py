"""Deletion on the real broker: state, compacted changelogs and open cases; no resurrection."""

from __future__ import annotations

import time
import uuid

import orjson
import pytest
from kafka import KafkaProducer

from dev.harness import WorkerProcess, consume_until, produce, produce_turns
from stream.drivers.home import home_partition, legacy_partition
from tests.fakes import turn
from tests.search import topic_messages, topic_records

pytestmark = pytest.mark.kafka
THREAT = "I will kill you. I am going to shoot you tomorrow morning."


def test_delete_user_erases_window_registry_and_case_text_and_old_turns_stay_deleted(kafka_bootstrap, tmp_path):
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path, f"pv{run}.", f"rs-pv-{run}").start()
    bs, p = kafka_bootstrap, w.prefix
    try:
        dev = {"device_hash": "dev-del"}
        threat = turn(1, THREAT, user="del-a", conv="c1", identity=dev)
        produce_turns(bs, p + "turns", [threat])  # first: the person is "p:del-a"
        cases = consume_until(bs, p + "review-cases", lambda rs: any(r["user_id"] == "del-a" for r in rs), worker=w)
        produce_turns(bs, p + "turns", [turn(2, "hello", user="del-b", conv="c2", identity=dev)])
        case = next(r for r in cases if r["user_id"] == "del-a")
        assert case["evidence"][0]["excerpt"], "before deletion the reviewer sees the (redacted) excerpt"
        consume_until(bs, p + "turn-scores", lambda rs: {r["event_id"] for r in rs} >= {"e1", "e2"}, worker=w)

        req = {"request_id": "del-1", "type": "delete_user", "user_id": "del-a", "include_person": True,
               "ts": "2026-10-05T00:00:00Z"}
        produce(bs, p + "privacy-requests", [("del-a", orjson.dumps(req))])
        audits = consume_until(bs, p + "audit", lambda rs: any(a["action"] == "deletion" for a in rs), worker=w)
        done = next(a for a in audits if a["action"] == "deletion")
        assert done["target"]["request_id"] == "del-1" and done["details"]["window"] == "erased"
        cases = consume_until(bs, p + "review-cases", lambda rs: any(r["event"] == "redact" for r in rs), worker=w)
        redact = next(r for r in cases if r["event"] == "redact")
        assert redact["case_id"] == case["case_id"] and "e1" in redact["redacted_event_ids"]

        # compacted changelogs: the person's window and the account links are tombstoned
        deadline = time.monotonic() + 30
        while True:
            windows = topic_records(bs, f"{w.app_id}-windows-changelog")
            ids = topic_records(bs, f"{w.app_id}-identities-changelog")
            last_window = [v for k, v in windows if k == b'"p:del-a"'][-1:]
            last_account = [v for k, v in ids if k == b'"account:del-a"'][-1:]
            if last_window == [None] and last_account == [None]:
                break
            assert time.monotonic() < deadline, (last_window, last_account)
            time.sleep(1)

        # a redelivered turn from before the request does not bring the user back
        produce_turns(bs, p + "turns", [threat, turn(3, "still here", user="keep", conv="c9")])
        scores = consume_until(bs, p + "turn-scores", lambda rs: any(r["event_id"] == "e3" for r in rs), worker=w)
        assert [r["event_id"] for r in scores].count("e1") == 1
        windows = topic_records(bs, f"{w.app_id}-windows-changelog")
        assert [v for k, v in windows if k == b'"p:del-a"'][-1] is None
    finally:
        w.stop()


def test_windows_idle_beyond_retention_are_purged_by_event_time_and_audited(kafka_bootstrap, tmp_path):
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path, f"pg{run}.", f"rs-pg-{run}", extra=["--retention-days", "1"],
                      env={"RISKSTREAM_PURGE_INTERVAL": "1"}).start()
    bs, p = kafka_bootstrap, w.prefix
    try:
        produce_turns(bs, p + "turns", [turn(1, "hello from long ago", user="old", conv="c1", day=1)])
        consume_until(bs, p + "turn-scores", lambda rs: any(r["event_id"] == "e1" for r in rs), worker=w)
        produce_turns(bs, p + "turns", [turn(2, "hello from today", user="new", conv="c2", day=3)])
        audits = consume_until(bs, p + "audit", lambda rs: any(a["action"] == "purge" for a in rs), worker=w)
        purged = [a for a in audits if a["action"] == "purge"]
        assert [a["target"]["person_id"] for a in purged] == ["p:old"], "only the window idle > 1 day of event time"
        deadline = time.monotonic() + 30
        while [v for k, v in topic_records(bs, f"{w.app_id}-windows-changelog") if k == b'"p:old"'][-1] is not None:
            assert time.monotonic() < deadline
            time.sleep(1)
    finally:
        w.stop()


def test_deletion_also_reaches_a_window_an_earlier_version_kept_on_another_partition(kafka_bootstrap, tmp_path):
    """Before homes (one hop, issue 16) a person's window lived where Kafka's default partitioner put
    the person id. Such a window is still on its partition after an upgrade: a deletion request must
    tombstone it there as well as the window at the person's home."""
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path, f"pl{run}.", f"rs-pl-{run}").start()
    bs, p = kafka_bootstrap, w.prefix
    user = next(u for u in (f"old-{i}" for i in range(100))
                if legacy_partition(f"p:{u}", w.partitions) != home_partition(f"p:{u}", w.partitions))
    person, legacy, home = f"p:{user}", legacy_partition(f"p:{user}", w.partitions), home_partition(f"p:{user}", w.partitions)
    try:
        # the window an earlier version wrote: its re-keyed turn, on the partition it used
        producer = KafkaProducer(bootstrap_servers=bs, acks="all")
        old = {**turn(1, THREAT, user=user, conv="c1"), "person_id": person}
        producer.send(p + "turns-by-person", key=person.encode(), value=orjson.dumps(old), partition=legacy).get(30)
        producer.close()
        produce_turns(bs, p + "turns", [turn(2, "what a lovely morning", user=user, conv="c2", day=2)])  # today's, at home
        consume_until(bs, p + "turn-scores", lambda rs: {r["event_id"] for r in rs} >= {"e1", "e2"}, worker=w)
        assert {m.partition for m in topic_messages(bs, f"{w.app_id}-windows-changelog")
                if m.key == orjson.dumps(person) and m.value} == {legacy, home}  # two copies of the person's window

        req = {"request_id": "del-old", "type": "delete_user", "user_id": user, "ts": "2026-10-05T00:00:00Z"}
        produce(bs, p + "privacy-requests", [(user, orjson.dumps(req))])
        deadline = time.monotonic() + 30
        while True:
            last = {}
            for m in topic_messages(bs, f"{w.app_id}-windows-changelog"):
                if m.key == orjson.dumps(person):
                    last[m.partition] = m.value
            if last == {legacy: None, home: None}:
                break
            assert time.monotonic() < deadline, f"not tombstoned on every partition: {sorted(last)} " \
                                                 f"{[part for part, v in last.items() if v is not None]}"
            time.sleep(1)
        audits = consume_until(bs, p + "audit", lambda rs: sum(a["action"] == "deletion" for a in rs) >= 2, worker=w)
        assert sorted(a["details"]["window"] for a in audits if a["action"] == "deletion") == ["erased", "erased"]
    finally:
        w.stop()
