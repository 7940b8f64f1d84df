"""Arrival times of turn-scores and case events on a worker's topics (benchmarks)."""

from __future__ import annotations

import threading
import time

import orjson
from kafka import KafkaConsumer


class Collector(threading.Thread):
    """Consumes scores and cases; first arrival time per event id / per case trigger."""

    def __init__(self, bootstrap: str, prefix: str):
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(prefix + "turn-scores", prefix + "review-cases", bootstrap_servers=bootstrap,
                                      auto_offset_reset="earliest", group_id=None, fetch_max_wait_ms=10)
        self.score_at: dict[str, float] = {}
        self.case_at: dict[str, float] = {}
        self.case_events: dict[str, list[str]] = {}  # trigger event id -> case events ("open" / "update")
        self.stop_flag = False

    def run(self) -> None:
        while not self.stop_flag:
            for _tp, msgs in self.consumer.poll(timeout_ms=50).items():
                now = time.perf_counter()
                for m in msgs:
                    rec = orjson.loads(m.value)
                    if m.topic.endswith("turn-scores"):
                        self.score_at.setdefault(rec["event_id"], now)
                    else:
                        self.case_at.setdefault(rec["trigger_event_id"], now)
                        self.case_events.setdefault(rec["trigger_event_id"], []).append(rec.get("event", "?"))
        self.consumer.close()

    def scored(self, ids) -> int:
        return sum(1 for i in ids if i in self.score_at)

    def close(self) -> None:
        self.stop_flag = True
        self.join(10)
