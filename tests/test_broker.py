"""The dev broker really works: PLAINTEXT and SASL_SSL/SCRAM round trips with kafka-python.

Why: every other Kafka test trusts these fixtures, so they are checked against the wire here.
"""

from __future__ import annotations

import socket
import ssl
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from dev import kafka as dev_kafka


def round_trip(config: dict, topic: str, count: int = 5) -> None:
    """Produce `count` records with acks=all, read them back from the beginning, compare."""
    values = [f"{i}-{uuid.uuid4().hex}".encode() for i in range(count)]
    producer = KafkaProducer(acks="all", **config)
    try:
        futures = [producer.send(topic, key=b"user-1", value=v) for v in values]
        producer.flush(timeout=30)
        offsets = [f.get(timeout=30).offset for f in futures]
    finally:
        producer.close()
    assert offsets == list(range(count))

    consumer = KafkaConsumer(topic, group_id=f"g-{topic}", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=30_000, **config)
    got = []
    try:
        for record in consumer:
            assert record.key == b"user-1"
            got.append(record.value)
            if len(got) == count:
                break
    finally:
        consumer.close()
    assert got == values


def test_plaintext_round_trip(kafka_bootstrap, unique_topic):
    round_trip({"bootstrap_servers": kafka_bootstrap}, unique_topic)


def test_admin_creates_partitioned_topic(kafka_bootstrap, unique_topic):
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(unique_topic, num_partitions=6, replication_factor=1,
                                      topic_configs={"retention.ms": "2592000000"})])
        assert unique_topic in admin.list_topics()
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        assert consumer.partitions_for_topic(unique_topic) == set(range(6))
    finally:
        consumer.close()


def test_sasl_ssl_scram_round_trip(kafka_tls_broker, unique_topic):
    assert kafka_tls_broker.mechanism == "SCRAM-SHA-512"
    round_trip(kafka_tls_broker.kafka_python_config(), unique_topic)


def test_sasl_ssl_wrong_password_refused(kafka_tls_broker):
    config = dict(kafka_tls_broker.kafka_python_config(), sasl_plain_password="not-the-password")
    if "bootstrap_timeout_ms" in KafkaAdminClient.DEFAULT_CONFIG:  # kafka-python >= 3 retries until this
        config["bootstrap_timeout_ms"] = 3_000
    started = time.monotonic()
    with pytest.raises(KafkaError):
        KafkaAdminClient(**config).list_topics()
    assert time.monotonic() - started < 60
    if kafka_tls_broker.log_path:  # our broker: it must have refused the credentials, not failed otherwise
        log = Path(kafka_tls_broker.log_path).read_text(errors="replace")
        assert "invalid credentials with SASL mechanism SCRAM-SHA-512" in log


def test_tls_certificate_is_verified(kafka_tls_broker):
    host, port = kafka_tls_broker.bootstrap.rsplit(":", 1)
    trusted = ssl.create_default_context(cafile=kafka_tls_broker.cafile)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with trusted.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    untrusted = ssl.create_default_context()  # system CAs only: the self-signed dev CA is not among them
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusted.wrap_socket(raw, server_hostname=host)


def _java_pids_for(config: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"kafka.Kafka" in cmdline and str(config).encode() in cmdline:
                pids.append(int(proc.name))
    return pids


def test_start_stop_leaves_no_process(tmp_path):
    broker = dev_kafka.KafkaBroker(dir=tmp_path / "kafka", port=0)
    with broker:
        assert dev_kafka.probe_metadata(broker.bootstrap) == 1
        assert _java_pids_for(broker.config_path) == [broker.pid]
    assert _java_pids_for(broker.config_path) == []
    assert not broker.is_running()
    assert not (tmp_path / "kafka" / "data").exists()
