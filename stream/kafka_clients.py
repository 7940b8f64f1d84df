"""Open kafka-python clients (admin, consumer, producer) with bounded, explainable failures.

kafka-python retries a refused SASL login until its bootstrap timeout and then reports only
"Unable to bootstrap", which reads like a network problem. `open_client` watches the client's log
for the authentication failure, so a wrong password ends the command at once with a message that
says so, and an unreachable broker ends it after `timeout_s` instead of hanging.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Callable, Iterator, TypeVar

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


class _SaslPhase(logging.Filter):
    """Sees a connection dropped in the middle of its SASL exchange: the broker refused the login.

    The broker answers a wrong SCRAM proof with an error and then closes the connection; kafka-python
    often sees only the close ("socket disconnected"), so the explicit error cannot be relied on.
    It runs as a filter on kafka.net.connection with that logger lowered to DEBUG, and lets through
    only what the logger's own level would have let through: nothing else changes for handlers.
    """

    def __init__(self, watch: _FailureWatch, passes_level: int):
        super().__init__()
        self.watch, self.passes_level = watch, passes_level
        self.in_sasl: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        conn = id(args[0]) if args else None
        if record.msg == "%s Request %d: %s" and len(args) == 3 and type(args[2]).__name__.startswith("SaslAuth"):
            self.in_sasl.add(conn)
        elif record.msg == "%s: Connected":
            self.in_sasl.discard(conn)
        elif record.msg == "%s: Connection lost: %s" and conn in self.in_sasl and self.watch.failure is None:
            self.watch.failure = ("authentication", f"the broker closed the connection during SASL authentication "
                                                    f"({args[1]})")
        return record.levelno >= self.passes_level


@contextlib.contextmanager
def _watching() -> Iterator[_FailureWatch]:
    """Install the watch on kafka-python's loggers for the duration of one connection attempt."""
    watch = _FailureWatch()
    root, conn_log = logging.getLogger("kafka"), logging.getLogger("kafka.net.connection")
    level = conn_log.level
    phase = _SaslPhase(watch, conn_log.getEffectiveLevel())
    root.addHandler(watch)
    conn_log.addFilter(phase)
    conn_log.setLevel(logging.DEBUG)
    try:
        yield watch
    finally:
        conn_log.setLevel(level)
        conn_log.removeFilter(phase)
        root.removeHandler(watch)


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
    while True:
        with _watching() as watch:
            try:
                remaining = max(1.0, min(attempt_s, deadline - time.monotonic()))
                return factory(bootstrap_servers=settings.broker.split(","), bootstrap_timeout_ms=int(remaining * 1000),
                               **settings.security.kafka_python(), **kwargs)
            except KafkaError as exc:
                error = exc
        if watch.failure:
            kind, message = watch.failure
            raise SystemExit(f"riskstream {command}: Kafka {kind} failed at {settings.broker} "
                             f"({_hint(settings, kind)}): {message}")
        if time.monotonic() >= deadline:
            raise SystemExit(f"riskstream {command}: cannot reach Kafka at {settings.broker} "
                             f"({settings.security.protocol}): {error}")
        time.sleep(1.0)
