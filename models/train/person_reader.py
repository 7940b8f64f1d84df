"""Train the person reader (stream/core/person_reader.py): one logistic reader over a window's numbers.

Rows: after every user turn of every written person of the fresh batches (bench/people, `FRESH`) and of
generated people of the escalation benchmark's tune half (`riskstream simulate --part tune --families in`,
seed 5: the benchmark reports on the other half), the window's features (`person_reader.features`), read
while the people are replayed through the production `Detector` with the model set being built (the rule
the reader feeds switched off). Labels: an escalating person's turns from the turn their harm became
inferable on are 1, a benign (or single-spike) person's turns 0, each person weighing one in total; a
person's score is the highest over their turns. Fitted on written people only, the reader read the
generated everyday people as escalating (`models/train/probe_person_reader.py`): the generated people
teach it that their way of writing is not a sign.

Reported, and the figure to trust: **out of batch**, each written batch's people scored by a reader fitted
without that batch (the generated people always in), pooled: recall at 2 / 5 / 10 % of the written benign
people. The stored cut is the score out of batch that 2 % of the written benign people reach (a window
must read above it).

    python -m models.train.person_reader [--models-dir models] [--report bench/results/person_reader.json]
    (part of `make models`, after the case confidence model: its windows read every other model)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RISKSTREAM_ORT_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.bench_people import FRESH, RATES, batch_files, layout, load, ranked_cut, recall_at  # noqa: E402
from models.train.trajectory import fit_logistic  # noqa: E402
from stream.core import person_reader  # noqa: E402
from stream.core.engine import Detector  # noqa: E402
from stream.core.events import parse_turn  # noqa: E402
from stream.core.person_reader import FILE_NAME, PersonReader  # noqa: E402
from stream.core.policy import PolicyConfig  # noqa: E402
from stream.core.timeutil import parse_rfc3339  # noqa: E402
from stream.drivers.replay import Lane, replay_lanes  # noqa: E402
from stream.scoring import load_default_scorer  # noqa: E402

C = 0.1  # inverse L2 strength (fit_logistic's c): the probe's runs at 0.03-1 read within a point of each other
CUT_RATE = 0.02  # the stored cut: this share of the written benign people read above it, out of batch
SIMULATED = ["--part", "tune", "--families", "in", "--seed", "5"]


def collector(models_dir: Path | None) -> Detector:
    """The production detector over `models_dir`, without the person reader (its features, not its cases)."""
    return Detector(load_default_scorer(models_dir=models_dir), PolicyConfig(person_cases=False), person=None)


def collect_turns(detector: Detector, batch: str, turns: list[dict], truth: list[dict]) -> tuple[list, dict]:
    """Rows (features, label or None, "<batch>/<person>", ts) after every user turn of the laid-out `turns`,
    and "<batch>/<person>" -> {kind, category, case_ts, rule, route, confidence} from the rules' own case events
    in the same replay (a person: `person`, or else `user_id`; confidence: the highest a case event read)."""
    for t in truth:
        t.setdefault("person", t["user_id"])
    owner = {a: t for t in truth for a in (t.get("accounts") or [t["user_id"]])}
    info = {f"{batch}/{t['person']}": {"kind": t["kind"], "case_ts": None, "category": t["category"], "confidence": None}
            for t in truth}
    rows = []
    reads_heading = detector.heading is not None

    def on_turn(turn, window) -> None:
        t = owner.get(turn.user_id)
        if t is None or turn.role != "user":
            return
        label = None if t["kind"] == "escalating" and turn.ts < parse_rfc3339(t["harm_inferable_at"]) else t["kind"] == "escalating"
        x = person_reader.features(window, turn.ts, detector.config, detector.trajectory, reads_heading)
        rows.append((x, label, f"{batch}/{t['person']}", turn.ts))

    def on_effect(eff) -> None:
        t = owner.get(eff.payload.get("user_id")) if eff.kind == "case" else None
        if t is None:
            return
        rec = info[f"{batch}/{t['person']}"]
        if "confidence" in eff.payload:
            rec["confidence"] = max(rec["confidence"] or 0.0, eff.payload["confidence"])
        if eff.payload.get("event") == "open":
            ts = parse_rfc3339(eff.payload["opened_at"])
            if rec["case_ts"] is None or ts < rec["case_ts"]:
                rec["case_ts"], rec["rule"], rec["route"] = ts, eff.payload.get("rule"), eff.payload.get("route")

    replay_lanes([Lane(detector, {}, on_effect=on_effect, on_turn=on_turn)],
                 sorted(map(parse_turn, turns), key=lambda t: t.order_key()))
    return rows, info


def collect_batch(detector: Detector, batch: str, split: str = "all") -> tuple[list, dict]:
    """`collect_turns` of a written batch's people (`split`: bench_people's dev / sealed / all)."""
    turns, truth = layout(load(batch_files(batch), split))
    return collect_turns(detector, batch, turns, truth)


def collect_simulated(detector: Detector, where: Path, name: str) -> tuple[list, dict]:
    """`collect_turns` of a `riskstream simulate` directory (turns.jsonl, truth.jsonl)."""
    turns = [json.loads(line) for line in (where / "turns.jsonl").read_text().splitlines() if line.strip()]
    truth = [json.loads(line) for line in (where / "truth.jsonl").read_text().splitlines() if line.strip()]
    return collect_turns(detector, name, turns, truth)


def simulate(out: Path, args: list[str]) -> Path:
    subprocess.run([sys.executable, "-m", "stream", "simulate", "--out", str(out), *args], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    return out


def standardise(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu, sd = x[mask].mean(0), x[mask].std(0)
    return mu, np.where(sd > 1e-9, sd, 1.0)


def fit(x: np.ndarray, y: np.ndarray, people: list[str], train: np.ndarray, c: float = C):
    """(mean, scale, weights, bias) fitted on the rows `train` keeps, each person weighing one."""
    count: dict[str, int] = defaultdict(int)
    for i in np.flatnonzero(train):
        count[people[i]] += 1
    w = np.array([1.0 / count[p] if train[i] else 0.0 for i, p in enumerate(people)])
    mu, sd = standardise(x, train)
    beta, bias = fit_logistic(((x - mu) / sd)[train], y[train], w[train], c)
    return mu, sd, beta, bias


def highest(x: np.ndarray, people: list[str], model, only=None) -> dict[str, float]:
    """Each person's highest logit over their rows (those `only` keeps)."""
    mu, sd, beta, bias = model
    s = ((x - mu) / sd) @ beta + bias
    out: dict[str, float] = {}
    for i, p in enumerate(people):
        if only is None or only(p):
            out[p] = max(out.get(p, -np.inf), float(s[i]))
    return out


