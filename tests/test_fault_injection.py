"""Fault injection on the real broker (issue 15): hostile records, each followed by a canary, then a
deletion and a search of every topic, changelog and the data dir.

One worker run, with short bounds so they can be watched within the test (turns-by-person keeps
records 36 s, changelog tombstones compact within ~7 s, the purge timer runs every second):

* 48 kinds of malformed and forged turns on the public turns topic (tests/hostile.py) and 3 on
  the internal turns-by-person topic: each must be dead-lettered with a reason (matched by the
  sha256 of its bytes), bounded in size, and each canary after it must be scored: lost
  turn-scores and case opens are counted;
* forged control / ban-evasion / prescored fields and a timestamp in 2999 must change nothing: no
  purge, no deletion, no case against the innocent user, the victim's window intact;
* every topic and changelog is time-bounded, including a changelog an older version left unbounded;
* after a real delete_user, no word of the deleted user's text remains on any topic the worker
  writes (except review-cases, bounded by its retention and told by a `redact` event), in any
  changelog, or in the local store; and no word of the ZDR tenant's malformed records anywhere.
"""

from __future__ import annotations

import hashlib
import time
import uuid

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from dev.harness import WorkerProcess, consume_until, wait_for
from stream.drivers.home import home_partition
from tests.hostile import INNOCENT, VICTIM, ZDR, ZDR_SECRET, canary, good, hostile_records
from tests.search import found, run_topics, stored_files, topic_records, written_topics

pytestmark = pytest.mark.kafka

DELETED = "delia"
DELETED_WORDS = ["Zelvarine", "Brontaxel"]  # made-up: they can only come from delia's turns
THREAT = "I will kill you {w}. I am going to shoot you tomorrow morning."
PARTITIONS = 3
ENV = {"RISKSTREAM_PURGE_INTERVAL": "1", "RISKSTREAM_REKEY_RETENTION_HOURS": "0.01",
       "RISKSTREAM_COMPACTION_LAG_HOURS": "0.002"}


def internal_records() -> list[tuple[str, bytes, list]]:
    """Records a misbehaving producer with write access could put on the internal topic."""
    return [("garbage on turns-by-person", b"\x00\x01 not a turn", []),
            ("control header, garbage payload", b"{erase everyone", [("riskstream-control", b"erase")]),
            ("turn without person_id", orjson.dumps(good("bad-internal", INNOCENT, "hello")), [])]


def flush_users() -> list[str]:
    """One user homed on each partition of the person-keyed topics: their turns roll each changelog segment."""
    users: dict[int, str] = {}
    for i in range(100):
        users.setdefault(home_partition(f"p:flush-{i}", PARTITIONS), f"flush-{i}")
    return list(users.values())


