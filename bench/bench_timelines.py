"""The escalation benchmark, one command: simulate -> replay -> stateless baseline -> evaluate.

riskstream (stateful windows, stages, linking) against a stateless per-turn baseline whose
threshold is set to flag the same share of benign users. Writes bench/results/timelines.json and
bench/results/timelines.html (plots), and prints the headline figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from stream.jsonl import dumps_line  # noqa: E402
from stream.simulate.baseline import stateless_cases, threshold_for_rate, user_turn_peaks  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
RS = [sys.executable, "-m", "stream"]


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def main(seed: int = 11) -> dict:
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        subprocess.run(RS + ["simulate", "--out", str(d), "--seed", str(seed)], check=True, cwd=REPO)
        subprocess.run(RS + ["replay", "--input", str(d / "turns.jsonl"), "--cases", str(d / "cases.jsonl"),
                             "--scores", str(d / "scores.jsonl"), "--no-progress"], check=True, cwd=REPO)
        truth = _lines(d / "truth.jsonl")
        benign = [t["user_id"] for t in truth if t["kind"] == "benign"]
        opened = {c["user_id"] for c in _lines(d / "cases.jsonl") if c["event"] == "open"}
        rate = sum(u in opened for u in benign) / len(benign)
        peaks = user_turn_peaks(_lines(d / "scores.jsonl"))
        thr = threshold_for_rate(peaks, benign, rate)
        (d / "baseline.jsonl").write_bytes(b"".join(dumps_line(c) for c in stateless_cases(peaks, thr)))
        subprocess.run(RS + ["evaluate", "--cases", str(d / "cases.jsonl"), "--truth", str(d / "truth.jsonl"),
                             "--turns", str(d / "turns.jsonl"), "--baseline-cases", str(d / "baseline.jsonl"),
                             "--json", str(RESULTS / "timelines.json"), "--html", str(RESULTS / "timelines.html")],
                       check=True, cwd=REPO)
    report = json.loads((RESULTS / "timelines.json").read_text())
    systems = report["systems"]
    names = list(systems)
    ours, base = systems[names[0]], systems[names[1]]
    head = {"bench": "timelines", "seed": seed, "users": report["users"], "baseline_threshold": round(thr, 4),
            "riskstream": {k: ours[k] for k in ("recall", "precision", "benign_flagged_per_1000", "delay_hours", "delay_turns")},
            "stateless_same_fpr": {k: base[k] for k in ("recall", "precision", "benign_flagged_per_1000")},
            "recall_gain_points": round(100 * ((ours["recall"] or 0) - (base["recall"] or 0)), 1)}
    report["headline"] = head
    (RESULTS / "timelines.json").write_text(json.dumps(report, indent=2) + "\n")
    return head


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
