"""Operability of the Faust worker: readiness, consumer lag, a start-up line and progress lines.

A timer in the worker's own loop samples Faust's state (assignment, rebalancing, table
recovery, end offsets vs committed offsets) into `state` and the lag gauges; the ops HTTP thread only
reads `state`, so it never touches the consumer from another thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time

from stream.drivers import consumer_calls
from stream.drivers.faust_app import Wiring
from stream.drivers.faust_watchdog import queue_sizes, source_topics
from stream.ops import metrics

log = logging.getLogger("riskstream.worker")
SAMPLE_S = 2.0


def register(w: Wiring) -> dict:
    app = w.app
    state: dict = {"ready": False, "assigned": 0, "rebalancing": True, "recovered": False}
    app.ops_state = state  # read by the ops endpoint's /readyz (see stream/cli/worker.py)
    progress_s = float(os.environ.get("RISKSTREAM_PROGRESS_INTERVAL", "60"))
    last = {"at": time.monotonic()}
    shown: set[tuple[str, int]] = set()  # lag series currently exported
    sources = source_topics(w.settings)
    reported: dict = {}  # the stuck call already logged

    @app.task
    async def announce() -> None:
        info = metrics.BUILD_INFO
        s = w.settings
        log.info("riskstream worker starting: model %s, policy %s, app %s, broker %s, %d partitions, replication %s",
                 info.get("model_version"), info.get("policy_version"), s.app_id, s.broker, s.partitions,
                 s.replication, extra={"event": "startup", **info, "app_id": s.app_id, "broker": s.broker,
                                       "partitions": s.partitions, "replication": s.replication,
                                       "topic_prefix": s.topic_prefix, "store": s.store})

    @app.task
    async def stacks_on_sigusr1() -> None:
        """`kill -USR1 <pid>` logs where every asyncio task of the worker is waiting (a stall's cause)."""
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, _log_task_stacks, app)

    @app.timer(interval=SAMPLE_S)
    async def sample() -> None:
        state["stuck_call"] = _report_stuck_call(app, reported)  # first: the awaits below may be what is stuck
        assigned = app.consumer.assignment()
        state.update(assigned=len(assigned), rebalancing=bool(app.rebalancing),
                     recovered=app.tables.recovery.completed.is_set())
        state["ready"] = bool(assigned) and not state["rebalancing"] and state["recovered"]
        metrics.ASSIGNED.set(len(assigned))
        lag = await _lag(app, assigned, sources)
        for topic, partition in shown - set(lag):  # revoked partitions leave; others are overwritten in place
            metrics.LAG.remove(topic, str(partition))
        for (topic, partition), value in lag.items():
            metrics.LAG.labels(topic, str(partition)).set(value)
        shown.clear()
        shown.update(lag)
        state["lag"] = sum(lag.values())
        if time.monotonic() - last["at"] >= progress_s:
            last["at"] = time.monotonic()
            _progress(state)

    return state


async def _lag(app, assigned, sources: set[str]) -> dict[tuple[str, int], int]:
    """Records not yet processed and committed, per assigned partition of a topic the agents read: high
    watermark minus the committed offset (the consumer group's lag as Kafka's tools count it). One
    request for the end offsets; a partition with nothing committed yet falls back to the consumer's
    fetch position as it stands (`_position_now`)."""
    tps = [tp for tp in assigned if tp.topic in sources]
    if not tps:
        return {}
    try:
        ends = await consumer_calls.end_offsets(app.consumer, tps)
    except Exception as exc:  # noqa: BLE001 - a metrics sample must never take the worker down (or wait for ever)
        log.debug("cannot read end offsets: %r", exc)
        return {}
    out = {}
    for tp in tps:
        end, pos = ends.get(tp), app.consumer._committed_offset.get(tp)
        if pos is None:
            pos = _position_now(app, tp)
        if end is not None and pos is not None:
            out[(tp.topic, tp.partition)] = max(0, int(end) - int(pos))
    return out


def alive(state: dict) -> tuple[bool, dict]:
    """/healthz: alive unless a call into the consumer's thread is stuck (`consumer_calls`)."""
    call = state.get("stuck_call")
    return call is None, ({"stuck_call": call[0], "seconds": round(call[1])} if call else {})


def _position_now(app, tp) -> int | None:
    """The consumer's fetch position of `tp` as it stands, or None when it has none yet. Read without
    a call to the consumer's thread: aiokafka's `position()` waits there until a position exists,
    which around a rebalance can take as long as the rebalance, holding one of the thread's two call
    workers (`consumer_calls`) meanwhile. A diagnostic snapshot of an int, so no locking."""
    try:
        state = app.consumer._thread._ensure_consumer()._subscription.subscription.assignment.state_value(tp)
        return int(state.position) if state is not None and state.has_valid_position else None
    except Exception:  # noqa: BLE001 - no assignment yet, or private attributes of aiokafka moved
        return None


