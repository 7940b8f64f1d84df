"""Deployment settings for the Kafka-facing commands (worker, alerts, topic replay).

Read from `RISKSTREAM_*` environment variables, overridable by command-line flags. Transport
security (TLS, SASL/SCRAM) is expressed once here and translated for Faust/aiokafka and kafka-python.
"""

from __future__ import annotations

import argparse
import os
import ssl
from dataclasses import dataclass, field, fields, replace

from stream.core.events import DEFAULT_LIMITS, Limits
from stream.core.typecheck import type_errors

# Logical topic name -> the schema its payloads follow.
TOPICS: dict[str, str] = {
    "turns": "turn",
    "turns-by-person": "person-turn",  # internal: turns re-keyed by person id after account linking
    "turn-scores": "turn-score",
    "review-cases": "review-case",
    "dead-letter": "dead-letter",
    "review-decisions": "review-decision",
    "enforcement-actions": "enforcement-action",
    "privacy-requests": "privacy-request",
    "appeals": "appeal",
    "support-events": "support-event",
    "audit": "audit-record",
    "alerts-dead-letter": "alert-dead-letter",  # alerts `riskstream alerts` could not deliver
}

MAX_RETENTION_DAYS = 30.0


@dataclass(frozen=True)
class Security:
    protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
    sasl_username: str | None = None
    sasl_password: str | None = None

    def ssl_context(self) -> ssl.SSLContext | None:
        if "SSL" not in self.protocol:
            return None
        ctx = ssl.create_default_context(cafile=self.cafile)
        if self.certfile:
            ctx.load_cert_chain(self.certfile, self.keyfile)
        return ctx

    def kafka_python(self) -> dict:
        """Keyword arguments for kafka-python clients."""
        kw: dict = {"security_protocol": self.protocol}
        if "SSL" in self.protocol:
            kw["ssl_context"] = self.ssl_context()
        if self.protocol.startswith("SASL"):
            kw.update(sasl_mechanism=self.sasl_mechanism or "SCRAM-SHA-512",
                      sasl_plain_username=self.sasl_username, sasl_plain_password=self.sasl_password)
        return kw

    def faust_credentials(self):
        """`broker_credentials` for faust.App (None for PLAINTEXT)."""
        import faust

        if self.protocol == "PLAINTEXT":
            return None
        if self.protocol == "SSL":
            return faust.SSLCredentials(self.ssl_context())
        return faust.SASLCredentials(username=self.sasl_username, password=self.sasl_password,
                                     ssl_context=self.ssl_context(),
                                     mechanism=self.sasl_mechanism or "SCRAM-SHA-512")


