"""No ack for a record Faust skipped around a rebalance (faust-streaming 0.15).

When the flow is suspended for a rebalance, or a record fetched in the previous consumer generation
reaches a stream afterwards, Faust's stream skips the record without handing it to the agent, and
then acks it ("so the lag does not grow"). If the partition stays with this worker, that ack is
committed and the record is never processed: tests/test_crash_safety.py's rebalance run lost turns
this way. Refusing those acks keeps the committed offset before the record; after the rebalance,
Faust seeks every partition to its committed offset and the record is read again. An agent that
finishes a record during the rebalance is refused too: the record is read again and recognised as
already folded in (its window's redelivery ring), so the cost is a repeat, never a loss.
"""

from __future__ import annotations

from faust.transport.consumer import Consumer

_original_ack = Consumer.ack
REFUSED = {"acks": 0}


def _ack(self: Consumer, message) -> bool:
    app = self.app
    stale = message.generation_id is not None and message.generation_id != app.consumer_generation_id
    if stale or not app.flow_control.is_active():
        REFUSED["acks"] += 1
        self._unacked_messages.discard(message)  # nothing waits on it: it will come again
        return False
    return _original_ack(self, message)


def install() -> None:
    """Idempotent: patch `Consumer.ack` once per process."""
    if Consumer.ack is not _ack:
        Consumer.ack = _ack
