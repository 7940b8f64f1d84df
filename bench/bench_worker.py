"""The worker's cost next to the detection's cost (issue 16, item 7): one set of turns, one run.

Turns: the realistic chat mix of bench/bench_score.py (`chat_mix`, ../shared/datasets) as user
turns of UUID users, several turns per user over UUID conversations, event times spread over a
week; a few percent of users also write violent threats (ThreatGram, threat level 2) or suicidal
posts (r/SuicideWatch, r/depression from the Reddit mental-health sample), so cases open.

On the SAME turns, in the same run:
1. `riskstream score` (subprocess, one core): CPU-seconds -> turns per CPU-s, us per turn;
2. `riskstream replay` (subprocess, one core, default settings; also at the worker's batch size 64);
3. `riskstream worker` (--store rocksdb, default batch size 64, pinned to one core) on a private
   broker warmed by a throwaway burst of the same turns (another app): the turns produced as a burst; the worker's CPU-seconds from /proc (utime + stime of the
   process tree) between the first send and the last score, minus what it burns idle over the same
   wall time (measured just before) -> turns per CPU-s, us per turn, plumbing = worker - replay
   (also without subtracting the idle burn: the figure the targets are judged on); and, in the same
   process, its CPU outside the detection core (the worker's riskstream_core_cpu_seconds_total), next
   to replay's outside its core (the same counter, written at exit): the plumbing read in one process
   each, free of the noise of the core's cost between runs (bursts of the same code move by a
   quarter on this host, the target is 100 us in about 5,000);
4. capacity = the burst's turns per wall-second; then steady production at 25 / 50 / 90 % of it:
   produce->score and produce->case latency p50/p95/p99 and the lag (produced - scored) each second;
   50 % once more after 90 % ("50% again"; the p99 target is judged on the worse of the two: one
   steady run's p99 moves by a third between runs of the same code on this shared host);
   The 50 % run is repeated with the former 0.02 s batch window (env RISKSTREAM_BATCH_WITHIN; default
   0.002 s in each of the worker's two agents, link and detect), to show what the window costs;
   the burst is repeated on a fresh worker with every turn re-keyed through turns-by-person (env
   RISKSTREAM_REKEY_EVERY_TURN=1, the topology before one hop), to show what the second hop costs;
5. two workers "on two machines": two processes of one group pinned to core 0 and core 1
   (taskset), the same burst, against the one worker pinned to one core of step 3.
CPU-seconds are the processes' own (the machine is shared: wall time varies with the neighbours);
score and replay run before and after the worker phases and both runs are reported. For the wall
figures, each phase also records how busy the machine was (/proc/stat), the neighbours' share of it and
how long the workers' threads waited for a core (/proc/<pid>/task/*/schedstat).
Writes bench/results/worker.json (`--quick`: fewer turns and shorter steady runs, for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
from kafka import KafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_score import DATASETS, MIX, chat_mix  # noqa: E402
from bench.collector import Collector  # noqa: E402
from dev.harness import WorkerProcess, http_get, metric_samples  # noqa: E402
from dev.kafka import KafkaBroker, free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOGS = Path(tempfile.gettempdir()) / "bench-worker-logs"
CLK = os.sysconf("SC_CLK_TCK")
ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "RISKSTREAM_ORT_THREADS": "1"}
OLD_WITHIN = 0.02  # s; the former default batch window (stream/config.py batch_within_s is now 0.002 s per agent)
BATCH = 64  # the worker's default batch size (`riskstream worker --help`)
PARTITIONS = 6  # the worker's default partition count
VIOLENT_USERS = 0.02  # share of users who also write violent threats
SELF_HARM_USERS = 0.02  # share of users who also write suicidal posts
HARMFUL_TURN_SHARE = 0.4  # share of those users' turns that are harmful


# ---------------------------------------------------------------- turns

def _harmful_pools(max_words: int = 80) -> dict[str, list[str]]:
    violent, self_harm = [], []
    with open(DATASETS / "threatgram_threats.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["labels"].get("threat_level") == 2 and len(r["text"].split()) <= max_words:
                violent.append(r["text"])
    with open(DATASETS / "reddit_mh_subreddits.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["labels"].get("subreddit", "").lower() in ("suicidewatch", "depression") \
                    and len(r["text"].split()) <= max_words:
                self_harm.append(r["text"])
    return {"violent": violent, "self_harm": self_harm}


class TurnMaker:
    """Draws turn sets from one realistic mix; every set has its own users, conversations and ids."""

    def __init__(self, pool_size: int, seed: int = 3):
        self.texts = chat_mix(pool_size, seed=seed)
        self.harmful = _harmful_pools()
        # recent event times: one day per set, one set after the other (at most 20 sets: never in the
        # future, which the worker dead-letters, nor beyond the 30-day retention)
        self.start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=21)

    def make(self, n: int, seed: int, turns_per_user: float = 6.0, days: float = 1.0) -> list[dict]:
        rng = random.Random(seed)
        ruuid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
        n_users = max(10, int(n / turns_per_user))
        users = [ruuid() for _ in range(n_users)]
        weights = [rng.lognormvariate(0, 1) for _ in users]  # some people write far more than others
        kinds = ["violent"] * max(1, round(n_users * VIOLENT_USERS)) + \
                ["self_harm"] * max(1, round(n_users * SELF_HARM_USERS))
        risky = dict(zip(rng.sample(range(n_users), len(kinds)), kinds))
        convs: dict[int, list] = {}  # user -> [conversation id, next turn index]
        offsets = sorted(rng.uniform(0, days * 86400) for _ in range(n))
        rows = []
        for off in offsets:
            u = rng.choices(range(n_users), weights)[0]
            if u not in convs or rng.random() < 0.25:  # a new conversation
                convs[u] = [ruuid(), 0]
            conv = convs[u]
            if u in risky and rng.random() < HARMFUL_TURN_SHARE:
                text = rng.choice(self.harmful[risky[u]])
            else:
                text = rng.choice(self.texts)
            ts = self.start + timedelta(seconds=off)
            rows.append({"event_id": ruuid(), "user_id": users[u], "conversation_id": conv[0], "turn_index": conv[1],
                         "role": "user", "text": text, "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")})
            conv[1] += 2  # the assistant's replies sit in between
        self.start += timedelta(days=days)  # the next set follows in event time
        return rows

    def describe(self, rows: list[dict]) -> dict:
        words = [len(r["text"].split()) for r in rows]
        users = {r["user_id"] for r in rows}
        harmful = set(self.harmful["violent"]) | set(self.harmful["self_harm"])
        return {
            "turns": len(rows), "users": len(users), "conversations": len({r["conversation_id"] for r in rows}),
            "median_words": statistics.median(words), "mean_words": round(statistics.mean(words), 1),
            "distinct_text_share": round(len({r["text"] for r in rows}) / len(rows), 3),
            "harmful_turn_share_added": round(sum(r["text"] in harmful for r in rows) / len(rows), 3),
            "ids": "UUID v4 event, user and conversation ids",
        }


def mix_description() -> dict:
    return {
        "sources": {name: share for name, share, *_ in MIX},
        "source_note": "bench/bench_score.py chat_mix (../shared/datasets), drawn with repeats",
        "harmful_users": f"{VIOLENT_USERS:.0%} of users also write ThreatGram threat-level-2 messages, "
                         f"{SELF_HARM_USERS:.0%} r/SuicideWatch or r/depression posts (<= 80 words), "
                         f"{HARMFUL_TURN_SHARE:.0%} of their turns",
        "turns_per_user": "about 6 on average (lognormal activity), a new conversation with probability 0.25 per turn",
    }


# ---------------------------------------------------------------- CPU accounting

def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK


def tree_cpu(pid: int) -> float:
    """CPU-seconds of `pid` and its live descendants."""
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                parents.setdefault(st[0], []).append(int(name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        st = _stat(p)
        if st:
            total += st[1]
        todo += parents.get(p, [])
    return total


def run_wait(pid: int) -> float:
    """Seconds the main thread of `pid` (the event loop, which scores) spent runnable but waiting for
    a core (/proc/<pid>/schedstat)."""
    try:
        with open(f"/proc/{pid}/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (FileNotFoundError, IndexError, ValueError):
        return 0.0


def machine_busy() -> float:
    """CPU-seconds the whole machine has been busy (all processes, every core) since boot."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK


