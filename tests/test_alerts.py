"""`riskstream alerts` on the real broker: stdout/file output, filters, Standard Webhooks signing
that lets receivers reject replays, retries honouring Retry-After, bounded concurrency, parking of
undeliverable alerts on alerts-dead-letter (and re-driving them), at-least-once offsets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from kafka import KafkaConsumer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dev.harness import REPO, http_get, produce, run_cli, spawn
from stream.alerts.filters import AlertFilter
from stream.alerts.sinks import Undeliverable, WebhookSink, message_id, retry_after_s
from stream.ops import metrics
from stream.schemas import first_error

SECRET = "s3cret-for-tests"
CASES = [
    {"case_id": "c-urgent", "priority": 1, "categories": ["violence", "harassment/threatening"]},
    {"case_id": "c-low", "priority": 3, "categories": ["harassment"]},
    {"case_id": "c-graphic", "priority": 2, "categories": ["violence/graphic"]},
    {"case_id": "c-support", "priority": 2, "categories": ["self-harm/intent"]},
]


# --- pure: filters, Retry-After ----------------------------------------------------------------

def test_filter_by_priority_and_category_with_parent_matching():
    by_id = {c["case_id"]: c for c in CASES}
    urgent = AlertFilter.build(1, [])
    assert [c for c in by_id if urgent.accepts(by_id[c])] == ["c-urgent"]
    violence = AlertFilter.build(None, ["violence"])
    assert [c for c in by_id if violence.accepts(by_id[c])] == ["c-urgent", "c-graphic"]
    both = AlertFilter.build(2, ["violence", "self-harm"])
    assert [c for c in by_id if both.accepts(by_id[c])] == ["c-urgent", "c-graphic", "c-support"]
    assert AlertFilter().accepts(by_id["c-low"])
    action = {"action_id": "a1", "action": "ban"}  # enforcement actions carry no priority/categories
    assert both.accepts(action)


def test_filter_by_case_confidence_passes_records_without_one():
    sure = AlertFilter.build(None, [], 0.6)
    assert sure.accepts({"case_id": "a", "confidence": 0.6}) and not sure.accepts({"case_id": "b", "confidence": 0.59})
    assert sure.accepts({"case_id": "c"}) and sure.accepts({"action_id": "a1", "action": "ban"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        AlertFilter.build(None, [], 1.2)


def test_min_confidence_reads_a_number_or_the_models_cut_for_a_share_of_benign_people(tmp_path):
    """`--min-confidence 5%` is the case confidence model's cut for that share (as a policy's named floor),
    so a subscriber's filter follows the model when it is retrained."""
    from stream.cli.alerts import min_confidence
    from stream.core.confidence import FILE_NAME, CaseConfidence

    assert min_confidence(None) is None and min_confidence("0.6") == 0.6
    (tmp_path / FILE_NAME).write_text(json.dumps(CaseConfidence(("evidence",), (1.0,), -1.0, {"0.05": 0.68}).to_dict()))
    assert min_confidence("5%", str(tmp_path)) == 0.68
    with pytest.raises(ValueError, match="no cut for that share.*it has: 5%"):
        min_confidence("2%", str(tmp_path))
    with pytest.raises(ValueError, match="like 5%, got 'high'"):
        min_confidence("high", str(tmp_path))
    with pytest.raises(ValueError, match="like 5%, got '2.5%'"):
        min_confidence("2.5%", str(tmp_path))
    with pytest.raises(ValueError, match="has none"):
        min_confidence("5%", str(tmp_path / "empty"))
    committed = CaseConfidence.load(REPO / "models")
    assert min_confidence("10%") == committed.cuts["0.10"]


def test_filter_rejects_unknown_categories_and_priorities():
    with pytest.raises(ValueError, match="unknown category violent"):
        AlertFilter.build(None, ["violent"])
    with pytest.raises(ValueError, match="1..4"):
        AlertFilter.build(0, [])


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_s("7", 1000.0) == 7.0
    assert retry_after_s("Thu, 01 Jan 1970 00:16:50 GMT", 1000.0) == 10.0
    assert retry_after_s("soon", 0.0) is None and retry_after_s(None, 0.0) is None


