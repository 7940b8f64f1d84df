"""No ack for a record Faust skipped around a rebalance (faust-streaming 0.15).

When the flow is suspended for a rebalance, or a record fetched in the previous consumer generation
reaches a stream afterwards, Faust's stream skips the record without handing it to the agent, and
then acks it ("so the lag does not grow"). If the partition stays with this worker, that ack is
committed and the record is never processed: tests/test_crash_safety.py's rebalance run lost turns
this way. Refusing those acks keeps the committed offset before the record; after the rebalance,
Faust seeks every partition to its committed offset and the record is read again. An agent that
finishes a record during the rebalance is refused too: the record is read again and recognised as
already folded in (its window's redelivery ring), so the cost is a repeat, never a loss.

A refused ack leaves a hole, and Faust's commit must stop before it. Its `_new_offset` misses a hole
of one record at the head (it compares the first acked offset with the committed one as if the
committed offset were the last record read, not the next one), so it would commit straight past
the record: `_new_offset` is wrapped to return nothing while the record at the committed offset is
neither acked nor a known gap. (The crash run of tests/test_crash_safety.py lost turns this way.)

A partition nothing was ever committed for has no committed offset in Faust's books, and then
neither Faust's head check nor ours applies: a record dropped at the head of a fresh partition
(around the rebalance that brings the partition over) is committed past as soon as a later record
is acked, and lost with no trace (the likely way tests/test_crash_safety.py lost a probe after a
first kill: every offset committed, no score, no dead letter). After the rebalance's seek, such a partition's head is set to the
log's first offset (where `auto_offset_reset=earliest` starts reading), so the head check, and the
stall watchdog, see it like any other (`known_heads`).

A known gap (offsets the log does not hold: transaction markers, compaction) lets the commit skip
offsets, so a gap must be real. Faust computes one from the last offset it read and the offset of
the record in hand. A seek (a rebalance's seek to the committed offsets, the stall watchdog's
re-read) sets that "last read" offset to the seek's target while records fetched before the seek
are still being handed out: a record 2 beyond the target then "proves" a gap over a record that
exists and was never processed, and the commit goes past it (the likely way the rebalance run of
tests/test_crash_safety.py lost 2 turn-scores, with no dead letter). So every seek advances a
counter when it starts and when it ends, each fetch notes the counter when it starts, and a gap is
refused when a seek started or ran since the fetch of the record it was computed from. The refused
gap is a hole before the head: nothing is committed past it, and the records are read again (the
seek's own re-read, or the watchdog's, `faust_watchdog`).

That is not enough either (the rekill test of tests/test_crash_safety.py lost a probe with every offset
committed and no dead letter): the read offset a gap starts from can be the seek's target, set when
the seek ends, while records fetched during the seek were handed out; and Faust's fetcher stops
handing out a fetched batch when the flow stops or the generation changes, with the fetch position
already past the rest. Either way a record after the read offset exists and was never handed over,
and the next record "proves" a gap over it. So a gap is recorded only when it starts right after a
record that was handed over, with every record the broker returned for that partition since the
latest seek handed over too (`_rs_continuous`); otherwise it is a hole, read again as above.
"""

from __future__ import annotations

import logging

from faust.transport.consumer import Consumer, ThreadDelegateConsumer

from stream.drivers import consumer_calls

log = logging.getLogger("riskstream.worker")
_original_ack = Consumer.ack
_original_new_offset = Consumer._new_offset
_original_add_gap = Consumer._add_gap
_original_getmany = Consumer.getmany
_original_wait_next_records = Consumer._wait_next_records
_original_perform_seek = Consumer.perform_seek
_original_seek = Consumer.seek
_original_seek_wait = ThreadDelegateConsumer.seek_wait


def _ack(self: Consumer, message) -> bool:
    app = self.app
    stale = message.generation_id is not None and message.generation_id != app.consumer_generation_id
    if stale or not app.flow_control.is_active():
        self._unacked_messages.discard(message)  # nothing waits on it: it will come again
        return False
    return _original_ack(self, message)


def _new_offset(self: Consumer, tp):
    acked, committed = self._acked[tp], self._committed_offset[tp]
    if acked and committed is not None:
        head = min(acked)
        # a known gap before the head (records the log no longer has, e.g. past retention) is
        # Faust's own case: it counts the committed offset as read there, and so do we
        if head > committed and not self._gap[tp].overlaps(committed, head):
            return None  # the record at the committed offset is not done yet: commit nothing
    return _original_new_offset(self, tp)


async def known_heads(consumer) -> None:
    """Give every assigned partition of an agent's topic that has no committed offset its log's first
    offset as the head (see the module docstring); left as it is when the broker does not answer."""
    tps = [tp for tp in consumer.assignment()
           if consumer._committed_offset.get(tp) is None and consumer.app.topics.acks_enabled_for(tp.topic)]
    if not tps:
        return
    try:
        starts = await consumer_calls.answer(consumer.earliest_offsets(*tps))
    except Exception as exc:  # noqa: BLE001 - as before this rule: Faust's own (unguarded) head
        log.warning("cannot read the log start of %d partition(s) with no committed offset: %r", len(tps), exc)
        return
    for tp, start in starts.items():
        if start is not None and consumer._committed_offset.get(tp) is None:
            consumer._committed_offset[tp] = start


