"""Operability of the Faust worker: readiness, consumer lag, a start-up line and progress lines.

A timer in the worker's own loop samples Faust's state (assignment, rebalancing, table
recovery, end offsets vs positions) into `state` and the lag gauges; the ops HTTP thread only
reads `state`, so it never touches the consumer from another thread.
"""

from __future__ import annotations

import logging
import os
import time

from stream.drivers.faust_app import Wiring
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

    @app.task
    async def announce() -> None:
        info = metrics.BUILD_INFO
        s = w.settings
        log.info("riskstream worker starting: model %s, policy %s, app %s, broker %s, %d partitions, replication %s",
                 info.get("model_version"), info.get("policy_version"), s.app_id, s.broker, s.partitions,
                 s.replication, extra={"event": "startup", **info, "app_id": s.app_id, "broker": s.broker,
                                       "partitions": s.partitions, "replication": s.replication,
                                       "topic_prefix": s.topic_prefix, "store": s.store})

    @app.timer(interval=SAMPLE_S)
    async def sample() -> None:
        assigned = app.consumer.assignment()
        state.update(assigned=len(assigned), rebalancing=bool(app.rebalancing),
                     recovered=app.tables.recovery.completed.is_set())
        state["ready"] = bool(assigned) and not state["rebalancing"] and state["recovered"]
        metrics.ASSIGNED.set(len(assigned))
        lag = await _lag(app, assigned)
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


async def _lag(app, assigned) -> dict[tuple[str, int], int]:
    """High watermark minus the consumer's position, per assigned partition (absent when unknown)."""
    if not assigned:
        return {}
    try:
        ends = await app.consumer.highwaters(*assigned)
    except Exception as exc:  # a metrics sample must never take the worker down
        log.debug("cannot read end offsets: %s", exc)
        return {}
    out = {}
    for tp in assigned:
        end = ends.get(tp)
        try:
            pos = await app.consumer.position(tp)
        except Exception:
            pos = None
        if end is not None and pos is not None:
            out[(tp.topic, tp.partition)] = max(0, int(end) - int(pos))
    return out


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
