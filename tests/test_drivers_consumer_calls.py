"""Calls into the Kafka consumer's thread are tracked while they run: a call that never returns
turns /healthz to 503 (a liveness probe restarts the worker) and is logged once, with the dump."""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from types import SimpleNamespace

import orjson
import pytest

from stream.drivers import consumer_calls, faust_ops
from stream.ops.http import OpsServer


class Thread:  # stands in for Faust's consumer thread: only the tracker's attribute lives here
    pass


@pytest.fixture
def held(monkeypatch):
    """Calls that return only when their event is set (what the consumer thread does to a hung call)."""
    events: dict[str, asyncio.Event] = {}

    async def original(self, fun, *args, **kwargs):
        await events[fun.__qualname__].wait()
        if fun.__qualname__.startswith("fails"):
            raise RuntimeError("broker said no")
        return fun.__qualname__

    monkeypatch.setattr(consumer_calls, "_original_call_thread", original)
    return events


def named(name):
    def fun():
        pass
    fun.__qualname__ = name
    return fun


def test_calls_in_flight_are_timed_and_forgotten_when_they_end(held):
    async def run():
        t = Thread()
        held["fetch"], held["fails"] = asyncio.Event(), asyncio.Event()
        fetch = asyncio.ensure_future(consumer_calls._call_thread(t, named("fetch")))
        await asyncio.sleep(0.05)
        fails = asyncio.ensure_future(consumer_calls._call_thread(t, named("fails")))
        await asyncio.sleep(0.01)
        calls = consumer_calls.in_flight(t)
        assert [c[0] for c in calls] == ["fetch", "fails"], "longest first"
        assert calls[0][1] >= 0.05 > calls[1][1]
        assert consumer_calls.stuck(t, stuck_s=0.04)[0] == "fetch"
        assert consumer_calls.stuck(t, stuck_s=10) is None
        held["fetch"].set()
        assert await fetch == "fetch"
        held["fails"].set()
        with pytest.raises(RuntimeError):
            await fails
        assert consumer_calls.in_flight(t) == [] and consumer_calls.oldest(t) is None, "a failed call is forgotten too"

    asyncio.run(run())


def test_install_wraps_faust_consumer_thread_calls(monkeypatch):
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    monkeypatch.setattr(AIOKafkaConsumerThread, "call_thread", consumer_calls._original_call_thread)
    consumer_calls.install()
    consumer_calls.install()
    assert AIOKafkaConsumerThread.call_thread is consumer_calls._call_thread


def test_a_stuck_call_is_logged_once_and_healthz_answers_503(held, monkeypatch, caplog):
    dumps = []
    monkeypatch.setattr(consumer_calls, "STUCK_S", 0.05)
    monkeypatch.setattr(faust_ops, "_log_task_stacks", lambda app: dumps.append(app))
    t = Thread()
    app = SimpleNamespace(consumer=SimpleNamespace(_thread=t))
    state, reported = {}, {}
    server = OpsServer(0, lambda: (True, {}), alive=lambda: faust_ops.alive(state)).start()
    url = f"http://127.0.0.1:{server.port}/healthz"

    def healthz():
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, orjson.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, orjson.loads(e.read())

    async def run():
        held["seek_to_committed"] = asyncio.Event()
        call = asyncio.ensure_future(consumer_calls._call_thread(t, named("seek_to_committed")))
        await asyncio.sleep(0.01)
        state["stuck_call"] = faust_ops._report_stuck_call(app, reported)
        assert state["stuck_call"] is None and await asyncio.to_thread(healthz) == (200, {"status": "alive"})
        await asyncio.sleep(0.06)
        for _ in range(3):  # the sampler runs every 2 s: one log line, one dump
            state["stuck_call"] = faust_ops._report_stuck_call(app, reported)
        status, body = await asyncio.to_thread(healthz)
        assert status == 503 and body["status"] == "stalled" and body["stuck_call"] == "seek_to_committed"
        held["seek_to_committed"].set()
        await call
        state["stuck_call"] = faust_ops._report_stuck_call(app, reported)
        assert await asyncio.to_thread(healthz) == (200, {"status": "alive"})

    try:
        with caplog.at_level(logging.ERROR, logger="riskstream.worker"):
            asyncio.run(run())
    finally:
        server.close()
    stuck = [r for r in caplog.records if getattr(r, "event", None) == "consumer_call_stuck"]
    assert len(stuck) == 1 and stuck[0].call == "seek_to_committed" and len(dumps) == 1


def test_lag_reads_a_position_without_asking_the_consumer_thread():
    class State:
        def __init__(self, position):
            self.position, self.has_valid_position = position, position is not None

    states = {"a": State(41), "b": State(None)}
    assignment = SimpleNamespace(state_value=states.get)
    aiokafka = SimpleNamespace(_subscription=SimpleNamespace(subscription=SimpleNamespace(assignment=assignment)))
    app = SimpleNamespace(consumer=SimpleNamespace(_thread=SimpleNamespace(_ensure_consumer=lambda: aiokafka)))
    assert faust_ops._position_now(app, "a") == 41
    assert faust_ops._position_now(app, "b") is None, "no position yet: unknown, not a wait"
    assert faust_ops._position_now(app, "c") is None
    aiokafka._subscription.subscription = None  # between assignments
    assert faust_ops._position_now(app, "a") is None


def test_a_check_that_waits_on_the_consumer_thread_gives_up(monkeypatch):
    """The lag sampler's request is bounded: a hung call leaves the lag unknown, the sampler goes on."""
    monkeypatch.setattr(consumer_calls, "CALL_TIMEOUT_S", 0.05)

    async def never(*tps):
        await asyncio.Event().wait()

    app = SimpleNamespace(consumer=SimpleNamespace(highwaters=never, _committed_offset={}))
    tp = SimpleNamespace(topic="t", partition=0)
    assert asyncio.run(asyncio.wait_for(faust_ops._lag(app, [tp], {"t"}), 5)) == {}


def test_the_lag_sampler_and_the_watchdog_share_one_end_offsets_request(monkeypatch):
    """Both look every two seconds: one request to the broker serves both within `max_age_s`; a
    partition the answer does not cover, or an answer older than that, asks again."""
    asks = []

    async def highwaters(*tps):
        asks.append(tps)
        return {tp: 100 + i for i, tp in enumerate(tps)}

    consumer = SimpleNamespace(highwaters=highwaters)
    clock = [1000.0]
    monkeypatch.setattr(consumer_calls, "_clock", lambda: clock[0])

    async def scenario():
        first = await consumer_calls.end_offsets(consumer, ["a", "b"])
        clock[0] += 1.0
        second = await consumer_calls.end_offsets(consumer, ["b"])  # the watchdog, a second later
        assert len(asks) == 1 and second == {"b": first["b"]}
        await consumer_calls.end_offsets(consumer, ["c"])  # not in the answer: asked
        clock[0] += 2.5
        await consumer_calls.end_offsets(consumer, ["c"])  # too old: asked again
        return first

    assert asyncio.run(scenario()) == {"a": 100, "b": 101}
    assert asks == [("a", "b"), ("c",), ("c",)]
