"""The Kafka driver: a Faust app wiring topics and changelog-backed tables to the core.

agent `link`:   turns (keyed by user) -> validate (rejects -> dead-letter) -> resolve the person
                (identity registry, a global table) -> turns-by-person (keyed by person)
agent `detect`: turns-by-person -> batch (take_events) -> score -> per-person window in the
                `windows` table -> turn-scores and review-cases topics.
Re-keying by person puts every account of one person on one partition, hence one window.
"""

from __future__ import annotations

import logging
import time
import weakref

import faust
import orjson
from faust.streams import _current_event

from stream.config import TOPICS, Settings
from stream.core.deadletter import dead_letter_record
from stream.core.engine import Detector
from stream.core.events import Rejection, Turn, parse_turn
from stream.core.identity import link
from stream.core.pipeline import run_batch

log = logging.getLogger("riskstream.worker")

# Effect kind -> logical topic it is written to.
EFFECT_TOPICS = {"score": "turn-scores", "case": "review-cases", "dead_letter": "dead-letter"}


class GlobalRegistry:
    """`identity.Registry` over a Faust global table (every worker sees every link)."""

    def __init__(self, table):
        self.table = table

    def get(self, key: str) -> str | None:
        return self.table.get(key)

    def put(self, key: str, value: str) -> None:
        if self.table.get(key) != value:
            self.table[key] = value


class TableStore:
    """`WindowStore` over a Faust table. Each access runs with the turn's own event as the current
    event, so the RocksDB partition and the changelog partition are the turn's source partition
    (a batch from take_events can span partitions)."""

    def __init__(self, table: faust.Table):
        self.table = table
        self.events: dict[int, faust.types.EventT] = {}

    def _with_event(self, turn: Turn, fn):
        token = _current_event.set(weakref.ref(self.events[id(turn)]))
        try:
            return fn()
        finally:
            _current_event.reset(token)

    def get(self, key: str, turn: Turn) -> dict | None:
        return self._with_event(turn, lambda: self.table.get(key))

    def put(self, key: str, value: dict, turn: Turn) -> None:
        self._with_event(turn, lambda: self.table.__setitem__(key, value))

    def delete(self, key: str, turn: Turn) -> None:
        self._with_event(turn, lambda: self.table.pop(key, None))


def create_app(settings: Settings, detector: Detector) -> faust.App:
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
    )
    topic_config = {"retention.ms": str(settings.retention_ms)}
    topics = {
        logical: app.topic(settings.topic(logical), key_type=bytes, value_type=bytes, key_serializer="raw",
                           value_serializer="raw", partitions=settings.partitions, retention=settings.retention_days * 86400,
                           replicas=settings.replication, internal=True, config=topic_config)
        for logical in TOPICS
    }
    windows = app.Table("windows", default=None, partitions=settings.partitions,
                        schema=faust.Schema(key_serializer="json", value_serializer="json"))
    identities = app.GlobalTable("identities", default=None, partitions=settings.partitions,
                                 schema=faust.Schema(key_serializer="json", value_serializer="json"))
    store = TableStore(windows)
    registry = GlobalRegistry(identities)
    zdr = detector.config.zdr_tenants

    async def emit(logical: str, key: str | None, payload: dict) -> None:
        await topics[logical].send(key=key.encode() if key else None, value=orjson.dumps(payload))

    async def dead_letter(event, raw: bytes, rejection: Rejection) -> None:
        msg = event.message
        key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
        record = dead_letter_record(rejection, raw, {"topic": msg.topic, "partition": msg.partition,
                                                     "offset": msg.offset}, key, time.time(), zdr)
        await emit("dead-letter", key, record)

    @app.agent(topics["turns"], name="link")
    async def link_accounts(stream):
        async for event in stream.events():
            raw = _raw(event)
            parsed = parse_turn(raw)
            if isinstance(parsed, Rejection):
                await dead_letter(event, raw, parsed)
                continue
            person = parsed.person_id or link(parsed.user_id, parsed.identity, registry).person_id
            payload = orjson.loads(raw)
            payload["person_id"] = person
            await topics["turns-by-person"].send(key=person.encode(), value=orjson.dumps(payload))

    @app.agent(topics["turns-by-person"], name="detect")
    async def detect(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            turns: list[Turn] = []
            store.events.clear()
            for event in events:
                raw = _raw(event)
                parsed = parse_turn(raw)
                if isinstance(parsed, Rejection):  # only if a producer writes here directly
                    await dead_letter(event, raw, parsed)
                    continue
                turns.append(parsed)
                store.events[id(parsed)] = event
            if not turns:
                continue
            for turn, effects in run_batch(detector, turns, store):
                for eff in effects:
                    await emit(EFFECT_TOPICS[eff.kind], eff.key, eff.payload)
            store.events.clear()

    app.riskstream_topics = topics  # for tests and tools
    app.riskstream_table = windows
    return app


def _raw(event) -> bytes:
    value = event.value
    return value if isinstance(value, bytes) else bytes(value or b"")
