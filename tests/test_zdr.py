"""Zero-data-retention on the real broker: after a worker run, no topic it wrote and no file of its
local store holds any word of a ZDR tenant's turns. A non-ZDR tenant's word does show up (in case
excerpts, the changelog and the store), which proves the search looks where text would be."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest

from dev.harness import WorkerProcess, consume_until, produce, produce_turns, wait_for
from tests.fakes import turn
from tests.search import found, stored_files, topic_records, written_topics

pytestmark = pytest.mark.kafka

ZDR, OPEN = "tenant-zdr", "tenant-open"
# Made-up words: they can only come from the turns below.
ZDR_WORDS = ["Vexmorrow", "Quilbrand", "Ostravine", "Pellucorn", "Drisketh", "Umbravold"]
CONTROL = "Hollowfane"
THREAT = "I will kill you {w}. I am going to shoot you tomorrow morning."
SELF_HARM = "I want to kill myself tonight {w}, I have the pills ready and I am saying goodbye."


def zdr_turns() -> list[dict]:
    w = ZDR_WORDS
    return [
        turn(1, THREAT.format(w=w[0]) + " Mail me at zed@example.org", user="zed", tenant_id=ZDR, locale="en-GB"),
        turn(2, SELF_HARM.format(w=w[1]), user="zoe", tenant_id=ZDR),
        turn(3, f"How do I kill a Python process named {w[2]}?", user="zed", tenant_id=ZDR),
        turn(4, f"Sure, here is how to stop {w[3]} safely.", user="zed", tenant_id=ZDR, role="assistant"),
    ]


def zdr_rejects() -> list[bytes]:
    """Valid JSON, invalid turns, of the ZDR tenant: they go to the dead-letter topic."""
    missing = {k: v for k, v in turn(5, f"secret {ZDR_WORDS[4]}", user="zed", tenant_id=ZDR).items()
               if k != "conversation_id"}
    bad_role = turn(6, "hello", user="zed", tenant_id=ZDR, role=f"{ZDR_WORDS[5]} villain")
    return [orjson.dumps(missing), orjson.dumps(bad_role)]


@pytest.fixture(scope="module")
def run(kafka_bootstrap, tmp_path_factory):
    """One worker run over both tenants; stopped (store flushed) before anything is inspected."""
    tag = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp("zdr"), f"zdr{tag}.", f"rs-zdr-{tag}",
                      extra=["--zdr-tenants", ZDR]).start()
    try:
        produce_turns(kafka_bootstrap, w.prefix + "turns",
                      [*zdr_turns(), turn(9, THREAT.format(w=CONTROL), user="olly", tenant_id=OPEN)])
        produce(kafka_bootstrap, w.prefix + "turns", [("zed", raw) for raw in zdr_rejects()])
        cases = consume_until(kafka_bootstrap, w.prefix + "review-cases",
                              lambda rs: {r["user_id"] for r in rs} >= {"zed", "zoe", "olly"}, worker=w)
        consume_until(kafka_bootstrap, w.prefix + "dead-letter", lambda rs: len(rs) >= 2, worker=w)
        consume_until(kafka_bootstrap, w.prefix + "turn-scores", lambda rs: len(rs) >= 5, worker=w)
        changelog = f"{w.app_id}-windows-changelog"  # window values are bytes (not JSON)
        wait_for(lambda: len(topic_records(kafka_bootstrap, changelog)) >= 3, changelog, worker=w)
    finally:
        w.stop()
    return w, cases


def test_no_topic_the_worker_wrote_holds_zdr_text(run, kafka_bootstrap):
    w, _ = run
    topics = written_topics(kafka_bootstrap, w.prefix, w.app_id, skip=(w.prefix + "turns",))
    for expected in ("turn-scores", "review-cases", "dead-letter", "support-events"):
        assert topics.get(w.prefix + expected), f"{expected} is empty: nothing was inspected"
    assert topics.get(f"{w.app_id}-windows-changelog"), "the windows changelog was not inspected"
    leaks = {word: found(word, topics) for word in ZDR_WORDS if found(word, topics)}
    assert not leaks, f"ZDR text on topics: {leaks}"
    assert {w.prefix + "review-cases", f"{w.app_id}-windows-changelog"} <= set(found(CONTROL, topics)), \
        "control: the non-ZDR excerpt is in the case and the window state"


def test_no_file_of_the_local_store_holds_zdr_text(run):
    w, _ = run
    files = stored_files(w.workdir / "data")
    assert files, "the worker wrote no local state"
    leaks = {word: found(word, files) for word in ZDR_WORDS if found(word, files)}
    assert not leaks, f"ZDR text in the store: {leaks}"
    assert found(CONTROL, files), "control: the non-ZDR excerpt is in the store"


def test_zdr_cases_keep_scores_hashes_and_ids(run):
    _, cases = run
    zed = next(c for c in cases if c["user_id"] == "zed")
    assert zed["tenant_id"] == ZDR and all(e["excerpt"] is None for e in zed["evidence"])
    assert all(len(e["text_sha256"]) == 64 for e in zed["evidence"]) and zed["scores"]
    olly = next(c for c in cases if c["user_id"] == "olly")
    assert CONTROL in olly["evidence"][0]["excerpt"]


def test_the_worker_log_holds_no_zdr_text(run):
    w, _ = run
    log = Path(w.log_path).read_bytes()
    assert not [word for word in ZDR_WORDS if word.encode() in log]
