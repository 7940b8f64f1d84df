"""The worker's cost, another checkout's code against this one's, on one warm broker (issue 16).

`bench_worker.py` measures one code version; on this shared host its bursts of the same code move
by a quarter between runs (the broker's JIT, neighbours), more than most changes it is meant to
judge. Here both versions run on the same broker, burst after burst, alternating (base, this,
this, base, ...), once with one hop and once with every turn re-keyed through turns-by-person:
each adjacent pair of bursts saw the same host, so the pairs' differences are the figure.

    python bench/bench_worker_ab.py --base /path/to/other/checkout [--cycles 3] [--turns 3000]

Writes bench/results/worker_ab.json (per burst: version, mode, worker and broker CPU us a turn;
per version and mode the median; per mode the paired differences, this minus base).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import bench_worker as B  # noqa: E402
import dev.harness as harness  # noqa: E402
from dev.kafka import KafkaBroker  # noqa: E402

MODES = {"one-hop": None, "rekeyed": {"RISKSTREAM_REKEY_EVERY_TURN": "1"}}


def main(base: Path, cycles: int, n: int) -> dict:
    versions = {"base": base.resolve(), "this": HERE.parent}
    maker = B.TurnMaker(pool_size=30000)
    warm, rows = maker.make(256, seed=100), maker.make(n, seed=101)
    bursts = []
    with tempfile.TemporaryDirectory(prefix="bench-worker-ab-") as tmp:
        d = Path(tmp)
        with KafkaBroker(dir=d / "kafka", port=0) as broker:
            producer = B._producer(broker.bootstrap)
            with B.running(broker, d, [0], "cold") as (cold, col):  # the broker's first bursts cost it most
                B.warm_up(cold, col, producer, rows)
                B.burst(cold, col, producer, rows, broker.pid, 3.0)
            order = [("base", "one-hop"), ("this", "one-hop"), ("this", "rekeyed"), ("base", "rekeyed")] * cycles
            for i, (version, mode) in enumerate(order):
                harness.REPO = versions[version]  # the worker processes run that checkout's code
                with B.running(broker, d, [0], f"{version}{i}", env=MODES[mode]) as (ws, col):
                    B.warm_up(ws, col, producer, warm)
                    b = B.burst(ws, col, producer, rows, broker.pid, 3.0)
                bursts.append({"version": version, "mode": mode, "worker_us_per_turn": b["us_per_turn"],
                               "broker_us_per_turn": b["broker_us_per_turn"], "case_events": b["case_events"]})
                print(bursts[-1], flush=True)
    result: dict = {"bench": "worker_ab", "base": str(versions["base"]), "this": str(versions["this"]),
                    "turns_per_burst": n, "cycles": cycles, "bursts": bursts, "median_us_per_turn": {}, "paired": {}}
    for mode in MODES:
        of = {v: [b["worker_us_per_turn"] for b in bursts if b["version"] == v and b["mode"] == mode] for v in versions}
        for version, values in of.items():
            result["median_us_per_turn"][f"{version} {mode}"] = statistics.median(values)
        diffs = [t - b for t, b in zip(of["this"], of["base"])]  # the k-th of each: adjacent bursts
        result["paired"][mode] = {"this_minus_base_us": diffs, "median": statistics.median(diffs),
                                  "this_cheaper_in": f"{sum(x < 0 for x in diffs)} of {len(diffs)}"}
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. a worktree of the previous commit)")
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--turns", type=int, default=3000)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "worker_ab.json")
    a = ap.parse_args()
    res = main(a.base, a.cycles, a.turns)
    a.out.parent.mkdir(exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps({k: res[k] for k in ("median_us_per_turn", "paired")}, indent=2))