def pin(pid: int, core: int) -> None:
    """Pin every thread of `pid` (and the threads it starts later) to one core."""
    if shutil.which("taskset"):
        subprocess.run(["taskset", "-a", "-p", "-c", str(core), str(pid)], check=True, capture_output=True)
    else:
        for tid in os.listdir(f"/proc/{pid}/task"):
            os.sched_setaffinity(int(tid), {core})


def run_child(cmd: list[str], core: int) -> tuple[float, float, subprocess.CompletedProcess]:
    """(CPU-s, wall-s, result) of one child process pinned to `core`."""
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(core)] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **ENV})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall, proc


def _per_turn(turns: int, cpu: float) -> dict:
    return {"turns_per_cpu_s": round(turns / cpu, 1), "us_per_turn": round(cpu / turns * 1e6)}


def bench_score_cli(rows: list[dict], d: Path, core: int) -> dict:
    inp, one = d / "score_in.jsonl", d / "score_one.jsonl"
    inp.write_bytes(b"".join(orjson.dumps({"event_id": r["event_id"], "text": r["text"]}) + b"\n" for r in rows))
    one.write_bytes(orjson.dumps({"event_id": rows[0]["event_id"], "text": rows[0]["text"]}) + b"\n")
    base = [sys.executable, "-m", "stream", "score", "--output", str(d / "score_out.jsonl")]
    cpu, wall, _ = run_child(base + ["--input", str(inp)], core)
    cpu0, _, _ = run_child(base + ["--input", str(one)], core)
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "startup_cpu_s": round(cpu0, 2),
            "including_startup": _per_turn(len(rows), cpu), **_per_turn(len(rows), cpu - cpu0)}


