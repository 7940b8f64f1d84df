"""Create the app's topics before anything subscribes, with partitions and retention from settings.

Faust declares internal topics lazily, after the consumer may already have been assigned; an
explicit admin step makes `riskstream worker` on an empty cluster deterministic.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from stream.config import TOPICS, Settings
from stream.kafka_clients import open_client

log = logging.getLogger("riskstream.topics")


PRODUCTION_REPLICATION = 3


def with_replication(settings: Settings, timeout_s: float = 60.0) -> Settings:
    """Settings with a replication factor: as configured, else 3, or every broker when there are fewer."""
    if settings.replication is not None:
        return settings
    admin = _admin(settings, timeout_s)
    try:
        brokers = len(admin.describe_cluster().get("brokers", [])) or 1
    finally:
        admin.close()
    factor = min(PRODUCTION_REPLICATION, brokers)
    if factor < PRODUCTION_REPLICATION:
        log.warning("replication factor %d: the cluster has %d broker(s); production wants %d "
                    "(set RISKSTREAM_REPLICATION to choose)", factor, brokers, PRODUCTION_REPLICATION)
    return replace(settings, replication=factor)


def ensure_topics(settings: Settings, names: list[str] | None = None, timeout_s: float = 60.0) -> list[str]:
    """Create missing topics (all logical topics by default); return the names created."""
    wanted = [settings.topic(n) for n in (names or list(TOPICS))]
    settings = with_replication(settings, timeout_s)
    admin = _admin(settings, timeout_s)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            new = [NewTopic(t, num_partitions=settings.partitions, replication_factor=settings.replication,
                            topic_configs={"retention.ms": str(settings.retention_ms), "cleanup.policy": "delete"})
                   for t in missing]
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
