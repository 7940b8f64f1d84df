"""The cost of the core (issue 16): replay throughput per CPU-second on one and two processes, the
core beyond scoring, and the stored window per active person, on a realistic mix with UUID ids.

Input: `bench.realistic` (simulated people whose texts are drawn at bench time from
../shared/datasets, every id a UUID). Measured in one run, on the same turns:

* `riskstream score` alone, and `riskstream replay --workers 1` and `--workers 2`, each as a
  subprocess; CPU-seconds are the user+system time of the process and every process it started
  (the machine is shared: wall time is reported, but CPU-seconds and ratios within the run are
  the figures);
* the core beyond scoring: (replay CPU - score CPU) / turns, both one process, both including
  their start-up (imports, models); `score` and one-process `replay` run back to back in
  `--rounds` rounds (5, every other one replay first): this host's speed moves ~20 % within
  minutes, so each round's ratio of the two is the figure and the median round is reported
  (`rounds`, `core_beyond_over_scoring`);
* the 1- and 2-process outputs (cases, scores, summary) compared byte for byte;
* one and two processes again on a longer replay (`--scaling-people`, 1,600 people, about 25,000
  turns): start-up is paid once per process, which a short input overstates; run as two
  interleaved pairs (1, 2, 1, 2 processes), each pair's figures and the best of each reported;
* the stored window of every person active at the end (what a table and its changelog hold):
  mean, p50, p95, p99 and max bytes, from an in-process replay;
* in that replay, the encoder's passes by what asked for them (the turns' own scores, the stage
  tagger's clause pieces, the conversation read together), texts and CPU-seconds each: where the
  core beyond scoring goes; and the same division as above inside that one process (`in_process`:
  the replay loop's CPU against the scorer's reading of the turns themselves, interleaved batch by
  batch, so the host's speed cannot move one side only; start-up and file I/O in neither).

`--code-dir DIR` measures another checkout's code (e.g. the main branch for a before figure;
without `--workers` support it runs one process only). Writes bench/results/replay.json;
`--window-only` measures the stored windows alone and replaces only that part of it.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from stream.cli import one_blas_thread

one_blas_thread()  # as the command line does, for the in-process replay below too
HERE = Path(__file__).resolve().parent
PAIRS = 2  # interleaved one- and two-process runs of the longer replay
RESULTS = HERE / "results"


def _realistic():
    spec = importlib.util.spec_from_file_location("bench_realistic", HERE / "realistic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.realistic_turns


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str], code: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(CPU-seconds of the process and its children, wall seconds, result)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "stream", *cmd], capture_output=True, cwd=code, env=env)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode:
        raise SystemExit(proc.stderr.decode()[-2000:])
    return cpu, wall, proc


def scaling(people: int, seed: int, code: Path, d: Path, replies: str = "templates") -> dict:
    """One and two processes on a longer replay (`people` simulated people): a process's start-up
    (imports, models; the USE reader on its first Chinese or Korean turn) is paid once per process,
    so the short mix above understates what a second core gives a replay of days of traffic."""
    rows = _realistic()(people, seed + 1, replies=replies)
    inp = d / "longer.jsonl"
    inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    pairs = []
    for k in range(PAIRS):
        runs = {}
        for workers in (1, 2):
            o = d / f"longer{workers}-{k}"
            o.mkdir()
            cpu, wall, proc = _run(["replay", "--input", str(inp), "--cases", str(o / "cases.jsonl"), "--scores",
                                    str(o / "scores.jsonl"), "--no-progress", "--workers", str(workers)], code)
            runs[workers] = {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2)}
        pairs.append({"workers_1": runs[1], "workers_2": runs[2],
                      **two_processes(runs[1], runs[2], d / f"longer1-{k}", d / f"longer2-{k}",
                                      ("cases.jsonl", "scores.jsonl"))})
    best = {w: {"cpu_s": min(p[f"workers_{w}"]["cpu_s"] for p in pairs),
                "wall_s": min(p[f"workers_{w}"]["wall_s"] for p in pairs)} for w in (1, 2)}
    return {"people": people, "turns": len(rows), "pairs": pairs, "workers_1": best[1], "workers_2": best[2],
            **two_processes(best[1], best[2], d / "longer1-0", d / f"longer2-{PAIRS - 1}", ("cases.jsonl", "scores.jsonl")),
            "best_of": f"the fastest of {PAIRS} runs of each"}


def two_processes(one: dict, two: dict, out1: Path, out2: Path, files: tuple[str, ...]) -> dict:
    """What a second process gives (CPU-seconds and wall seconds of each run), and whether the two
    runs' output files are byte-identical."""
    return {"cpu_ratio": round(two["cpu_s"] / one["cpu_s"], 3),
            "speedup_if_both_cores_free": round(2 * one["cpu_s"] / two["cpu_s"], 2),
            "wall_ratio": round(one["wall_s"] / two["wall_s"], 2),
            "byte_identical": all(filecmp.cmp(out1 / f, out2 / f, shallow=False) for f in files)}


