"""End-to-end through a real broker: turns/s and produce->case / produce->score latency p50/p99.

Starts a private broker (dev/kafka.py) and a `riskstream worker` subprocess, then
1. throughput: produces a burst of N turns and times until every score is on the scores topic;
2. latency: produces turns at a steady modest rate and measures, per turn, the time from the
   producer's send to the arrival of its score, and for case-triggering turns of its case.
Writes bench/results/e2e.json.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from kafka import KafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synthetic import generate  # noqa: E402
from bench.collector import Collector  # noqa: E402
from dev.harness import WorkerProcess  # noqa: E402
from dev.kafka import KafkaBroker  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1) if values else float("nan")


def main(burst: int = 5000, paced: int = 600, rate: float = 40.0) -> dict:
    with tempfile.TemporaryDirectory() as d, KafkaBroker(dir=Path(d) / "kafka", port=0) as broker:
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        worker = WorkerProcess(broker.bootstrap, Path(d) / "w", prefix, f"bench-{uuid.uuid4().hex[:6]}",
                               extra=["--batch-size", "64"]).start()
        try:
            collector = Collector(broker.bootstrap, prefix)
            collector.start()
            producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks=1, linger_ms=5)
            topic = prefix + "turns"
            # warm-up: the first batch pays for model/session start-up
            for r in generate(64, 16, seed=1):
                r["event_id"] = "warm-" + r["event_id"]
                producer.send(topic, key=r["user_id"].encode(), value=orjson.dumps(r))
            producer.flush()
            _wait(lambda: sum(k.startswith("warm-") for k in collector.score_at) >= 64, 120)

            rows = generate(burst, max(50, burst // 10), risky_share=0.05, seed=2)
            t0 = time.perf_counter()
            for r in rows:
                producer.send(topic, key=r["user_id"].encode(), value=orjson.dumps(r))
            producer.flush()
            ids = {r["event_id"] for r in rows}
            _wait(lambda: ids <= collector.score_at.keys(), 600)
            burst_s = max(collector.score_at[i] for i in ids) - t0

            paced_rows = generate(paced, 60, risky_share=0.3, seed=3)
            sent: dict[str, float] = {}
            for r in paced_rows:
                r["event_id"] = "p-" + r["event_id"]
                sent[r["event_id"]] = time.perf_counter()
                producer.send(topic, key=r["user_id"].encode(), value=orjson.dumps(r))
                producer.flush()
                time.sleep(1.0 / rate)
            _wait(lambda: sent.keys() <= collector.score_at.keys(), 120)
            time.sleep(2)
            collector.stop_flag = True
            collector.join(10)
            score_lat = [collector.score_at[i] - t for i, t in sent.items()]
            case_lat = [collector.case_at[i] - sent[i] for i in sent if i in collector.case_at]
        finally:
            worker.stop()
    result = {
        "bench": "e2e", "broker": "local single-node KRaft (dev/kafka.py)", "worker_batch_size": 64,
        "burst_turns": burst, "burst_seconds": round(burst_s, 2), "turns_per_s": round(burst / burst_s, 1),
        "paced_turns": paced, "paced_rate_per_s": rate,
        "produce_to_score_ms": {"p50": pct(score_lat, 0.5), "p99": pct(score_lat, 0.99), "n": len(score_lat)},
        "produce_to_case_ms": {"p50": pct(case_lat, 0.5), "p99": pct(case_lat, 0.99), "n": len(case_lat)},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "e2e.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _wait(cond, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("bench: timed out waiting for the worker's output")
        time.sleep(0.05)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
