"""State writes held back until the effects they account for are delivered.

A worker killed after writing a window but before its effects reached the broker would, on
redelivery, find the turn already folded in (the window's redelivery ring) and skip it: the case
`open` would be lost for good. So within a batch the agents read and write windows, reviews and
identity links through these overlays, send every effect, wait for the broker's acknowledgement of
each, and only then write the tables (local store and changelog). A crash before that point
redelivers the batch onto the old state: effects repeat with the same ids (case_id, event_id),
nothing is lost. The offsets are committed later still (Faust flushes the producer first).
"""

from __future__ import annotations

from typing import Any, Callable

from stream.drivers.faust_app import with_event

_DELETED = object()


class Pending:
    """Writes to one table held in memory; reads see them first. `flush()` applies them in write
    order, one write per key (the last), through `put(key, value, ctx)` / `delete(key, ctx)`."""

    def __init__(self, get: Callable[[str, Any], Any], put: Callable[[str, Any, Any], None],
                 delete: Callable[[str, Any], None]):
        self._get, self._put, self._delete = get, put, delete
        self.writes: dict[str, tuple[Any, Any]] = {}  # key -> (value or _DELETED, context of the write)

    def read(self, key: str, ctx: Any = None) -> Any:
        if key in self.writes:
            value = self.writes[key][0]
            return None if value is _DELETED else value
        return self._get(key, ctx)

    def write(self, key: str, value: Any, ctx: Any = None) -> None:
        self.writes.pop(key, None)  # keep write order: the last write of a key goes last
        self.writes[key] = (value, ctx)

    def remove(self, key: str, ctx: Any = None) -> None:
        self.write(key, _DELETED, ctx)

    def discard(self, keys) -> None:
        """Drop the held writes of `keys` (their effects were not delivered: keep the old state)."""
        for key in keys:
            self.writes.pop(key, None)

    def flush(self) -> int:
        n = len(self.writes)
        for key, (value, ctx) in self.writes.items():
            if value is _DELETED:
                self._delete(key, ctx)
            else:
                self._put(key, value, ctx)
        self.writes.clear()
        return n


class PendingWindows(Pending):
    """`WindowStore` over a `TableStore`, held until flush (the write uses the turn's own event, so
    the window lands on its source partition)."""

    def __init__(self, store):
        super().__init__(store.get, store.put, store.delete)

    def get(self, key: str, turn) -> bytes | None:
        return self.read(key, turn)

    def put(self, key: str, value: bytes, turn) -> None:
        self.write(key, value, turn)

    def delete(self, key: str, turn) -> None:
        self.remove(key, turn)


class PendingRegistry(Pending):
    """`identity.Registry` over the global identities table, held until flush. Set `event` to the
    record being handled: its writes are made with it as Faust's current event."""

    def __init__(self, registry):
        super().__init__(lambda k, _: registry.get(k),
                         lambda k, v, event: with_event(event, lambda: registry.put(k, v)),
                         lambda k, event: with_event(event, lambda: registry.delete(k)))
        self.event = None

    def get(self, key: str) -> str | None:
        return self.read(key)

    def put(self, key: str, value: str) -> None:
        self.write(key, value, self.event)

    def delete(self, key: str) -> None:
        self.remove(key, self.event)
