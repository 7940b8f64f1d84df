"""Run `riskstream worker` as a real subprocess against a broker, and read/write its topics (tests, bench).

Integration tests talk to the worker only through Kafka (kafka-python), as users' services do.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer

REPO = Path(__file__).resolve().parents[1]
_RUNNING: list["WorkerProcess"] = []  # killed at interpreter exit, whatever a test did


@atexit.register
def _kill_leftovers() -> None:
    for w in list(_RUNNING):
        w.kill()
RISKSTREAM = [sys.executable, "-m", "stream"]


# Run before the command, in the child: SIGKILL when the parent (argv[1]) dies, set after exec (a
# `preexec_fn` would run between fork and exec, where it can deadlock on a lock another thread of the
# test process held at the fork: kafka-python's threads, an HTTP server's); PR_SET_PDEATHSIG survives
# the exec into the command. A parent already gone by then: exit.
_DIE_WITH_PARENT = ("import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGKILL); "
                    "os.getppid() == int(sys.argv[1]) or sys.exit(70); os.execvp(sys.argv[2], sys.argv[2:])")


def spawn(cmd: list[str], **kwargs) -> subprocess.Popen:
    """A child that is killed (SIGKILL) when the process that started it dies, however it dies:
    `_kill_leftovers` runs on a normal exit only, and a test run killed by a timeout or a signal
    left its workers running (on this shared machine, two such workers spent 25 minutes of CPU
    retrying a broker that had died with the run; with no broker a worker's own shutdown takes
    about a minute). Linux only (elsewhere the command as it is). Start it from the main thread:
    the signal fires when the thread that started the child ends."""
    if sys.platform.startswith("linux"):
        cmd = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]
    return subprocess.Popen(cmd, **kwargs)


class WorkerProcess:
    def __init__(self, bootstrap: str, workdir: Path, prefix: str, app_id: str, extra: list[str] | None = None,
                 env: dict | None = None, partitions: int = 3):
        self.bootstrap, self.workdir, self.prefix, self.app_id = bootstrap, workdir, prefix, app_id
        self.extra = extra or []
        self.env = env or {}
        self.partitions = partitions
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def start(self, data_dir: str = "data", timeout: float = 90.0) -> "WorkerProcess":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"worker-{uuid.uuid4().hex[:6]}.log"
        cmd = RISKSTREAM + ["worker", "--broker", self.bootstrap, "--topic-prefix", self.prefix, "--app-id", self.app_id,
                            "--data-dir", str(self.workdir / data_dir), "--partitions", str(self.partitions),
                            "--batch-size", "16", *self.extra]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.log = open(self.log_path, "wb")
        self.proc = spawn(cmd, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        _RUNNING.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            if b"Ready" in self.log_path.read_bytes():
                return self
            time.sleep(0.3)
        self.kill()  # never leave a half-started worker behind
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def dump(self, n: int = 300) -> str:
        """The log's tail after the worker has logged its partitions, offsets and the awaited frames
        of every task (SIGUSR1, stream/drivers/faust_ops.py): what a stall is waiting for."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)
            time.sleep(2)
        return self.tail(n)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def kill(self) -> None:
        """Crash: SIGKILL, no graceful shutdown (offsets and table flushes as they were)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.log.close()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """`riskstream <args>` to completion, output captured (bytes), environment = ours + `env`."""
    return subprocess.run(RISKSTREAM + list(args), cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True,
                          timeout=timeout)


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """(status, body) of a GET; an HTTP error status is returned, not raised (probes answer 503)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def metric_samples(text: str) -> dict[str, float]:
    """The samples of a Prometheus text page (/metrics), by name with their labels."""
    import re

    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+) (\S+)$", text, re.M)}


def wait_for(fn, what: str, worker: "WorkerProcess | None" = None, timeout: float = 60.0, every: float = 0.5):
    """`fn()` once it is truthy; fail naming `what`, with the worker log, after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}\n{worker.dump() if worker else ''}")


def produce(bootstrap: str, topic: str, records: list[tuple[str | None, bytes]], **client) -> None:
    """`client`: extra kafka-python settings (e.g. TLS/SASL) for every helper below."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **client)
    for key, value in records:
        producer.send(topic, key=key.encode() if key else None, value=value)
    producer.flush()
    producer.close()


def produce_turns(bootstrap: str, topic: str, turns: list[dict], **client) -> None:
    produce(bootstrap, topic, [(t.get("user_id"), orjson.dumps(t)) for t in turns], **client)


def consume_until(bootstrap: str, topic: str, done, timeout: float = 60.0, worker: WorkerProcess | None = None,
                  **client) -> list[dict]:
    """Read `topic` from the beginning until `done(records)` is true; fail with the worker log on timeout.
    Metadata is refreshed every second: a topic the worker creates after this consumer subscribed is
    otherwise only seen at kafka-python's next refresh (5 minutes by default; a TLS run in session 17
    saw the worker open its case 2 s after start and this consumer read nothing for 60 s)."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=500, metadata_max_age_ms=1000, **client)
    records: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for msg in consumer:
                records.append(orjson.loads(msg.value))
            if done(records):
                return records
        raise AssertionError(f"timed out on {topic}; got {len(records)} records: {records[-3:]}\n"
                             f"worker log:\n{worker.tail() if worker else ''}")
    finally:
        consumer.close()
