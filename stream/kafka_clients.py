"""Open kafka-python clients (admin, consumer, producer) with bounded, explainable failures.

kafka-python retries a refused SASL login until its bootstrap timeout and then reports only
"Unable to bootstrap", which reads like a network problem. `open_client` watches the client's log
for the authentication failure, so a wrong password ends the command at once with a message that
says so, and an unreachable broker ends it after `timeout_s` instead of hanging.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, TypeVar

from kafka.errors import KafkaError

from stream.config import Settings

T = TypeVar("T")
# Failures no retry can fix, recognised in kafka-python's log lines.
_FATAL = {
    "authentication": ("SaslAuthenticationFailed", "AuthenticationFailed", "Authentication failed"),
    "TLS verification": ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"),
}


class _FailureWatch(logging.Handler):
    """Remembers the first fatal failure kafka-python logs while a client connects."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.failure: tuple[str, str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            message = record.getMessage()
            for kind, markers in _FATAL.items():
                if any(m in message for m in markers):
                    self.failure = (kind, message)
                    return


def _hint(settings: Settings, kind: str) -> str:
    sec = settings.security
    if kind == "TLS verification":
        return f"{sec.protocol}, CA {sec.cafile or 'system bundle'}; check --ssl-cafile"
    return (f"{sec.sasl_mechanism or 'SCRAM-SHA-512'} as {sec.sasl_username!r}; "
            "check --sasl-username and RISKSTREAM_SASL_PASSWORD")


def open_client(factory: Callable[..., T], settings: Settings, command: str, timeout_s: float = 60.0,
                attempt_s: float = 5.0, **kwargs) -> T:
    """`factory(bootstrap_servers=..., <security kwargs>, **kwargs)`, retried until `timeout_s`.

    Raises SystemExit with a one-line reason: authentication or TLS verification refused (after
    one attempt) or broker not reachable (after the timeout).
    """
    deadline = time.monotonic() + timeout_s
    kafka_log = logging.getLogger("kafka")
    while True:
        watch = _FailureWatch()
        kafka_log.addHandler(watch)
        try:
            remaining = max(1.0, min(attempt_s, deadline - time.monotonic()))
            return factory(bootstrap_servers=settings.broker.split(","), bootstrap_timeout_ms=int(remaining * 1000),
                           **settings.security.kafka_python(), **kwargs)
        except KafkaError as exc:
            if watch.failure:
                kind, message = watch.failure
                raise SystemExit(f"riskstream {command}: Kafka {kind} failed at {settings.broker} "
                                 f"({_hint(settings, kind)}): {message}") from None
            if time.monotonic() >= deadline:
                raise SystemExit(f"riskstream {command}: cannot reach Kafka at {settings.broker} "
                                 f"({settings.security.protocol}): {exc}") from None
            time.sleep(1.0)
        finally:
            kafka_log.removeHandler(watch)
