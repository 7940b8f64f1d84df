"""The embedded runner: drive the core from a JSONL file in event-time order, no broker needed.

Same `Detector` and `run_batch` as the Faust worker; windows live in a `MemoryStore` that is swept
of users idle beyond retention as event time advances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable

from stream.core.deadletter import dead_letter_record
from stream.core.effects import Effect
from stream.core.engine import Detector
from stream.core.events import Rejection, Turn, parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.jsonl import dumps_line


@dataclass
class ReplayStats:
    turns: int = 0
    rejected: int = 0
    users: set = field(default_factory=set)
    cases_opened: int = 0
    case_updates: int = 0
    flagged_turns: int = 0
    seconds: float = 0.0
    rejections: list[dict] = field(default_factory=list)


def load_turns(lines: Iterable[tuple[int, bytes]], source: str, stats: ReplayStats,
               zdr_tenants: frozenset[str]) -> list[Turn]:
    """Parse every line; rejections become dead-letter records (kept in stats), valid turns are sorted by event time."""
    turns: list[Turn] = []
    for line_no, raw in lines:
        parsed = parse_turn(raw)
        if isinstance(parsed, Rejection):
            stats.rejected += 1
            stats.rejections.append(dead_letter_record(parsed, raw, {"topic": source, "line": line_no}, None,
                                                       time.time(), zdr_tenants))
        else:
            turns.append(parsed)
    turns.sort(key=Turn.order_key)
    return turns


def replay_turns(detector: Detector, turns: list[Turn], sinks: dict[str, IO[bytes] | None], stats: ReplayStats,
                 batch_size: int = 256, on_batch: Callable[[int], None] | None = None,
                 on_effect: Callable[[Effect], None] | None = None) -> MemoryStore:
    """Run turns (already in event-time order) through the core, writing effects to `sinks` by kind."""
    store = MemoryStore()
    retention_s = detector.config.retention_days * 86400
    started = time.monotonic()
    for i in range(0, len(turns), batch_size):
        batch = turns[i: i + batch_size]
        for turn, effects in run_batch(detector, batch, store):
            stats.turns += 1
            stats.users.add(turn.user_id)
            for eff in effects:
                _count(eff, stats)
                sink = sinks.get(eff.kind)
                if sink is not None:
                    sink.write(dumps_line(eff.payload))
                if on_effect is not None:
                    on_effect(eff)
        store.sweep(batch[-1].ts, retention_s)
        if on_batch is not None:
            on_batch(len(batch))
    stats.seconds = time.monotonic() - started
    return store


def _count(eff: Effect, stats: ReplayStats) -> None:
    if eff.kind == "case":
        if eff.payload["event"] == "open":
            stats.cases_opened += 1
        else:
            stats.case_updates += 1
    elif eff.kind == "score" and eff.payload["flagged"]:
        stats.flagged_turns += 1