def main(people: int = 400, seed: int = 11, code_dir: str | None = None, out: Path | None = None,
         scaling_people: int = 1600, n_rounds: int = 5, replies: str = "templates") -> dict:
    code = Path(code_dir).resolve() if code_dir else HERE.parent
    rows = _realistic()(people, seed, replies=replies)
    n_turns = len(rows)
    result: dict = {"bench": "replay", "input": "bench/realistic.py (simulated people, texts from ../shared/datasets, UUID ids)",
                    "people": people, "seed": seed, "replies": replies, "turns": n_turns, "accounts": len({r["user_id"] for r in rows}),
                    "linked_turns": sum(1 for r in rows if "identity" in r), "code": str(code)}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        inp = d / "turns.jsonl"
        inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        has_workers = b"--workers" in subprocess.run([sys.executable, "-m", "stream", "replay", "--help"],
                                                     capture_output=True, cwd=code).stdout

        def replay(workers: int, tag: str) -> dict:
            o = d / tag
            o.mkdir()
            cmd = ["replay", "--input", str(inp), "--cases", str(o / "cases.jsonl"), "--scores", str(o / "scores.jsonl"),
                   "--summary", "--no-progress"] + (["--workers", str(workers)] if has_workers else [])
            cpu, wall, proc = _run(cmd, code)
            (o / "summary.txt").write_bytes(proc.stdout)
            return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                    "turns_per_cpu_s": round(n_turns / cpu, 1), "turns_per_wall_s": round(n_turns / wall, 1),
                    "case_events": sum(1 for _ in (o / "cases.jsonl").open("rb")),
                    "report": proc.stderr.decode().strip().splitlines()[-1]}

        def score_alone(k: int) -> dict:
            cpu, wall, _ = _run(["score", "--input", str(inp), "--output", str(d / f"alone{k}.jsonl")], code)
            return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "us_per_turn": round(cpu / n_turns * 1e6)}

        # score alone and one-process replay back to back, `rounds` times: the median round's figures
        rounds = []
        for k in range(max(1, n_rounds)):
            if k % 2:  # every other round replay first: a drift of the host's speed favours neither side
                one = replay(1, f"w1-{k}")
                score = score_alone(k)
            else:
                score = score_alone(k)
                one = replay(1, "w1" if k == 0 else f"w1-{k}")
            beyond = round((one["cpu_s"] - score["cpu_s"]) / n_turns * 1e6)
            rounds.append({"score_alone": score, "replay_workers_1": one, "core_beyond_scoring_us_per_turn": beyond,
                           "core_beyond_over_scoring": round(beyond / score["us_per_turn"], 3)})
        mid = sorted(rounds, key=lambda r: r["core_beyond_over_scoring"])[len(rounds) // 2]
        result["rounds"] = [{"score_us_per_turn": r["score_alone"]["us_per_turn"], "replay_cpu_s": r["replay_workers_1"]["cpu_s"],
                             "core_beyond_scoring_us_per_turn": r["core_beyond_scoring_us_per_turn"],
                             "core_beyond_over_scoring": r["core_beyond_over_scoring"]} for r in rounds]
        result["score_alone"] = mid["score_alone"]
        runs = {1: mid["replay_workers_1"]}
        if has_workers:
            runs[2] = replay(2, "w2")
        result["replay"] = {f"workers_{k}": v for k, v in runs.items()}
        result["core_beyond_scoring_us_per_turn"] = mid["core_beyond_scoring_us_per_turn"]
        result["core_beyond_over_scoring"] = mid["core_beyond_over_scoring"]
        result["score_alone_us_per_turn"] = result["score_alone"]["us_per_turn"]
        if 2 in runs:
            result["two_processes"] = two_processes(runs[1], runs[2], d / "w1", d / "w2",
                                                    ("cases.jsonl", "scores.jsonl", "summary.txt"))
        if has_workers and scaling_people:
            result["two_processes_longer_replay"] = scaling(scaling_people, seed, code, d, replies)
    measured = _in_process(rows, code)
    result["window"] = window_bytes(measured["sizes"])
    result["encoder_passes_one_process"] = encoder_passes(measured["passes"])
    if "own_scoring_cpu_s" in measured:
        result["in_process"] = in_process_split(measured, n_turns)
    dest = out or RESULTS / ("replay.json" if replies == "templates" else f"replay_{replies}_replies.json")
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(result, indent=2) + "\n")
    return result


