"""The worker's held-back state writes and its refusal of acks Faust gives to records it skipped."""

from __future__ import annotations

from types import SimpleNamespace

from stream.drivers import faust_acks
from stream.drivers.pending import Pending


def recorder():
    table, log = {"old": 1}, []
    pending = Pending(lambda k, ctx: table.get(k),
                      lambda k, v, ctx: (log.append(("put", k, v, ctx)), table.__setitem__(k, v)),
                      lambda k, ctx: (log.append(("del", k, ctx)), table.pop(k, None)))
    return table, log, pending


def test_reads_see_held_writes_and_the_table_sees_nothing_until_flush():
    table, log, p = recorder()
    p.write("a", 1, "e1")
    p.write("a", 2, "e2")
    p.remove("old", "e3")
    assert p.read("a") == 2 and p.read("old") is None and p.read("missing") is None
    assert table == {"old": 1} and log == []
    assert p.flush() == 2
    assert log == [("put", "a", 2, "e2"), ("del", "old", "e3")]  # one write per key, the last, with its context
    assert table == {"a": 2} and p.writes == {}


def test_discarded_keys_keep_their_old_state():
    table, log, p = recorder()
    p.write("old", 5, None)
    p.write("b", 1, None)
    p.discard({"old"})
    p.flush()
    assert table == {"old": 1, "b": 1}


class Message:
    def __init__(self, generation_id: int):
        self.generation_id = generation_id


def fake_consumer(generation: int, flowing: bool):
    acked = []
    app = SimpleNamespace(consumer_generation_id=generation,
                          flow_control=SimpleNamespace(is_active=lambda: flowing))
    consumer = SimpleNamespace(app=app, _unacked_messages=set())
    return consumer, acked


def test_acks_of_skipped_records_are_refused(monkeypatch):
    seen = []
    monkeypatch.setattr(faust_acks, "_original_ack", lambda self, m: seen.append(m) or True)
    message = Message(3)
    for generation, flowing in ((4, True), (3, False)):  # fetched in an older generation; flow suspended
        consumer, _ = fake_consumer(generation, flowing)
        consumer._unacked_messages.add(message)
        assert faust_acks._ack(consumer, message) is False
        assert message not in consumer._unacked_messages  # nothing waits for it: it is read again
    assert seen == []
    consumer, _ = fake_consumer(3, True)
    assert faust_acks._ack(consumer, message) is True and seen == [message]


def test_install_patches_faust_once():
    from faust.transport.consumer import Consumer

    faust_acks.install()
    faust_acks.install()
    assert Consumer.ack is faust_acks._ack and faust_acks._original_ack is not faust_acks._ack
    assert Consumer._new_offset is faust_acks._new_offset


def offsets(committed, acked, gaps=()):
    from collections import defaultdict

    from intervaltree import IntervalTree

    tree = IntervalTree()
    for a, b in gaps:
        tree.addi(a, b)
    return SimpleNamespace(_acked=defaultdict(list, {"tp": list(acked)}), _committed_offset={"tp": committed},
                           _gap=defaultdict(IntervalTree, {"tp": tree}), _acked_index=defaultdict(set, {"tp": set(acked)}))


def test_the_commit_stops_before_a_record_not_acked_at_the_head():
    # committed offset 100 = the next record to read; 100 itself was never acked
    assert faust_acks._original_new_offset(offsets(100, [101, 102]), "tp") == 103  # faust alone: past it
    assert faust_acks._new_offset(offsets(100, [101, 102]), "tp") is None
    assert faust_acks._new_offset(offsets(100, [100, 101, 103]), "tp") == 102  # up to the first hole
    assert faust_acks._new_offset(offsets(100, [102], gaps=[(100, 102)]), "tp") == 103  # a known gap is no hole
    # records gone from the log after the committed offset (Faust registers the gap from committed + 1)
    assert faust_acks._new_offset(offsets(100, [105], gaps=[(101, 105)]), "tp") == 106


def test_the_watchdog_seeks_only_after_an_idle_stall_of_stall_s():
    from stream.drivers.faust_watchdog import stalled

    assert stalled(10, 10, None, 0.0, 6.0) == (False, None)  # caught up
    assert stalled(None, 10, None, 0.0, 6.0) == (False, None)  # nothing committed yet: not ours to judge
    seek, first = stalled(7, 10, None, 0.0, 6.0)
    assert not seek and first == (7, 0.0)
    assert stalled(7, 10, first, 5.0, 6.0) == (False, first)  # not yet
    assert stalled(8, 10, first, 7.0, 6.0) == (False, (8, 7.0))  # the commit moved: the clock restarts
    assert stalled(7, 10, first, 6.5, 6.0) == (True, None)


def test_a_topic_with_records_waiting_for_its_stream_is_a_backlog_not_a_stall():
    """The watchdog leaves a partition alone while its topic's stream queue still holds records
    (under load a partition's records can wait there longer than stall_s: re-reading them then would
    only add duplicates to the backlog)."""
    from types import SimpleNamespace as NS

    from stream.drivers.faust_watchdog import queue_sizes

    def channel(n):
        return NS(queue=NS(qsize=lambda: n))

    app = NS(topics=NS(_topic_name_index={"turns": [channel(0)], "turns-by-person": [channel(0), channel(3)]}))
    assert queue_sizes(app) == {"turns": 0, "turns-by-person": 3}
    assert queue_sizes(NS(topics=NS())) == {}  # faust moved its index: nothing counts as queued
