"""Run every benchmark and print the JSON results (also written to bench/results/)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_e2e, bench_people, bench_replay, bench_score, bench_timelines, bench_worker  # noqa: E402

if __name__ == "__main__":
    for mod in (bench_score, bench_replay, bench_e2e, bench_worker, bench_timelines, bench_people):
        print(json.dumps(mod.main(), indent=2), flush=True)
    print(json.dumps(bench_people.main(["--written"]), indent=2), flush=True)  # benign people of bench/written/
    print(json.dumps(bench_people.main(["--cjk-turns"]), indent=2), flush=True)  # benign zh / ko people of stage_turns(_cjk).jsonl
