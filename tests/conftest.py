"""Real-Kafka fixtures (broker only). No mocks: tests talk to an actual broker.

- `kafka_bootstrap` (session): "host:port" of a PLAINTEXT broker. Uses $RISKSTREAM_KAFKA_BOOTSTRAP
  if set, otherwise starts a fresh local broker (dev/kafka.py) on free ports for the session.
- `kafka_tls_broker` (session, started only if a test asks): a dev.kafka.TlsEndpoint with
  .bootstrap .cafile .username .password .mechanism .log_path and .kafka_python_config().
  External: set RISKSTREAM_KAFKA_TLS_BOOTSTRAP, _TLS_CAFILE, _SASL_USERNAME, _SASL_PASSWORD.
- `unique_topic` / `topic_factory`: topic names no other test (or earlier run) uses.

If a broker cannot be started or reached, the fixture errors the test; it never skips.
Tests using these fixtures get the `kafka` marker automatically (`-m "not kafka"` deselects).
Keep this file to broker fixtures; put other fixtures in their own module (e.g. tests/helpers.py)
and load it with `pytest_plugins = ("helpers",)` here (tests/ is on sys.path: it has no __init__.py).
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KAFKA_FIXTURES = {"kafka_bootstrap", "kafka_tls_broker"}


# The repo root makes `dev.kafka`, `dev.harness`, `tests.fakes` importable even under a bare
# `pytest` (only `python -m pytest` adds the cwd). `dev` is a namespace package (no __init__.py).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import dev.kafka as dev_kafka  # noqa: E402


def pytest_collection_modifyitems(items):
    for item in items:
        if KAFKA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kafka)


def _start_local(tmp_path_factory, name: str, **kwargs):
    broker = dev_kafka.KafkaBroker(dir=tmp_path_factory.mktemp(name), port=0, **kwargs)
    try:
        broker.start()
        return broker
    except dev_kafka.KafkaDevError as exc:
        error = str(exc)
    pytest.fail(f"could not start the local Kafka broker: {error}", pytrace=False)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory):
    external = os.environ.get("RISKSTREAM_KAFKA_BOOTSTRAP")
    if external:
        try:
            dev_kafka.wait_for_broker(external, timeout=30)
            error = None
        except dev_kafka.KafkaDevError as exc:
            error = str(exc)
        if error:
            pytest.fail(f"RISKSTREAM_KAFKA_BOOTSTRAP: {error}", pytrace=False)
        yield external
        return
    broker = _start_local(tmp_path_factory, "kafka")
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_tls_broker(tmp_path_factory):
    external = os.environ.get("RISKSTREAM_KAFKA_TLS_BOOTSTRAP")
    if external:
        names = ("RISKSTREAM_KAFKA_TLS_CAFILE", "RISKSTREAM_KAFKA_SASL_USERNAME", "RISKSTREAM_KAFKA_SASL_PASSWORD")
        missing = [n for n in names if not os.environ.get(n)]
        if missing:
            pytest.fail(f"RISKSTREAM_KAFKA_TLS_BOOTSTRAP is set but {', '.join(missing)} not", pytrace=False)
        yield dev_kafka.TlsEndpoint(external, *(os.environ[n] for n in names))
        return
    broker = _start_local(tmp_path_factory, "kafka-tls", tls=True)
    try:
        yield broker.tls
    finally:
        broker.stop()


def _topic_name(request, prefix: str = "") -> str:
    """Legal Kafka topic name: [a-zA-Z0-9._-], <= 249 chars, unique per call."""
    base = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{prefix or 'test'}.{request.node.name}").strip("-")[:200]
    return f"{base}.{uuid.uuid4().hex[:10]}"


@pytest.fixture
def unique_topic(request) -> str:
    return _topic_name(request)


@pytest.fixture
def topic_factory(request):
    """Call as topic_factory("scores") for each extra topic a test needs."""
    return lambda prefix="": _topic_name(request, prefix)
