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
"""

from __future__ import annotations

from faust.transport.consumer import Consumer

_original_ack = Consumer.ack
_original_new_offset = Consumer._new_offset


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


def install() -> None:
    """Idempotent: patch `Consumer.ack` and `Consumer._new_offset` once per process."""
    if Consumer.ack is not _ack:
        Consumer.ack = _ack
    if Consumer._new_offset is not _new_offset:
        Consumer._new_offset = _new_offset
