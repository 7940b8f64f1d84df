"""Replay on every core: partition the turns by person, run the same core in N processes, merge.

Why the output is byte-identical to one process: a turn's effects depend only on its person's
earlier turns (the window) and its own scores, and a text's scores do not depend on the other
texts of its batch (stream/scoring/encoder.py). The person of every turn is resolved here first,
in one cheap pass in event-time order with the account linking the single process does
(`with_person`, the same registry sequence), so all linked accounts of a person land in one
process and get the same person id; each process runs the core over its persons' turns in the
input order, and the parent merges every output line back by its turn's position in the input.

Balance: persons are hashed into `BUCKETS` buckets (a file each, in input order), and once the
input is read the buckets are dealt to the processes largest first, each to the least loaded
(a person's share of the turns is not known when their first turn arrives). Hashing persons
straight into N processes left one with 7 % more turns than the other on a 1,600-person replay,
and the replay waits for its slowest process. A process reads its buckets merged by position.

A process is started fresh (spawn: the ONNX sessions are not shared across a fork) and builds its
own detector from `factory`. That start (the interpreter, the package's imports, the models: about
half a second of CPU each) is serial work a replay on N cores waits for, as are the split above
and the merge, so the processes are started first (`Workers`, before the caller reads the input):
they build their detectors while the parent reads and splits the turns, then each waits on a pipe
for its buckets. Ctrl-C stops every process after its current batch; the outputs then hold
complete lines for the turns before the first one some process did not reach (a prefix). A
process that ends before it is handed its buckets (the parent failed or was stopped while reading)
just exits; one that fails stops the others after their current batch and is reported
(`WorkerFailed`).
"""

from __future__ import annotations

import heapq
import math
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import time
import zlib
from contextlib import contextmanager
from itertools import islice
from multiprocessing.connection import wait
from pathlib import Path
from typing import IO, Callable, Iterable

import orjson

from stream.core.engine import Detector
from stream.core.events import Turn
from stream.core.identity import DictRegistry
from stream.core.pipeline import with_person
from stream.drivers.replay import Lane, ReplayStats, _step_lane
from stream.drivers.sorted_turns import read_pickled
from stream.jsonl import dumps_line

MIN_TURNS_PER_WORKER = 1000  # below this a process costs more to start (models load) than it saves
BUCKETS = 64  # person buckets dealt to the processes (see the module docstring)
_EFFECT, _TURN, _DEAD = 0, 1, 2


class WorkerFailed(RuntimeError):
    """A replay process ended with an error (it printed it on stderr, which it shares)."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(n_turns: int) -> int:
    """All cores, at most one process per `MIN_TURNS_PER_WORKER` turns (at least one)."""
    return max(1, min(available_cores(), n_turns // MIN_TURNS_PER_WORKER))


def bucket_of(turn: Turn) -> int:
    """The bucket of a (person-resolved) turn: a stable hash of its window key, so every turn of a
    person (all their linked accounts) is in one bucket, and so in one process."""
    return zlib.crc32(Detector.window_key(turn).encode()) % BUCKETS


def deal(sizes: list[int], workers: int) -> list[list[int]]:
    """Buckets per process: largest bucket first, each to the process with the fewest turns so far
    (ties: the lower process number); empty buckets go nowhere. Deterministic."""
    load = [0] * workers
    dealt: list[list[int]] = [[] for _ in range(workers)]
    for b in sorted((b for b in range(len(sizes)) if sizes[b]), key=lambda b: (-sizes[b], b)):
        k = load.index(min(load))
        dealt[k].append(b)
        load[k] += sizes[b]
    return [sorted(bs) for bs in dealt]


class Workers:
    """`n` replay processes, started now: each builds its detector from `factory` (`factory[0](*factory[1])`)
    while the caller reads and splits the input, then waits for its buckets (`replay_partitioned`).
    A context manager: on leaving it, processes never handed their buckets end, and running ones
    are stopped after their current batch."""

    def __init__(self, factory: tuple[Callable[..., Detector], tuple], n: int):
        ctx = multiprocessing.get_context("spawn")
        self.done = ctx.Value("q", 0)  # turns replayed, all processes
        self.halt = ctx.Event()  # stop after the current batch
        self.procs: list[multiprocessing.process.BaseProcess] = []
        self._jobs = []  # the parent's end of each process's pipe
        try:
            for k in range(n):
                recv, send = ctx.Pipe(duplex=False)
                p = ctx.Process(target=_worker, name=f"riskstream-replay-{k}",
                                args=(factory, recv, self.done, self.halt))
                with _sigint_ignored():
                    p.start()
                recv.close()
                self.procs.append(p)
                self._jobs.append(send)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self.procs)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def hand(self, jobs: list[tuple]) -> None:
        """One job per process (its bucket files, output file, effect kinds, batch size)."""
        for conn, job in zip(self._jobs, jobs, strict=True):
            try:
                conn.send(job)
            except OSError:  # that process has already ended (e.g. its detector failed): its exit code tells
                pass
            conn.close()

    def failed(self) -> list:
        return [p for p in self.procs if p.exitcode not in (None, 0)]

    def close(self) -> None:
        """End the processes: those waiting for buckets see their pipe close; running ones stop after
        their current batch (30 s at most each, then terminated)."""
        for conn in self._jobs:
            conn.close()
        if any(p.is_alive() for p in self.procs):  # an error or a second Ctrl-C in the parent
            self.halt.set()
            for p in self.procs:
                p.join(30)
                if p.is_alive():
                    p.terminate()


@contextmanager
def _sigint_ignored():
    """A process started inside inherits an ignored SIGINT, so a Ctrl-C while it still imports (the
    parent reading the input) does not end it with a traceback: the parent stops it (`halt`). The
    parent ignores SIGINT only while it starts a process (a few milliseconds)."""
    try:
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals cannot be changed here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def replay_partitioned(processes: Workers, turns: Iterable[Turn], sinks: dict[str, IO[bytes] | None],
                       stats: ReplayStats, on_case: Callable[[dict], None] | None = None, batch_size: int = 256,
                       on_batch: Callable[[int], None] | None = None, stop: Callable[[], bool] | None = None) -> None:
    """Run `turns` (event-time order) through the started `processes`, writing every effect line to
    `sinks[kind]` in the order one process would, and counting in `stats`."""
    started = time.monotonic()
    kinds = frozenset(k for k, v in sinks.items() if v is not None) | ({"case"} if on_case is not None else set())
    tmp = Path(tempfile.mkdtemp(prefix="riskstream-replay-workers-"))
    procs = processes.procs
    try:
        dealt = deal(_split(turns, tmp), len(procs))
        processes.hand([([tmp / f"in-{b}" for b in bs], tmp / f"out-{k}", kinds, batch_size)
                        for k, bs in enumerate(dealt)])
        seen = 0
        try:
            while any(p.is_alive() for p in procs):
                wait([p.sentinel for p in procs if p.is_alive()], timeout=0.2)  # wakes as one ends
                if not processes.halt.is_set() and (processes.failed() or (stop is not None and stop())):
                    processes.halt.set()  # a failed process: the others stop after their batch too
                seen = _progress(processes.done, seen, on_batch)
        finally:
            processes.close()
        _progress(processes.done, seen, on_batch)
        failed = processes.failed()
        if failed:
            raise WorkerFailed(f"replay process {failed[0].name} failed (exit code {failed[0].exitcode}); "
                               "its error is above")
        outs = [tmp / f"out-{k}" for k in range(len(procs))]
        upto = min((pickle.loads((tmp / f"upto-{p.name}").read_bytes()) for p in procs), default=math.inf)
        stats.interrupted = upto != math.inf
        _merge(outs, upto, sinks, stats, on_case)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    stats.seconds = time.monotonic() - started


def _split(turns: Iterable[Turn], tmp: Path) -> list[int]:
    """Resolve each turn's person (the single process's linking, in the same order) and write
    (position, turn) to its bucket's file (`bucket_of`); returns how many turns each bucket got."""
    registry = DictRegistry()
    sizes = [0] * BUCKETS
    files = [(tmp / f"in-{b}").open("wb") for b in range(BUCKETS)]
    try:
        for n, turn in enumerate(turns):
            turn = with_person(turn, registry)
            b = bucket_of(turn)
            pickle.dump((n, turn), files[b], protocol=pickle.HIGHEST_PROTOCOL)
            sizes[b] += 1
    finally:
        for fh in files:
            fh.close()
    return sizes


