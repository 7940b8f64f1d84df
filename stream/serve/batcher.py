"""Micro-batching across concurrent requests: the classifiers are much cheaper per text in batches.

Requests queue their texts; one task takes what is waiting (up to `max_batch` texts, waiting at
most `within_s` for more after the first), scores it in one `score_batch` call on a worker
thread (the event loop keeps accepting requests) and hands each request its own slice back. If a
shared batch fails, each request is scored alone, so only a request whose own input fails gets the error.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence


class MicroBatcher:
    def __init__(self, score_batch: Callable[[Sequence[str]], list], max_batch: int = 64, within_s: float = 0.005):
        self.score_batch, self.max_batch, self.within_s = score_batch, max_batch, within_s
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskstream-score")
        self.batches = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def score(self, texts: list[str]) -> list:
        fut = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, fut))
        return await fut

    async def _take(self) -> list[tuple[list[str], asyncio.Future]]:
        batch = [await self.queue.get()]
        size = len(batch[0][0])
        deadline = time.monotonic() + self.within_s
        while size < self.max_batch:
            try:
                item = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self.queue.get(), left)
                except asyncio.TimeoutError:
                    break
            batch.append(item)
            size += len(item[0])
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._take()
            texts = [t for item, _ in batch for t in item]
            try:
                scores = await loop.run_in_executor(self.executor, self.score_batch, texts)
            except Exception:  # one request's input must not fail the others: score each alone, once
                for item, fut in batch:
                    await self._score_alone(item, fut)
                continue
            self.batches += 1
            start = 0
            for item, fut in batch:
                if not fut.done():  # a client that went away cancelled its future
                    fut.set_result(scores[start:start + len(item)])
                start += len(item)

    async def _score_alone(self, item: list[str], fut: asyncio.Future) -> None:
        try:
            result = await asyncio.get_running_loop().run_in_executor(self.executor, self.score_batch, item)
        except Exception as exc:
            if not fut.done():
                fut.set_exception(exc)
            return
        if not fut.done():
            fut.set_result(result)