@dataclass(frozen=True)
class Settings:
    broker: str = "127.0.0.1:9092"  # comma-separated host:port list
    app_id: str = "riskstream"  # Faust app id = consumer group of the workers
    topic_prefix: str = "riskstream."
    partitions: int = 6
    replication: int | None = None  # None: 3, or the broker count when the cluster has fewer (topics.py)
    retention_days: float = MAX_RETENTION_DAYS
    store: str = "rocksdb"  # rocksdb (production) | memory
    data_dir: str = ".riskstream-data"
    batch_size: int = 64  # turns scored per batch (stream.take)
    batch_within_s: float = 0.002  # max wait to fill a batch (a backlog fills one at once; at low rates it is latency)
    purge_interval_s: float = 300.0  # how often windows idle beyond retention are purged
    rekey_retention_hours: float = 6.0  # turns-by-person holds raw text this long at most (must exceed worker lag)
    compaction_lag_hours: float = 24.0  # a compacted changelog's tombstone removes the old value within this
    session_timeout_s: float = 6.0  # a killed worker's partitions move to the others within about this
    rekey_every_turn: bool = False  # every turn crosses turns-by-person, as before one hop (a comparison: bench_worker)
    max_record_bytes: int = DEFAULT_LIMITS.max_record_bytes
    max_depth: int = DEFAULT_LIMITS.max_depth
    max_text_chars: int = DEFAULT_LIMITS.max_text_chars
    max_future_skew_s: float = DEFAULT_LIMITS.max_future_skew_s
    security: Security = field(default_factory=Security)

    def __post_init__(self) -> None:
        problems = type_errors(Settings, {f.name: getattr(self, f.name) for f in fields(self)})
        if problems:
            raise ValueError("; ".join(problems))
        for name in ("partitions", "replication", "batch_size", "batch_within_s", "purge_interval_s",
                     "rekey_retention_hours", "compaction_lag_hours", "session_timeout_s"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.rekey_retention_hours > self.retention_days * 24 or self.compaction_lag_hours > 24:
            raise ValueError("rekey_retention_hours must be within retention_days and compaction_lag_hours <= 24")
        self.limits  # validates the edge limits
        if not 0 < self.retention_days <= MAX_RETENTION_DAYS:
            raise ValueError(f"retention_days must be in (0, {MAX_RETENTION_DAYS:g}], got {self.retention_days}")
        if self.store not in ("rocksdb", "memory"):
            raise ValueError(f"store must be 'rocksdb' or 'memory', got {self.store!r}")

    def topic(self, logical: str) -> str:
        if logical not in TOPICS:
            raise KeyError(f"unknown topic {logical!r}")
        return self.topic_prefix + logical

    @property
    def retention_ms(self) -> int:
        return int(self.retention_days * 86400 * 1000)

    def topic_config(self, logical: str) -> dict[str, str]:
        """Kafka configs of a topic the worker creates (a logical topic, or "leader" for Faust's
        assignor topic): time-bounded, turns-by-person (raw text, re-keyed) for hours only."""
        hours = self.rekey_retention_hours if logical == "turns-by-person" else self.retention_days * 24
        return {"cleanup.policy": "delete", "retention.ms": str(int(hours * 3600 * 1000))}

    def changelog_config(self) -> dict[str, str]:
        """Kafka configs of a table's changelog: compacted (the latest state per key) but also
        deleted by time, and compacted within `compaction_lag_hours` of a tombstone, so that a
        deleted or purged window's text is really gone from the topic."""
        lag = str(int(self.compaction_lag_hours * 3600 * 1000))
        return {"cleanup.policy": "compact,delete", "retention.ms": str(self.retention_ms),
                "max.compaction.lag.ms": lag, "segment.ms": lag}

    @property
    def limits(self) -> Limits:
        return Limits(self.max_record_bytes, self.max_depth, self.max_text_chars, self.max_future_skew_s)


_ENV = {  # Settings field -> environment variable
    "broker": "RISKSTREAM_BROKER", "app_id": "RISKSTREAM_APP_ID", "topic_prefix": "RISKSTREAM_TOPIC_PREFIX",
    "partitions": "RISKSTREAM_PARTITIONS", "replication": "RISKSTREAM_REPLICATION",
    "retention_days": "RISKSTREAM_RETENTION_DAYS", "store": "RISKSTREAM_STORE", "data_dir": "RISKSTREAM_DATA_DIR",
    "batch_size": "RISKSTREAM_BATCH_SIZE", "batch_within_s": "RISKSTREAM_BATCH_WITHIN",
    "purge_interval_s": "RISKSTREAM_PURGE_INTERVAL", "rekey_retention_hours": "RISKSTREAM_REKEY_RETENTION_HOURS",
    "compaction_lag_hours": "RISKSTREAM_COMPACTION_LAG_HOURS", "session_timeout_s": "RISKSTREAM_SESSION_TIMEOUT",
    "rekey_every_turn": "RISKSTREAM_REKEY_EVERY_TURN",
    "max_record_bytes": "RISKSTREAM_MAX_RECORD_BYTES", "max_depth": "RISKSTREAM_MAX_DEPTH",
    "max_text_chars": "RISKSTREAM_MAX_TEXT_CHARS", "max_future_skew_s": "RISKSTREAM_MAX_FUTURE_SKEW",
}
_SEC_ENV = {
    "protocol": "RISKSTREAM_SECURITY_PROTOCOL", "cafile": "RISKSTREAM_SSL_CAFILE",
    "certfile": "RISKSTREAM_SSL_CERTFILE", "keyfile": "RISKSTREAM_SSL_KEYFILE",
    "sasl_mechanism": "RISKSTREAM_SASL_MECHANISM", "sasl_username": "RISKSTREAM_SASL_USERNAME",
    "sasl_password": "RISKSTREAM_SASL_PASSWORD",
}


def add_kafka_args(parser: argparse.ArgumentParser) -> None:
    """Flags for every Kafka-facing command; each defaults to its environment variable."""
    g = parser.add_argument_group("kafka")
    g.add_argument("--broker", help=f"bootstrap servers (env {_ENV['broker']}, default 127.0.0.1:9092)")
    g.add_argument("--topic-prefix", help=f"prefix of every topic name (env {_ENV['topic_prefix']}, default riskstream.)")
    g.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
                   help=f"env {_SEC_ENV['protocol']}")
    g.add_argument("--ssl-cafile", help=f"CA bundle to verify the broker (env {_SEC_ENV['cafile']})")
    g.add_argument("--ssl-certfile", help="client certificate for mutual TLS")
    g.add_argument("--ssl-keyfile", help="client key for mutual TLS")
    g.add_argument("--sasl-mechanism", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    g.add_argument("--sasl-username")
    g.add_argument("--sasl-password", help=f"prefer env {_SEC_ENV['sasl_password']} over the flag")


_BOOL = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def settings_from(args: argparse.Namespace | None = None, **overrides) -> Settings:
    """Defaults < environment < command-line flags < explicit overrides."""
    values: dict = {}
    sec: dict = {}
    types = {f.name: f.type for f in fields(Settings)}
    for name, env in _ENV.items():
        if env in os.environ:
            values[name] = os.environ[env]
    for name, env in _SEC_ENV.items():
        if env in os.environ:
            sec[name] = os.environ[env]
    if args is not None:
        for name in list(_ENV):
            v = getattr(args, name, None)
            if v is not None:
                values[name] = v
        for name in _SEC_ENV:
            v = getattr(args, "security_protocol" if name == "protocol" else (name if name.startswith("sasl") else f"ssl_{name}"), None)
            if v is not None:
                sec[name] = v
    for name, v in list(values.items()):
        kind = types[name]
        try:
            if kind in ("int", int, "int | None"):
                values[name] = int(v)
            elif kind in ("float", float):
                values[name] = float(v)
            elif kind in ("bool", bool) and not isinstance(v, bool):
                values[name] = _BOOL[str(v).strip().lower()]
        except (ValueError, KeyError):
            source = _ENV[name] if os.environ.get(_ENV[name]) == v else f"--{name.replace('_', '-')}"
            wanted = "an integer" if "int" in str(kind) else "1 or 0" if "bool" in str(kind) else "a number"
            raise ValueError(f"{source} must be {wanted}, got {v!r}") from None
    settings = Settings(**values, security=Security(**sec))
    return replace(settings, **overrides) if overrides else settings
