"""Create the app's topics before anything subscribes, with partitions and retention from settings.

Faust declares internal topics lazily, after the consumer may already have been assigned; an
explicit admin step makes `riskstream worker` on an empty cluster deterministic.
"""

from __future__ import annotations

import logging
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from stream.config import TOPICS, Settings
from stream.kafka_clients import open_client

log = logging.getLogger("riskstream.topics")


def ensure_topics(settings: Settings, names: list[str] | None = None, timeout_s: float = 60.0) -> list[str]:
    """Create missing topics (all logical topics by default); return the names created."""
    wanted = [settings.topic(n) for n in (names or list(TOPICS))]
    admin = _admin(settings, timeout_s)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            new = [NewTopic(t, num_partitions=settings.partitions, replication_factor=settings.replication,
                            topic_configs=settings.topic_config(logical))
                   for logical, t in zip(names or list(TOPICS), wanted) if t in missing]
            try:
                admin.create_topics(new, timeout_ms=int(timeout_s * 1000))
            except TopicAlreadyExistsError:
                pass  # another worker created it first
            log.info("created topics: %s", ", ".join(missing))
        _wait_visible(admin, wanted, timeout_s)
        return missing
    finally:
        admin.close()


def _admin(settings: Settings, timeout_s: float) -> KafkaAdminClient:
    return open_client(KafkaAdminClient, settings, "worker", timeout_s=timeout_s, client_id="riskstream-admin")


def _wait_visible(admin: KafkaAdminClient, topics: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        meta = admin.describe_topics(topics)
        if all(m.get("error_code", 0) == 0 and m.get("partitions") for m in meta):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"riskstream: topics not available after {timeout_s:.0f}s: {topics}")
        time.sleep(0.2)
