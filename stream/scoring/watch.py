"""Hot reload of list / bank files: re-read a directory's files when their mtimes change.

The check is cheap (one `stat` per file) and runs at most every `interval` seconds. A file that
fails to parse keeps its previous version (the error is logged), so a bad edit never disables
the lists that were already loaded.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class WatchedDir(Generic[T]):
    def __init__(self, directory: Path, pattern: str, parse: Callable[[Path], T], interval: float = 2.0):
        self.directory = Path(directory)
        self.pattern = pattern
        self.parse = parse
        self.interval = interval
        self._stamp: dict[Path, tuple[int, int]] = {}
        self._items: dict[Path, T] = {}
        self._last = -1e18
        self.generation = 0  # bumps on every change, so callers can rebuild derived indexes
        self.refresh(force=True)

    def _scan(self) -> dict[Path, tuple[int, int]]:
        out = {}
        if not self.directory.is_dir():
            return out
        for p in sorted(self.directory.glob(self.pattern)):
            try:
                st = p.stat()
            except OSError:
                continue
            out[p] = (st.st_mtime_ns, st.st_size)
        return out

    def refresh(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return False
        self._last = now
        stamps = self._scan()
        if not force and stamps == self._stamp:
            return False
        changed = False
        for p in list(self._items):
            if p not in stamps:
                del self._items[p]
                changed = True
        for p, st in stamps.items():
            if self._stamp.get(p) == st and p in self._items:
                continue
            try:
                self._items[p] = self.parse(p)
                changed = True
            except Exception as exc:  # keep the previous version of a broken file
                log.error("riskstream: cannot load %s: %s (keeping previous version)", p, exc)
        self._stamp = stamps
        if changed:
            self.generation += 1
        return changed

    def items(self) -> list[T]:
        return [self._items[p] for p in sorted(self._items)]
