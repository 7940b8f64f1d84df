"""Create the app's topics before anything subscribes, with partitions and retention from settings.

Faust declares internal topics lazily, after the consumer may already have been assigned; an
explicit admin step makes `riskstream worker` on an empty cluster deterministic. The worker's
internal topics (table changelogs, Faust's leader topic) are created here too, so that each has
its time bound from the start (Faust would create the leader topic with the broker's default
retention); on an existing cluster their bounds are set on the existing topics (`bound_internal_topics`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

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


# Faust's internal topics of the worker: tables (changelogs) and the partition assignor's leader topic.
TABLES = ("windows", "identities", "reviews")


def internal_topics(settings: Settings) -> dict[str, tuple[int, dict[str, str]]]:
    """name -> (partitions, configs) of the worker's internal topics."""
    out = {f"{settings.app_id}-{t}-changelog": (settings.partitions, settings.changelog_config()) for t in TABLES}
    out[f"{settings.app_id}-__assignor-__leader"] = (1, settings.topic_config("leader"))
    return out


def bound_internal_topics(settings: Settings, timeout_s: float = 60.0) -> None:
    """Create the internal topics with their bounds, or set the bounds on those that exist
    (a deployment upgraded from a version that created them unbounded)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    specs = internal_topics(settings)
    admin = _admin(settings, timeout_s)
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, num_partitions=p, replication_factor=settings.replication, topic_configs=c)
               for n, (p, c) in specs.items() if n not in existing]
        if new:
            try:
                admin.create_topics(new, timeout_ms=int(timeout_s * 1000))
            except TopicAlreadyExistsError:
                pass
        old = [ConfigResource(ConfigResourceType.TOPIC, n, configs=c) for n, (_, c) in specs.items() if n in existing]
        if old:
            try:
                results = admin.alter_configs(old).get("topic", {})
            except KafkaError as exc:
                results = {r.name: str(exc) for r in old}
            failed = {name: why for name, why in results.items() if why != "OK"}
            log.info("bounds set on existing topics: %s", ", ".join(n for n in results if n not in failed) or "none")
            if failed:  # e.g. no AlterConfigs permission: say so loudly, do not refuse to run
                log.warning("could not set retention / compaction bounds (README 'Every copy and its bound') on: %s",
                            "; ".join(f"{name}: {why}" for name, why in failed.items()))
        _wait_visible(admin, list(specs), timeout_s)
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