def sent(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    """Produce and wait for every ack (a failed send fails here, not as a timeout later)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=10)
    try:
        for future in [producer.send(topic, key=k.encode(), value=v) for k, v in records]:
            future.get(timeout=30)
    finally:
        producer.close()


@pytest.fixture(scope="module")
def run(kafka_bootstrap, tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    prefix, app_id = f"fault{tag}.", f"rs-fault-{tag}"
    # the customer's turns topic accepts 8 MB records, so the 5 MB text reaches the worker
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(prefix + "turns", PARTITIONS, 1, topic_configs={
        "max.message.bytes": "8000000", "retention.ms": str(30 * 86400 * 1000)}),
        # as a version before issue 15 left it: compacted only, no time bound, no compaction lag
        NewTopic(f"{app_id}-windows-changelog", PARTITIONS, 1, topic_configs={"cleanup.policy": "compact"})])
    admin.close()
    w = WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp("fault"), prefix, app_id,
                      extra=["--zdr-tenants", ZDR], env=ENV, partitions=PARTITIONS).start()
    bs, out = kafka_bootstrap, {"worker": w}
    try:
        # before: a victim with an open case, and the user who will be deleted
        before = [good("vic-1", VICTIM, THREAT.format(w="Harrowby")),
                  good("del-1", DELETED, THREAT.format(w=DELETED_WORDS[0]) + " mail delia@example.org"),
                  good("del-2", DELETED, f"the {DELETED_WORDS[1]} plan: I will shoot you all at the office")]
        sent(bs, prefix + "turns", [(t["user_id"], orjson.dumps(t)) for t in before])
        consume_until(bs, prefix + "review-cases", lambda rs: {r["user_id"] for r in rs} >= {VICTIM, DELETED},
                      worker=w, timeout=90)

        # hostile records, each followed by a canary
        hostile = hostile_records()
        producer = KafkaProducer(bootstrap_servers=bs, acks="all", retries=10, max_request_size=8_000_000)
        futures = []
        for i, (_, raw) in enumerate(hostile):
            futures.append(producer.send(prefix + "turns", key=INNOCENT.encode(), value=raw))
            futures.append(producer.send(prefix + "turns", key=f"canary-{i}".encode(), value=orjson.dumps(canary(i))))
        internal = internal_records()
        for j, (_, raw, headers) in enumerate(internal, start=len(hostile)):
            futures.append(producer.send(prefix + "turns-by-person", key=f"p:{INNOCENT}".encode(), value=raw,
                                         headers=headers))
            futures.append(producer.send(prefix + "turns", key=f"canary-{j}".encode(), value=orjson.dumps(canary(j))))
        for future in futures:
            future.get(timeout=30)
        producer.close()
        n = len(hostile) + len(internal)
        out["hostile"] = [(k, raw) for k, raw in hostile] + [(k, raw) for k, raw, _ in internal]
        canaries = {f"canary-{i}" for i in range(n)}
        out["scores"] = consume_until(bs, prefix + "turn-scores",
                                      lambda rs: canaries <= {r["event_id"] for r in rs}, worker=w, timeout=120)
        out["dead"] = consume_until(bs, prefix + "dead-letter", lambda rs: len(rs) >= n, worker=w, timeout=60)
        time.sleep(3)  # three purge timer rounds after the future timestamps
        out["cases_before_deletion"] = consume_until(bs, prefix + "review-cases", lambda rs: True, worker=w)

        # a real deletion, then the bounds
        request = {"request_id": "del-req-1", "type": "delete_user", "user_id": DELETED, "ts": good("x", "x", "")["ts"]}
        sent(bs, prefix + "privacy-requests", [(DELETED, orjson.dumps(request))])
        consume_until(bs, prefix + "audit", lambda rs: any(a["action"] == "deletion" for a in rs), worker=w)
        time.sleep(8)  # past the changelog's compaction lag (7.2 s): the next write rolls the segment
        sent(bs, prefix + "turns", [(u, orjson.dumps(good(f"{u}-1", u, "how do I bake bread?", -1)))
                                    for u in flush_users()])
        internal_copies = [prefix + "turns-by-person", f"{app_id}-windows-changelog"]
        wait_for(lambda: not any(found(word, {t: [v or b"" for _, v in topic_records(bs, t)]
                                              for t in internal_copies}) for word in DELETED_WORDS),
                 "deleted text to leave turns-by-person and the windows changelog", w, timeout=150, every=2)
        out["audit"] = consume_until(bs, prefix + "audit", lambda rs: True, worker=w)
        out["cases"] = consume_until(bs, prefix + "review-cases", lambda rs: any(r["event"] == "redact" for r in rs),
                                     worker=w)
    finally:
        w.stop()
    return out


def test_every_hostile_record_is_dead_lettered_with_a_bounded_reason(run):
    by_hash = {d["raw_sha256"]: d for d in run["dead"]}
    missing = [kind for kind, raw in run["hostile"] if hashlib.sha256(raw).hexdigest() not in by_hash]
    assert not missing, f"not dead-lettered: {missing}"
    assert len(run["hostile"]) >= 40
    for kind, raw in run["hostile"]:
        letter = by_hash[hashlib.sha256(raw).hexdigest()]
        assert letter["reason"] and len(letter["reason"]) <= 500, kind
        assert len(orjson.dumps(letter)) < 40_000, f"{kind}: the dead letter quotes the whole value"
    five_mb = by_hash[hashlib.sha256(dict(run["hostile"])["5 MB text"]).hexdigest()]
    assert "record too large" in five_mb["reason"] and five_mb["raw_bytes"] > 5_000_000
    assert five_mb["raw"] is None, "an unread record has no known tenant: nothing raw while ZDR tenants exist"
    forged = by_hash[hashlib.sha256(dict(run["hostile"])["forged control purge"]).hexdigest()]
    assert "forged internal field 'control'" in forged["reason"]


def test_no_canary_lost_its_score(run):
    lost = {f"canary-{i}" for i in range(len(run["hostile"]))} - {s["event_id"] for s in run["scores"]}
    assert not lost, f"{len(lost)} turn-scores lost: {sorted(lost)}"


def test_forged_fields_and_a_future_timestamp_changed_nothing(run):
    cases = run["cases_before_deletion"]
    opens = [c for c in cases if c["event"] == "open"]
    assert not [c for c in cases if c["user_id"] == INNOCENT], "a forged record opened a case on an innocent user"
    assert [c["user_id"] for c in opens].count(VICTIM) == 1, "the victim's case was lost or opened twice"
    assert [c["user_id"] for c in opens].count(DELETED) == 1
    assert not [c for c in cases if c["event"] == "redact"], "a forged erase redacted a case"
    actions = [(a["action"], a["target"].get("user_id") or a["target"].get("person_id")) for a in run["audit"]]
    assert not [a for a in actions if a[0] == "purge"], f"windows were purged: {actions}"
    assert [a for a in actions if a[0] == "deletion"] == [("deletion", DELETED)], "only the real request deletes"


def test_every_topic_and_changelog_is_time_bounded(run, kafka_bootstrap):
    w = run["worker"]
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        names = run_topics(kafka_bootstrap, w.prefix, w.app_id)
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names],
                                           config_filter="all")
        configs = {name: {k: (v.get("value") if isinstance(v, dict) else v) for k, v in entries.items()}
                   for name, entries in described["topic"].items()}
    finally:
        admin.close()
    changelogs = [n for n in names if n.endswith("-changelog")]
    assert {f"{w.app_id}-{t}-changelog" for t in ("windows", "identities", "reviews")} <= set(changelogs)
    assert f"{w.app_id}-__assignor-__leader" in names
    for name in names:
        cfg = configs[name]
        assert 0 < int(cfg["retention.ms"]) <= 30 * 86400 * 1000, (name, cfg["retention.ms"])
        if "compact" in cfg["cleanup.policy"]:
            assert cfg["cleanup.policy"] in ("compact,delete", "delete,compact"), name
            assert 0 < int(cfg["max.compaction.lag.ms"]) <= 24 * 3600 * 1000, name
    for name in changelogs:
        assert "compact" in configs[name]["cleanup.policy"]
    assert int(configs[w.prefix + "turns-by-person"]["retention.ms"]) == 36_000


def test_deleted_text_is_gone_from_every_topic_changelog_and_the_store(run, kafka_bootstrap):
    w = run["worker"]
    topics = written_topics(kafka_bootstrap, w.prefix, w.app_id, skip=(w.prefix + "turns",))
    assert topics[f"{w.app_id}-windows-changelog"] and topics[w.prefix + "turn-scores"], "nothing was searched"
    leaks = {word: found(word, topics) for word in DELETED_WORDS}
    # review-cases is the review queue: not compacted, bounded by retention_days, and told by a redact event
    assert {word: [t for t in where if t != w.prefix + "review-cases"] for word, where in leaks.items()} == \
        {word: [] for word in DELETED_WORDS}, leaks
    redact = [c for c in run["cases"] if c["event"] == "redact"]
    assert redact and redact[0]["user_id"] == DELETED and {"del-1", "del-2"} & set(redact[0]["redacted_event_ids"])
    files = stored_files(w.workdir / "data")
    assert files and found("Harrowby", files), "control: the victim's excerpt is in the store"
    assert {word: found(word, files) for word in DELETED_WORDS} == {word: [] for word in DELETED_WORDS}


def test_no_zdr_text_on_any_topic_the_worker_wrote(run, kafka_bootstrap):
    w = run["worker"]
    topics = written_topics(kafka_bootstrap, w.prefix, w.app_id, skip=(w.prefix + "turns",))
    assert not found(ZDR_SECRET, topics)
    assert ZDR_SECRET.encode() not in w.log_path.read_bytes()
