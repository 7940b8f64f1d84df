"""Scoring throughput on ONE core (turns/s): each stage and the cascade, plus `riskstream score` end to end.

Texts: the held-out dev rows written by `make models` (.cache/dev/all.jsonl) when present, in two
mixes ("dev": as labelled, about half risky; "benign-heavy": 90 % benign-source rows, 10 % risky,
closer to production traffic); otherwise project-written texts from models/data + bench/synthetic.
The process pins itself to CPU 0 and all thread pools to 1 thread.
Writes bench/results/score.json.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["RISKSTREAM_ORT_THREADS"] = "1"

import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def _pin():
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def load_texts(n: int, seed: int = 3) -> dict[str, list[str]]:
    rng = random.Random(seed)
    dev = ROOT / ".cache" / "dev" / "all.jsonl"
    mixes = {}
    if dev.exists():
        rows = [json.loads(line) for line in dev.open(encoding="utf-8")]
        rng.shuffle(rows)
        mixes["dev"] = [r["text"] for r in rows[:n]]
        benign = [r["text"] for r in rows if r.get("benign")]
        risky = [r["text"] for r in rows if any(v == 1 for v in (r.get("labels") or {}).values())]
        nb = int(n * 0.9)
        mixes["benign-heavy"] = rng.sample(benign, min(nb, len(benign))) + rng.sample(risky, min(n - nb, len(risky)))
        rng.shuffle(mixes["benign-heavy"])
    else:
        from bench.synthetic import BENIGN, RISKY

        texts = list(BENIGN) + list(RISKY)
        for p in sorted((ROOT / "models" / "data").glob("*.jsonl")):
            texts += [json.loads(line)["text"] for line in p.open(encoding="utf-8") if line.strip()]
        mixes["project"] = [rng.choice(texts) for _ in range(n)]
    return mixes


def time_scorer(scorer, texts: list[str], batch: int = 256, min_seconds: float = 3.0) -> dict:
    scorer.score_batch(texts[:batch])  # warm-up
    n = 0
    t0 = time.perf_counter()
    while True:
        for s in range(0, len(texts), batch):
            scorer.score_batch(texts[s:s + batch])
        n += len(texts)
        el = time.perf_counter() - t0
        if el >= min_seconds:
            break
    return {"turns": n, "seconds": round(el, 3), "turns_per_s": round(n / el, 1)}


def bench_cli(texts: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as d:
        inp = Path(d) / "in.jsonl"
        inp.write_text("".join(json.dumps({"event_id": f"e{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "RISKSTREAM_ORT_THREADS": "1"}
        cmd = [sys.executable, "-m", "stream", "score", "--input", str(inp), "--output", str(Path(d) / "out.jsonl")]
        if os.path.exists("/usr/bin/taskset"):
            cmd = ["taskset", "-c", "0"] + cmd
        # load time alone (empty input), to separate start-up from steady-state throughput
        empty = Path(d) / "empty.jsonl"
        empty.write_text("")
        t0 = time.perf_counter()
        subprocess.run(cmd[:-4] + ["--input", str(empty), "--output", str(Path(d) / "o0.jsonl")],
                       check=True, env=env, capture_output=True)
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            return {"error": proc.stderr[-2000:]}
    return {"turns": len(texts), "wall_s": round(wall, 2), "startup_s": round(startup, 2),
            "turns_per_s_wall": round(len(texts) / wall, 1),
            "turns_per_s_excl_startup": round(len(texts) / max(1e-9, wall - startup), 1)}


def main(n: int = 4000) -> dict:
    _pin()
    from stream.scoring import load_default_scorer

    mixes = load_texts(n)
    result = {"bench": "score", "cpu": "1 core (pinned), 1 thread", "batch": 256, "mixes": {}}
    scorers = {
        "cheap": load_default_scorer(stages="cheap", reload_interval=3600),
        "encoder": load_default_scorer(stages="encoder", reload_interval=3600),
        "cascade": load_default_scorer(reload_interval=3600),
        "cheap_no_lists": load_default_scorer(stages="cheap", use_lists=False),
    }
    for mix, texts in mixes.items():
        r = {}
        for name, sc in scorers.items():
            tx = texts if name != "encoder" else texts[: max(256, n // 4)]
            sc.stats = {"texts": 0, "encoder_texts": 0}
            r[name] = time_scorer(sc, tx)
            if name == "cascade":
                r[name]["encoder_share"] = round(sc.stats["encoder_texts"] / max(1, sc.stats["texts"]), 3)
        result["mixes"][mix] = r
    main_mix = "benign-heavy" if "benign-heavy" in mixes else next(iter(mixes))
    result["cli_score_cascade"] = bench_cli(mixes[main_mix])
    result["cli_mix"] = main_mix
    result["version"] = scorers["cascade"].version
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "score.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
