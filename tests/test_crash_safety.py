"""Nothing lost, nothing opened twice, across kill -9 and rebalances of real workers (issue 15).

Real broker, real `riskstream worker` processes with the RocksDB store. A burst of turns is produced
up front: every user has one threat (which opens a case on its own) among ordinary turns. While the
burst is being worked through:

* crash run: one worker is killed with SIGKILL twice (at about a quarter and at about 60 % of the
  turn-scores) and restarted each time on the same data dir;
* rebalance run: two workers share the group; one is stopped gracefully mid-stream (its partitions
  move), started again (they move back), then the other is killed with SIGKILL (a hard rebalance:
  its partitions move after the session timeout).

* kills during recovery: two idle workers; one is killed with SIGKILL while the other is still
  recovering from its own (re)start, six times, alternating: the survivor must score turns produced
  right after each kill on every partition (the race that left a probe unscored, README Guarantees).

The first two runs then count, against what was produced: turns with no turn-score (lost), threats with no
case `open` (lost case opens), and users with more than one case id opened (duplicated cases).
Redelivery after a crash may repeat a record (at-least-once); every repeat must be a byte-for-byte
copy of the first, so consumers keyed on case_id / event_id / webhook-id see it once (README,
Guarantees). The count of repeats is reported.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer

from dev.harness import WorkerProcess, wait_for
from stream.drivers.home import home_partition
from tests.hostile import good
from tests.search import topic_messages

pytestmark = pytest.mark.kafka

PARTITIONS = 4
USERS = 900
BENIGN_PER_USER = 3
NAMES = ["Harrowby", "Quillon", "Marisol", "Tavish", "Odalys", "Brennick", "Ysolde", "Corvin"]
BENIGN = ["what is a good recipe for banana bread?", "can you suggest a name for my new puppy?",
          "how do I convert a list to a tuple in python?", "any tips for a first marathon?",
          "what should I pack for a weekend in Lisbon?", "explain compound interest simply"]


def away_from_home(user: str) -> dict:
    """A platform-named person homed on another partition than the user's own turns: the turn is
    re-keyed onto turns-by-person (the second path through the worker), not detected where read."""
    while True:
        person = f"person-{uuid.uuid4()}"
        if home_partition(person, PARTITIONS) != home_partition(user, PARTITIONS):
            return {"person_id": person}


def burst() -> tuple[list[dict], set[str], set[str]]:
    """(turns in produce order, every event id, the users who sent a threat). A third of the users
    are platform-named persons homed away from their turns' partition: both paths (detected where
    read, and re-keyed) go through the kills and rebalances."""
    turns, threats = [], set()
    for u in range(USERS):
        user = f"user-{uuid.uuid4()}"
        person = away_from_home(user) if u % 3 == 0 else {}
        for j in range(BENIGN_PER_USER):
            turns.append(good(f"{user}-b{j}", user, f"{BENIGN[(u + j) % len(BENIGN)]} ({u}.{j})", -20 + j, **person))
        turns.append(good(f"{user}-t", user, f"I will kill you {NAMES[u % len(NAMES)]}. I am going to shoot you "
                                              f"tomorrow morning at the depot, number {u}.", -10, **person))
        threats.add(user)
    # interleave users, as a platform's traffic is
    turns.sort(key=lambda t: (t["ts"], t["event_id"]))
    return turns, {t["event_id"] for t in turns}, threats


class Tally:
    """Reads turn-scores and review-cases as they arrive, from the beginning, with one consumer each."""

    def __init__(self, bootstrap: str, prefix: str):
        self.consumers = {t: KafkaConsumer(prefix + t, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                           enable_auto_commit=False, group_id=None, consumer_timeout_ms=200)
                          for t in ("turn-scores", "review-cases")}
        self.scores: Counter = Counter()
        self.first_seen: dict[str, float] = {}  # event_id -> when its first turn-score was read
        self.opens: dict[str, Counter] = defaultdict(Counter)  # user -> case_id -> records
        self.bodies: dict[str, set[bytes]] = defaultdict(set)  # event_id / case_id -> distinct record bytes

    def poll(self) -> int:
        for msg in self.consumers["turn-scores"]:
            event_id = orjson.loads(msg.value)["event_id"]
            self.scores[event_id] += 1
            self.bodies[event_id].add(msg.value)
            self.first_seen.setdefault(event_id, time.monotonic())
        for msg in self.consumers["review-cases"]:
            rec = orjson.loads(msg.value)
            if rec.get("event") == "open":
                self.opens[rec["user_id"]][rec["case_id"]] += 1
                self.bodies[rec["case_id"]].add(msg.value)
        return len(self.scores)

    def until(self, n: int, worker, timeout: float = 240.0) -> None:
        wait_for(lambda: self.poll() >= n, f"{n} distinct turn-scores (have {len(self.scores)})", worker,
                 timeout=timeout, every=0.2)

    def close(self) -> None:
        for c in self.consumers.values():
            c.close()

    def counts(self, event_ids: set[str], threats: set[str]) -> dict:
        return {"lost_scores": len(event_ids - set(self.scores)),
                "lost_case_opens": len(threats - set(self.opens)),
                "duplicated_cases": sum(1 for cases in self.opens.values() if len(cases) > 1),
                "repeats_that_differ": sum(1 for bodies in self.bodies.values() if len(bodies) > 1),
                "repeated_score_records": sum(n - 1 for n in self.scores.values()),
                "repeated_open_records": sum(n - 1 for cases in self.opens.values() for n in cases.values())}


def produce_all(bootstrap: str, topic: str, turns: list[dict]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for t in turns:
        producer.send(topic, key=t["user_id"].encode(), value=orjson.dumps(t))
    producer.flush()
    producer.close()


def workers(kafka_bootstrap, tmp_path_factory, name: str, n: int) -> tuple[list[WorkerProcess], str]:
    tag = uuid.uuid4().hex[:8]
    prefix, app_id = f"{name}{tag}.", f"rs-{name}-{tag}"
    out = [WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp(f"{name}{i}"), prefix, app_id,
                         partitions=PARTITIONS, extra=["--store", "rocksdb"]) for i in range(n)]
    return out, prefix


def probes(n: int = 24) -> list[dict]:
    """Ordinary turns of new users, enough to land on every partition of both source topics: half
    detected where they are read (turns), half re-keyed to a person homed elsewhere (turns-by-person)."""
    out = []
    for i in range(n):
        user = f"probe-user-{uuid.uuid4()}"
        out.append(good(f"probe-{uuid.uuid4()}", user, "what time is it in Tokyo?", -1,
                        **(away_from_home(user) if i % 2 else {})))
    return out


def where_they_are(bootstrap: str, prefix: str, event_ids: list[str]) -> str:
    """For a failure report: where each record of `event_ids` sits on turns, turns-by-person,
    turn-scores and dead-letter (partition, offset), and each partition's end offset."""
    lines = []
    for topic in ("turns", "turns-by-person", "turn-scores", "dead-letter"):
        ends: dict[int, int] = {}
        for m in topic_messages(bootstrap, prefix + topic):
            ends[m.partition] = max(ends.get(m.partition, 0), m.offset + 1)
            value = orjson.loads(m.value)
            if value.get("event_id") in event_ids or any(e in m.value.decode("utf-8", "replace") for e in event_ids):
                lines.append(f"{value.get('event_id')} on {topic}:{m.partition} at offset {m.offset} "
                             f"(person {value.get('person_id')})")
        lines.append(f"{topic} end offsets " + ", ".join(f"{p}: {o}" for p, o in sorted(ends.items())))
    return "\n".join(lines)


