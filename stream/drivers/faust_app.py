"""The Kafka driver: a Faust app wiring topics and a changelog-backed table to the core.

turns (keyed by user) -> validate (rejects -> dead-letter) -> batch (take_events) -> score ->
per-user window in the `windows` table -> turn-scores and review-cases topics.
The app declares (and so creates) every topic with the configured partitions and retention.
"""

from __future__ import annotations

import logging
import time
import weakref

import faust
from faust.streams import _current_event

from stream.config import TOPICS, Settings
from stream.core.deadletter import dead_letter_record
from stream.core.engine import Detector
from stream.core.events import Rejection, Turn, parse_turn
from stream.core.pipeline import run_batch

log = logging.getLogger("riskstream.worker")

# Effect kind -> logical topic it is written to.
EFFECT_TOPICS = {"score": "turn-scores", "case": "review-cases", "dead_letter": "dead-letter"}


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
    store = TableStore(windows)
    zdr = detector.config.zdr_tenants

    async def emit(logical: str, key: str | None, payload: dict) -> None:
        import orjson

        await topics[logical].send(key=key.encode() if key else None, value=orjson.dumps(payload))

    @app.agent(topics["turns"], name="detect")
    async def detect(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            turns: list[Turn] = []
            store.events.clear()
            for event in events:
                raw = event.value if isinstance(event.value, bytes) else bytes(event.value or b"")
                parsed = parse_turn(raw)
                msg = event.message
                if isinstance(parsed, Rejection):
                    key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
                    record = dead_letter_record(parsed, raw, {"topic": msg.topic, "partition": msg.partition,
                                                              "offset": msg.offset}, key, time.time(), zdr)
                    await emit("dead-letter", key, record)
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
