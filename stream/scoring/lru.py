"""A bounded memo that forgets the least recently used entry: repeated texts (and repeated
batches, in a shadow comparison) are read once while memory stays bounded."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most `size` entries (0 keeps nothing); `get` refreshes an entry, `peek` does not."""

    __slots__ = ("size", "_items")

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[K]:
        """The keys, least recently used first."""
        return list(self._items)

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def peek(self, key: K) -> V | None:
        return self._items.get(key)

    def pop(self, key: K) -> V | None:
        """Remove the entry and return it (None if there is none)."""
        return self._items.pop(key, None)

    def put(self, key: K, value: V) -> None:
        if not self.size:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
