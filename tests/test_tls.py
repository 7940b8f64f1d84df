"""Transport security on the real broker's SASL_SSL listener (SCRAM-SHA-512, self-signed CA made by
the test setup): the worker, `alerts` and `replay --topic` connect with the CA and a password from
the environment; a wrong password ends the command with a clear error instead of hanging."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from dev.harness import RISKSTREAM, REPO, WorkerProcess, consume_until, produce_turns, run_cli, spawn
from tests.fakes import turn

pytestmark = pytest.mark.kafka

THREAT = "I will kill you. I am going to shoot you tomorrow morning."


def security_args(tls) -> list[str]:
    return ["--security-protocol", "SASL_SSL", "--ssl-cafile", tls.cafile, "--sasl-mechanism", tls.mechanism,
            "--sasl-username", tls.username]


def client(tls) -> dict:
    """kafka-python settings for the test's own producer/consumer (bootstrap passed separately)."""
    return {k: v for k, v in tls.kafka_python_config().items() if k != "bootstrap_servers"}


@pytest.fixture(scope="module")
def tls_worker(kafka_tls_broker, tmp_path_factory):
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_tls_broker.bootstrap, tmp_path_factory.mktemp("tls-worker"), f"tls{run}.", f"rs-tls-{run}",
                      extra=security_args(kafka_tls_broker),
                      env={"RISKSTREAM_SASL_PASSWORD": kafka_tls_broker.password}).start()
    yield w
    w.stop()


def test_worker_over_sasl_ssl_turns_a_turn_into_a_case(tls_worker, kafka_tls_broker):
    tls = kafka_tls_broker
    produce_turns(tls.bootstrap, tls_worker.prefix + "turns", [turn(1, THREAT, user="mallory")], **client(tls))
    cases = consume_until(tls.bootstrap, tls_worker.prefix + "review-cases", lambda rs: len(rs) >= 1,
                          worker=tls_worker, **client(tls))
    assert cases[0]["user_id"] == "mallory" and cases[0]["trigger_event_id"] == "e1"
    # aiokafka's own log line (kafka-python says "via SASL / ..."): Faust really logged in with SCRAM.
    assert f"Authenticated as {tls.username} via {tls.mechanism}" in tls_worker.log_path.read_text()


def test_alerts_over_sasl_ssl(tls_worker, kafka_tls_broker):
    tls = kafka_tls_broker
    produce_turns(tls.bootstrap, tls_worker.prefix + "turns", [turn(2, THREAT, user="trent")], **client(tls))
    consume_until(tls.bootstrap, tls_worker.prefix + "review-cases", lambda rs: any(r["user_id"] == "trent" for r in rs),
                  worker=tls_worker, **client(tls))
    proc = run_cli("alerts", "--broker", tls.bootstrap, "--topic-prefix", tls_worker.prefix, *security_args(tls),
                   "--group", "tls-alerts", "--from-beginning", "--idle-exit", "1.5",
                   env={"RISKSTREAM_SASL_PASSWORD": tls.password})
    assert proc.returncode == 0, proc.stderr.decode()
    assert "trent" in {orjson.loads(line)["user_id"] for line in proc.stdout.splitlines()}


def test_replay_from_a_topic_over_sasl_ssl(kafka_tls_broker, topic_factory, tmp_path):
    tls = kafka_tls_broker
    no_requests = tmp_path / "privacy-requests.jsonl"
    no_requests.write_text("")
    topic = topic_factory("tls-turns")
    ts = (datetime.now(timezone.utc) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    produce_turns(tls.bootstrap, topic, [turn(1, THREAT, user="victor", ts=ts)], **client(tls))
    proc = run_cli("replay", "--topic", topic, "--from", "1h", "--cases", "-", "--no-progress",
                   "--privacy-requests", str(no_requests),
                   "--broker", tls.bootstrap, *security_args(tls), env={"RISKSTREAM_SASL_PASSWORD": tls.password})
    assert proc.returncode == 0, proc.stderr.decode()
    cases = [orjson.loads(line) for line in proc.stdout.splitlines() if line.startswith(b"{")]
    assert [c["user_id"] for c in cases] == ["victor"]


def test_a_wrong_password_fails_fast_with_an_authentication_error(kafka_tls_broker, tmp_path):
    """Worker and alerts run side by side; each must exit non-zero well before the bound."""
    tls = kafka_tls_broker
    common = ["--broker", tls.bootstrap, "--topic-prefix", f"tlsbad{uuid.uuid4().hex[:6]}.", *security_args(tls)]
    commands = {
        "worker": ["worker", *common, "--app-id", "rs-tls-bad", "--data-dir", str(tmp_path / "data")],
        "alerts": ["alerts", *common, "--idle-exit", "1"],
    }
    env = {**os.environ, "RISKSTREAM_SASL_PASSWORD": "not-the-password"}
    started = time.monotonic()
    procs = {name: spawn(RISKSTREAM + argv, cwd=REPO, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE) for name, argv in commands.items()}
    for name, proc in procs.items():
        try:
            _, err = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"riskstream {name} with a wrong password still running after 45s")
        text = err.decode(errors="replace")
        assert proc.returncode != 0, text
        assert f"riskstream {name}: Kafka authentication failed" in text and "RISKSTREAM_SASL_PASSWORD" in text, text
    assert time.monotonic() - started < 45
