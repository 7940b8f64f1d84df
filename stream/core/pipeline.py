"""The batch loop both drivers share: score a batch once, then step each turn's window in order.

Windows live behind `WindowStore` (get/put/delete by key); `MemoryStore` serves replay and tests,
the Faust driver adapts its changelog-backed table. The turn is passed along so a store that is
partitioned by source record (Faust/RocksDB) can write to the right partition.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Protocol, Sequence

from stream.core.effects import Effect
from stream.core.engine import Detector
from stream.core.events import Turn
from stream.core.identity import Registry, link
from stream.core.window import UserWindow
from stream.core.window_codec import settle, updated_of
from stream.scoring.lru import Lru


class WindowStore(Protocol):
    def get(self, key: str, turn: Turn) -> bytes | None: ...

    def put(self, key: str, value: bytes, turn: Turn) -> None: ...

    def delete(self, key: str, turn: Turn) -> None: ...


class MemoryStore:
    """Windows in a dict. `sweep` drops windows idle beyond retention, so expired users cost nothing.
    `settled`: the window objects the last values written were encoded from (`run_batch`)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.settled: Lru[str, tuple[bytes, UserWindow]] = Lru(SETTLED_KEPT)

    def get(self, key: str, turn: Turn) -> bytes | None:
        return self.data.get(key)

    def put(self, key: str, value: bytes, turn: Turn) -> None:
        self.data[key] = value

    def delete(self, key: str, turn: Turn) -> None:
        self.data.pop(key, None)
        self.settled.pop(key)

    def sweep(self, now: float, max_idle_s: float) -> int:
        stale = [k for k, v in self.data.items() if now - updated_of(v) > max_idle_s]
        for k in stale:
            del self.data[k]
            self.settled.pop(k)
        return len(stale)


# Windows a `MemoryStore` keeps as objects beside their bytes: a person's next batch steps the object
# instead of decoding the bytes it was encoded from (66 us a window; replay's batches of 256 turns
# reach ~45 people each).
SETTLED_KEPT = 1024


def _read(store: WindowStore, key: str, stored: bytes) -> UserWindow:
    """The window `stored` holds: the very object it was encoded from, settled, when the store kept
    it (`MemoryStore.settled`; handed out once: stepping changes it), else decoded."""
    settled = getattr(store, "settled", None)
    kept = settled.pop(key) if settled is not None else None
    return kept[1] if kept is not None and kept[0] is stored else UserWindow.from_stored(stored)


def _keep(store: WindowStore, key: str, value: bytes, window: UserWindow) -> None:
    """Keep the settled window beside the bytes just written for it, where the store keeps such
    (`_read`); nothing steps it until its person's next batch reads it."""
    settled = getattr(store, "settled", None)
    if settled is not None:
        settled.put(key, (value, window))


def with_person(turn: Turn, registry: Registry) -> Turn:
    """The turn with its person id resolved by account linking (kept if the platform set one)."""
    if turn.person_id:
        return turn
    return replace(turn, person_id=link(turn.user_id, turn.identity, registry).person_id)


def run_batch(detector: Detector, turns: Sequence[Turn], store: WindowStore,
              on_step: Callable[[Turn, UserWindow], None] | None = None) -> Iterator[tuple[Turn, list[Effect]]]:
    """Yield (turn, effects) for each turn, in the given order, after one batched scoring call.

    A person's window is read from the store once per batch, kept in hand between their turns of
    it, and written once, after their last turn of the batch: about 80 % of the turns of a realistic
    mix find their person's window stepped earlier in the same batch, and encoding it after every
    turn was 60-75 us a turn. The window in hand is settled to what its bytes would read back as
    (`settle`), so each step sees what it would have read from the store. The store is the caller's
    for the batch (replay's own dict; the worker's held writes, under its lock): nothing else
    writes it in between. Turns of zero-data-retention tenants write at once (their context lives
    in the detector's memory, which a step cannot give back).

    If a step fails, or the caller stops early, every window in hand is written before the
    exception (or the stop) goes on: complete steps as they are; the failing person's window as
    it was before that step, rebuilt from the stored bytes and the person's earlier turns of the
    batch (the core is deterministic), so a half-applied step leaves no trace. `on_step(turn,
    window)`: after each turn's step, the window as it would read back from the store."""
    scores = detector.score(turns)
    keys = [detector.window_key(t) for t in turns]
    last = {k: i for i, k in enumerate(keys)}
    zdr = detector.config.zdr_tenants
    hand: dict[str, _Held] = {}
    try:
        for i, (turn, score, key) in enumerate(zip(turns, scores, keys)):
            held = hand.pop(key, None)
            if held is None:
                stored = store.get(key, turn)
                held = _Held(_read(store, key, stored) if stored else None, stored)
            try:
                step = detector.step(held.window, turn, score)
                value = step.window.to_stored() if step.window is not None and (i == last[key] or turn.tenant_id in zdr) else None
            except Exception:
                hand[key] = _Held(None, held.stored, held.pending)  # the window in hand is half-stepped
                raise
            if step.window is None:
                store.delete(key, turn)
                yield turn, step.effects
                continue
            window = settle(step.window)  # after encoding it: as it reads back
            if value is not None:
                store.put(key, value, turn)
                if i != last[key]:
                    hand[key] = _Held(window, value)
                else:
                    _keep(store, key, value, window)
            else:
                hand[key] = _Held(window, held.stored, held.pending + [(turn, score)])
            if on_step is not None:
                on_step(turn, window)
            yield turn, step.effects
    finally:
        for key, held in hand.items():
            if held.pending:
                store.put(key, _rebuilt(detector, held).to_stored(), held.pending[-1][0])


@dataclass(slots=True)
class _Held:
    """A person's window in hand within a batch: the object (None once a step failed on it), the
    bytes in the store, and the turns (with their scores) stepped since those bytes were read."""

    window: UserWindow | None
    stored: bytes | None
    pending: list = field(default_factory=list)


def _rebuilt(detector: Detector, held: _Held) -> UserWindow:
    """The window in hand, or (a step failed on it) the stored one stepped through the turns since."""
    if held.window is not None:
        return held.window
    window = UserWindow.from_stored(held.stored) if held.stored else None
    for turn, score in held.pending:
        window = settle(detector.step(window, turn, score).window)
    return window


def run_isolated(detector: Detector, turns: Sequence[Turn], store: WindowStore,
                 on_step: Callable[[Turn, UserWindow], None] | None = None) -> Iterator[tuple[Turn, list[Effect] | Exception]]:
    """`run_batch`, except that one turn failing cannot take the batch down: yields (turn, effects),
    or (turn, the exception) for a turn that fails on its own. After a failure the turns not yet
    done are run one at a time (a window is stored only after its step returns, so nothing is
    half-applied: `run_batch`), and the failing one is left to the caller to dead-letter."""
    done = 0
    try:
        for item in run_batch(detector, turns, store, on_step):
            done += 1
            yield item
        return
    except Exception:  # noqa: BLE001 - isolated below, turn by turn
        pass
    for turn in turns[done:]:
        try:
            [item] = list(run_batch(detector, [turn], store, on_step))
        except Exception as exc:  # noqa: BLE001 - the record is dead-lettered with the reason
            yield turn, exc
        else:
            yield item
