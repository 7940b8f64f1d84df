"""The embedded runner: drive the core from historical turns in event-time order, no broker needed.

Same `Detector` and `run_batch` as the Faust worker; windows live in a `MemoryStore` that is swept
of users idle beyond retention as event time advances. Several `Lane`s (a current and a shadow
configuration) can run over the same turns in lockstep, so a shared scorer scores each batch once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Callable, Iterable, Iterator

import orjson

from stream.core.deadletter import dead_letter_record, processing_error
from stream.core.effects import Effect
from stream.core.engine import Detector
from stream.core.events import DEFAULT_LIMITS, Limits, Rejection, Turn, parse_turn, person_payload
from stream.core.identity import DictRegistry
from stream.core.pipeline import MemoryStore, run_isolated, with_person
from stream.core.window import UserWindow
from stream.drivers.sorted_turns import DEFAULT_RUN_SIZE, SortedTurns
from stream.jsonl import dumps_line
from stream.ops.metrics import core_timed


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
    interrupted: bool = False


@dataclass
class Lane:
    """One configuration being replayed: its detector, where its effects go, its counters and windows."""

    detector: Detector
    sinks: dict[str, IO[bytes] | None]
    stats: ReplayStats = field(default_factory=ReplayStats)
    on_effect: Callable[[Effect], None] | None = None
    store: MemoryStore = field(default_factory=MemoryStore)
    on_turn: Callable[[Turn, UserWindow], None] | None = None  # after each turn's step, its window (training reads them)


def load_turns(lines: Iterable[tuple[int | dict, bytes]], source: str, stats: ReplayStats,
               zdr_tenants: frozenset[str], received_at: Callable[[int | dict], float] | None = None,
               sort_buffer: int = DEFAULT_RUN_SIZE, limits: Limits = DEFAULT_LIMITS) -> SortedTurns:
    """Parse every record; rejections become dead-letter records (kept in stats), valid turns come
    back in event-time order, held in memory `sort_buffer` turns at a time (the rest spilled to
    temporary files: close the result, or use it in a `with` block).

    Each item is (where, raw): `where` is a file line number, or a dead-letter `source` dict
    (topic/partition/offset) for records read from Kafka. `received_at(where)` dates rejections
    (default: now); topic replays pass the record timestamp so reruns stay byte-identical. A turn
    dated beyond the clock (plus `limits.max_future_skew_s`) is rejected like the worker does: the
    clock is the record's timestamp for topic replays (what the worker saw, and the same on every
    rerun), the wall clock for files.
    """
    turns = SortedTurns(sort_buffer)
    now = time.time()
    for where, raw in lines:
        parsed = parse_turn(raw, limits, received_at(where) if received_at is not None else now)
        if isinstance(parsed, Rejection):
            origin = where if isinstance(where, dict) else {"topic": source, "line": where}
            when = received_at(where) if received_at is not None else time.time()
            stats.rejected += 1
            stats.rejections.append(dead_letter_record(parsed, raw, origin, None, when, zdr_tenants))
        else:
            turns.add(parsed)
    return turns


def replay_lanes(lanes: list[Lane], turns: Iterable[Turn], batch_size: int = 256,
                 on_batch: Callable[[int], None] | None = None, stop: Callable[[], bool] | None = None) -> None:
    """Run turns (already in event-time order; any iterable, consumed once) through every lane,
    batch by batch.

    `stop()` is checked between batches: a stopped run has processed whole batches only, so every
    output holds complete lines for a prefix of the input (stats.interrupted is set).
    """
    started = time.monotonic()
    registry = DictRegistry()  # account -> person links, shared by every lane (same input, same links)
    stream = iter(turns)
    while True:
        chunk = list(islice(stream, batch_size))
        if not chunk:
            break
        if stop is not None and stop():
            for lane in lanes:
                lane.stats.interrupted = True
            break
        batch = [with_person(t, registry) for t in chunk]
        for lane in lanes:
            _run_lane_batch(lane, batch)
        if on_batch is not None:
            on_batch(len(batch))
    for lane in lanes:
        lane.stats.seconds = time.monotonic() - started


def replay_turns(detector: Detector, turns: Iterable[Turn], sinks: dict[str, IO[bytes] | None], stats: ReplayStats,
                 batch_size: int = 256, on_batch: Callable[[int], None] | None = None,
                 on_effect: Callable[[Effect], None] | None = None) -> MemoryStore:
    """Single-configuration replay (see `replay_lanes`); returns the final windows."""
    lane = Lane(detector, sinks, stats, on_effect)
    replay_lanes([lane], turns, batch_size, on_batch)
    return lane.store


def _run_lane_batch(lane: Lane, batch: list[Turn]) -> None:
    for _turn, effects in _step_lane(lane, batch):
        for eff in effects or ():
            sink = lane.sinks.get(eff.kind)
            if sink is not None:
                sink.write(dumps_line(eff.payload))
            if lane.on_effect is not None:
                lane.on_effect(eff)


def _step_lane(lane: Lane, batch: list[Turn]) -> Iterator[tuple[Turn, list[Effect] | None]]:
    """(turn, effects) for every turn of the batch in order, counted in the lane's stats; None for
    a turn that failed on its own (dead-lettered)."""
    stats = lane.stats
    for turn, effects in core_timed(run_isolated(lane.detector, batch, lane.store, lane.on_turn)):
        if isinstance(effects, Exception):
            _dead_letter_failed(turn, effects, stats, lane.detector.config.zdr_tenants)
            yield turn, None
            continue
        stats.turns += 1
        stats.users.add(turn.user_id)
        for eff in effects:
            _count(eff, stats)
        yield turn, effects
    lane.store.sweep(batch[-1].ts, lane.detector.config.retention_days * 86400)


def _dead_letter_failed(turn: Turn, exc: Exception, stats: ReplayStats, zdr_tenants: frozenset[str]) -> None:
    """A turn that failed on its own is dead-lettered like a rejected record; the replay goes on."""
    raw = orjson.dumps(person_payload(turn, turn.person_id or turn.user_id))
    stats.rejected += 1
    stats.rejections.append(dead_letter_record(processing_error(exc, turn.event_id, turn.tenant_id), raw,
                                               {"topic": "riskstream-replay"}, turn.user_id, turn.ts, zdr_tenants))


def _count(eff: Effect, stats: ReplayStats) -> None:
    if eff.kind == "case":
        if eff.payload["event"] == "open":
            stats.cases_opened += 1
        else:
            stats.case_updates += 1
    elif eff.kind == "score" and eff.payload["flagged"]:
        stats.flagged_turns += 1