def _report_stuck_call(app, reported: dict) -> tuple[str, float] | None:
    """Log once per call that has run in the consumer's thread for `consumer_calls.STUCK_S`, with the
    worker's state and where every task (the consumer thread's too) waits."""
    thread = getattr(app.consumer, "_thread", None)
    longest = consumer_calls.oldest(thread) if thread is not None else None
    call = consumer_calls.stuck_of(longest)
    metrics.CONSUMER_CALL_AGE.set(longest[1] if longest is not None else 0.0)
    if call is not None and reported.get("name") != call[0]:
        log.error("a call to the Kafka consumer's thread (%s) has not returned for %.0f s: the worker is stalled; "
                  "/healthz now answers 503 so a liveness probe restarts it", call[0], call[1],
                  extra={"event": "consumer_call_stuck", "call": call[0], "seconds": round(call[1])})
        _log_task_stacks(app)
    reported["name"] = call[0] if call is not None else None
    return call


def _progress(state: dict) -> None:
    turns = int(metrics.counter_total(metrics.TURNS))
    opened = int(sum(s.value for m in metrics.CASES.collect() for s in m.samples
                 if s.name.endswith("_total") and s.labels.get("event") == "open"))  # cases, not categories
    dead = int(metrics.counter_total(metrics.DEAD_LETTERS))
    support = int(metrics.counter_total(metrics.SUPPORT))
    log.info("progress: %d turns, %d cases opened, %d support events, %d dead letters, lag %s, "
             "%d partitions assigned", turns, opened, support, dead, state.get("lag", "?"), state["assigned"],
             extra={"event": "progress", "turns": turns, "case_opens": opened, "support_events": support,
                    "dead_letters": dead, "lag": state.get("lag"), "assigned": state["assigned"]})


def _awaited_frames(coro) -> list[str]:
    """The chain of frames a coroutine is suspended in (innermost last), through awaits and async
    generators; asyncio's own print_stack shows the outermost frame only."""
    out, seen = [], 0
    while coro is not None and seen < 40:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            out.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None) or getattr(coro, "gi_yieldfrom", None)
    return out


def _log_task_stacks(app) -> None:
    lines = _consumer_state(app)
    for task in asyncio.all_tasks():
        lines.append(f"--- {task.get_name()}")
        lines.extend(_awaited_frames(task.get_coro()))
    lines.extend(_consumer_thread_tasks(app))
    log.warning("worker state on SIGUSR1:\n%s", "\n".join(lines), extra={"event": "task_stacks"})


def _consumer_thread_tasks(app) -> list[str]:
    """Where the tasks of the Kafka consumer's own thread wait (its event loop runs apart from the
    worker's: a call to it that never returns is explained only there). Read from this thread
    without locking: a diagnostic snapshot, retried if the task set changes under it."""
    try:
        loop = app.consumer._thread.thread_loop
    except Exception as exc:  # noqa: BLE001 - diagnostics only; private attributes of faust may move
        return [f"consumer thread unavailable: {exc!r}"]
    for _ in range(3):
        try:
            tasks = list(asyncio.all_tasks(loop))
            break
        except RuntimeError:  # the set changed while it was read
            continue
    else:
        return ["consumer thread tasks unavailable"]
    lines = [f"consumer thread: {len(tasks)} task(s)"]
    for task in tasks:
        lines.append(f"--- consumer thread: {task.get_name()}")
        lines.extend(_awaited_frames(task.get_coro()))
    return lines


def _consumer_state(app) -> list[str]:
    """Faust's view of the partitions and offsets (what a stall needs explained)."""
    c = app.consumer

    def short(tps) -> list[str]:
        return sorted(f"{tp.topic}:{tp.partition}" for tp in (tps or ()))

    try:
        return [f"assigned {short(c.assignment())}", f"paused {short(c._paused_partitions)}",
                f"active {short(c._active_partitions)}", f"buffer-full {short(c._buffered_partitions)}",
                "stream queues " + ", ".join(f"{name} {n}" for name, n in queue_sizes(app).items()),
                f"flow_active {c.flow_active} suspended {c.suspend_flow.is_set()} flow_control "
                f"{app.flow_control.is_active()} in_recovery {app.in_recovery} rebalancing {app.rebalancing} "
                f"recovered {app.tables.recovery.completed.is_set()} generation {app.consumer_generation_id}",
                f"unacked messages {len(c._unacked_messages)}: " + ", ".join(sorted(
                    f"{m.tp.topic}:{m.tp.partition}@{m.offset}{'(acked)' if m.acked else ''} gen {m.generation_id}"
                    for m in list(c._unacked_messages))[:64]),
                "acked " + ", ".join(f"{tp.topic}:{tp.partition} {len(v)} [{min(v)}..{max(v)}]"
                                     for tp, v in c._acked.items() if v),
                f"read offsets {dict((f'{tp.topic}:{tp.partition}', v) for tp, v in c._read_offset.items())}",
                f"committed {dict((f'{tp.topic}:{tp.partition}', v) for tp, v in c._committed_offset.items())}"]
    except Exception as exc:  # noqa: BLE001 - diagnostics only; private attributes of faust may move
        return [f"consumer state unavailable: {exc!r}"]
