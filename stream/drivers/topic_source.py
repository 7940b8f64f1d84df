"""Read a time range of a historical topic with kafka-python, for replay and evaluation.

Reads without a consumer group (`group_id=None`): nothing is ever committed, so the live workers'
offsets are untouched whatever the replay does. Each partition is sought with `offsets_for_times`
and read up to the end offset seen at start (a replay is a snapshot; live traffic arriving during
the run does not extend it). Record timestamps only bound the scan (with `lateness` slack for
records produced after their event time); the exact event-time filter is applied to the payloads.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from stream.config import Settings
from stream.core.timeutil import parse_rfc3339

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(value: str, now: float) -> float:
    """Epoch seconds of `value`: RFC 3339 with offset, `now`, or a duration before now (`7d`, `12h`, `30m`, `2w`)."""
    text = value.strip()
    if text == "now":
        return now
    m = _RELATIVE.match(text)
    if m:
        return now - float(m.group(1)) * _UNIT_S[m.group(2)]
    try:
        return parse_rfc3339(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is neither RFC 3339 with an offset (2026-11-01T00:00:00Z) "
                         f"nor a duration before now (7d, 12h, 30m, 2w): {exc}") from None


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes

    def source(self) -> dict:
        """Where it came from, in the dead-letter `source` shape."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


class TopicMissing(LookupError):
    pass


def read_topic(settings: Settings, topic: str, start_ms: int | None = None, end_ms: int | None = None,
               lateness_ms: int = 0, idle_timeout_s: float = 30.0,
               on_record: Callable[[int], None] | None = None) -> Iterator[Record]:
    """Yield the records of every partition whose timestamp may fall in [start_ms - lateness, end_ms + lateness].

    Order is per partition only; callers sort by event time. Raises TopicMissing if the topic
    does not exist, TimeoutError if the broker stops delivering before the snapshot end is reached.
    """
    from kafka import KafkaConsumer, TopicPartition

    from stream.kafka_clients import open_client

    consumer = open_client(KafkaConsumer, settings, "replay", group_id=None, enable_auto_commit=False,
                           client_id="riskstream-replay", auto_offset_reset="earliest")
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise TopicMissing(f"topic {topic!r} does not exist on {settings.broker}")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        stop = _stop_offsets(consumer, tps, end_ms, lateness_ms)
        _seek_start(consumer, tps, start_ms, lateness_ms, stop)
        pending = {tp for tp in tps if consumer.position(tp) < stop[tp]}
        last_progress = time.monotonic()
        while pending:
            batch = consumer.poll(timeout_ms=500, max_records=2000)
            for tp, messages in batch.items():
                for msg in messages:
                    if msg.offset >= stop[tp]:
                        break
                    last_progress = time.monotonic()
                    yield Record(msg.topic, msg.partition, msg.offset, msg.timestamp, msg.key, msg.value)
                    if on_record is not None:
                        on_record(1)
            for tp in list(pending):
                if consumer.position(tp) >= stop[tp]:
                    pending.discard(tp)
                    consumer.pause(tp)
            if pending and time.monotonic() - last_progress > idle_timeout_s:
                raise TimeoutError(f"no records from {topic} for {idle_timeout_s:.0f}s with partitions "
                                   f"{sorted(tp.partition for tp in pending)} not yet at their end offset")
    finally:
        consumer.close(autocommit=False)


def _stop_offsets(consumer, tps, end_ms: int | None, lateness_ms: int) -> dict:
    """Exclusive end per partition: the end offset at start, or the first record past end + lateness."""
    stop = dict(consumer.end_offsets(tps))
    if end_ms is not None:
        found = consumer.offsets_for_times({tp: end_ms + lateness_ms + 1 for tp in tps})
        for tp, hit in found.items():
            if hit is not None:
                stop[tp] = min(stop[tp], hit.offset)
    return stop


def _seek_start(consumer, tps, start_ms: int | None, lateness_ms: int, stop: dict) -> None:
    if start_ms is None:
        consumer.seek_to_beginning(*tps)
        return
    found = consumer.offsets_for_times({tp: max(0, start_ms - lateness_ms) for tp in tps})
    for tp in tps:
        hit = found.get(tp)
        consumer.seek(tp, hit.offset if hit is not None else stop[tp])