def window_only(people: int, seed: int, code_dir: str | None, out: Path | None) -> dict:
    """The stored windows alone (`window_bytes`), written into the JSON of an earlier full run (its other figures kept)."""
    code = Path(code_dir).resolve() if code_dir else HERE.parent
    dest = out or RESULTS / "replay.json"
    result = json.loads(dest.read_text()) if dest.exists() else {"bench": "replay", "people": people, "seed": seed}
    if (result["people"], result["seed"]) != (people, seed):
        raise SystemExit(f"{dest} holds another mix (people {result['people']}, seed {result['seed']})")
    result["window"] = {**window_bytes(_in_process(_realistic()(people, seed), code)["sizes"]), "code": str(code)}
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(result, indent=2) + "\n")
    return result


_WINDOWS = """
import sys, time, orjson
from stream.core import engine
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.drivers.replay import Lane, replay_lanes
from stream.scoring import encoder, load_default_scorer

# encoder passes by what asked for them: the turns' own scores, the tagger's clause pieces, the
# conversation read together (with its own pieces); CPU-seconds of the process while they ran
phase, passes = ["own scores"], {}

def during(name, fn):
    def run(self, *a, **k):
        prev = phase[0]
        phase[0] = name if prev == "own scores" else prev
        try:
            return fn(self, *a, **k)
        finally:
            phase[0] = prev
    return run

def counted(fn):
    def run(self, texts, *a, **k):
        t0 = time.process_time()
        try:
            return fn(self, texts, *a, **k)
        finally:
            p = passes.setdefault(phase[0], {"texts": 0, "cpu_s": 0.0})
            p["texts"] += len(texts)
            p["cpu_s"] += time.process_time() - t0
    return run

for name, attr in (("joint readings", "_with_context"), ("clause pieces", "_tag")):
    if hasattr(Detector, attr):
        setattr(Detector, attr, during(name, getattr(Detector, attr)))
encoder.EncoderStage.run = counted(encoder.EncoderStage.run)
turns = sorted((parse_turn(line) for line in sys.stdin.buffer), key=lambda t: t.order_key())
scorer = load_default_scorer()
# the scorer reading the turns themselves (what `riskstream score` does), apart from everything else
own = [0.0]
score_batch = scorer.score_batch
def scored(texts):
    t0 = time.process_time()
    try:
        return score_batch(texts)
    finally:
        if phase[0] == "own scores":
            own[0] += time.process_time() - t0
scorer.score_batch = scored
lane = Lane(Detector(scorer), {})
t0 = time.process_time()
replay_lanes([lane], turns)
total = time.process_time() - t0
sizes = sorted(len(v) if isinstance(v, bytes) else len(orjson.dumps(v)) for v in lane.store.data.values())  # bytes: format 3
print(orjson.dumps({"sizes": sizes, "passes": passes, "replay_cpu_s": total, "own_scoring_cpu_s": own[0]}).decode())
"""


