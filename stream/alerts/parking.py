"""Parking: an alert that cannot be delivered goes to `<prefix>alerts-dead-letter` with the reason
(schemas/alert-dead-letter.schema.json), so delivery of the alerts behind it goes on.

Consuming the alerts-dead-letter topic with `riskstream alerts` re-drives parked alerts: their
original body and webhook-id are delivered again.
"""

from __future__ import annotations

import time
import urllib.parse

import orjson

from stream.alerts.sinks import Undeliverable, message_id
from stream.core.timeutil import format_rfc3339

PARKED_TOPIC = "alerts-dead-letter"


def redacted_url(url: str) -> str:
    """The destination without credentials or query string (they may hold tokens)."""
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.hostname + (f":{p.port}" if p.port else "") if p.hostname else "",
                                    p.path, "", ""))


def parked_record(msg, record: dict, msg_id: str, failure: Undeliverable, destination: str, now: float) -> dict:
    return {"webhook_id": msg_id, "reason": failure.reason, "detail": failure.detail, "attempts": failure.attempts,
            "destination": redacted_url(destination), "parked_at": format_rfc3339(now),
            "source": {"topic": msg.topic, "partition": msg.partition, "offset": msg.offset},
            "key": msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key, "record": record}


def original(msg, record: dict, parked_topic: str) -> tuple[bytes, str, str, dict]:
    """(body, topic, webhook-id, record) to deliver: a parked alert is re-driven as it first was."""
    if msg.topic == parked_topic and isinstance(record.get("record"), dict):
        inner = record["record"]
        return orjson.dumps(inner), record["source"]["topic"], record["webhook_id"], inner
    return msg.value, msg.topic, message_id(msg.topic, msg.value), record


class Parker:
    """Produces parked alerts and waits for the broker's acknowledgement (the offset is committed after)."""

    def __init__(self, producer, topic: str, destination: str):
        self.producer, self.topic, self.destination = producer, topic, destination

    def park(self, msg, record: dict, msg_id: str, failure: Undeliverable) -> None:
        payload = parked_record(msg, record, msg_id, failure, self.destination, time.time())
        self.producer.send(self.topic, key=msg.key, value=orjson.dumps(payload)).get(timeout=60)
