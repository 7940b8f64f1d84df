"""`riskstream alerts` on the real broker: stdout/file output, filters, signed webhook delivery with
retries, and at-least-once offsets (a refused delivery is re-delivered by the next run)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from dev.harness import produce, run_cli
from stream.alerts.filters import AlertFilter
from stream.alerts.sinks import SIGNATURE_HEADER, DeliveryError, WebhookSink, sign

SECRET = "s3cret-for-tests"
CASES = [
    {"case_id": "c-urgent", "priority": 1, "categories": ["violence", "harassment/threatening"]},
    {"case_id": "c-low", "priority": 3, "categories": ["harassment"]},
    {"case_id": "c-graphic", "priority": 2, "categories": ["violence/graphic"]},
    {"case_id": "c-support", "priority": 2, "categories": ["self-harm/intent"]},
]


# --- pure: signing and filters ---------------------------------------------------------------

def test_signature_is_hmac_sha256_of_the_exact_body():
    body = b'{"case_id":"x"}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sign(b"k", body) == "sha256=" + expected
    assert sign(b"k", body + b" ") != sign(b"k", body)
    assert sign(b"other", body) != sign(b"k", body)


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


def test_filter_rejects_unknown_categories_and_priorities():
    with pytest.raises(ValueError, match="unknown category violent"):
        AlertFilter.build(None, ["violent"])
    with pytest.raises(ValueError, match="1..4"):
        AlertFilter.build(0, [])


# --- a webhook receiver on 127.0.0.1 -----------------------------------------------------------

class Receiver:
    """HTTP server thread answering POSTs with the next status of `plan` (then the last, forever)."""

    def __init__(self, plan: list[int]):
        self.plan, self.hits = list(plan), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.plan.pop(0) if len(receiver.plan) > 1 else receiver.plan[0]
                receiver.hits.append((status, dict(self.headers), body))
                self.send_response(status)
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

    def make(plan):
        made.append(Receiver(plan))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_webhook_sink_backs_off_exponentially_and_gives_up_on_a_final_4xx(receiver_factory):
    slept: list[float] = []
    flaky = receiver_factory([503, 503, 503, 200])
    WebhookSink(flaky.url, b"k", attempts=4, backoff_s=0.1, sleep=slept.append).deliver(b"{}", "t")
    assert slept == [0.1, 0.2, 0.4] and len(flaky.delivered()) == 1
    refusing = receiver_factory([422])
    with pytest.raises(DeliveryError, match="HTTP 422"):
        WebhookSink(refusing.url, b"k", attempts=5, sleep=slept.append).deliver(b"{}", "t")
    assert len(refusing.hits) == 1, "a final 4xx is not retried"


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
    assert "delivered 2 record(s), filtered out 2" in err


def test_webhook_is_signed_and_retried_until_accepted(kafka_bootstrap, cases_topic, receiver_factory):
    hook = receiver_factory([500, 500, 200])
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-hook", "--webhook", hook.url, "--backoff", "0.05",
                       "--category", "self-harm", env={"RISKSTREAM_WEBHOOK_SECRET": SECRET})
    assert proc.returncode == 0, err
    assert [s for s, _, _ in hook.hits] == [500, 500, 200], "two failures, then delivered"
    assert [r["case_id"] for r in hook.delivered()] == ["c-support"], "delivered once"
    for _, headers, body in hook.hits:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
        assert headers["X-Riskstream-Topic"] == cases_topic + "review-cases"


def test_refused_delivery_exits_non_zero_and_the_next_run_redelivers(kafka_bootstrap, cases_topic, receiver_factory):
    env = {"RISKSTREAM_WEBHOOK_SECRET": SECRET}
    only_support = ("--category", "self-harm")
    refusing = receiver_factory([400])
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-redeliver", "--webhook", refusing.url, *only_support, env=env)
    assert proc.returncode == 1 and "HTTP 400" in err and "re-delivered" in err
    assert len(refusing.hits) == 1
    accepting = receiver_factory([200])
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-redeliver", "--webhook", accepting.url, *only_support, env=env)
    assert proc.returncode == 0, err
    assert [r["case_id"] for r in accepting.delivered()] == ["c-support"], "the refused record came back"
    proc, err = alerts(kafka_bootstrap, cases_topic, "g-redeliver", "--webhook", accepting.url, *only_support, env=env)
    assert proc.returncode == 0 and len(accepting.hits) == 1, "now committed: not delivered a third time"


def test_clear_errors_for_a_webhook_without_secret_and_an_unknown_topic(kafka_bootstrap):
    proc, err = alerts(kafka_bootstrap, "x.", "g", "--webhook", "http://127.0.0.1:9/", env={"RISKSTREAM_WEBHOOK_SECRET": ""})
    assert proc.returncode != 0 and "needs the HMAC secret in $RISKSTREAM_WEBHOOK_SECRET" in err
    proc, err = alerts(kafka_bootstrap, "x.", "g", "--topics", "review-casez")
    assert proc.returncode != 0 and "unknown topic 'review-casez'" in err
