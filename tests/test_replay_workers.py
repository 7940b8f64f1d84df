"""`riskstream replay --workers N`: the turns partitioned by person over N processes, the outputs
merged back byte-identical to one process, linked accounts kept together."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.policy import PolicyConfig
from stream.drivers.partitioned import WorkerFailed, Workers, bucket_of, deal, default_workers, replay_partitioned
from stream.drivers.replay import Lane, ReplayStats, replay_lanes
from tests.fakes import TagScorer

REPO = Path(__file__).resolve().parents[1]


def tag_detector() -> Detector:
    """Built in each replay process (a top-level function: spawned processes import it)."""
    return Detector(TagScorer(), PolicyConfig(), trajectory=None, tagger=None)


def _split_accounts(n: int) -> list[tuple[str, str]]:
    """Pairs of account ids that a partitioning by account (not by person) would put in different processes."""
    pairs, k = [], 0
    while len(pairs) < n:
        a, b = f"acct-{k}", f"acct-x{k * 7}"
        if zlib.crc32(a.encode()) % 2 != zlib.crc32(b.encode()) % 2:
            pairs.append((a, b))
        k += 1
    return pairs


def _rows() -> list[dict]:
    """Harassment spread over two linked accounts (a case only when both are one window), alone
    accounts with a severe turn, assistant turns, a redelivered turn and a record that fails."""
    rows = []
    for p, (a, b) in enumerate(_split_accounts(6)):
        for i in range(4):
            acct = (a, b)[i % 2]
            rows.append({"event_id": f"{acct}-{i}", "user_id": acct, "conversation_id": f"{acct}-c{i}",
                         "turn_index": i, "role": "user", "text": f"[harassment=0.9] you idiot {p}",
                         "ts": f"2026-10-0{1 + i}T1{p}:00:00Z", "identity": {"device_hash": f"dev-{p}"}})
    for u in range(8):
        rows.append({"event_id": f"solo-{u}", "user_id": f"solo-{u}", "conversation_id": "c", "turn_index": 0,
                     "role": "user", "text": "[harassment/threatening=0.95] I will find you",
                     "ts": f"2026-10-02T0{u}:30:00Z"})
        rows.append({"event_id": f"solo-{u}-r", "user_id": f"solo-{u}", "conversation_id": "c", "turn_index": 1,
                     "role": "assistant", "text": "[violence=0.9] a story", "ts": f"2026-10-02T0{u}:31:00Z"})
    rows.append(dict(rows[3]))  # delivered twice
    return rows


def _replay(rows: list[dict], workers: int) -> tuple[bytes, bytes, ReplayStats, list[dict]]:
    turns = _turns(rows)
    cases, scores, stats, events = io.BytesIO(), io.BytesIO(), ReplayStats(), []
    sinks = {"case": cases, "score": scores}
    if workers == 1:
        replay_lanes([Lane(tag_detector(), sinks, stats, lambda e: events.append(e.payload) if e.kind == "case" else None)],
                     turns, batch_size=5)
    else:
        with Workers((tag_detector, ()), workers) as processes:
            replay_partitioned(processes, turns, sinks, stats, on_case=events.append, batch_size=5)
    return cases.getvalue(), scores.getvalue(), stats, events


@pytest.mark.parametrize("workers", [2, 3])
def test_partitioned_replay_is_byte_identical_to_one_process(workers):
    rows = _rows()
    one = _replay(rows, 1)
    many = _replay(rows, workers)
    assert one[0] and many[0] == one[0] and many[1] == one[1] and many[3] == one[3]
    for field in ("turns", "rejected", "users", "cases_opened", "case_updates", "flagged_turns", "interrupted"):
        assert getattr(many[2], field) == getattr(one[2], field), field
    cross = [c for c in one[3] if c["rule"] == "accumulated" and c["event"] == "open"]
    assert len(cross) == 6 and all(len(c["accounts"]) == 2 for c in cross), "each pattern spans both linked accounts"


def marked_detector(marks: str) -> Detector:
    """A detector whose process leaves a file in `marks` once it is built."""
    detector = tag_detector()
    Path(marks, f"built-{os.getpid()}").touch()
    return detector


def failing_detector() -> Detector:
    """The first replay process fails while building its detector; the others build theirs."""
    if multiprocessing.current_process().name.endswith("-0"):
        raise RuntimeError("models unusable (a test)")
    return tag_detector()


@contextmanager
def _within(seconds: int):
    """Fails the test (instead of hanging it) if the block has not ended after `seconds`."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    before = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def _turns(rows: list[dict]):
    return sorted((parse_turn(json.dumps(r).encode()) for r in rows), key=lambda t: t.order_key())


def test_the_processes_build_their_detectors_while_the_input_is_read(tmp_path):
    """The processes start before the parent reads and splits the turns: here the input cannot be
    read on until every process has built its detector (it would wait for them in vain if they
    were started after the split, and fail after a minute)."""
    workers, waited = 2, []

    def turns():
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("built-*"))) < workers:
            assert time.monotonic() < deadline, "no detector was built while the input was read"
            time.sleep(0.02)
        waited.append(True)
        yield from _turns(_rows())

    cases, stats = io.BytesIO(), ReplayStats()
    with _within(120), Workers((marked_detector, (str(tmp_path),)), workers) as processes:
        replay_partitioned(processes, turns(), {"case": cases}, stats, batch_size=5)
    one = _replay(_rows(), 1)
    assert waited and stats.turns == one[2].turns and cases.getvalue() == one[0]