# `riskstream replay` as the CLI runs it, writing at exit the CPU its detection core ran
# (riskstream_core_cpu_seconds, as the worker exposes it): argv[1] is that file
_REPLAY_COUNTING_CORE = """import atexit, sys
out = sys.argv.pop(1)
from stream.ops.metrics import REGISTRY
atexit.register(lambda: open(out, "w").write(repr(REGISTRY.get_sample_value("riskstream_core_cpu_seconds_total"))))
from stream.cli import main
sys.exit(main(sys.argv[1:]))
"""


def bench_replay_cli(rows: list[dict], d: Path, core: int, batch: int | None = None) -> dict:
    inp, one, core_file = d / "turns.jsonl", d / "turns_one.jsonl", d / "replay_core_cpu.txt"
    if not inp.exists():
        inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    one.write_bytes(orjson.dumps(rows[0]) + b"\n")
    base = [sys.executable, "-c", _REPLAY_COUNTING_CORE, str(core_file), "replay", "--no-progress",
            "--cases", str(d / "replay_cases.jsonl"),
            "--scores", str(d / "replay_scores.jsonl")] + (["--batch-size", str(batch)] if batch else [])
    cpu, wall, _ = run_child(base + ["--input", str(inp)], core)
    core_cpu = float(core_file.read_text())
    cases = [orjson.loads(line) for line in (d / "replay_cases.jsonl").read_bytes().splitlines() if line.strip()]
    cpu0, _, _ = run_child(base + ["--input", str(one)], core)
    core0 = float(core_file.read_text())
    return {"batch_size": batch or "default (256)", "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "startup_cpu_s": round(cpu0, 2), "including_startup": _per_turn(len(rows), cpu),
            **_per_turn(len(rows), cpu - cpu0), "case_events": len(cases),
            "case_opens": sum(c.get("event") == "open" for c in cases),
            # outside the core beyond start-up: reading and writing files, the process itself
            "core_cpu_s": round(core_cpu, 2),
            "outside_core_us_per_turn": round(((cpu - core_cpu) - (cpu0 - core0)) / len(rows) * 1e6)}


# ---------------------------------------------------------------- worker side

def wait(cond, timeout: float, what: str, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench_worker: timed out waiting for {what}")
        time.sleep(every)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def lat(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 0.5), "p95": pct(values, 0.95), "p99": pct(values, 0.99),
            "max": pct(values, 1.0)}


