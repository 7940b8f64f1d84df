"""Operating the worker on the real broker: /metrics scraped over HTTP from a running worker,
/healthz and /readyz, a JSON start-up line with versions, and periodic progress lines."""

from __future__ import annotations

import json
import os
import re
import time
import uuid

import orjson
import pytest

from dev.harness import WorkerProcess, consume_until, metric_samples, produce, produce_turns, wait_for
from dev.harness import http_get as _get
from tests.fakes import turn

pytestmark = pytest.mark.kafka
THREAT = "I will kill you. I am going to shoot you tomorrow morning."


def _log_lines(worker) -> list[dict]:
    return [json.loads(x) for x in worker.log_path.read_text(errors="replace").splitlines() if x.startswith("{")]


@pytest.fixture(scope="module")
def worker(kafka_bootstrap, tmp_path_factory):
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp("ops"), f"ops{run}.", f"rs-ops-{run}",
                      extra=["--metrics-port", "0", "--log-format", "json", "--store", "memory"],
                      env={"RISKSTREAM_PROGRESS_INTERVAL": "1"}).start()
    start = [x for x in _log_lines(w) if x["logger"] == "riskstream.ops"]
    w.ops = "http://127.0.0.1:" + re.search(r":(\d+) ", start[0]["message"]).group(1)
    yield w
    w.stop()


def test_startup_line_names_model_and_policy_versions(worker):
    lines = wait_for(lambda: [x for x in _log_lines(worker) if x.get("event") == "startup"], "start-up line", worker)
    line = lines[0]
    assert line["command"] == "worker" and line["model_version"] and line["policy_version"].startswith("policy-")
    assert line["replication"] == 1, "one broker: replication falls back from 3 to the broker count"


def test_health_readiness_and_metrics_after_traffic(worker, kafka_bootstrap):
    assert _get(worker.ops + "/healthz")[0] == 200
    ready = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(_get(worker.ops + "/readyz")), "/readyz 200", worker)
    assert orjson.loads(ready[1])["assigned"] > 0

    produce_turns(kafka_bootstrap, worker.prefix + "turns", [turn(1, "hello there", user="ann"),
                                                             turn(2, THREAT, user="mal")])
    produce(kafka_bootstrap, worker.prefix + "turns", [("bob", b"{not json")])
    consume_until(kafka_bootstrap, worker.prefix + "review-cases", lambda rs: any(r["user_id"] == "mal" for r in rs),
                  worker=worker)
    consume_until(kafka_bootstrap, worker.prefix + "dead-letter", lambda rs: len(rs) >= 1, worker=worker)

    def scraped():
        s = metric_samples(_get(worker.ops + "/metrics")[1].decode())
        return s if s.get("riskstream_turns_processed_total", 0) >= 2 else None

    s = wait_for(scraped, "turns_processed_total >= 2", worker)
    opens = {k: v for k, v in s.items() if k.startswith("riskstream_case_events_total{") and 'event="open"' in k}
    assert sum(opens.values()) == 1 and any('rule="severe-turn"' in k or "rule=" in k for k in opens), opens
    assert any(k.startswith("riskstream_case_event_categories_total{") for k in s)
    assert s['riskstream_dead_letters_total{reason="invalid_json"}'] == 1
    assert s["riskstream_scoring_seconds_count"] >= 1 and s["riskstream_scoring_batch_size_sum"] >= 2
    assert any(k.startswith("riskstream_build_info{") and 'command="worker"' in k for k in s)
    # the detection core's CPU, of the process's own (the rest is plumbing: bench/bench_worker.py)
    assert 0 < s["riskstream_core_cpu_seconds_total"] < _process_cpu(worker.proc.pid)
    # calls into the Kafka consumer's thread are timed (a stuck one would turn /healthz to 503)
    assert 0 <= s["riskstream_consumer_call_oldest_seconds"] < 60
    assert orjson.loads(_get(worker.ops + "/healthz")[1]) == {"status": "alive"}
    lag = wait_for(lambda: [k for k in metric_samples(_get(worker.ops + "/metrics")[1].decode())
                         if k.startswith("riskstream_consumer_lag{") and f'topic="{worker.prefix}turns"' in k],
                "consumer lag gauges", worker)
    assert len(lag) == worker.partitions


def _process_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_progress_case_and_dead_letter_lines(worker):
    # progress lines come every second: the first one after the two turns may predate the dead
    # letter (CI saw that), so wait for one that counts both
    lines = wait_for(lambda: [x for x in _log_lines(worker) if x.get("event") == "progress" and x["turns"] >= 2
                              and x["dead_letters"] >= 1], "a progress line counting turns and a dead letter", worker)
    assert "lag" in lines[-1]
    logged = _log_lines(worker)
    cases = [x for x in logged if x.get("event") == "case"]
    assert cases and cases[0]["case_event"] == "open" and cases[0]["case_id"] and cases[0]["categories"]
    dead = [x for x in logged if x.get("event") == "dead_letter"]
    assert dead and dead[0]["reason"] == "invalid_json" and dead[0]["level"] == "warning"
    assert not any("shoot you" in x["message"] or "not json" in x["message"] for x in logged), "no text in logs"


def test_sigusr1_logs_partitions_offsets_and_where_tasks_wait(worker):
    import signal

    worker.proc.send_signal(signal.SIGUSR1)
    lines = wait_for(lambda: [x for x in _log_lines(worker) if x.get("event") == "task_stacks"], "the state dump", worker)
    dump = lines[-1]["message"]
    assert "assigned [" in dump and "committed {" in dump and "unacked messages" in dump and "flow_control " in dump
    # each task with the chain of frames it waits in (file:line function), through its awaits
    assert re.search(r"\n--- [^\n]+\n  /[^\n]+\.py:\d+ \w+\n  /[^\n]+\.py:\d+ \w+", dump)
    # and the Kafka consumer's own thread, where a call that never returns would be waiting
    assert re.search(r"consumer thread: [1-9]\d* task\(s\)\n--- consumer thread: [^\n]+\n  /[^\n]+\.py:\d+ \w+", dump)
    assert worker.proc.poll() is None, "the signal must not stop the worker"
