"""Batches of a Faust stream that wait for their first record, then at most `within` for more.

Faust's `Stream.take_events(n, within)` wakes every `within` whether or not anything came. With a
window short enough for low latency (2 ms: p99 produce->case 101 ms at half of capacity, against
253 ms with 20 ms, `bench/bench_worker.py`) an idle worker woke about 1,000 times a second and
burned a tenth of a core doing nothing. `take_batches` is faust-streaming 0.15's `take_events` loop
with two changes: while the buffer is empty it waits for the first record without a timeout; and
then it waits for the batch to fill as long as records keep coming, up to `within` for each next
one (at most `EXTEND` windows in all), where Faust waits `within` from the first record. Everything else is as Faust does it, because
the worker's guarantees rest on it: acks are switched off for the stream and every event of a batch
is acked only after the agent's loop body for that batch has finished (the effects delivered and
the windows written, `faust_detect`); the buffer never holds more than `max_` records.

Two changes of what is acked, for "nothing lost". Faust acks a batch in a `finally`, so a batch whose
body raised, or was cancelled, or was abandoned, was acked (and committed) unprocessed: here only a
body that asked for the next batch has its batch acked; otherwise every event of it is released
(`release`). And an event's ack can wait for deliveries made for it (`Batch.ack_after`: its dead
letter), or be held by the agent (`Batch.hold`): an event whose delivery failed, or that is held, is
released too. A released event is neither acked nor in flight: the commit stops before it and the
stall watchdog (`faust_watchdog`) reads it again from there; what was already folded in is
recognised on the way (the windows' redelivery rings).
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError
from typing import Any, AsyncGenerator

from mode.utils.aiter import aiter
from mode.utils.futures import notify

log = logging.getLogger("riskstream.worker")
# A batch waits up to `within` for each next record and at most this many windows in all: a
# backlog reaches the agent one record per turn of Faust's stream loop (about 60 us each), so a
# single 2 ms window from the first record closed batches at about 35 of 64 turns, and the encoder
# reads a batch in one call (bench/bench_worker.py)
EXTEND = 8


class Batch(list):
    """The events of one batch, in order, and what their acks wait for (see the module docstring)."""

    def __init__(self, events):
        super().__init__(events)
        self.waits: list[tuple[Any, asyncio.Future]] = []
        self.held: set[int] = set()

    def ack_after(self, event, delivery: asyncio.Future) -> None:
        """Ack `event` only if `delivery` (a record sent for it, e.g. its dead letter) succeeds."""
        self.waits.append((event, delivery))

    def hold(self, event=None) -> None:
        """Do not ack `event` (every event of the batch when None): it is read again."""
        self.held.update(id(e) for e in ([event] if event is not None else self))

    async def settle(self) -> set[int]:
        """Wait for every delivery the acks wait for; the ids of the events not to ack."""
        results = await asyncio.gather(*(f for _, f in self.waits), return_exceptions=True)
        for (event, _), result in zip(self.waits, results):
            if isinstance(result, BaseException):
                log.warning("a record sent for offset %s could not be delivered (%r): it will be read again",
                            getattr(getattr(event, "message", None), "offset", "?"), result)
                self.held.add(id(event))
        return self.held


def release(stream, event) -> None:
    """Leave `event` unacked and no longer in flight (Faust's unacked set is what the rebalance
    waits on and the watchdog reads as in flight): the commit stops before it, and the watchdog
    reads it again."""
    consumer = getattr(getattr(stream, "app", None), "consumer", None)
    unacked = getattr(consumer, "_unacked_messages", None)
    if unacked is not None:
        unacked.discard(event.message)


def take_batches(stream, max_: int, within: float) -> AsyncGenerator[list, None]:
    """`stream.take_events(max_, within)`, idle without waking (see the module docstring)."""
    agen = _take_batches(stream, max_, within)
    active = getattr(stream, "_active_agens", None)
    if active is not None:  # Faust closes leftover buffering generators when the stream stops
        active.add(agen)
    return agen


async def _take_batches(stream, max_: int, within: float) -> AsyncGenerator[list, None]:
    buffer: list[Any] = []
    events: list[Any] = []
    started, full, consumed = asyncio.Event(), asyncio.Event(), asyncio.Event()
    consuming: asyncio.Future | None = None  # set while the agent works on a batch: the buffer waits
    enable_acks = stream.enable_acks
    loop = asyncio.get_running_loop()

    async def add_to_buffer(value: Any) -> Any:
        nonlocal consuming
        try:
            if consuming is not None:
                try:
                    await consuming
                finally:
                    consuming = None
            buffer.append(value)
            event = stream.current_event
            if event is None:
                raise RuntimeError("Take buffer found current_event is None")
            events.append(event)
            started.set()
            if len(buffer) >= max_:
                full.set()
                consumed.clear()
                await stream.wait(consumed)  # never more than max_ records in a batch
        except CancelledError:
            raise
        except Exception as exc:  # as Faust: the stream crashes, the agent's supervisor restarts it
            stream.log.exception("Error adding to take buffer: %r", exc)
            await stream.crash(exc)
        return value

    stream.enable_acks = False  # acked below, once the batch is done
    stream.add_processor(add_to_buffer)
    stream._enable_passive(aiter(stream.channel))
    try:
        while not stream.should_stop:
            if not buffer:
                await stream.wait_for_stopped(started)  # idle: no timeout, no wake-ups
            # fill while records keep coming: close once `within` passes without one (or when full,
            # or EXTEND windows after the first record)
            deadline = loop.time() + within * EXTEND
            while True:
                seen = len(buffer)
                await stream.wait_for_stopped(full, timeout=within)
                if full.is_set() or len(buffer) == seen or loop.time() >= deadline or stream.should_stop:
                    break
            if buffer:
                consuming = loop.create_future()
                batch = Batch(events)
                try:
                    yield batch
                except BaseException:  # closed, cancelled or abandoned mid-batch: nothing of it is done
                    for event in events:
                        release(stream, event)
                    raise
                else:  # the body finished and asks for more
                    try:
                        held = await batch.settle()
                    except BaseException:  # cancelled while waiting for deliveries
                        held = {id(e) for e in events}
                        raise
                    finally:
                        for event in events:
                            if id(event) in held:
                                release(stream, event)
                            else:
                                await stream.ack(event)
                finally:
                    buffer.clear()
                    events.clear()
                    started.clear()
                    full.clear()
                    notify(consuming)  # let the buffer fill again
                    consumed.set()
    finally:
        stream.enable_acks = enable_acks
        stream._processors.remove(add_to_buffer)
