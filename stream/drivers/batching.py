"""Batches of a Faust stream that wait for their first record, then at most `within` for more.

Faust's `Stream.take_events(n, within)` wakes every `within` whether or not anything came. With a
window short enough for low latency (2 ms: p99 produce->case 101 ms at half of capacity, against
253 ms with 20 ms, `bench/bench_worker.py`) an idle worker woke about 1,000 times a second and
burned a tenth of a core doing nothing. `take_batches` is faust-streaming 0.15's `take_events` loop
with one change: while the buffer is empty it waits for the first record without a timeout, and
only then waits up to `within` for the batch to fill. Everything else is as Faust does it, because
the worker's guarantees rest on it: acks are switched off for the stream and every event of a batch
is acked only after the agent's loop body for that batch has finished (the effects delivered and
the windows written, `faust_detect`); the buffer never holds more than `max_` records.
"""

from __future__ import annotations

import asyncio
from asyncio import CancelledError
from typing import Any, AsyncGenerator

from mode.utils.aiter import aiter
from mode.utils.futures import notify


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
            await stream.wait_for_stopped(full, timeout=within)
            if buffer:
                consuming = asyncio.get_running_loop().create_future()
                try:
                    yield list(events)
                finally:
                    buffer.clear()
                    for event in events:
                        await stream.ack(event)
                    events.clear()
                    started.clear()
                    full.clear()
                    notify(consuming)  # let the buffer fill again
                    consumed.set()
    finally:
        stream.enable_acks = enable_acks
        stream._processors.remove(add_to_buffer)
