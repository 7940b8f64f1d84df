"""Stall watchdog: read a partition again when the record at its committed offset was passed over.

Around a rebalance faust-streaming 0.15 can skip records it has already fetched (one handed over
while the flow is suspended, one of the previous generation, one fetched before a seek and handed
out after it, which moves Faust's read position past records it then drops). The worker refuses to
ack them (`faust_acks`), so the committed offset stays before them and nothing is lost at the
broker; Faust normally reads them again when it seeks to the committed offsets after the rebalance.
When the skip comes after that seek, nothing reads them again: the commit stops at the hole while
the partition's later records go on being processed (under traffic, for as long as the worker runs:
tests/test_crash_safety.py saw a committed offset stay put for 35 s with 1,000 records behind it).

So the watchdog looks at the record at each source partition's committed offset (the head): when
the partition holds records from there on, Faust's fetcher has handed the head or later records to
the stream since the latest seek (a paused partition, or one just sought back, has not: that is a
backlog), and the head is neither acked, nor in flight, nor waiting in a stream queue, for
`stall_s` with the committed offset unchanged, it seeks the partition back to the committed offset.
A head can also be dropped with nothing after it to show it (Faust abandons a record it was
handing over when the flow is suspended, or a fetched batch when the generation changes, and its
fetch position has moved past it; on a quiet partition no later record is ever handed over): so a
head that exists, is neither acked, in flight nor queued, on a partition not paused, is read again
after `long_s` with the committed offset unchanged, whatever the fetcher handed (a backlog that
slow is read again too: harmless, repeats are recognised). The crash tests' hard-kill survivor
left a probe unscored this way, on a partition that got no further records.
Records read again that were already folded in are recognised by their windows' redelivery rings.

The seek runs in the consumer's own thread (`seek_wait`). aiokafka is not thread-safe: a seek from
the worker's thread (Faust's `Consumer.seek`) completes a future of the consumer thread's event
loop from outside it; a fetcher that misses that wake-up waits forever, with no error. That is the
likely cause of the one total stall seen in the crash tests: every partition of the worker stopped
right after such a seek.
"""
from __future__ import annotations

import asyncio
import logging
import time

from stream.drivers import consumer_calls
from stream.drivers.faust_acks import handed_up_to
from stream.drivers.faust_app import Wiring

log = logging.getLogger("riskstream.worker")
SOURCES = ("turns", "turns-by-person", "privacy-requests", "review-decisions", "appeals")  # what agents read
CHECK_S = 2.0
STALL_S = 6.0
LONG_S = 20.0


def source_topics(settings) -> set[str]:
    """The full names of the topics the worker's agents read."""
    return {settings.topic(logical) for logical in SOURCES}


def stalled(committed: int | None, end: int | None, first: tuple | None, now: float,
            stall_s: float) -> tuple[bool, tuple | None]:
    """(seek now?, the new `first`): records beyond the committed offset, with the committed offset
    unchanged since `first[1]` (when the head was first seen passed over) for at least `stall_s`."""
    if committed is None or end is None or end <= committed:
        return False, None
    if first is None or first[0] != committed:
        return False, (committed, now)
    if now - first[1] >= stall_s:
        return True, None
    return False, first


def head_passed(committed: int | None, end: int | None, handed: int | None, head_pending: bool) -> bool:
    """Was the record at the committed offset passed over: it exists (`end` beyond it), Faust's
    fetcher has handed records up to it or beyond to the stream since the latest seek (`handed`,
    `faust_acks.handed_up_to`), and it is not acked, in flight or queued (`head_pending`)?"""
    return (committed is not None and end is not None and end > committed and handed is not None
            and handed >= committed and not head_pending)


def head_waiting(committed: int | None, end: int | None, head_pending: bool, paused: bool) -> bool:
    """Does the record at the committed offset exist, with the partition not paused, and is it
    neither acked, in flight nor queued (whatever the fetcher has handed over)?"""
    return committed is not None and end is not None and end > committed and not head_pending and not paused


def judge(committed: int | None, end: int | None, handed: int | None, head_pending: bool, paused: bool,
          clocks: tuple, now: float, stall_s: float = STALL_S, long_s: float = LONG_S) -> tuple[float | None, tuple]:
    """(seconds the head has waited when the partition is to be read again now, else None; its new
    clocks) for one partition. `clocks`: since when (with which committed offset) its head has been
    passed over, and since when it has been waiting (`head_passed` for `stall_s`, `head_waiting`
    for `long_s`), each None when it is not."""
    passed = head_passed(committed, end, handed, head_pending)
    waiting = head_waiting(committed, end, head_pending, paused)
    seek_p, first_p = stalled(committed, end, clocks[0], now, stall_s) if passed else (False, None)
    seek_w, first_w = stalled(committed, end, clocks[1], now, long_s) if waiting else (False, None)
    if seek_p or seek_w:
        return now - (clocks[0] if seek_p else clocks[1])[1], (None, None)
    return None, (first_p, first_w)