class Workers:
    """One or more `riskstream worker` processes of one app on the broker, each pinned to a core."""

    def __init__(self, broker: KafkaBroker, d: Path, cores: list[int], name: str, env: dict | None = None):
        self.broker, self.prefix, self.app = broker, f"bw{name}{uuid.uuid4().hex[:4]}.", f"bw-{name}-{uuid.uuid4().hex[:4]}"
        self.procs: list[WorkerProcess] = []
        self.ports: list[int] = []
        for i, core in enumerate(cores):
            port = free_port()
            w = WorkerProcess(broker.bootstrap, d / f"{name}{i}", self.prefix, self.app, partitions=PARTITIONS, env={**ENV, **(env or {})},
                              extra=["--batch-size", str(BATCH), "--store", "rocksdb", "--metrics-port", str(port)])
            w.start(timeout=240)
            pin(w.proc.pid, core)
            self.procs.append(w)
            self.ports.append(port)
        self.cores = cores

    def assigned(self) -> list[int]:
        out = []
        for port in self.ports:
            try:
                status, body = http_get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                info = orjson.loads(body)
                out.append(int(info.get("assigned", 0)) if not info.get("rebalancing") else 0)
            except Exception:  # noqa: BLE001 - not up yet
                out.append(0)
        return out

    def cpu(self) -> list[float]:
        return [tree_cpu(w.proc.pid) for w in self.procs]

    def core_cpu(self) -> list[float]:
        """Each worker's `riskstream_core_cpu_seconds_total`: the CPU its detection core ran."""
        return [metric(port, "riskstream_core_cpu_seconds_total") for port in self.ports]

    def waited(self) -> list[float]:
        return [run_wait(w.proc.pid) for w in self.procs]

    def keep_logs(self) -> list[str]:
        """Copy the workers' logs out of the temporary directory; their tails for the JSON."""
        LOGS.mkdir(parents=True, exist_ok=True)
        for w in self.procs:
            if w.log_path and w.log_path.exists():
                shutil.copy(w.log_path, LOGS / f"{self.app}-{w.log_path.name}")
        return [w.tail(15) for w in self.procs]

    def stop(self) -> None:
        for w in self.procs:
            w.stop()


@contextmanager
def running(broker: KafkaBroker, d: Path, cores: list[int], name: str, env: dict | None = None):
    """(Workers, their Collector) for one phase; the collector closed and the workers stopped after it."""
    ws = Workers(broker, d, cores, name, env=env)
    col = Collector(broker.bootstrap, ws.prefix)
    col.start()
    try:
        yield ws, col
    finally:
        col.close()
        ws.stop()


def _producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, max_in_flight_requests_per_connection=5)


def _send(producer: KafkaProducer, topic: str, r: dict) -> None:
    producer.send(topic, key=r["user_id"].encode(), value=orjson.dumps(r))


def warm_up(ws: Workers, col: Collector, producer: KafkaProducer, rows: list[dict]) -> None:
    for r in rows:
        _send(producer, ws.prefix + "turns", r)
    producer.flush()
    ids = [r["event_id"] for r in rows]
    wait(lambda: col.scored(ids) == len(ids), 300, "the warm-up scores", every=0.2)


def metric(port: int, name: str) -> float:
    """One unlabelled sample of a worker's /metrics (KeyError when it has none)."""
    return metric_samples(http_get(f"http://127.0.0.1:{port}/metrics", timeout=5)[1].decode())[name]


def idle_rate(ws: Workers, seconds: float) -> list[float]:
    c0, t0 = ws.cpu(), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = ws.cpu(), time.perf_counter()
    return [(b - a) / (t1 - t0) for a, b in zip(c0, c1)]


