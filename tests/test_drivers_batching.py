"""The worker's batching of a stream (stream/drivers/batching.py): idle without waking, never more than
max_ records a batch, and a batch's records acked only once the agent is done with it; a batch the
agent did not finish, and a record whose dead letter did not reach the broker, are not acked but
released (no longer in flight), so the commit stops before them and the watchdog reads them again."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from stream.drivers.batching import take_batches


@dataclass(frozen=True)
class Event:
    message: int  # the offset stands for the message


class Channel:
    def __aiter__(self):
        return self

    async def __anext__(self):
        raise StopAsyncIteration


class FakeStream:
    """What take_batches uses of a Faust stream; records are fed through its processor, as the
    stream's passive drainer does."""

    def __init__(self):
        self.enable_acks, self._processors, self.should_stop = True, [], False
        self.current_event, self.channel, self.log = None, Channel(), logging.getLogger("test")
        self.acked, self.timed_waits = [], 0
        self.app = SimpleNamespace(consumer=SimpleNamespace(_unacked_messages=set()))  # what is in flight

    def add_processor(self, processor):
        self._processors.append(processor)

    def _enable_passive(self, channel):
        pass

    async def wait_for_stopped(self, event, timeout=None):
        if timeout is not None:
            self.timed_waits += 1
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def wait(self, event):
        await event.wait()

    async def ack(self, event):
        self.acked.append(event.message)
        self.app.consumer._unacked_messages.discard(event.message)

    async def crash(self, exc):
        raise exc

    async def feed(self, values):
        for v in values:
            self.current_event = Event(v)
            self.app.consumer._unacked_messages.add(v)  # as Faust tracks a message handed to a stream
            await self._processors[0](v)


def test_batches_wait_for_their_first_record_fill_up_to_max_and_ack_only_when_done():
    async def scenario():
        s, got = FakeStream(), []
        batches = take_batches(s, 3, 0.005)

        async def agent():
            async for batch in batches:
                got.append(([e.message for e in batch], list(s.acked)))  # what is acked while the agent works on it
                await asyncio.sleep(0.01)
                if len(got) == 2:
                    break

        task = asyncio.create_task(agent())
        await asyncio.sleep(0.1)  # idle for 100 ms: Faust's take_events would wake every 5 ms
        idle_wakeups = s.timed_waits
        feeder = asyncio.create_task(s.feed([1, 2, 3, 4]))
        await asyncio.wait_for(task, 2)
        await batches.aclose()
        feeder.cancel()
        return idle_wakeups, got, s

    idle_wakeups, got, s = asyncio.run(scenario())
    assert idle_wakeups == 0
    assert got[0] == ([1, 2, 3], [])  # at most max_, nothing acked while the batch is worked on
    assert got[1] == ([4], [1, 2, 3])  # the first batch acked once its body finished
    assert s.enable_acks is True and s._processors == []  # the stream is left as it was found


def run_agent(body, values, max_=3):
    """Feed `values` to a stream and run `body(s, batch)` on each batch until it returns True or
    no record is in flight any more; return the stream (what was acked, what is still in flight)."""
    async def scenario():
        s = FakeStream()
        batches = take_batches(s, max_, 0.005)

        async def agent():
            async for batch in batches:
                if await body(s, batch):
                    return

        task = asyncio.create_task(agent())
        feeder = asyncio.create_task(s.feed(values))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if task.done() or (feeder.done() and not s.app.consumer._unacked_messages):
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await batches.aclose()
        feeder.cancel()
        return s

    return asyncio.run(scenario())


def test_a_batch_whose_body_raised_is_not_acked_but_released_to_be_read_again():
    async def body(s, batch):
        if [e.message for e in batch] == [4, 5]:
            raise RuntimeError("the windows could not be written")
        return False

    s = run_agent(body, [1, 2, 3, 4, 5])
    assert s.acked == [1, 2, 3]  # the finished batch is acked, the failed one not (Faust's take_events acks it)
    assert s.app.consumer._unacked_messages == set()  # and not left in flight: the watchdog reads it again


def test_a_batch_closed_mid_way_is_released_not_acked():
    async def body(s, batch):
        return True  # stops while the batch is in hand: the generator is closed without finishing it

    s = run_agent(body, [1, 2])
    assert s.acked == [] and s.app.consumer._unacked_messages == set()


def test_a_record_is_acked_only_once_its_dead_letter_is_delivered():
    async def body(s, batch):
        loop = asyncio.get_running_loop()
        ok, lost = loop.create_future(), loop.create_future()
        ok.set_result(None)
        lost.set_exception(OSError("dead-letter topic refused the record"))
        batch.ack_after(batch[0], ok)
        batch.ack_after(batch[1], lost)
        batch.hold(batch[2]) if len(batch) > 2 else None
        return False

    s = run_agent(body, [1, 2, 3, 4, 5])
    assert s.acked == [1, 4]  # 2's dead letter failed, 3 was held, 5's dead letter failed
    assert s.app.consumer._unacked_messages == set()


@pytest.mark.parametrize("hold_all", [True, False])
def test_hold_without_an_event_holds_the_whole_batch(hold_all):
    async def body(s, batch):
        if hold_all:
            batch.hold()
        return False

    s = run_agent(body, [1, 2])
    assert s.acked == ([] if hold_all else [1, 2])


def test_a_batch_fills_while_records_keep_coming_and_closes_when_they_pause():
    """A backlog reaches the agent one record at a time: the batch keeps filling while each next
    record comes within `within` (here 50 ms windows, a record every 20 ms: a batch of 6 takes 100 ms,
    two windows), and closes once a window passes without one."""
    async def scenario():
        s, got = FakeStream(), []
        batches = take_batches(s, 6, 0.05)

        async def agent():
            async for batch in batches:
                got.append([e.message for e in batch])
                if len(got) == 3:
                    break

        async def feed():
            for v in range(1, 9):  # 1..8 every 20 ms
                await s.feed([v])
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # a pause of six windows
            await s.feed([9])

        task = asyncio.create_task(agent())
        feeder = asyncio.create_task(feed())
        await asyncio.wait_for(task, 5)
        await batches.aclose()
        feeder.cancel()
        return got

    got = asyncio.run(scenario())
    assert got[0] == [1, 2, 3, 4, 5, 6]  # full, though filling it took two windows
    assert got[1] == [7, 8] and got[2] == [9]  # the pause closed the second batch
