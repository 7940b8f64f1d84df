"""Alert sinks. The webhook follows Standard Webhooks (webhook-id / -timestamp / -signature, the
`standardwebhooks` package), so a receiver can verify a body and reject a replayed request; it
retries with jittered exponential backoff and honours Retry-After.

A delivery either succeeds or raises `Undeliverable` with a short reason: the subscriber parks
that alert and goes on, so one bad record or a long outage never blocks the alerts behind it.
"""

from __future__ import annotations

import email.utils
import hashlib
import random
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import IO

from standardwebhooks.webhooks import Webhook

from stream.ops import metrics

RETRYABLE_4XX = {408, 409, 425, 429}  # timeouts, conflicts, too early, rate limited: retrying can help


class Undeliverable(RuntimeError):
    """The alert cannot be delivered: `reason` is a short label (metrics, the parked record)."""

    def __init__(self, reason: str, detail: str, attempts: int):
        super().__init__(f"{reason}: {detail} (after {attempts} attempt(s))")
        self.reason, self.detail, self.attempts = reason, detail, attempts


def message_id(topic: str, body: bytes) -> str:
    """Stable per record: a re-delivered alert keeps its webhook-id, so receivers can de-duplicate."""
    return "msg_" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()[:32]


def webhook_signer(secret: str) -> Webhook:
    """A Standard Webhooks signer; `whsec_<base64>` secrets as the spec writes them, else raw bytes."""
    return Webhook(secret if secret.startswith("whsec_") else secret.encode())


def retry_after_s(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class StreamSink:
    """JSON lines to stdout or a file (flushed per record, so a tail -f sees each alert at once)."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh

    def deliver(self, body: bytes, topic: str, msg_id: str) -> int:
        self.fh.write(body + b"\n")
        self.fh.flush()
        return 1


class WebhookSink:
    def __init__(self, url: str, secret: str, attempts: int = 8, backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 max_retry_after_s: float = 300.0, timeout_s: float = 10.0, sleep=time.sleep, rand=random.random,
                 clock=time.time):
        self.url, self.signer = url, webhook_signer(secret)
        self.attempts, self.backoff_s, self.max_backoff_s = attempts, backoff_s, max_backoff_s
        self.max_retry_after_s, self.timeout_s = max_retry_after_s, timeout_s
        self.sleep, self.rand, self.clock = sleep, rand, clock

    def headers(self, body: bytes, topic: str, msg_id: str) -> dict:
        """Signed afresh per attempt: the timestamp is the attempt's, so old captures expire."""
        now = self.clock()
        signature = self.signer.sign(msg_id, datetime.fromtimestamp(now, tz=timezone.utc), body.decode("utf-8"))
        return {"Content-Type": "application/json", "X-Riskstream-Topic": topic, "webhook-id": msg_id,
                "webhook-timestamp": str(int(now)), "webhook-signature": signature}

    def backoff(self, attempt: int) -> float:
        """Equal jitter: half the capped exponential delay, plus up to as much again at random."""
        cap = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return cap / 2 + self.rand() * cap / 2

    def _attempt(self, body: bytes, topic: str, msg_id: str) -> tuple[int | None, str, float | None]:
        """(HTTP status or None, error text, Retry-After seconds)."""
        req = urllib.request.Request(self.url, data=body, headers=self.headers(body, topic, msg_id), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return resp.status, "", None
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}", retry_after_s(exc.headers.get("Retry-After"), self.clock())
        except (urllib.error.URLError, OSError) as exc:
            return None, str(getattr(exc, "reason", exc)), None

    def deliver(self, body: bytes, topic: str, msg_id: str) -> int:
        """POST until a 2xx; returns the attempts used. Raises Undeliverable on a final 4xx or when
        the attempts are spent."""
        for attempt in range(1, self.attempts + 1):
            status, error, wait = self._attempt(body, topic, msg_id)
            if status is not None and 200 <= status < 300:
                return attempt
            metrics.ALERT_FAILURES.labels(f"http_{status}" if status else "network").inc()
            if status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
                raise Undeliverable(f"http_{status}", f"the receiver refused the alert ({error})", attempt)
            if attempt == self.attempts:
                raise Undeliverable("attempts_exhausted", error or f"HTTP {status}", attempt)
            if wait is not None and wait > self.max_retry_after_s:
                raise Undeliverable("retry_after_too_long", f"{error}, Retry-After {wait:.0f}s "
                                    f"> {self.max_retry_after_s:.0f}s", attempt)
            # never earlier than Retry-After; a little jitter so many subscribers do not return together
            self.sleep(wait + self.rand() * self.backoff_s if wait is not None else self.backoff(attempt))
        raise AssertionError("unreachable")