def burst(ws: Workers, col: Collector, producer: KafkaProducer, rows: list[dict], broker_pid: int | None,
          idle_s: float) -> dict:
    idle = idle_rate(ws, idle_s)
    ids = [r["event_id"] for r in rows]
    c0, b0, s0 = ws.cpu(), tree_cpu(broker_pid) if broker_pid else 0.0, time.process_time()
    q0, m0, k0 = ws.waited(), machine_busy(), ws.core_cpu()
    t0 = time.perf_counter()
    for r in rows:
        _send(producer, ws.prefix + "turns", r)
    producer.flush()
    t_sent = time.perf_counter()
    wait(lambda: col.scored(ids) == len(ids), 900, "the burst's scores", every=0.05)
    t_end = time.perf_counter()
    c1, b1, s1 = ws.cpu(), tree_cpu(broker_pid) if broker_pid else 0.0, time.process_time()
    q1, m1, k1 = ws.waited(), machine_busy(), ws.core_cpu()
    core = sum(b - a for a, b in zip(k0, k1))
    wall_scored = max(col.score_at[i] for i in ids) - t0
    sampled_wall = t_end - t0
    used = [b - a for a, b in zip(c0, c1)]
    net = [u - r * sampled_wall for u, r in zip(used, idle)]
    cpu = sum(net)
    cases = [e for i in ids for e in col.case_events.get(i, [])]
    return {
        "turns": len(rows), "wall_s": round(wall_scored, 2), "turns_per_wall_s": round(len(rows) / wall_scored, 1),
        "produce_s": round(t_sent - t0, 2),
        "worker_cpu_s_raw": [round(u, 2) for u in used], "worker_idle_cpu_per_s": [round(r, 4) for r in idle],
        "worker_cpu_s": round(cpu, 2), "worker_cpu_s_each": [round(x, 2) for x in net], **_per_turn(len(rows), cpu),
        # the same process's CPU in its detection core (riskstream_core_cpu_seconds) and outside it
        "core_cpu_s": round(core, 2), "outside_core_us_per_turn": round((cpu - core) / len(rows) * 1e6),
        "broker_cpu_s": round(b1 - b0, 2) if broker_pid else None,
        "broker_us_per_turn": round((b1 - b0) / len(rows) * 1e6) if broker_pid else None,
        "bench_process_cpu_s": round(s1 - s0, 2),
        **_contention(sampled_wall, sum(used), (b1 - b0) + (s1 - s0), m1 - m0, [b - a for a, b in zip(q0, q1)], used),
        "case_events": len(cases), "case_opens": sum(e == "open" for e in cases),
    }


def _contention(wall: float, workers_cpu: float, ours_cpu: float, busy: float, waited: list[float],
                used: list[float]) -> dict:
    """How busy the shared machine was: the neighbours' CPU and the time our workers waited for a core."""
    return {
        "worker_core_utilisation": [round(u / wall, 2) for u in used],
        "worker_main_thread_runqueue_wait_s": [round(w, 2) for w in waited],
        "machine_busy_cores": round(busy / wall, 2),
        "neighbours_busy_cores": round(max(0.0, busy - workers_cpu - ours_cpu) / wall, 2),
    }


