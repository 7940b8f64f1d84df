"""The worker's batching of a stream (stream/drivers/batching.py): idle without waking, never more than
max_ records a batch, and a batch's records acked only once the agent is done with it."""

from __future__ import annotations

import asyncio
import logging

from stream.drivers.batching import take_batches


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
        self.acked.append(event)

    async def crash(self, exc):
        raise exc

    async def feed(self, values):
        for v in values:
            self.current_event = v
            await self._processors[0](v)


def test_batches_wait_for_their_first_record_fill_up_to_max_and_ack_only_when_done():
    async def scenario():
        s, got = FakeStream(), []
        batches = take_batches(s, 3, 0.005)

        async def agent():
            async for batch in batches:
                got.append((list(batch), list(s.acked)))  # what is acked while the agent works on it
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