def recovery_after_kill(tally: Tally, bootstrap: str, prefix: str, victim, survivor) -> dict:
    """Seconds from `kill -9` of `victim` until the survivor has scored a turn produced right after
    the kill on every partition (the victim's partitions included), with no backlog ahead of them;
    and the probes still unscored after 120 s (a stall), with the survivor's state dump."""
    victim.kill()
    killed_at = time.monotonic()
    sent = probes()
    produce_all(bootstrap, prefix + "turns", sent)
    ids = {t["event_id"] for t in sent}
    try:
        wait_for(lambda: tally.poll() and ids <= set(tally.first_seen), "probe turns after the kill", survivor,
                 timeout=120, every=0.1)
    except AssertionError:
        missing = sorted(ids - set(tally.first_seen))
        return {"resumed_after_kill_s": None, "probes_unscored": missing,
                "survivor_log": survivor.dump() + "\n" + where_they_are(bootstrap, prefix, missing)}
    return {"resumed_after_kill_s": round(max(tally.first_seen[e] for e in ids) - killed_at, 1),
            "probes_unscored": []}


@pytest.fixture(scope="module")
def crash_run(kafka_bootstrap, tmp_path_factory):
    turns, event_ids, threats = burst()
    [w], prefix = workers(kafka_bootstrap, tmp_path_factory, "crash", 1)
    w.start()
    tally = Tally(kafka_bootstrap, prefix)
    try:
        produce_all(kafka_bootstrap, prefix + "turns", turns)
        for share in (0.25, 0.6):
            tally.until(int(len(turns) * share), w)
            w.kill()
            w.start()
        tally.until(len(turns), w)
        time.sleep(2)  # anything still arriving (repeats) is counted too
        tally.poll()
        return tally.counts(event_ids, threats)
    finally:
        w.kill()
        tally.close()