def _progress(done, seen: int, on_batch: Callable[[int], None] | None) -> int:
    now = done.value
    if on_batch is not None and now > seen:
        on_batch(now - seen)
    return now


def _worker(factory, jobs, done, halt) -> None:
    """One process: its detector built, then (once the parent has split the input) the core over its
    persons' turns (its buckets merged back into input order); every output line tagged with its
    turn's position."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us between batches (`halt`)
    build, args = factory
    lane = Lane(build(*args), {})
    try:
        in_paths, out_path, kinds, batch_size = jobs.recv()
    except EOFError:  # the parent ended before handing out the buckets (an error, or Ctrl-C while reading)
        return
    finally:
        jobs.close()
    items = heapq.merge(*(read_pickled(p) for p in in_paths), key=lambda r: r[0])
    upto = math.inf
    with out_path.open("wb") as out:
        while True:
            chunk = list(islice(items, batch_size))
            if not chunk:
                break
            if halt.is_set():
                upto = chunk[0][0]
                break
            for (n, _), (turn, effects) in zip(chunk, _step_lane(lane, [t for _, t in chunk])):
                if effects is None:
                    _dump(out, (n, _DEAD, lane.stats.rejections[-1]))
                    continue
                for eff in effects:
                    if eff.kind in kinds:
                        _dump(out, (n, _EFFECT, eff.kind, dumps_line(eff.payload)))
                _dump(out, (n, _TURN, turn.user_id, any(e.kind == "score" and e.payload["flagged"] for e in effects),
                            sum(1 for e in effects if e.kind == "case" and e.payload["event"] == "open"),
                            sum(1 for e in effects if e.kind == "case" and e.payload["event"] != "open")))
            out.flush()
            with done.get_lock():
                done.value += len(chunk)
    out_path.with_name(f"upto-{multiprocessing.current_process().name}").write_bytes(pickle.dumps(upto))


def _dump(fh, record: tuple) -> None:
    pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _merge(outs: list[Path], upto: float, sinks: dict[str, IO[bytes] | None], stats: ReplayStats,
           on_case: Callable[[dict], None] | None) -> None:
    """Every process's records in input order (by turn position), up to `upto` (exclusive)."""
    for rec in heapq.merge(*(read_pickled(p) for p in outs), key=lambda r: r[0]):
        if rec[0] >= upto:
            break
        if rec[1] == _EFFECT:
            kind, line = rec[2], rec[3]
            if sinks.get(kind) is not None:
                sinks[kind].write(line)
            if kind == "case" and on_case is not None:
                on_case(orjson.loads(line))
        elif rec[1] == _TURN:
            stats.turns += 1
            stats.users.add(rec[2])
            stats.flagged_turns += rec[3]
            stats.cases_opened += rec[4]
            stats.case_updates += rec[5]
        else:
            stats.rejected += 1
            stats.rejections.append(rec[2])