async def _perform_seek(self: Consumer) -> None:
    """Faust's seek to the committed offsets after a rebalance, then `known_heads`."""
    await _original_perform_seek(self)
    await known_heads(self)


def seek_epoch(consumer) -> int:
    """How many seek starts and ends this consumer has seen."""
    return getattr(consumer, "_rs_seek_epoch", 0)


def _seeking(original):
    """`original` (a seek of some kind), counted: the epoch moves when it starts and when it ends."""
    async def seek(self, *args, **kwargs):
        self._rs_seek_epoch = seek_epoch(self) + 1
        self._rs_seeks_running = getattr(self, "_rs_seeks_running", 0) + 1
        _forget_positions(self)  # positions before the seek say nothing about what comes after it
        try:
            return await original(self, *args, **kwargs)
        finally:
            self._rs_seeks_running -= 1
            self._rs_seek_epoch = seek_epoch(self) + 1
            _forget_positions(self)
    seek.__wrapped__ = original
    return seek


def _forget_positions(consumer) -> None:
    consumer._rs_handed, consumer._rs_continuous = {}, {}


def _positions(consumer) -> tuple[dict, dict]:
    """(how far the fetcher got past each partition, the last record of each handed over with
    nothing left out before it), both since the latest seek."""
    if getattr(consumer, "_rs_handed", None) is None or getattr(consumer, "_rs_continuous", None) is None:
        _forget_positions(consumer)
    return consumer._rs_handed, consumer._rs_continuous


async def _wait_next_records(self: Consumer, timeout: float):
    """Faust's fetch, noting what the broker returned (to tell what its `getmany` did not hand out)."""
    records, active = await _original_wait_next_records(self, timeout)
    self._rs_fetched = records
    return records, active


def _no_seek_since(consumer, epoch: int) -> bool:
    """No seek started, ended or is running since the seek counter read `epoch`."""
    return epoch == seek_epoch(consumer) and not getattr(consumer, "_rs_seeks_running", 0)


async def _getmany(self: Consumer, timeout: float):
    started = seek_epoch(self)  # before the fetch: records fetched before a later seek count as stale
    self._rs_fetched, last = None, {}
    async for tp, message in _original_getmany(self, timeout):
        self._rs_fetch_epoch = started
        yield tp, message
        last[tp] = message.offset
        # Faust's fetcher asks for the next record only once this one is in its stream's queue (or
        # dropped as already read): note how far each partition got, unless a seek came in between
        if _no_seek_since(self, started):
            handed, continuous = _positions(self)
            handed[tp] = continuous[tp] = message.offset
    fetched = getattr(self, "_rs_fetched", None) or {}
    if _no_seek_since(self, started):
        handed, continuous = _positions(self)
        for tp, records in fetched.items():
            if records and last.get(tp) != records[-1].offset:  # fetched, not all handed out: the
                # fetch position is past them; a later record proves no gap, and the head was passed
                continuous.pop(tp, None)
                handed[tp] = max(handed.get(tp, -1), records[-1].offset)


def handed_up_to(consumer, tp) -> int | None:
    """The offset of the last record of `tp` Faust's fetcher handed to its stream (or dropped as
    already read) since the latest seek: None if none yet."""
    return getattr(consumer, "_rs_handed", {}).get(tp)


def gap_is_sound(fetched_at: int | None, now: int, running: int, continuous: int | None,
                 offset_from: int | None) -> bool:
    """Was the record a gap is computed from fetched with no seek started or running since, and does
    the gap start right after a record handed over with nothing the broker returned left out since
    (`continuous`, the last such record's offset)?"""
    return (fetched_at is not None and fetched_at == now and running == 0
            and continuous is not None and offset_from is not None and continuous == offset_from - 1)


async def _add_gap(self: Consumer, tp, offset_from: int, offset_to: int) -> None:
    if not gap_is_sound(getattr(self, "_rs_fetch_epoch", None), seek_epoch(self), getattr(self, "_rs_seeks_running", 0),
                        getattr(self, "_rs_continuous", {}).get(tp), offset_from):
        topic, partition = getattr(tp, "topic", tp), getattr(tp, "partition", -1)
        log.info("gap %s:%d %d-%d not recorded: records from there on may exist unread (a seek or a batch "
                 "the fetcher did not hand out came between)", topic, partition, offset_from, offset_to,
                 extra={"event": "gap_refused", "topic": topic, "partition": partition})
        return
    await _original_add_gap(self, tp, offset_from, offset_to)


_PATCHES = ((Consumer, "ack", _ack), (Consumer, "_new_offset", _new_offset), (Consumer, "_add_gap", _add_gap),
            (Consumer, "getmany", _getmany), (Consumer, "_wait_next_records", _wait_next_records),
            (Consumer, "perform_seek", _seeking(_perform_seek)),
            (Consumer, "seek", _seeking(_original_seek)),
            (ThreadDelegateConsumer, "seek_wait", _seeking(_original_seek_wait)))


def install() -> None:
    """Idempotent: patch Faust's consumer once per process (before the worker starts fetching)."""
    for cls, name, patched in _PATCHES:
        if getattr(cls, name) is not patched:
            setattr(cls, name, patched)