@pytest.fixture(scope="module")
def rebalance_run(kafka_bootstrap, tmp_path_factory):
    turns, event_ids, threats = burst()
    (a, b), prefix = workers(kafka_bootstrap, tmp_path_factory, "rebal", 2)
    a.start()
    b.start()
    tally = Tally(kafka_bootstrap, prefix)
    try:
        produce_all(kafka_bootstrap, prefix + "turns", turns)
        tally.until(int(len(turns) * 0.2), a)
        b.stop()  # graceful: leaves the group, its partitions move to a
        tally.until(int(len(turns) * 0.45), a)
        b.start()  # they move back
        tally.until(int(len(turns) * 0.6), b)
        a.kill()  # hard: a's partitions move to b after the session timeout
        tally.until(len(turns), b)
        time.sleep(2)
        tally.poll()
        counts = tally.counts(event_ids, threats)
        a.start()  # both working again, then b dies with nothing queued: how long until all is scored again
        time.sleep(3)
        return {**counts, **recovery_after_kill(tally, kafka_bootstrap, prefix, b, a)}
    finally:
        for w in (a, b):
            w.kill()
        tally.close()


@pytest.mark.parametrize("run_name", ["crash_run", "rebalance_run"])
def test_no_turn_score_lost(request, run_name):
    counts = request.getfixturevalue(run_name)
    print(run_name, {k: v for k, v in counts.items() if k != "survivor_log"})
    assert counts["lost_scores"] == 0, counts["lost_scores"]


@pytest.mark.parametrize("run_name", ["crash_run", "rebalance_run"])
def test_no_case_open_lost_or_duplicated(request, run_name):
    counts = request.getfixturevalue(run_name)
    assert counts["lost_case_opens"] == 0, counts
    assert counts["duplicated_cases"] == 0, counts


def test_after_a_hard_kill_the_survivor_scores_every_new_turn(rebalance_run):
    print({k: v for k, v in rebalance_run.items() if k != "survivor_log"})
    assert not rebalance_run["probes_unscored"], rebalance_run.get("survivor_log", "")


@pytest.mark.parametrize("run_name", ["crash_run", "rebalance_run"])
def test_a_repeated_record_is_an_exact_copy(request, run_name):
    """At-least-once: a record may come twice after a crash, but byte for byte the same (same
    case_id / event_id, same body, hence the same webhook-id downstream), so a consumer that keys on
    it sees one case and one score."""
    counts = request.getfixturevalue(run_name)
    assert counts["repeats_that_differ"] == 0, counts


KILL_DELAYS = (0.5, 1.5, 2.5, 3.5, 5.0, 0.8)  # seconds between a worker's restart and the other's kill


def test_a_worker_killed_while_the_other_recovers_leaves_no_turn_unscored(kafka_bootstrap, tmp_path_factory):
    """Each kill lands in the rebalance of the other worker's join, while it recovers its tables: the
    timing in which Faust dropped the record at a quiet partition's committed offset and nothing read
    it again (the watchdog's `long_s` rule now does)."""
    (a, b), prefix = workers(kafka_bootstrap, tmp_path_factory, "rekill", 2)
    a.start()
    b.start()
    tally = Tally(kafka_bootstrap, prefix)
    seconds = []
    try:
        time.sleep(5)
        survivor, victim = a, b
        for delay in KILL_DELAYS:
            got = recovery_after_kill(tally, kafka_bootstrap, prefix, victim, survivor)
            if got["probes_unscored"]:  # the whole state dump (an assertion message is cut short in the report)
                print(f"kill {len(seconds) + 1}: survivor log and state dump:\n{got['survivor_log']}")
            assert not got["probes_unscored"], (seconds, got["survivor_log"])
            seconds.append(got["resumed_after_kill_s"])
            victim.start()
            time.sleep(delay)
            survivor, victim = victim, survivor
        print("seconds from each kill to its last probe scored:", seconds)
    finally:
        for w in (a, b):
            w.kill()
        tally.close()