def out_of_batch(rows: list, written: list[str], c: float = C) -> dict[str, float]:
    """Every written person's highest logit from a reader fitted without their batch (other rows always in)."""
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([float(bool(r[1])) for r in rows])
    people = [r[2] for r in rows]
    batch = np.array([p.split("/", 1)[0] for p in people])
    labelled = np.array([r[1] is not None for r in rows])
    held: dict[str, float] = {}
    for b in written:
        held.update(highest(x, people, fit(x, y, people, labelled & (batch != b), c), lambda p, b=b: p.split("/", 1)[0] == b))
    return held


def cut_at(scores: list[float], rate: float) -> float:
    """The score ranked floor(rate x n) from the top (a person must read above it: bench_people.recall_at)."""
    return ranked_cut(scores, int(rate * len(scores)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=REPO / "models", help="the model set to read windows with and add the reader to")
    ap.add_argument("--report", type=Path, default=REPO / "bench" / "results" / "person_reader.json")
    args = ap.parse_args(argv)
    detector = collector(args.models_dir)
    rows, info = [], {}
    for b in FRESH:
        r, i = collect_batch(detector, b)
        rows, info = rows + r, {**info, **i}
    with tempfile.TemporaryDirectory(prefix="rs-person-") as tmp:
        r, i = collect_simulated(detector, simulate(Path(tmp), SIMULATED), "simulated")
    rows, info = rows + r, {**info, **i}
    names = person_reader.feature_names(detector.trajectory, detector.heading is not None)
    held = out_of_batch(rows, list(FRESH))
    esc = [p for p in held if info[p]["kind"] == "escalating"]
    ben = [p for p in held if info[p]["kind"] == "benign"]
    cut = cut_at([held[p] for p in ben], CUT_RATE)
    x = np.array([r[0] for r in rows], dtype=float)
    labelled = np.array([r[1] is not None for r in rows])
    mu, sd, beta, bias = fit(x, np.array([float(bool(r[1])) for r in rows]), [r[2] for r in rows], labelled)
    body = PersonReader(tuple(names), tuple(map(float, mu)), tuple(map(float, sd)), tuple(map(float, beta)), float(bias),
                        float(1.0 / (1.0 + np.exp(-cut)))).to_dict()
    body["version"] = "person-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    conf = {p: (info[p]["confidence"] if info[p]["confidence"] is not None else -1.0) for p in held}
    report = {"version": body["version"], "batches": list(FRESH), "simulated": " ".join(SIMULATED),
              "people": {"written_escalating": len(esc), "written_benign": len(ben),
                         "simulated": sum(1 for p in info if p.startswith("simulated/"))},
              "rows": len(rows), "C": C, "cut_rate": CUT_RATE,
              "out_of_batch": {f"{r:.2f}": {"reader": recall_at(held.get, esc, ben, r), "case_confidence": recall_at(conf.get, esc, ben, r)}
                               for r in RATES}}
    body["training"] = {k: report[k] for k in ("batches", "simulated", "people", "rows", "C", "cut_rate")}
    body["report"] = report["out_of_batch"]
    (args.models_dir / FILE_NAME).write_text(json.dumps(body, indent=1) + "\n")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{body['version']}: {len(rows)} rows of {len(info)} people -> {args.models_dir / FILE_NAME}")
    print(json.dumps(report["out_of_batch"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
