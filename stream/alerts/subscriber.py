"""The alert loop: poll, filter, deliver (several at once), then commit what was handled.

At-least-once: a record's offset is committed (in the subscriber's own consumer group) only after
its sink accepted it or it was parked on the alerts-dead-letter topic, so a crash re-delivers
rather than drops. Records the filter drops are committed too: they were handled. Up to
`concurrency` deliveries run at once; alerts of one poll may therefore arrive out of order
(each carries its own timestamps).
"""

from __future__ import annotations

import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import orjson
from kafka.structs import OffsetAndMetadata, TopicPartition

from stream.alerts.filters import AlertFilter
from stream.alerts.parking import Parker, original
from stream.alerts.sinks import Undeliverable
from stream.ops import metrics

log = logging.getLogger("riskstream.alerts")


@dataclass
class Tally:
    delivered: int = 0
    skipped: int = 0
    parked: int = 0
    assigned: int = 0  # partitions assigned at the last poll (what /readyz reports)


def decode(value: bytes | None) -> dict | None:
    try:
        obj = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


class Delivery:
    """Handles one record: filter, deliver, or park when undeliverable. Returns 'delivered' | 'skipped' | 'parked'."""

    def __init__(self, sink, flt: AlertFilter, parker: Parker | None, parked_topic: str):
        self.sink, self.flt, self.parker, self.parked_topic = sink, flt, parker, parked_topic

    def __call__(self, msg) -> str:
        record = decode(msg.value)
        if record is None:
            print(f"riskstream alerts: skipping a record that is not a JSON object "
                  f"({msg.topic}/{msg.partition}@{msg.offset})", file=sys.stderr)
            return "skipped"
        body, topic, msg_id, inner = original(msg, record, self.parked_topic)
        if not self.flt.accepts(inner):
            return "skipped"
        try:
            self.sink.deliver(body, topic, msg_id)
        except Undeliverable as failure:
            if self.parker is None:
                raise
            self.parker.park(msg, inner, msg_id, failure)
            metrics.ALERTS_PARKED.labels(failure.reason).inc()
            log.warning("alert %s parked on %s: %s", msg_id, self.parker.topic, failure,
                        extra={"event": "parked", "webhook_id": msg_id, "reason": failure.reason})
            return "parked"
        metrics.ALERTS_DELIVERED.labels(topic).inc()
        return "delivered"


def run_subscriber(consumer, deliver: Delivery, concurrency: int = 1, idle_exit_s: float | None = None,
                   tally: Tally | None = None, max_records: int | None = None) -> Tally:
    """Deliver until idle for `idle_exit_s` (None: forever). A poll takes `max_records` (default
    `concurrency`: one round of deliveries, so a poll's worst case is one record's retries).

    If a record can be neither delivered nor parked, the offsets before it are committed and the
    error is raised (the next run starts again from that record).
    """
    tally = tally if tally is not None else Tally()
    idle_since: float | None = None  # idle time counts only once partitions are assigned
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="riskstream-alert") as pool:
        while True:
            batch = consumer.poll(timeout_ms=500, max_records=max_records or max(1, concurrency))
            tally.assigned = len(consumer.assignment())
            metrics.ASSIGNED.set(tally.assigned)
            if not batch:
                if idle_exit_s is not None and consumer.assignment():
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since >= idle_exit_s:
                        return tally
                continue
            idle_since = None
            futures = {(tp, msg.offset): pool.submit(deliver, msg) for tp, msgs in batch.items() for msg in msgs}
            done: dict[TopicPartition, OffsetAndMetadata] = {}
            error: BaseException | None = None
            for tp, msgs in batch.items():
                for msg in msgs:  # in offset order: commit up to the first record not handled
                    try:
                        outcome = futures[(tp, msg.offset)].result()
                    except BaseException as exc:
                        error = error or exc
                        break
                    setattr(tally, outcome, getattr(tally, outcome) + 1)
                    done[tp] = OffsetAndMetadata(msg.offset + 1, "", -1)
            if done:
                consumer.commit(done)
            if error is not None:
                raise error
