"""Prometheus metrics of every long-running command (worker, serve, alerts), in one registry.

Metric names are the operator's contract (README "Operating"); label values are bounded: dead
letters by reason class, cases by rule / category / priority, lag by topic partition.
"""

from __future__ import annotations

import logging
import time
from typing import Iterator, Sequence, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

log = logging.getLogger("riskstream.worker")
REGISTRY = CollectorRegistry(auto_describe=True)
T = TypeVar("T")

BUILD = Info("riskstream_build", "Model, policy and package versions of this process", registry=REGISTRY)
TURNS = Counter("riskstream_turns_processed", "Turns folded into windows", registry=REGISTRY)
DEAD_LETTERS = Counter("riskstream_dead_letters", "Records sent to the dead-letter topic", ["reason"], registry=REGISTRY)
CASES = Counter("riskstream_case_events", "Case events emitted (open, update, reopen, redact)",
                ["event", "rule", "priority"], registry=REGISTRY)
CASE_CATEGORIES = Counter("riskstream_case_event_categories", "Case events per category they carry",
                          ["event", "category"], registry=REGISTRY)
SUPPORT = Counter("riskstream_support_events", "Support events emitted (crisis resources offered)", registry=REGISTRY)
SCORE_SECONDS = Histogram("riskstream_scoring_seconds", "Wall time of one scoring batch", registry=REGISTRY,
                          buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BATCH_SIZE = Histogram("riskstream_scoring_batch_size", "Texts per scoring batch", registry=REGISTRY,
                       buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))
CORE_CPU = Counter("riskstream_core_cpu_seconds",
                   "CPU-seconds the detection core (scoring, windows, rules, cases) ran in this process; the rest of "
                   "its CPU is input, output and Kafka", registry=REGISTRY)
LAG = Gauge("riskstream_consumer_lag",
            "Records not yet processed and committed (high watermark - committed offset), per source partition",
            ["topic", "partition"], registry=REGISTRY)
ASSIGNED = Gauge("riskstream_assigned_partitions", "Partitions assigned to this consumer", registry=REGISTRY)
CONSUMER_CALL_AGE = Gauge("riskstream_consumer_call_oldest_seconds",
                          "How long the longest-running call into the Kafka consumer's thread has run (0: none)",
                          registry=REGISTRY)
ALERTS_DELIVERED = Counter("riskstream_alerts_delivered", "Alerts accepted by their destination", ["topic"],
                           registry=REGISTRY)
ALERT_FAILURES = Counter("riskstream_alert_attempts_failed", "Failed webhook attempts (retried or final)", ["reason"],
                         registry=REGISTRY)
ALERTS_PARKED = Counter("riskstream_alerts_parked", "Alerts parked on the alerts-dead-letter topic", ["reason"],
                        registry=REGISTRY)
MODERATION_REQUESTS = Counter("riskstream_moderation_requests", "POST /v1/moderations by HTTP status", ["status"],
                              registry=REGISTRY)
MODERATION_INPUTS = Counter("riskstream_moderation_inputs", "Texts scored for /v1/moderations", registry=REGISTRY)


BUILD_INFO: dict = {}  # what set_build_info last published (for start-up log lines)


def set_build_info(command: str, model: str, policy: str = "") -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("riskstream")
    except PackageNotFoundError:
        pkg = "unknown"
    info = {"command": command, "model_version": model, "policy_version": policy, "riskstream_version": pkg}
    BUILD.info(info)
    BUILD_INFO.clear()
    BUILD_INFO.update(info)
    return info


def dead_letter_reason(record: dict) -> str:
    """A bounded label for a dead letter: the top-level field that failed, or the kind of failure."""
    path = (record.get("error_path") or "").strip("/")
    if path:
        return "field:" + path.split("/", 1)[0][:40]
    reason = str(record.get("reason", ""))
    if reason.startswith("not valid JSON"):
        return "invalid_json"
    if reason.startswith("expected a JSON object"):
        return "not_an_object"
    for prefix, label in (("record too large", "too_large"), ("nested deeper", "too_deep"),
                          ("processing error", "processing_error")):
        if reason.startswith(prefix):
            return label
    return "other"


def observe(topic: str, payload: dict) -> None:
    """Count one record a driver emits, by the logical topic it goes to (one call site per driver).

    Case events and dead letters are also logged, with ids and labels only (never text, never the
    validator's message, which may quote the record)."""
    if topic == "turn-scores":  # exactly one per turn folded in (a redelivered turn yields none)
        TURNS.inc()
    elif topic == "review-cases":  # open / update, and reopen / redact from review and privacy
        event = payload.get("event", "open")
        CASES.labels(event, payload.get("rule", ""), str(payload.get("priority", ""))).inc()
        for cat in payload.get("categories") or []:
            CASE_CATEGORIES.labels(event, cat).inc()
        log.info("case %s %s: rule %s, priority %s, %s", payload.get("case_id"), event, payload.get("rule"),
                 payload.get("priority"), ", ".join(payload.get("categories") or []),
                 extra={"event": "case", "case_event": event, "case_id": payload.get("case_id"),
                        "rule": payload.get("rule"), "priority": payload.get("priority"),
                        "categories": payload.get("categories")})
    elif topic == "support-events":
        SUPPORT.inc()
    elif topic == "dead-letter":
        reason = dead_letter_reason(payload)
        DEAD_LETTERS.labels(reason).inc()
        log.warning("dead letter (%s) from %s", reason, payload.get("source"),
                    extra={"event": "dead_letter", "reason": reason, "source": payload.get("source")})


def core_timed(steps: Iterator[T]) -> Iterator[T]:
    """`steps` (the core's generator of per-turn results), adding the CPU time of this thread spent
    inside it to `CORE_CPU`. Why: on a shared host the worker's cost outside the core (its Kafka and
    Faust plumbing) is a few percent of its CPU, smaller than the noise between two runs, so it is
    read as the process's CPU minus this counter, in one process, rather than as one run minus
    another. Window reads from the store inside a step (RocksDB in the worker) count as the core's;
    the scorer's own threads beyond the calling one (RISKSTREAM_ORT_THREADS > 1) are not counted."""
    it = iter(steps)
    while True:
        start = time.thread_time()
        try:
            item = next(it)
        except StopIteration:
            return
        finally:  # a step that raises ran too
            CORE_CPU.inc(time.thread_time() - start)
        yield item


class TimedScorer:
    """Wraps a scorer: latency and batch-size histograms per `score_batch`; everything else delegates."""

    def __init__(self, scorer):
        self._scorer = scorer

    def score_batch(self, texts: Sequence[str]):
        start = time.perf_counter()
        try:
            return self._scorer.score_batch(texts)
        finally:
            SCORE_SECONDS.observe(time.perf_counter() - start)
            BATCH_SIZE.observe(len(texts))

    def __getattr__(self, name):
        return getattr(self._scorer, name)


def counter_total(counter) -> float:
    """Sum of a counter over all its label sets (for progress lines)."""
    return sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))
