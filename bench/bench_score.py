"""Scoring throughput on ONE core, as turns per CPU-second: the production scorer in-process and
`riskstream score` end to end, on a realistic chat mix.

Text mix (`chat_mix`, from ../shared/datasets; set RISKSTREAM_DATASETS to move it): user turns of
task dialogues and small talk, customer-service and voice-assistant requests (80 %), safe prompts
that only sound unsafe (8 %), harmful requests and offensive chat (7 %), Chinese and Korean
chat-length text (5 %), drawn with repeats as real traffic has them (no 20-template loops). The
median turn is about a dozen words. The process pins itself to one CPU and every thread pool to 1
thread; CPU time is the process's own (the machine is shared, so wall time varies). Writes
bench/results/score.json.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["RISKSTREAM_ORT_THREADS"] = "1"

import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
DATASETS = Path(os.environ.get("RISKSTREAM_DATASETS", ROOT.parent / "shared" / "datasets"))

# (file, share of the mix, roles taken from multi-turn rows, languages kept (None: all), max words).
# Chat turns to an assistant and everyday chat: task dialogues, red-team chat with an assistant,
# Reddit comments, small talk, customer-service and voice-assistant requests, safe prompts that only
# sound unsafe, harmful and offensive chat, a tail of long messages (counselling questions), and
# Chinese and Korean chat. Median about 12 words.
MIX = [
    ("sgd_dialogues_benign.jsonl", 0.08, ("user",), None, 300),
    ("hh_rlhf_redteam_dialogs.jsonl", 0.13, ("user",), None, 300),
    ("goemotions.jsonl", 0.15, ("user",), None, 300),
    ("diasafety.jsonl", 0.19, ("user",), None, 300),
    ("banking77_benign.jsonl", 0.05, ("user",), None, 300),
    ("sonos_nlu_benign.jsonl", 0.04, ("user",), None, 300),
    ("chatterbot_benign.jsonl", 0.03, ("user", "assistant"), None, 300),
    ("coconot_en.jsonl", 0.04, ("user",), None, 300),
    ("orbench_hard_en_ko.jsonl", 0.08, ("user",), ("en",), 300),
    ("selfinstruct_benign.jsonl", 0.01, ("user",), None, 300),
    ("toxichat_reddit.jsonl", 0.08, ("user",), None, 300),
    ("counsel_chat_questions.jsonl", 0.03, ("user",), None, 300),
    ("threatgram_threats.jsonl", 0.02, ("user",), None, 300),
    ("multijail_en_zh_ko.jsonl", 0.02, ("user",), None, 300),
    ("cold_zh.jsonl", 0.03, ("user",), None, 300),
    ("korean_hate_ko.jsonl", 0.02, ("user",), None, 300),
]


def _pin():
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def _texts(name: str, roles, langs, max_words: int) -> list[str]:
    out = []
    with open(DATASETS / name, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if langs and r.get("lang") not in langs:
                continue
            cands = [r["text"]] if "text" in r else [t["content"] for t in r["turns"] if t["role"] in roles]
            out += [t for t in cands if t.strip() and len(t.split()) <= max_words]
    return out


def chat_mix(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for name, share, roles, langs, max_words in MIX:
        pool = _texts(name, roles, langs, max_words)
        texts += [rng.choice(pool) for _ in range(int(round(n * share)))]  # with replacement: repeats
    rng.shuffle(texts)
    return texts[:n]


def time_scorer(scorer, texts: list[str], batch: int = 64) -> dict:
    """Turns per CPU-second of one scorer after its warm-up: what is loaded on first use (the USE
    encoder, on the first Chinese or Korean turn: 1-2 CPU-seconds, reported apart as
    `warm_up_cpu_s`, as a worker pays it at start) and a first batch. Until session 31 the USE load
    fell inside the first scorer's timed run when its first batch had no CJK turn."""
    c0 = time.process_time()
    getattr(scorer, "warm_up", lambda: None)()
    scorer.score_batch(texts[:batch])  # warm-up (not timed)
    warm = time.process_time() - c0
    scorer.stats = {k: 0 for k in scorer.stats}
    c0, t0 = time.process_time(), time.perf_counter()
    for s in range(0, len(texts), batch):
        scorer.score_batch(texts[s:s + batch])
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    st = scorer.stats
    return {"turns": len(texts), "cpu_s": round(cpu, 2), "warm_up_cpu_s": round(warm, 2),
            "turns_per_cpu_s": round(len(texts) / cpu, 1),
            "turns_per_s_wall": round(len(texts) / wall, 1),
            "encoder_share": round(st.get("encoder_texts", 0) / max(1, st.get("texts", 1)), 3),
            "use_share": round(st.get("use_texts", 0) / max(1, st.get("texts", 1)), 3),
            "cache_hit_share": round(st.get("cache_hits", 0) / max(1, st.get("texts", 1)), 3)}