def _in_process(rows: list[dict], code: Path) -> dict:
    """An in-process replay of `code`'s core: the stored window of every person active at the end,
    and the encoder passes by what asked for them."""
    proc = subprocess.run([sys.executable, "-c", _WINDOWS], input=b"".join(orjson.dumps(r) + b"\n" for r in rows),
                          capture_output=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code)})
    if proc.returncode:
        raise SystemExit(proc.stderr.decode()[-2000:])
    return json.loads(proc.stdout)


def encoder_passes(passes: dict) -> dict:
    """Texts the encoder read per asker, with the CPU they took (one process, in-process timer)."""
    return {k: {"texts": v["texts"], "cpu_s": round(v["cpu_s"], 2),
                "us_per_text": round(v["cpu_s"] / v["texts"] * 1e6) if v["texts"] else None} for k, v in passes.items()}


def in_process_split(measured: dict, n_turns: int) -> dict:
    """The core beyond scoring inside one replay process: CPU of the whole replay loop against the
    scorer's reading of the turns themselves, interleaved batch by batch, so a change in the host's
    speed moves both sides alike (start-up and file I/O are in neither)."""
    own, total = measured["own_scoring_cpu_s"], measured["replay_cpu_s"]
    return {"replay_cpu_s": round(total, 2), "own_scoring_cpu_s": round(own, 2),
            "own_scoring_us_per_turn": round(own / n_turns * 1e6),
            "core_beyond_scoring_us_per_turn": round((total - own) / n_turns * 1e6),
            "core_beyond_over_scoring": round((total - own) / own, 3)}


def window_bytes(sizes: list[int]) -> dict:
    """Stored window size per person active at the end: mean, percentiles, share within 1 KB."""
    return {"active_persons": len(sizes), "bytes_mean": round(sum(sizes) / len(sizes)),
            "bytes_p50": sizes[len(sizes) // 2], "bytes_p95": sizes[int(len(sizes) * 0.95)], "bytes_p99": sizes[int(len(sizes) * 0.99)], "bytes_max": sizes[-1],
            "share_within_1kb": round(sum(1 for s in sizes if s <= 1024) / len(sizes), 3)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=400)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--code-dir", help="measure this checkout's code instead (e.g. main, for a before figure)")
    ap.add_argument("--out", type=Path, help="write the JSON here (default bench/results/replay.json)")
    ap.add_argument("--scaling-people", type=int, default=1600,
                    help="people of the longer replay measured on one and two processes (0: skip it)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="back-to-back rounds of score alone and one-process replay (the median round is reported)")
    ap.add_argument("--replies", choices=("templates", "datasets"), default="templates",
                    help="the assistant's turns: the simulator's four short templates (the committed mix) or an LLM "
                         "assistant's replies from ../shared/datasets (writes replay_datasets_replies.json)")
    ap.add_argument("--window-only", action="store_true",
                    help="measure the stored windows only and replace that part of the JSON (the CPU figures "
                         "need a quiet machine; the window bytes do not)")
    a = ap.parse_args()
    if a.window_only:
        print(json.dumps(window_only(a.people, a.seed, a.code_dir, a.out), indent=2))
    else:
        print(json.dumps(main(a.people, a.seed, a.code_dir, a.out, a.scaling_people, a.rounds, a.replies), indent=2))
