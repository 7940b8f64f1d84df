"""The compose story and its image: structure of docker-compose.yml and the Dockerfile (Docker
itself is not needed), the webhook sink that verifies signatures over real HTTP, and the demo
producer feeding the real broker."""

from __future__ import annotations

import io
import re
import threading
import uuid

import pytest
import yaml
from kafka import KafkaConsumer

from dev.demo_producer import produce_file
from dev.harness import REPO
from dev.webhook_sink import make_server
from stream.alerts.sinks import Undeliverable, WebhookSink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_compose_runs_the_whole_story_with_health_checks():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert "name" not in compose, "older compose versions reject a top-level name"
    services = compose["services"]
    assert {"kafka", "worker", "serve", "alerts", "webhook-sink", "demo-producer"} <= set(services)
    for name in ("kafka", "worker", "serve", "alerts", "webhook-sink"):
        assert "healthcheck" in services[name], name
    assert "/readyz" in " ".join(services["worker"]["healthcheck"]["test"])
    alerts = services["alerts"]["command"]
    assert alerts[alerts.index("--webhook") + 1].startswith("http://webhook-sink:")
    assert "RISKSTREAM_WEBHOOK_SECRET" in services["alerts"]["environment"]
    assert "dev.demo_producer" in services["demo-producer"]["command"]
    assert services["demo-producer"]["depends_on"]["worker"]["condition"] == "service_healthy"


def test_image_is_pinned_and_layered():
    docker = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:\d+\.\d+\.\d+-", docker, re.M), "base image pinned to a patch release"
    lock_at, code_at = docker.index("COPY requirements.lock"), docker.index("COPY stream")
    assert lock_at < docker.index("pip install --no-deps -r requirements.lock") < code_at, "dependencies first"
    assert "COPY . " not in docker
    pinned = {re.split(r"==", line)[0].lower().replace("_", "-")
              for line in (REPO / "requirements.lock").read_text().splitlines()
              if line and not line.startswith("#")}
    assert all("==" in line for line in (REPO / "requirements.lock").read_text().splitlines()
               if line and not line.startswith("#"))
    project = (REPO / "pyproject.toml").read_text()
    deps = re.findall(r'^  "([A-Za-z0-9_.-]+)', project.split("dependencies = [", 1)[1].split("]", 1)[0], re.M)
    assert deps and {d.lower().replace("_", "-") for d in deps} <= pinned


@pytest.fixture
def sink():
    out = io.StringIO()
    server = make_server("127.0.0.1", 0, SECRET, out)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", out
    server.shutdown()
    server.server_close()


def test_webhook_sink_accepts_signed_alerts_once_and_rejects_others(sink):
    url, out = sink
    WebhookSink(url, SECRET).deliver(b'{"case_id":"c1"}', "t", "msg_a")
    WebhookSink(url, SECRET).deliver(b'{"case_id":"c1"}', "t", "msg_a")  # a re-delivery: same webhook-id
    assert out.getvalue() == '{"case_id":"c1"}\n'
    with pytest.raises(Undeliverable, match="http_401"):
        WebhookSink(url, "whsec_" + "A" * 32).deliver(b'{"case_id":"c2"}', "t", "msg_b")


def test_demo_producer_feeds_the_turns_topic(kafka_bootstrap):
    topic = f"demo{uuid.uuid4().hex[:8]}.turns"
    demo = REPO / "examples" / "demo_turns.jsonl"
    sent = produce_file(kafka_bootstrap, topic, demo)
    lines = [x for x in demo.read_bytes().splitlines() if x.strip()]
    consumer = KafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=3000)
    got = [m.value for m in consumer]
    consumer.close()
    assert sent == len(lines) and sorted(got) == sorted(x.strip() for x in lines)