def _run_cli(texts: list[str], seed: int = 11) -> tuple[float, float] | str:
    """(CPU seconds, wall seconds) of one `riskstream score` child process, or its error."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as d:
        inp = Path(d) / "in.jsonl"
        inp.write_text("".join(json.dumps({"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "text": t})
                               + "\n" for t in texts))
        cmd = [sys.executable, "-m", "stream", "score", "--input", str(inp), "--output", str(Path(d) / "out.jsonl")]
        if os.path.exists("/usr/bin/taskset"):
            cmd = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[0])] + cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            return proc.stderr[-2000:]
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def bench_cli(texts: list[str]) -> dict:
    """`riskstream score` as a user runs it (UUID event ids, default batch size); CPU time of the
    child process, start-up included, and without it (a one-line run's CPU time subtracted). The
    USE encoder's unpacked copy (stream/scoring/use_unpacked.py) is in place first, as after any
    earlier run on the machine; `use_load_in_bench_process_cpu_s` is that load in the bench process (1.2-1.5 s when it writes the copy, about 0.15 s after)."""
    from stream.scoring.use_unpacked import cache_root, load_use

    t0 = time.process_time()
    load_use(1)
    first = time.process_time() - t0
    full = _run_cli(texts)
    start = _run_cli(texts[:1])
    if isinstance(full, str) or isinstance(start, str):
        return {"error": full if isinstance(full, str) else start}
    (cpu, wall), (cpu0, _) = full, start
    return {"turns": len(texts), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "turns_per_cpu_s": round(len(texts) / cpu, 1), "turns_per_s_wall": round(len(texts) / wall, 1),
            "startup_cpu_s": round(cpu0, 2),
            "turns_per_cpu_s_after_startup": round(len(texts) / max(1e-9, cpu - cpu0), 1),
            "use_unpacked_copy": cache_root() is not None, "use_load_in_bench_process_cpu_s": round(first, 2)}


def main(n: int = 6000) -> dict:
    _pin()
    from stream.scoring import load_default_scorer

    texts = chat_mix(n)
    words = [len(t.split()) for t in texts]
    result = {"bench": "score", "cpu": "1 core (pinned), 1 thread", "batch": 64,
              "mix_note": f"{n} chat turns, median {statistics.median(words):.0f} words, "
                          f"{len(set(texts)) / len(texts):.0%} distinct (see bench/bench_score.py MIX)",
              "stages": {}}
    scorers = {
        "production (encoder on non-CJK, n-gram + USE on CJK, LRU cache)": load_default_scorer(reload_interval=3600),
        "production without the text cache": load_default_scorer(reload_interval=3600, cache_size=0),
        "n-gram stage only (no encoder)": load_default_scorer(stages="cheap", reload_interval=3600),
    }
    for name, sc in scorers.items():
        result["stages"][name] = time_scorer(sc, texts)
        print(name, result["stages"][name], flush=True)
    result["cli_score"] = bench_cli(texts)
    prod = result["stages"]["production (encoder on non-CJK, n-gram + USE on CJK, LRU cache)"]
    result["summary"] = {
        "median_words": statistics.median(words), "distinct_share": round(len(set(texts)) / len(texts), 3),
        "cache_hit_share": prod["cache_hit_share"], "in_process_turns_per_cpu_s": prod["turns_per_cpu_s"],
        "cli_turns_per_cpu_s": result["cli_score"].get("turns_per_cpu_s"), "target_turns_per_cpu_s": 1000}
    result["version"] = next(iter(scorers.values())).version
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "score.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
