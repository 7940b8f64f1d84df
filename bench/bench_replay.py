"""Embedded replay throughput (turns/s, one core) and per-user window size (bytes/user).

Runs `riskstream replay` end to end as a subprocess pinned to one core, on a synthetic file.
Writes bench/results/replay.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synthetic import generate  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main(n_turns: int = 20000, n_users: int = 2000) -> dict:
    rows = generate(n_turns, n_users)
    with tempfile.TemporaryDirectory() as d:
        inp = Path(d) / "turns.jsonl"
        inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        cmd = ["taskset", "-c", "0", sys.executable, "-m", "stream", "replay", "--input", str(inp),
               "--cases", str(Path(d) / "cases.jsonl"), "--scores", str(Path(d) / "scores.jsonl"), "--no-progress"]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(proc.stderr)
        cases = sum(1 for _ in open(Path(d) / "cases.jsonl"))
    window_bytes = measure_window_bytes(rows)
    result = {"bench": "replay", "turns": n_turns, "users": n_users, "wall_s": round(wall, 2),
              "turns_per_s_including_startup": round(n_turns / wall, 1), "case_events": cases,
              "replay_report": proc.stderr.strip().splitlines()[-1], **window_bytes}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "replay.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def measure_window_bytes(rows: list[dict]) -> dict:
    """Serialised window size per active user after the run (what a table/changelog stores)."""
    from stream.core.engine import Detector
    from stream.core.events import parse_turn
    from stream.core.pipeline import MemoryStore, run_batch
    from stream.scoring import load_default_scorer

    det = Detector(load_default_scorer())
    store = MemoryStore()
    turns = [parse_turn(r) for r in rows]
    for i in range(0, len(turns), 256):
        for _ in run_batch(det, turns[i: i + 256], store):
            pass
    sizes = sorted(len(orjson.dumps(v)) for v in store.data.values())
    return {"window_bytes_mean": round(sum(sizes) / len(sizes)), "window_bytes_p99": sizes[int(len(sizes) * 0.99)],
            "window_bytes_max": sizes[-1], "active_users": len(sizes)}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
