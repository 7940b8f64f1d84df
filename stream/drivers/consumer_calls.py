"""Calls into the Kafka consumer's own thread, tracked while they run.

Faust runs aiokafka in a thread with its own event loop and reaches it through a queue served by
two workers (`call_thread`): fetches, commits, seeks, offset requests. A call that never returns
there stalls whatever waits on it, with no error: the crash tests saw a hard-kill survivor whose
fetcher and stall watchdog both waited on such calls for minutes, its committed offsets frozen.
Nothing is lost then (nothing is committed), but nothing moves either, and the worker looks alive.

So every call is timed while it runs. `oldest` names the longest-running one; the ops sampler logs
it once it passes `STUCK_S`, with where the consumer thread's tasks wait, and /healthz answers 503
from then on, so an orchestrator's liveness probe restarts the worker: its partitions move to the
other workers and are read from their committed offsets, records processed twice are recognised
by the windows' redelivery rings. `STUCK_S` lies well beyond every bounded call (aiokafka's request
timeout 40 s, Faust's broker request timeout 90 s; a fetch waits at most a second).
"""

from __future__ import annotations

import asyncio
import itertools
import time

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

STUCK_S = 180.0
CALL_TIMEOUT_S = 30.0  # how long the worker's own checks (lag, watchdog) wait for an answer
_original_call_thread = AIOKafkaConsumerThread.call_thread
_ids = itertools.count()
_clock = time.monotonic


async def _call_thread(self, fun, *args, **kwargs):
    calls = self.__dict__.setdefault("_rs_calls", {})
    key = next(_ids)
    calls[key] = (getattr(fun, "__qualname__", None) or repr(fun), time.monotonic())
    try:
        return await _original_call_thread(self, fun, *args, **kwargs)
    finally:
        calls.pop(key, None)


def install() -> None:
    """Track every call into the consumer thread (idempotent)."""
    AIOKafkaConsumerThread.call_thread = _call_thread


def in_flight(thread) -> list[tuple[str, float]]:
    """(name, seconds running) of the calls in flight, longest first. Safe from any thread: a
    snapshot, retried if the set changes while it is read."""
    calls = getattr(thread, "_rs_calls", None) or {}
    for _ in range(5):
        try:
            items = list(calls.values())
            break
        except RuntimeError:  # changed size during iteration
            continue
    else:
        return []
    now = time.monotonic()
    return sorted(((name, now - started) for name, started in items), key=lambda x: -x[1])


def oldest(thread) -> tuple[str, float] | None:
    calls = in_flight(thread)
    return calls[0] if calls else None


def stuck(thread, stuck_s: float | None = None) -> tuple[str, float] | None:
    """The longest-running call when it has run for `stuck_s` (default `STUCK_S`) or more, else None."""
    return stuck_of(oldest(thread), stuck_s)


def stuck_of(call: tuple[str, float] | None, stuck_s: float | None = None) -> tuple[str, float] | None:
    """`call` (an `oldest` result) when it has run for `stuck_s` (default `STUCK_S`) or more, else None."""
    return call if call is not None and call[1] >= (STUCK_S if stuck_s is None else stuck_s) else None


async def answer(request):
    """Await one of the worker's own requests through the consumer's thread for at most
    `CALL_TIMEOUT_S` (raises asyncio.TimeoutError): a check that waits for ever checks nothing."""
    return await asyncio.wait_for(request, CALL_TIMEOUT_S)


async def end_offsets(consumer, tps, max_age_s: float = 2.0) -> dict:
    """The end offsets of `tps` (`answer(consumer.highwaters(...))`), from one request every
    `max_age_s` at most: the lag sampler and the stall watchdog both look every two seconds, and
    one answer serves both (an end offset two seconds old only delays a check by one round)."""
    tps = list(tps)
    at, cached = getattr(consumer, "_rs_ends", (float("-inf"), {}))
    if _clock() - at < max_age_s and all(tp in cached for tp in tps):
        return {tp: cached[tp] for tp in tps}
    ends = dict(await answer(consumer.highwaters(*tps)))
    consumer._rs_ends = (_clock(), ends)
    return ends
