"""Alert sinks. The webhook signs each body (HMAC-SHA256) and retries with capped exponential backoff."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from typing import IO

SIGNATURE_HEADER = "X-Riskstream-Signature"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class DeliveryError(RuntimeError):
    pass


class StreamSink:
    """JSON lines to stdout or a file (flushed per record, so a tail -f sees each alert at once)."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh

    def deliver(self, body: bytes, topic: str) -> None:
        self.fh.write(body + b"\n")
        self.fh.flush()


class WebhookSink:
    def __init__(self, url: str, secret: bytes | None, attempts: int = 6, backoff_s: float = 0.5,
                 max_backoff_s: float = 30.0, timeout_s: float = 10.0, sleep=time.sleep):
        self.url, self.secret = url, secret
        self.attempts, self.backoff_s, self.max_backoff_s, self.timeout_s = attempts, backoff_s, max_backoff_s, timeout_s
        self.sleep = sleep

    def deliver(self, body: bytes, topic: str) -> None:
        """POST until a 2xx; 4xx other than 408/429 is final (retrying cannot fix it)."""
        headers = {"Content-Type": "application/json", "X-Riskstream-Topic": topic}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        delay = self.backoff_s
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    if 200 <= resp.status < 300:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
                if 400 <= exc.code < 500 and exc.code not in (408, 429):
                    raise DeliveryError(f"webhook refused the alert ({last}); not retrying") from exc
            except (urllib.error.URLError, OSError) as exc:
                last = str(getattr(exc, "reason", exc))
            if attempt < self.attempts:
                self.sleep(delay)
                delay = min(self.max_backoff_s, delay * 2)
        raise DeliveryError(f"webhook delivery failed after {self.attempts} attempts: {last}")