def register(w: Wiring, stall_s: float = STALL_S, long_s: float = LONG_S) -> None:
    app = w.app
    sources = source_topics(w.settings)
    clocks: dict = {}  # tp -> `judge`'s clocks

    @app.timer(interval=CHECK_S)
    async def watch() -> None:
        consumer = app.consumer
        if app.rebalancing or not app.tables.recovery.completed.is_set():
            clocks.clear()  # moving: not a stall
            return
        tps = [tp for tp in consumer.assignment() if tp.topic in sources]
        for tp in set(clocks) - set(tps):
            del clocks[tp]  # no longer ours
        if not tps:
            return
        try:
            ends = await consumer_calls.end_offsets(consumer, tps)
        except Exception as exc:  # noqa: BLE001 - a check must never take the worker down (nor wait for ever)
            log.debug("watchdog cannot read end offsets: %s", exc)
            return
        heads = {tp: consumer._committed_offset.get(tp) for tp in tps}
        pending = pending_heads(app, consumer, heads)
        now = time.monotonic()
        paused = set(consumer._paused_partitions)
        for tp in tps:
            committed, end = heads[tp], ends.get(tp)
            waited, clocks[tp] = judge(committed, end, handed_up_to(consumer, tp), tp in pending, tp in paused,
                                       clocks.get(tp, (None, None)), now, stall_s, long_s)
            if waited is not None:
                await unstick(consumer, tp, committed, end, waited)


async def unstick(consumer, tp, committed: int, end: int, waited: float = STALL_S) -> None:
    """Read a partition again from its committed offset; or, when the log no longer starts there
    (records deleted by retention before this worker could process them), record them as a gap so
    the commit moves on, and say so loudly (re-reading them is impossible: the seek would only start
    over at the log's first record, again and again)."""
    try:
        start = (await consumer_calls.answer(consumer.earliest_offsets(tp))).get(tp)
    except Exception as exc:  # noqa: BLE001 - a check must never take the worker down (nor wait for ever)
        log.debug("watchdog cannot read the log start of %s: %s", tp, exc)
        return
    if start is not None and start > committed:
        log.warning("partition %s:%d: %d record(s) from offset %d expired from the log (retention) before they were "
                    "processed", tp.topic, tp.partition, start - committed, committed,
                    extra={"event": "records_expired", "topic": tp.topic, "partition": tp.partition,
                           "committed": committed, "start": start})
        consumer._gap[tp].addi(committed, start)  # Faust's own record of offsets the log does not hold
        return
    log.warning("partition %s:%d: the record at its committed offset %d has not been processed (%d record(s) from "
                "there on) for %.0f s, and is neither in flight nor queued: reading them again",
                tp.topic, tp.partition, committed, end - committed, waited,
                extra={"event": "stall_reseek", "topic": tp.topic, "partition": tp.partition,
                       "committed": committed, "end": end})
    await reread(consumer, tp, committed)


def pending_heads(app, consumer, heads: dict) -> set:
    """The partitions whose head record (offset `heads[tp]`) is acked, in flight or in a stream queue."""
    out = {tp for tp, offset in heads.items() if offset is not None and offset in consumer._acked_index.get(tp, ())}
    for m in list(consumer._unacked_messages):
        if heads.get(m.tp) == m.offset and not m.acked:  # an acked one left in the set is done, not in flight
            out.add(m.tp)
    try:
        channels = [ch for chans in list(app.topics._topic_name_index.values()) for ch in list(chans)]
        for ch in channels:
            for event in list(getattr(ch.queue, "_queue", ())):
                message = getattr(event, "message", None)
                if message is not None and heads.get(message.tp) == message.offset:
                    out.add(message.tp)
    except Exception:  # noqa: BLE001 - private attributes of faust may move: then every head counts as pending
        return set(heads)
    return out


def queue_sizes(app) -> dict[str, int]:
    """(For the state dump, `faust_ops`.) Records handed to each topic's streams and not yet taken by
    an agent (Faust's conductor index)."""
    try:
        return {name: sum(ch.queue.qsize() for ch in list(channels))
                for name, channels in list(app.topics._topic_name_index.items())}
    except Exception:  # noqa: BLE001 - private attributes of faust may move: then nothing counts as queued
        return {}


async def reread(consumer, tp, offset: int, timeout: float = 10.0) -> None:
    """Seek `tp` back to `offset` in the consumer's own thread (aiokafka is not thread-safe: Faust's
    `Consumer.seek` changes the fetcher's state from the worker's thread) and wait for the new
    position; a seek that cannot finish in `timeout` is left to the next check."""
    try:
        await asyncio.wait_for(consumer.seek_wait({tp: offset}), timeout)
    except Exception as exc:  # noqa: BLE001 - a check must never take the worker down
        log.warning("cannot seek %s:%d to %d: %r", tp.topic, tp.partition, offset, exc)
