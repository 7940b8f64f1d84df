"""The Kafka driver: a Faust app wiring topics and changelog-backed tables to the core.

Detection (`faust_detect.py`):
  agent `link`:   turns (keyed by user) -> validate (rejects -> dead-letter) -> resolve the person
                  (identity registry, a global table) -> on the person's home partition (`home.py`,
                  most turns): detect here; else -> turns-by-person (at the person's home partition)
  agent `detect`: turns-by-person -> the same detection: batch (take_batches) -> score -> per-person
                  window in the `windows` table -> turn-scores, review-cases, support-events.
Review (`faust_review.py`):
  agents `decisions` / `appeals` -> per-case review state in the `reviews` table ->
                  enforcement-actions, audit, review-cases (reopen), ban registry.
Homing every person on one partition (their turns detected there, or re-keyed to it) gives one window.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass

import faust
import orjson
from faust.streams import _current_event

from stream.config import TOPICS, Settings
from stream.core.deadletter import dead_letter_record
from stream.core.engine import Detector
from stream.core.events import Rejection, Turn
from stream.drivers.batching import take_batches
from stream.ops.metrics import observe

log = logging.getLogger("riskstream.worker")

# Effect kind -> logical topic it is written to.
EFFECT_TOPICS = {"score": "turn-scores", "case": "review-cases", "dead_letter": "dead-letter",
                 "support": "support-events", "enforcement": "enforcement-actions", "audit": "audit",
                 "appeal_review": "review-cases", "case_redaction": "review-cases"}
# turns-by-person carries turns and, from the privacy agent, control records keyed the same way.


class GlobalRegistry:
    """`identity.Registry` over a Faust global table (every worker sees every link)."""

    def __init__(self, table):
        self.table = table

    def get(self, key: str) -> str | None:
        return self.table.get(key)

    def put(self, key: str, value) -> None:
        if self.table.get(key) != value:
            self.table[key] = value

    def delete(self, key: str) -> None:
        if self.table.get(key) is not None:
            self.table.pop(key, None)


def failed(batch) -> None:
    """An agent's batch failed outside the handling of any one record: none of it is acked (the
    stall watchdog reads it again; what was folded in is recognised), and the agent goes on."""
    log.exception("a batch of %d record(s) failed: it will be read again", len(batch))
    batch.hold()


def with_event(event, fn):
    """`fn()` with `event` as Faust's current event: a table write then lands on the event's partition
    (also outside the stream iteration, e.g. after a batch's effects are delivered)."""
    token = _current_event.set(weakref.ref(event))
    try:
        return fn()
    finally:
        _current_event.reset(token)


class TableStore:
    """`WindowStore` over a Faust table. Each access runs with the turn's own event as the current
    event, so the RocksDB partition and the changelog partition are the turn's source partition
    (a batch from take_batches can span partitions)."""

    def __init__(self, table: faust.Table):
        self.table = table
        self.events: dict[int, faust.types.EventT] = {}

    def _with_event(self, turn: Turn, fn):
        return with_event(self.events[id(turn)], fn)

    def get(self, key: str, turn: Turn) -> bytes | None:
        return self._with_event(turn, lambda: self.table.get(key))

    def put(self, key: str, value: bytes, turn: Turn) -> None:
        self._with_event(turn, lambda: self.table.__setitem__(key, value))

    def delete(self, key: str, turn: Turn) -> None:
        self._with_event(turn, lambda: self.table.pop(key, None))

    def compact(self, turn) -> None:
        """Rewrite the local RocksDB files of the record's partition, so the bytes of a deleted or
        purged window are gone from disk too, not only marked deleted (the changelog is compacted
        by the broker, see Settings.changelog_config). No-op for the memory store."""
        db_for = getattr(self.table.data, "_db_for_partition", None)  # faust's RocksDB store
        if db_for is None:
            return
        db = db_for(self.events[id(turn)].message.partition)
        db.flush()
        db.compact_range(None, None)


@dataclass
class Wiring:
    """What the agent modules share: the app, its topics and tables, and emit helpers."""

    app: faust.App
    settings: Settings
    detector: Detector
    topics: dict
    windows: faust.Table
    reviews: faust.Table
    registry: GlobalRegistry
    watermark: float = 0.0  # latest event time folded in by this worker (drives retention purges)

    async def emit(self, logical: str, key: str | None, payload: dict) -> asyncio.Future:
        """Queue a record for `logical`; returns the future of the broker's acknowledgement, which
        also carries a failure to queue it (a record the producer refuses fails like one the broker
        refuses: for its own turn, not for the batch around it)."""
        observe(logical, payload)
        try:
            # straight to the app's producer: `Topic.send` wraps each record in a FutureMessage and runs
            # the sensors and a completion callback on it (bench/bench_worker_ab.py: 235 us a turn less
            # one hop, 377 re-keyed, medians of three pairs; 5 of 6 pairs cheaper)
            return await self.app.producer.send(self.topics[logical].get_topic_name(), key.encode() if key else None,
                                                orjson.dumps(payload), None, None, None)
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits for the delivery
            failed = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return failed

    async def emit_effect(self, effect) -> asyncio.Future:
        return await self.emit(EFFECT_TOPICS[effect.kind], effect.key, effect.payload)

    @staticmethod
    async def delivered(futures) -> list[BaseException | None]:
        """Wait for every record's acknowledgement (acks=all); the error of each that failed, else None."""
        results = await asyncio.gather(*futures, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    @classmethod
    async def all_delivered(cls, futures) -> None:
        """Wait until every record is acknowledged; raise the first failure."""
        for error in await cls.delivered(futures):
            if error is not None:
                raise error

    async def emit_all(self, effects) -> None:
        """Send every effect and wait until each is acknowledged; raise the first failure (the caller
        then writes no state: a crash or an error before this returns repeats the work, never loses it)."""
        await self.all_delivered([await self.emit_effect(eff) for eff in effects])

    async def each_batch(self, stream, handle, after=None) -> None:
        """`await handle(batch)` for each batch of the stream (`take_batches`: a record is acked once its
        batch is done and its dead letter, if any, is on the broker); a batch whose handling fails
        outside any one record's is not acked at all (read again, `failed`) and the agent goes on.
        `after()` runs after every batch, whatever happened."""
        async for batch in take_batches(stream, self.settings.batch_size, self.settings.batch_within_s):
            try:
                await handle(batch)
            except Exception:  # noqa: BLE001 - e.g. a dead letter that cannot even be queued
                failed(batch)
            finally:
                if after is not None:
                    after()

    async def each_valid(self, stream, schema: str, id_field: str, handle) -> None:
        """Call `await handle(payload)` for each of the stream's records that validates against
        `schema`, with the record as Faust's current event (its table writes land on its partition);
        dead-letter the others, and any record whose handling fails (the agent goes on). Batched as
        the detection agents are (`each_batch`)."""
        from stream.core.deadletter import processing_error
        from stream.core.events import parse_payload

        async def each(batch) -> None:
            for event in batch:
                raw = raw_value(event)
                payload = parse_payload(raw, schema, id_field, self.settings.limits)
                if isinstance(payload, Rejection):
                    await self.dead_letter(batch, event, raw, payload)
                    continue
                token = _current_event.set(weakref.ref(event))
                try:
                    await handle(payload)
                except Exception as exc:  # noqa: BLE001 - dead-lettered with the reason
                    tenant = payload.get("tenant_id") if isinstance(payload.get("tenant_id"), str) else None
                    await self.dead_letter(batch, event, raw, processing_error(exc, payload.get(id_field), tenant))
                finally:
                    _current_event.reset(token)

        await self.each_batch(stream, each)

    async def dead_letter(self, batch, event, raw: bytes, rejection: Rejection) -> None:
        """Send the record's dead letter; the record is acked only once it is on the broker
        (`batching.Batch.ack_after`)."""
        msg = event.message
        key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
        record = dead_letter_record(rejection, raw, {"topic": msg.topic, "partition": msg.partition, "offset": msg.offset},
                                    key, time.time(), self.detector.config.zdr_tenants)
        # the key as bounded (or withheld) in the record
        batch.ack_after(event, await self.emit("dead-letter", record["key"], record))


def create_app(settings: Settings, detector: Detector) -> faust.App:
    from stream.drivers import (consumer_calls, faust_acks, faust_detect, faust_ops, faust_privacy, faust_review,
                                faust_watchdog)

    faust_acks.install()
    consumer_calls.install()

    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{b.strip()}" for b in settings.broker.split(",")],
        broker_credentials=settings.security.faust_credentials(),
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=settings.data_dir,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        table_standby_replicas=0,
        # a worker that dies without leaving the group (kill -9) loses its partitions this soon
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.session_timeout_s / 4,
    )
    topics = {
        logical: app.topic(settings.topic(logical), key_type=bytes, value_type=bytes, key_serializer="raw",
                           value_serializer="raw", partitions=settings.partitions,
                           retention=int(settings.topic_config(logical)["retention.ms"]) / 1000,
                           replicas=settings.replication, internal=True, config=settings.topic_config(logical))
        for logical in TOPICS
    }
    json_schema = faust.Schema(key_serializer="json", value_serializer="json")
    changelog = {"partitions": settings.partitions, "schema": json_schema, "default": None,
                 "extra_topic_configs": settings.changelog_config()}
    wiring = Wiring(
        app=app, settings=settings, detector=detector, topics=topics,
        # values are the bytes `UserWindow.to_stored` writes (Faust serialises a table by its
        # value_type); older versions' JSON values come back as bytes, which `from_stored` reads too
        windows=app.Table("windows", value_type=bytes, **{**changelog, "schema": faust.Schema(
            key_serializer="json", value_serializer="raw")}),
        reviews=app.Table("reviews", **changelog),
        registry=GlobalRegistry(app.GlobalTable("identities", **changelog)),
    )
    faust_detect.register(wiring)
    faust_review.register(wiring)
    faust_privacy.register(wiring)
    faust_ops.register(wiring)
    faust_watchdog.register(wiring)
    return app


def raw_value(event) -> bytes:
    value = event.value
    return value if isinstance(value, bytes) else bytes(value or b"")