# --- a webhook receiver on 127.0.0.1 -----------------------------------------------------------

class Receiver:
    """HTTP server thread answering POSTs with the next entry of `plan` (then the last, forever).
    An entry is a status or (status, headers); `delay` slows every answer (to observe concurrency)."""

    def __init__(self, plan: list, delay: float = 0.0, refuse: set[str] = frozenset()):
        self.plan, self.hits, self.delay, self.refuse = list(plan), [], delay, refuse
        self.inflight = self.max_inflight = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.inflight += 1
                    receiver.max_inflight = max(receiver.max_inflight, receiver.inflight)
                    entry = receiver.plan.pop(0) if len(receiver.plan) > 1 else receiver.plan[0]
                time.sleep(receiver.delay)
                status, extra = entry if isinstance(entry, tuple) else (entry, {})
                if any(r.encode() in body for r in receiver.refuse):
                    status, extra = 400, {}
                with lock:
                    receiver.inflight -= 1
                    receiver.hits.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict]:
        return [orjson.loads(body) for status, _, body in self.hits if 200 <= status < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made: list[Receiver] = []

    def make(plan, **kw):
        made.append(Receiver(plan, **kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_signatures_verify_with_standard_webhooks_and_replays_are_rejected(receiver_factory):
    hook = receiver_factory([200])
    body = b'{"case_id":"x"}'
    WebhookSink(hook.url, SECRET).deliver(body, "t", message_id("t", body))
    (_, headers, got), = hook.hits
    receiver = Webhook(SECRET.encode())
    assert receiver.verify(got, headers) == {"case_id": "x"}
    assert headers["webhook-id"] == message_id("t", body), "stable id: the receiver's idempotency key"
    with pytest.raises(WebhookVerificationError):
        receiver.verify(got.replace(b"x", b"y"), headers)  # body tampered
    with pytest.raises(WebhookVerificationError):  # timestamp moved: the signature covers it
        receiver.verify(got, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)})
    stale = receiver_factory([200])  # a request captured ten minutes ago and sent again
    WebhookSink(stale.url, SECRET, clock=lambda: time.time() - 600).deliver(body, "t", "msg_1")
    (_, old_headers, old_body), = stale.hits
    with pytest.raises(WebhookVerificationError, match="too old"):
        receiver.verify(old_body, old_headers)
    whsec = receiver_factory([200])  # spec-form secrets work as receivers' libraries expect them
    WebhookSink(whsec.url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").deliver(body, "t", "msg_2")
    assert Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(whsec.hits[0][2], whsec.hits[0][1])


def test_webhook_sink_backs_off_with_jitter_honours_retry_after_and_gives_up_on_a_final_4xx(receiver_factory):
    slept: list[float] = []
    failures = metrics.ALERT_FAILURES.labels("http_503")
    before = failures._value.get()
    flaky = receiver_factory([503, 503, (429, {"Retry-After": "3"}), 200])
    sink = WebhookSink(flaky.url, SECRET, attempts=5, backoff_s=0.1, sleep=slept.append, rand=lambda: 1.0)
    assert sink.deliver(b"{}", "t", "m") == 4
    assert slept == pytest.approx([0.1, 0.2, 3.1]), "equal jitter at its top, then Retry-After (+ jitter)"
    assert failures._value.get() - before == 2, "failed attempts are counted by reason"
    low = WebhookSink(flaky.url, SECRET, backoff_s=0.1, rand=lambda: 0.0)
    assert [low.backoff(n) for n in (1, 2, 3)] == pytest.approx([0.05, 0.1, 0.2])
    refusing = receiver_factory([422])
    with pytest.raises(Undeliverable, match="http_422") as info:
        WebhookSink(refusing.url, SECRET, attempts=5, sleep=slept.append).deliver(b"{}", "t", "m")
    assert len(refusing.hits) == 1 and info.value.attempts == 1, "a final 4xx is not retried"
    patient = receiver_factory([(503, {"Retry-After": "3600"})])
    with pytest.raises(Undeliverable, match="retry_after_too_long"):
        WebhookSink(patient.url, SECRET, max_retry_after_s=60, sleep=slept.append).deliver(b"{}", "t", "m")
    down = receiver_factory([500])
    with pytest.raises(Undeliverable, match="attempts_exhausted"):
        WebhookSink(down.url, SECRET, attempts=3, sleep=slept.append).deliver(b"{}", "t", "m")
    assert len(down.hits) == 3


# --- the subscriber on the broker ---------------------------------------------------------------

@pytest.fixture
def cases_topic(kafka_bootstrap):
    """A fresh prefix whose review-cases topic holds CASES (one partition key: order is kept)."""
    prefix = f"alerts{uuid.uuid4().hex[:8]}."
    produce(kafka_bootstrap, prefix + "review-cases", [("u1", orjson.dumps(c)) for c in CASES])
    return prefix


def alerts(bootstrap: str, prefix: str, group: str, *extra: str, env: dict | None = None):
    proc = run_cli("alerts", "--broker", bootstrap, "--topic-prefix", prefix, "--group", group, "--from-beginning",
                   "--idle-exit", "1.5", *extra, env=env)
    return proc, proc.stderr.decode(errors="replace")


def test_stdout_output_then_the_committed_group_delivers_nothing_twice(kafka_bootstrap, cases_topic):
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-stdout")
    assert proc.returncode == 0, err
    lines = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert [r["case_id"] for r in lines] == [c["case_id"] for c in CASES]
    again, err = alerts(kafka_bootstrap, cases_topic, "g-stdout")
    assert again.returncode == 0 and again.stdout == b"", err


def test_file_output_with_filters_appends(kafka_bootstrap, cases_topic, tmp_path):
    out = tmp_path / "alerts.jsonl"
    out.write_text('{"case_id":"from-an-earlier-run"}\n')
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-file", "--output", str(out), "--max-priority", "2",
                       "--category", "violence")
    assert proc.returncode == 0, err
    assert [orjson.loads(line)["case_id"] for line in out.read_text().splitlines()] == [
        "from-an-earlier-run", "c-urgent", "c-graphic"]
    assert "delivered 2 record(s), parked 0, filtered out 2" in err


def _parked(bootstrap: str, prefix: str, n: int) -> list[dict]:
    consumer = KafkaConsumer(prefix + "alerts-dead-letter", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             group_id=None, consumer_timeout_ms=3000)
    try:
        return [orjson.loads(m.value) for m in consumer][:n]
    finally:
        consumer.close()


def test_webhook_is_signed_and_retried_until_accepted(kafka_bootstrap, cases_topic, receiver_factory):
    hook = receiver_factory([500, (503, {"Retry-After": "0"}), 200])
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-hook", "--webhook", hook.url, "--backoff", "0.05",
                       "--category", "self-harm", "--metrics-port", "0", env={"RISKSTREAM_WEBHOOK_SECRET": SECRET})
    assert proc.returncode == 0, err
    assert [s for s, _, _ in hook.hits] == [500, 503, 200], "two failures, then delivered"
    assert [r["case_id"] for r in hook.delivered()] == ["c-support"], "delivered once"
    ids = {headers["webhook-id"] for _, headers, _ in hook.hits}
    assert len(ids) == 1, "every attempt carries the same webhook-id"
    for _, headers, body in hook.hits:
        assert Webhook(SECRET.encode()).verify(body, headers)["case_id"] == "c-support"
        assert headers["x-riskstream-topic"] == cases_topic + "review-cases"