def test_a_process_that_fails_building_its_detector_is_reported_not_waited_for():
    """One process fails while the parent still splits the input: the replay raises WorkerFailed
    naming it (the other process stops after its current batch) and never hangs."""
    rows = _rows() * 40  # enough batches of 5 that the healthy process is still running when told to stop
    stats = ReplayStats()
    with _within(120), pytest.raises(WorkerFailed, match="riskstream-replay-0"):
        with Workers((failing_detector, ()), 2) as processes:
            replay_partitioned(processes, _turns(rows), {"case": io.BytesIO()}, stats, batch_size=5)
    assert processes.procs[0].exitcode == 1 and processes.procs[1].exitcode is not None


def test_processes_waiting_for_their_buckets_end_when_the_input_fails():
    """An error while the parent reads the input: the processes, never handed buckets, just exit."""
    def turns():
        yield from _turns(_rows())[:3]
        raise ValueError("unreadable input (a test)")

    with _within(120), pytest.raises(ValueError, match="unreadable"):
        with Workers((tag_detector, ()), 2) as processes:
            replay_partitioned(processes, turns(), {"case": io.BytesIO()}, ReplayStats(), batch_size=5)
    assert [p.exitcode for p in processes.procs] == [0, 0]


def test_stopped_before_the_processes_start_gives_a_prefix():
    """Ctrl-C (`stop`) before the processes got their buckets: they stop before their first batch,
    the replay is marked interrupted, and the outputs are a prefix of one process's (here empty)."""
    cases, scores, stats = io.BytesIO(), io.BytesIO(), ReplayStats()
    with _within(120), Workers((tag_detector, ()), 2) as processes:
        replay_partitioned(processes, _turns(_rows()), {"case": cases, "score": scores}, stats, batch_size=5,
                           stop=lambda: True)
    one = _replay(_rows(), 1)
    assert stats.interrupted and one[0].startswith(cases.getvalue()) and one[1].startswith(scores.getvalue())


def test_linked_accounts_go_to_one_process():
    from stream.core.identity import DictRegistry
    from stream.core.pipeline import with_person

    registry = DictRegistry()
    turns = sorted((parse_turn(json.dumps(r).encode()) for r in _rows()), key=lambda t: t.order_key())
    where: dict[str, set[int]] = {}
    for t in turns:
        t = with_person(t, registry)
        where.setdefault(t.person_id, set()).add(bucket_of(t))
    assert all(len(w) == 1 for w in where.values())
    assert {p for p in where if p.startswith("p:acct-")} and len(where) == 6 + 8


def test_buckets_are_dealt_so_the_processes_get_even_shares():
    """Largest bucket first to the least loaded process: every non-empty bucket goes to exactly one
    process, and the loads differ by at most one bucket (a hash of persons into two processes
    gave one of them 7 % more turns on a 1,600-person replay, and the replay waits for it)."""
    sizes = [0, 500, 40, 310, 0, 290, 120, 75, 75, 60, 400, 10]
    for workers in (2, 3, 5):
        dealt = deal(sizes, workers)
        assert sorted(b for bs in dealt for b in bs) == [b for b, n in enumerate(sizes) if n]
        loads = [sum(sizes[b] for b in bs) for bs in dealt]
        assert max(loads) - min(loads) <= max(sizes), loads
        assert dealt == deal(sizes, workers)
    loads2 = [sum(sizes[b] for b in bs) for bs in deal(sizes, 2)]
    assert abs(loads2[0] - loads2[1]) <= 10, loads2  # 940 / 940 is reachable; the greedy lands within 10
    by_parity = [sum(n for b, n in enumerate(sizes) if b % 2 == k) for k in (0, 1)]
    assert abs(by_parity[0] - by_parity[1]) > 100  # what hashing straight into two processes would give
    assert deal([0, 0, 7], 4) == [[2], [], [], []]


def test_default_is_every_core_but_not_for_a_few_turns(monkeypatch):
    import stream.drivers.partitioned as part

    monkeypatch.setattr(part, "available_cores", lambda: 8)
    assert default_workers(10) == 1 and default_workers(2500) == 2 and default_workers(10**6) == 8


def test_cli_workers_give_the_same_files_with_the_committed_models(tmp_path):
    """The real scorer and stage tagger: a turn's scores must not depend on its batch mates."""
    rows = [json.loads(x) for x in (REPO / "examples" / "demo_turns.jsonl").read_text().splitlines()]
    threat = ("my ex keeps ignoring me", "she will regret it, I know where she lives",
              "I bought a gun yesterday and I'm going to her place tonight to end this")
    for i, text in enumerate(threat):  # one person, two accounts linked by a device
        acct = ("ex-a", "ex-b")[i % 2]
        rows.append({"event_id": f"ex-{i}", "user_id": acct, "conversation_id": f"ex-c{i}", "turn_index": i,
                     "role": "user", "text": text, "ts": f"2026-10-0{1 + i}T21:1{i}:00Z",
                     "identity": {"device_hash": "ex-device"}})
    src = tmp_path / "turns.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = {}
    for n in (1, 2):
        d = tmp_path / f"w{n}"
        d.mkdir()
        proc = subprocess.run([sys.executable, "-m", "stream", "replay", "--input", str(src), "--cases",
                               str(d / "cases.jsonl"), "--scores", str(d / "scores.jsonl"), "--summary",
                               "--no-progress", "--workers", str(n), "--batch-size", "8"],
                              capture_output=True, cwd=REPO, timeout=600)
        assert proc.returncode == 0, proc.stderr.decode()
        out[n] = ((d / "cases.jsonl").read_bytes(), (d / "scores.jsonl").read_bytes(), proc.stdout)
    assert out[2] == out[1]
    cases = [json.loads(x) for x in out[1][0].splitlines()]
    assert any(set(c["accounts"]) == {"ex-a", "ex-b"} for c in cases), "the threat over linked accounts is one case"
