"""A dependency-free progress line for long runs: count, rate, ETA, on stderr.

Redrawn in place on a terminal; off a terminal (CI, pipes) a plain line every `interval_plain`
seconds, so logs show progress without drowning in carriage returns.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None = None, enabled: bool = True, stream=None,
                 interval: float = 0.2, interval_plain: float = 10.0):
        self.label, self.total, self.stream = label, total, stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if self.tty else interval_plain
        self.start = self.last = time.monotonic()
        self.count = 0

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            self._draw(now, final=False)

    def close(self) -> None:
        if self.enabled and (self.tty or time.monotonic() - self.start >= self.interval):
            self._draw(time.monotonic(), final=True)

    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.count / elapsed if elapsed > 0 else 0.0

    def _draw(self, now: float, final: bool) -> None:
        rate = self.rate()
        parts = [f"{self.label}: {self.count:,}"]
        if self.total:
            pct = 100.0 * self.count / self.total
            width = 24
            filled = int(width * min(1.0, self.count / self.total))
            parts = [f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.count:,}/{self.total:,} ({pct:4.1f}%)"]
            if rate > 0 and not final:
                parts.append(f"ETA {_fmt((self.total - self.count) / rate)}")
        parts.append(f"{rate:,.0f}/s")
        parts.append(f"elapsed {_fmt(now - self.start)}")
        line = "  ".join(parts)
        end = "\n" if (final or not self.tty) else ""
        self.stream.write(("\r" + line + "\x1b[K" + end) if self.tty else line + end)
        self.stream.flush()


def _fmt(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