def test_undeliverable_alerts_are_parked_and_delivery_goes_on(kafka_bootstrap, cases_topic, receiver_factory):
    env = {"RISKSTREAM_WEBHOOK_SECRET": SECRET}
    picky = receiver_factory([200], refuse={"c-urgent"})  # a permanent 4xx for one alert only
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-park", "--webhook", picky.url, "--backoff", "0.05", env=env)
    assert proc.returncode == 0, err
    assert "delivered 3 record(s), parked 1" in err
    assert sorted(r["case_id"] for r in picky.delivered()) == ["c-graphic", "c-low", "c-support"]
    (parked,) = _parked(kafka_bootstrap, cases_topic, 5)
    assert first_error("alert-dead-letter", parked) is None
    assert parked["reason"] == "http_400" and parked["record"]["case_id"] == "c-urgent" and parked["attempts"] == 1
    assert parked["source"]["topic"] == cases_topic + "review-cases" and parked["destination"] == picky.url
    again, err = alerts(kafka_bootstrap, cases_topic, "g-park", "--webhook", picky.url, env=env)
    assert again.returncode == 0 and len(picky.hits) == 4, "parked and delivered alerts are committed"

    fixed = receiver_factory([200])  # the receiver is fixed: re-drive the parked alert as it first was
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-redrive", "--webhook", fixed.url, "--topics",
                       "alerts-dead-letter", env=env)
    assert proc.returncode == 0, err
    (_, headers, body), = fixed.hits
    assert orjson.loads(body)["case_id"] == "c-urgent" and headers["webhook-id"] == parked["webhook_id"]
    assert headers["x-riskstream-topic"] == cases_topic + "review-cases"


