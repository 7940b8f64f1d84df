"""Stall watchdog: read a partition again when its records were fetched but never reached an agent.

Around a rebalance faust-streaming 0.15 can skip records it has already fetched (one handed over
while the flow is suspended, or one of the previous generation). The worker refuses to ack them
(`faust_acks`), so the committed offset stays before them and nothing is lost at the broker, and
Faust normally reads them again when it seeks to the committed offsets after the rebalance. When
the skip comes after that seek, nothing reads them again and the partition sits idle with records
beyond its committed offset (tests/test_crash_safety.py: in about half the rebalance runs here).
The watchdog notices a source partition with records beyond its committed offset while none of its
records is in flight and its topic's stream queue is empty (a backlog is not a stall), for
`stall_s`, and seeks it back to the committed offset. A record read again that was already folded
in is recognised by its window's redelivery ring.

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

from stream.drivers.faust_app import Wiring

log = logging.getLogger("riskstream.worker")
SOURCES = ("turns", "turns-by-person", "privacy-requests", "review-decisions", "appeals")  # what agents read
CHECK_S = 2.0
STALL_S = 6.0


def stalled(committed: int | None, end: int | None, first: tuple | None, now: float,
            stall_s: float) -> tuple[bool, tuple | None]:
    """(seek now?, the new `first`): records beyond the committed offset, with the committed offset
    unchanged and the worker idle since `first[1]` for at least `stall_s`."""
    if committed is None or end is None or end <= committed:
        return False, None
    if first is None or first[0] != committed:
        return False, (committed, now)
    if now - first[1] >= stall_s:
        return True, None
    return False, first


def register(w: Wiring, stall_s: float = STALL_S) -> None:
    app = w.app
    sources = {w.settings.topic(logical) for logical in SOURCES}
    since: dict = {}  # tp -> (committed offset, when first seen idle behind its end)

    @app.timer(interval=CHECK_S)
    async def watch() -> None:
        consumer = app.consumer
        if app.rebalancing or not app.tables.recovery.completed.is_set():
            since.clear()  # moving: not a stall
            return
        # partitions with a record in flight (Faust leaves an acked message in the set when its offset
        # was acked before, e.g. one read again after a seek: that one is done, not in flight)
        busy = {m.tp for m in list(consumer._unacked_messages) if not m.acked}
        queued = {name for name, n in queue_sizes(app).items() if n}  # a backlog, not a stall
        tps = [tp for tp in consumer.assignment() if tp.topic in sources and tp not in busy and tp.topic not in queued]
        for tp in set(since) - set(tps):
            del since[tp]  # busy, queued or no longer ours: its idle time starts again
        if not tps:
            return
        try:
            ends = await consumer.highwaters(*tps)
        except Exception as exc:  # noqa: BLE001 - a check must never take the worker down
            log.debug("watchdog cannot read end offsets: %s", exc)
            return
        now = time.monotonic()
        for tp in tps:
            committed, end = consumer._committed_offset.get(tp), ends.get(tp)
            seek, first = stalled(committed, end, since.get(tp), now, stall_s)
            if first is None:
                since.pop(tp, None)
            else:
                since[tp] = first
            if seek:
                log.warning("partition %s:%d idle with %d record(s) beyond its committed offset %d for %.0f s: "
                            "reading them again", tp.topic, tp.partition, end - committed, committed, stall_s,
                            extra={"event": "stall_reseek", "topic": tp.topic, "partition": tp.partition,
                                   "committed": committed, "end": end})
                await reread(consumer, tp, committed)


def queue_sizes(app) -> dict[str, int]:
    """Records handed to each topic's streams and not yet taken by an agent (Faust's conductor index)."""
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
