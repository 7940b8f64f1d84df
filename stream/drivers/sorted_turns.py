"""Event-time ordering of a replay's turns in bounded memory (an external merge sort).

Replaying a month of production traffic must not need the month in RAM. Turns are buffered up to
`run_size`; a full buffer is sorted and spilled to a temporary file; iterating merges the spilled
runs and the last buffer by `Turn.order_key`. Equal keys keep their input order (stable sort per
run, and the merge prefers earlier runs), so the order is exactly that of sorting the whole list:
replays stay byte-identical whatever `run_size` is. Iterable more than once (account linking for
person-wide deletion holds reads the turns before the replay does).
"""

from __future__ import annotations

import heapq
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from stream.core.events import Turn

DEFAULT_RUN_SIZE = 200_000  # turns held in memory at once (a few hundred MB at most)


class SortedTurns:
    def __init__(self, run_size: int = DEFAULT_RUN_SIZE, tmp_dir: str | None = None):
        if run_size < 1:
            raise ValueError("run_size must be at least 1")
        self.run_size = run_size
        self._tmp_parent = tmp_dir
        self._dir: Path | None = None
        self._runs: list[Path] = []
        self._buffer: list[Turn] = []
        self._count = 0
        self._sealed = False

    def add(self, turn: Turn) -> None:
        if self._sealed:
            raise RuntimeError("SortedTurns: add() after iteration started")
        self._buffer.append(turn)
        self._count += 1
        if len(self._buffer) >= self.run_size:
            self._spill()

    def _spill(self) -> None:
        self._buffer.sort(key=Turn.order_key)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="riskstream-replay-", dir=self._tmp_parent))
        path = self._dir / f"run-{len(self._runs):05d}.pickle"
        with path.open("wb") as fh:
            for turn in self._buffer:
                pickle.dump(turn, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._runs.append(path)
        self._buffer = []

    @property
    def spilled_runs(self) -> int:
        return len(self._runs)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Turn]:
        if not self._sealed:
            self._buffer.sort(key=Turn.order_key)
            self._sealed = True
        if not self._runs:
            return iter(self._buffer)
        return heapq.merge(*(read_pickled(p) for p in self._runs), self._buffer, key=Turn.order_key)

    def close(self) -> None:
        """Remove the spilled runs (also done at exit of a `with` block)."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
            self._runs = []

    def __enter__(self) -> "SortedTurns":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_pickled(path: Path) -> Iterator:
    """Every object pickled one after another into `path`, in order."""
    with path.open("rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return