def test_an_outage_parks_after_the_attempts_and_the_subscriber_survives(kafka_bootstrap, cases_topic,
                                                                         receiver_factory):
    down = receiver_factory([503], delay=0.2)
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-down", "--webhook", down.url, "--attempts", "2",
                       "--backoff", "0.05", "--concurrency", "4", env={"RISKSTREAM_WEBHOOK_SECRET": SECRET})
    assert proc.returncode == 0, err
    assert "delivered 0 record(s), parked 4" in err and len(down.hits) == 8
    assert down.max_inflight > 1, "deliveries run concurrently (bounded by --concurrency)"
    parked = _parked(kafka_bootstrap, cases_topic, 10)
    assert sorted(p["record"]["case_id"] for p in parked) == sorted(c["case_id"] for c in CASES)
    assert {p["reason"] for p in parked} == {"attempts_exhausted"} and {p["attempts"] for p in parked} == {2}


def test_a_running_subscriber_is_ready_and_counts_delivered_and_parked_alerts(kafka_bootstrap, cases_topic,
                                                                               receiver_factory, tmp_path):
    hook = receiver_factory([200], refuse={"c-low"})
    log_path = tmp_path / "alerts.log"
    cmd = [sys.executable, "-m", "stream", "alerts", "--broker", kafka_bootstrap, "--topic-prefix", cases_topic,
           "--group", "g-ops", "--from-beginning", "--webhook", hook.url, "--metrics-port", "0", "--log-format", "json"]
    with open(log_path, "wb") as log:
        proc = spawn(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                     env={**os.environ, "RISKSTREAM_WEBHOOK_SECRET": SECRET})
    try:
        deadline = time.monotonic() + 60
        ops = None
        while time.monotonic() < deadline and ops is None:
            lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
            ops = next((re.search(r":(\d+) ", x["message"]).group(1) for x in lines if x["logger"] == "riskstream.ops"),
                       None)
            time.sleep(0.2)
        assert ops, log_path.read_text()
        ops = f"http://127.0.0.1:{ops}"
        assert http_get(ops + "/healthz")[0] == 200
        text = ""
        while time.monotonic() < deadline:
            text = http_get(ops + "/metrics")[1].decode()
            if re.search(r'^riskstream_alerts_parked_total\{reason="http_400"\} 1\.0$', text, re.M) and \
                    re.search(r"^riskstream_alerts_delivered_total\{[^}]*\} 3\.0$", text, re.M):
                break
            time.sleep(0.3)
        else:
            raise AssertionError(f"{text}\n{log_path.read_text()}")
        code, body = http_get(ops + "/readyz")
        assert code == 200 and orjson.loads(body)["assigned"] >= 1
        assert 'riskstream_alert_attempts_failed_total{reason="http_400"} 1.0' in text
        logged = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
        assert any(x.get("event") == "parked" for x in logged)
        start = next(x for x in logged if x.get("event") == "startup")
        assert start["command"] == "alerts" and start["destination"] == hook.url and start["concurrency"] == 4
    finally:
        proc.terminate()
        proc.wait(15)
