"""The alert loop: poll, filter, deliver, then commit exactly what was delivered.

At-least-once: a record's offset is committed (in the subscriber's own consumer group) only after
its sink accepted it, so a failed delivery or a crash re-delivers from that record on. Records the
filter drops are committed too: they were handled.
"""

from __future__ import annotations

import sys
import time

import orjson
from kafka.structs import OffsetAndMetadata, TopicPartition

from stream.alerts.filters import AlertFilter
from stream.alerts.sinks import DeliveryError


def decode(value: bytes | None) -> dict | None:
    try:
        obj = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def run_subscriber(consumer, sink, flt: AlertFilter, idle_exit_s: float | None = None) -> tuple[int, int]:
    """Deliver until idle for `idle_exit_s` (None: forever). Returns (delivered, skipped).

    Raises DeliveryError after committing every record before the one that failed.
    """
    delivered = skipped = 0
    idle_since: float | None = None  # idle time counts only once partitions are assigned
    while True:
        batch = consumer.poll(timeout_ms=500)
        if not batch:
            if idle_exit_s is not None and consumer.assignment():
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= idle_exit_s:
                    return delivered, skipped
            continue
        idle_since = None
        done: dict[TopicPartition, OffsetAndMetadata] = {}
        try:
            for tp, messages in batch.items():
                for msg in messages:
                    record = decode(msg.value)
                    if record is None:
                        print(f"riskstream alerts: skipping a record that is not a JSON object "
                              f"({msg.topic}/{msg.partition}@{msg.offset})", file=sys.stderr)
                        skipped += 1
                    elif flt.accepts(record):
                        sink.deliver(msg.value, msg.topic)
                        delivered += 1
                    else:
                        skipped += 1
                    done[tp] = OffsetAndMetadata(msg.offset + 1, "", -1)
        except DeliveryError:
            if done:
                consumer.commit(done)
            raise
        consumer.commit(done)
