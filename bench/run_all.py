"""Run every benchmark and print the JSON results (also written to bench/results/)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_e2e, bench_replay  # noqa: E402

try:
    from bench import bench_score  # noqa: E402
except ImportError:  # pragma: no cover - written with the classifier work
    bench_score = None

if __name__ == "__main__":
    for mod in (bench_score, bench_replay, bench_e2e):
        if mod is not None:
            print(json.dumps(mod.main(), indent=2), flush=True)