def lag_bounded(during: list[int], rate: float) -> bool:
    """The backlog stops growing: over the second half of the run it grows by at most 2 % of the rate
    per second, or its last quarter peaks no higher than 1.5x the first half did."""
    if not during:
        return False
    first_half, last_q = during[:max(1, len(during) // 2)], during[-max(1, len(during) // 4):]
    return _slope(during[len(during) // 2:]) <= 0.02 * rate or max(last_q) <= 1.5 * max(first_half)


def _slope(ys: list[float]) -> float:
    if len(ys) < 2:
        return 0.0
    xs = range(len(ys))
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def steady(ws: Workers, col: Collector, producer: KafkaProducer, rows: list[dict], rate: float,
           broker_pid: int | None) -> dict:
    """Produce `rows` at `rate` per second; latency per turn and the lag each second."""
    ids = [r["event_id"] for r in rows]
    idset = set(ids)
    sent: dict[str, float] = {}
    samples: list[tuple[float, int, int]] = []
    done = threading.Event()

    def sampler(t0: float) -> None:
        nxt = t0
        while not done.is_set():
            nxt += 1.0
            time.sleep(max(0.0, nxt - time.perf_counter()))
            samples.append((round(time.perf_counter() - t0, 1), len(sent), col.scored(ids)))

    c0, q0, m0 = ws.cpu(), ws.waited(), machine_busy()
    b0, s0 = tree_cpu(broker_pid) if broker_pid else 0.0, time.process_time()
    t0 = time.perf_counter()
    th = threading.Thread(target=sampler, args=(t0,), daemon=True)
    th.start()
    topic = ws.prefix + "turns"
    for i, r in enumerate(rows):
        target = t0 + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent[r["event_id"]] = time.perf_counter()
        _send(producer, topic, r)
    producer.flush()
    t_prod = time.perf_counter() - t0
    wait(lambda: col.scored(ids) == len(ids), 600, "the steady run's scores", every=0.05)
    t_all = time.perf_counter() - t0
    c1, q1, m1 = ws.cpu(), ws.waited(), machine_busy()
    b1, s1 = tree_cpu(broker_pid) if broker_pid else 0.0, time.process_time()
    time.sleep(1.0)  # late case events
    done.set()
    th.join(3)
    score_lat = [col.score_at[i] - t for i, t in sent.items()]
    case_lat = [col.case_at[i] - sent[i] for i in idset if i in col.case_at]
    lags = [(t, p - s) for t, p, s in samples]
    during = [lag for t, lag in lags if t <= t_prod]
    last_q = during[-max(1, len(during) // 4):]
    slope = _slope(during[len(during) // 2:])  # turns per second of growth over the second half of the run
    bounded = lag_bounded(during, rate)
    cpu = sum(c1) - sum(c0)
    return {
        "target_rate_per_s": round(rate, 1), "achieved_rate_per_s": round(len(rows) / t_prod, 1),
        "turns": len(rows), "produce_s": round(t_prod, 1), "drain_s_after_last_send": round(t_all - t_prod, 2),
        "produce_to_score_ms": lat(score_lat), "produce_to_case_ms": lat(case_lat),
        "lag_turns_each_second": [lag for _, lag in lags],
        "lag_max": max(during) if during else None, "lag_mean": round(statistics.mean(during), 1) if during else None,
        "lag_last_quarter_max": max(last_q) if last_q else None,
        "lag_slope_second_half_turns_per_s": round(slope, 2), "lag_bounded": bounded,
        "worker_cpu_s": round(cpu, 2), "worker_us_per_turn_incl_idle": round(cpu / len(rows) * 1e6),
        **_contention(t_all, cpu, (b1 - b0) + (s1 - s0), m1 - m0, [b - a for a, b in zip(q0, q1)],
                      [b - a for a, b in zip(c0, c1)]),
    }


# ---------------------------------------------------------------- main

def main(quick: bool = False) -> dict:
    n = 1500 if quick else 6000
    steady_s = 10.0 if quick else 35.0
    idle_s = 3.0 if quick else 6.0
    t_start = time.perf_counter()
    maker = TurnMaker(pool_size=30000)
    warm = maker.make(256, seed=100)
    rows = maker.make(n, seed=101)
    result: dict = {
        "bench": "worker", "quick": quick,
        "machine": f"{os.cpu_count()} shared cores (other agents run tests on them); CPU-seconds from the "
                   "processes' own rusage / /proc utime+stime, wall figures depend on the neighbours",
        "mix": {**mix_description(), **maker.describe(rows)},
        "worker_settings": {"store": "rocksdb", "batch_size": BATCH, "partitions": PARTITIONS, "ort_threads": 1,
                            "pinned": "taskset -a -p -c <core> on the worker process"},
    }
    print(f"turns: {result['mix']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        d = Path(tmp)
        cli = {"score": [], "replay": [], "replay_batch64": []}

        def cli_round() -> None:
            cli["score"].append(bench_score_cli(rows, d, core=0))
            cli["replay"].append(bench_replay_cli(rows, d, core=0))
            cli["replay_batch64"].append(bench_replay_cli(rows, d, core=0, batch=BATCH))
            print({k: v[-1] for k, v in cli.items()}, flush=True)

        cli_round()
        with KafkaBroker(dir=d / "kafka", port=0) as broker:
            producer = _producer(broker.bootstrap)
            try:
                # the broker's first burst costs it (and the workers waiting on it) far more than later
                # ones (its JIT warming up: 4.3 against 1.9 ms of broker CPU a turn in an A/B of alternating
                # bursts): a throwaway burst on its own app first, so every measured phase meets a warm broker
                with running(broker, d, [0], "cold") as (cold, colc):
                    warm_up(cold, colc, producer, rows)

                with running(broker, d, [0], "one") as (one, col):
                    warm_up(one, col, producer, warm)
                    b1 = burst(one, col, producer, rows, broker.pid, idle_s)
                    print("burst, one worker on core 0:", b1, flush=True)
                    capacity = b1["turns_per_wall_s"]
                    steady_runs = {}
                    for i, frac in enumerate((0.25, 0.5, 0.9)):
                        rate = frac * capacity
                        srows = maker.make(int(rate * steady_s), seed=200 + i)
                        steady_runs[f"{int(frac * 100)}%"] = s = steady(one, col, producer, srows, rate, broker.pid)
                        print(f"steady {frac:.0%}:", {k: v for k, v in s.items() if k != "lag_turns_each_second"},
                              flush=True)
                    # half of capacity once more, after the others: on this shared host one steady run's
                    # p99 moves by a third between runs of the same code; the target is judged on the worse
                    rate = 0.5 * capacity
                    srows = maker.make(int(rate * steady_s), seed=210)
                    steady_runs["50% again"] = s = steady(one, col, producer, srows, rate, broker.pid)
                    print("steady 50% again:", {k: v for k, v in s.items() if k != "lag_turns_each_second"}, flush=True)

                # the same burst with every turn re-keyed through turns-by-person (the former two hops)
                with running(broker, d, [0], "hops", env={"RISKSTREAM_REKEY_EVERY_TURN": "1"}) as (hops, colh):
                    warm_up(hops, colh, producer, maker.make(256, seed=150))
                    b_hops = burst(hops, colh, producer, rows, broker.pid, idle_s)
                    print("burst, one worker on core 0, every turn re-keyed:", b_hops, flush=True)

                # the same 50 % rate with the former, longer batch window in both agents (env, no code change)
                with running(broker, d, [0], "old", env={"RISKSTREAM_BATCH_WITHIN": str(OLD_WITHIN)}) as (old, colo):
                    warm_up(old, colo, producer, maker.make(256, seed=250))
                    rate = 0.5 * capacity
                    old_run = steady(old, colo, producer, maker.make(int(rate * steady_s), seed=251), rate, broker.pid)
                    print(f"steady 50% within {OLD_WITHIN}:",
                          {k: v for k, v in old_run.items() if k != "lag_turns_each_second"}, flush=True)

                with running(broker, d, [0, 1], "two") as (two, col2):
                    try:
                        wait(lambda: all(a > 0 for a in two.assigned()), 120, "both workers to hold partitions",
                             every=0.5)
                        assignment = two.assigned()
                        warm_up(two, col2, producer, maker.make(256, seed=300))
                        b2 = burst(two, col2, producer, rows, broker.pid, idle_s)
                        print("burst, two workers on cores 0 and 1:", b2, flush=True)
                    except (TimeoutError, RuntimeError) as exc:  # keep the other phases' figures
                        assignment = two.assigned()
                        b2 = {"error": str(exc), "scored": {"warm-up/burst ids seen": len(col2.score_at)},
                              "worker_log_tails": two.keep_logs()}
                        print("two workers failed:", b2, flush=True)
            finally:
                producer.close()
        cli_round()

    def mean(key: str, field: str) -> float:
        return round(statistics.mean(r[field] for r in cli[key]), 1)

    score_us, replay_us, replay64_us = (mean(k, "us_per_turn") for k in ("score", "replay", "replay_batch64"))
    worker_us = b1["us_per_turn"]
    result.update({
        "score_cli": {"runs": cli["score"], "us_per_turn": score_us, "turns_per_cpu_s": round(1e6 / score_us, 1)},
        "replay_cli": {"runs": cli["replay"], "us_per_turn": replay_us, "turns_per_cpu_s": round(1e6 / replay_us, 1)},
        "replay_cli_batch64": {"runs": cli["replay_batch64"], "us_per_turn": replay64_us,
                               "turns_per_cpu_s": round(1e6 / replay64_us, 1)},
        "worker_burst_one_core": b1,
        "worker_burst_one_core_every_turn_rekeyed": {"env": "RISKSTREAM_REKEY_EVERY_TURN=1", **b_hops},
        "capacity_turns_per_wall_s": capacity,
        "steady": steady_runs,
        "steady_50pct_batch_within_0_02s": {"env": f"RISKSTREAM_BATCH_WITHIN={OLD_WITHIN}", **old_run},
        "two_workers_two_cores": {
            "assigned_partitions": assignment, **b2,
            **({} if "error" in b2 else {
                "speedup_wall_vs_one": round(b2["turns_per_wall_s"] / b1["turns_per_wall_s"], 2),
                "cpu_ratio_vs_one": round(b2["worker_cpu_s"] / b1["worker_cpu_s"], 2)}),
        },
    })
    p99s_at_50 = [steady_runs[k]["produce_to_case_ms"]["p99"] for k in ("50%", "50% again")]
    case_p99_at_50 = None if None in p99s_at_50 else max(p99s_at_50)
    worker_raw_us, rekeyed_raw_us = (round(sum(b["worker_cpu_s_raw"]) / b["turns"] * 1e6) for b in (b1, b_hops))
    result["summary"] = {
        "score_us_per_turn": score_us, "replay_us_per_turn": replay_us, "replay_batch64_us_per_turn": replay64_us,
        "worker_us_per_turn": worker_us, "worker_turns_per_cpu_s": b1["turns_per_cpu_s"],
        # without subtracting the idle burn: a batch window of a few ms wakes an idle worker often
        # (its idle burn grows), while under a backlog that loop never waits, so subtracting it
        # flatters the worker; the targets are judged on this figure
        "worker_us_per_turn_raw": worker_raw_us, "plumbing_us_per_turn_raw": round(worker_raw_us - replay_us),
        "plumbing_us_per_turn": round(worker_us - replay_us),
        "plumbing_us_per_turn_vs_replay_batch64": round(worker_us - replay64_us),
        "detection_beyond_scoring_us_per_turn": round(replay_us - score_us),
        # in one process each, the CPU outside the detection core (riskstream_core_cpu_seconds): the
        # noise of the core's large cost between two runs drops out; the worker's window reads from
        # RocksDB run inside the core's steps and count as core
        "outside_core_us_per_turn": {
            "worker": b1["outside_core_us_per_turn"],
            "worker_raw": round((sum(b1["worker_cpu_s_raw"]) - b1["core_cpu_s"]) / b1["turns"] * 1e6),
            "replay": round(mean("replay", "outside_core_us_per_turn")),
            "replay_batch64": round(mean("replay_batch64", "outside_core_us_per_turn")),
        },
        # the same burst in the same run, every turn crossing turns-by-person: what one hop saves
        "every_turn_rekeyed_us_per_turn_raw": rekeyed_raw_us,
        "one_hop_saves_us_per_turn_raw": rekeyed_raw_us - worker_raw_us,
        "one_hop_saves_broker_us_per_turn": b_hops["broker_us_per_turn"] - b1["broker_us_per_turn"],
        "every_turn_rekeyed_capacity_turns_per_wall_s": b_hops["turns_per_wall_s"],
        "worker_over_replay_turns_per_cpu_s": round(replay_us / worker_us, 3),
        "capacity_turns_per_wall_s": capacity,
        "p99_produce_to_score_ms": {k: v["produce_to_score_ms"]["p99"] for k, v in steady_runs.items()},
        "p99_produce_to_case_ms": {k: v["produce_to_case_ms"]["p99"] for k, v in steady_runs.items()},
        "lag_bounded": {k: v["lag_bounded"] for k, v in steady_runs.items()},
        "p99_at_50pct_batch_within_0_02s_ms": {"score": old_run["produce_to_score_ms"]["p99"],
                                               "case": old_run["produce_to_case_ms"]["p99"]},
        "two_workers_speedup_wall": result["two_workers_two_cores"].get("speedup_wall_vs_one"),
        "targets": {
            "plumbing_le_100_us": worker_raw_us - replay_us <= 100,
            "plumbing_le_100_us_in_process": (round((sum(b1["worker_cpu_s_raw"]) - b1["core_cpu_s"]) / b1["turns"] * 1e6)
                                              - mean("replay", "outside_core_us_per_turn")) <= 100,
            "worker_ge_0_85x_replay": replay_us / worker_raw_us >= 0.85,
            "p99_produce_to_case_le_250_ms_at_50pct": case_p99_at_50 is not None and case_p99_at_50 <= 250,
        },
        "bench_wall_s": round(time.perf_counter() - t_start),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("worker_quick.json" if quick else "worker.json")).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,500 turns, 10 s steady runs (a smoke run)")
    print(json.dumps(main(quick=ap.parse_args().quick)["summary"], indent=2))
