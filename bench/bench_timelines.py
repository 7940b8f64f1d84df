"""The escalation benchmark, one command: simulate -> replay -> stateless baseline -> evaluate.

riskstream (stateful windows, stages, linking) against a stateless per-turn baseline whose
threshold is set to flag the same share of benign users. Timelines are drawn from the "report"
half of the dev split (policy was tuned, and each model set's trajectory model trained, on
"tune" timelines only). Two model sets:

- production: the committed models. The timeline sources' dev rows are unseen, but their sources
  are in training, so per-turn scores are in-distribution and the stateless baseline is strong.
- held-out: models trained with the timelines' violence sources (ThreatGram, GoEmotions) left out
  entirely (`make holdout-models`, written to .cache/holdout-models): what riskstream meets on
  data it has never seen. Skipped with a note when that model set has not been built.

Two kinds of people, side by side (`--families`): in-family people drawn from the dev rows of
the classifiers' own training families, and out-of-family people (the headline): for each fold of
stream/simulate/pools.py FOLDS (`--folds`, default all: A and B, rotated), people whose source texts
come from that fold's held-out families (`riskstream simulate --families out --fold F`) plus the
hand-written people (out of every fold), scored by the model set built without those families
(`make oof-models`: .cache/oof-models for A, .cache/oof-models-b for B; classifiers, stage tagger
and trajectory model). The headline pools every fold's and seed's people with 95 % intervals, per
shape too; a fold whose model set is not built runs on the production models and is reported
apart, never pooled (it is not out of family).

Each seed is a fresh draw of people from the report half (about 2.5 minutes per seed and model set
or fold here). Writes bench/results/timelines.json (+ .html), timelines_heldout.json and
timelines_out_of_family_fold-<F>.json (+ .html) for the first seed, and timelines_seeds.json with
every seed's headline, the mean / min / max over seeds, each seed's 95 % intervals, and the pooled
figures (every seed's people taken together, with their intervals), and prints that summary.
One command, about 2.5 minutes a seed here: `python bench/bench_timelines.py --seeds 11,12,13
--results bench/results/escalation`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from stream.jsonl import dumps_line  # noqa: E402
from stream.simulate.baseline import stateless_cases, threshold_for_rate, user_turn_peaks  # noqa: E402
from stream.simulate.pools import FOLDS  # noqa: E402
from stream.simulate.timelines import truth_by_account  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
RS = [sys.executable, "-m", "stream"]
HELDOUT_MODELS = REPO / ".cache" / "holdout-models"
# `make oof-models`: per fold of stream/simulate/pools.py FOLDS, a model set built with that fold's
# source families held out of training (classifiers, stage tagger, trajectory model)
OOF_MODELS = {"A": REPO / ".cache" / "oof-models", "B": REPO / ".cache" / "oof-models-b"}
HEADLINE_KEYS = ("recall", "precision", "benign_flagged_per_1000", "delay_hours", "delay_turns", "per_shape")


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def run_models(d: Path, name: str, models_dir: Path | None, report_dir: Path = RESULTS, suffix: str = "",
               policy: Path | None = None) -> dict:
    """Replay the simulated timelines with one model set (and case policy file, `policy`), build the
    baseline, evaluate (JSON + HTML into `report_dir`); returns the headline."""
    env = dict(os.environ, **({"RISKSTREAM_MODELS_DIR": str(models_dir)} if models_dir else {}))
    out = d / name
    out.mkdir()
    subprocess.run(RS + ["replay", "--input", str(d / "turns.jsonl"), "--cases", str(out / "cases.jsonl"),
                         "--scores", str(out / "scores.jsonl"), "--no-progress"] + (["--policy", str(policy)] if policy else []),
                   check=True, cwd=REPO, env=env)
    truth = _lines(d / "truth.jsonl")
    benign = [t["user_id"] for t in truth if t["kind"] == "benign"]
    opened = {c["user_id"] for c in _lines(out / "cases.jsonl") if c["event"] == "open"}
    rate = sum(u in opened for u in benign) / len(benign)
    peaks = user_turn_peaks(_lines(out / "scores.jsonl"))
    thr = threshold_for_rate(peaks, benign, rate)
    (out / "baseline.jsonl").write_bytes(b"".join(dumps_line(c) for c in stateless_cases(peaks, thr)))
    stem = ("timelines" + suffix if name == "production" else f"timelines{suffix}_{name}")
    subprocess.run(RS + ["evaluate", "--cases", str(out / "cases.jsonl"), "--truth", str(d / "truth.jsonl"),
                         "--turns", str(d / "turns.jsonl"), "--baseline-cases", str(out / "baseline.jsonl"),
                         "--json", str(report_dir / f"{stem}.json"), "--html", str(report_dir / f"{stem}.html")],
                   check=True, cwd=REPO, env=env)
    report = json.loads((report_dir / f"{stem}.json").read_text())
    ours, base = report["systems"]["riskstream"], report["systems"]["baseline"]
    head = {"models": str(models_dir or "models/"), "baseline_threshold": round(thr, 4),
            "riskstream": {k: ours[k] for k in HEADLINE_KEYS},
            "stateless_same_fpr": {k: base[k] for k in ("recall", "precision", "benign_flagged_per_1000", "per_shape")},
            "recall_gain_points": round(100 * ((ours["recall"] or 0) - (base["recall"] or 0)), 1)}
    head["first_case_rule"] = _rules_by_kind(_lines(out / "cases.jsonl"), truth)
    report["headline"] = head
    (report_dir / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    return head


def _rules_by_kind(cases: list[dict], truth: list[dict]) -> dict:
    """Which rule opened each person's first case, counted per kind of person (benign = false positives)."""
    owner = truth_by_account(truth)
    first: dict[str, tuple[str, str]] = {}
    for c in sorted((c for c in cases if c["event"] == "open"), key=lambda c: c["opened_at"]):
        t = owner.get(c["user_id"])
        if t is not None:
            first.setdefault(t["user_id"], (t["kind"], c["rule"]))
    out: dict[str, Counter] = {}
    for kind, rule in first.values():
        out.setdefault(kind, Counter())[rule] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


DEFAULT_SEEDS = (11, 12)
# The issue's first-wave targets, checked per seed and on all seeds' people pooled.
TARGETS = {"recall_min": 0.70, "benign_flagged_per_1000_max": 20.0, "recall_gain_points_min": 20.0}


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    """95 % Wilson score interval of a proportion k/n (a seed is a sample: its figures carry this much noise)."""
    if n <= 0:
        return [0.0, 1.0]
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, mid - half), 4), round(min(1.0, mid + half), 4)]


def _summary(runs: dict[str, dict], users: dict[str, dict] | None = None) -> dict:
    """Mean / min / max over seeds of the headline figures, whether every seed meets the targets, and
    per seed the 95 % intervals of recall and of the benign rate (with `users`: people per kind)."""
    rows = {seed: {"recall": h["riskstream"]["recall"], "benign_flagged_per_1000": h["riskstream"]["benign_flagged_per_1000"],
                   "stateless_recall": h["stateless_same_fpr"]["recall"], "recall_gain_points": h["recall_gain_points"]}
            for seed, h in runs.items()}
    out: dict = {}
    for key in ("recall", "benign_flagged_per_1000", "stateless_recall", "recall_gain_points"):
        vals = [r[key] or 0.0 for r in rows.values()]
        out[key] = {"mean": round(sum(vals) / len(vals), 4), "min": min(vals), "max": max(vals)}
    met = {seed: _meets(r["recall"] or 0, r["benign_flagged_per_1000"], r["recall_gain_points"])
           for seed, r in rows.items()}
    out["targets"] = TARGETS
    out["targets_met_by_seed"] = met
    if users:
        out["ci95_by_seed"] = {}
        counts = {}
        for seed, r in rows.items():
            n_esc, n_ben = users[seed].get("escalating", 0), users[seed].get("benign", 0)
            counts[seed] = (round((r["recall"] or 0.0) * n_esc), round((r["stateless_recall"] or 0.0) * n_esc), n_esc,
                            round(r["benign_flagged_per_1000"] * n_ben / 1000), n_ben)
            out["ci95_by_seed"][seed] = {"recall": wilson(counts[seed][0], n_esc),
                                         "benign_flagged_per_1000": _per_1000(wilson(counts[seed][3], n_ben))}
        out["pooled"] = _pooled(list(counts.values()))
    return out


def _pooled(counts: list[tuple[int, int, int, int, int]]) -> dict:
    """Every seed's people taken together (detected, stateless detected, escalating, benign flagged,
    benign): one seed is a small sample, the pool of all draws is the benchmark's best estimate."""
    det, base, esc, flagged, ben = (sum(c[i] for c in counts) for i in range(5))
    recall, stateless = det / esc if esc else 0.0, base / esc if esc else 0.0
    rate = 1000 * flagged / ben if ben else 0.0
    gain = round(100 * (recall - stateless), 1)
    ci_recall, ci_rate = wilson(det, esc), _per_1000(wilson(flagged, ben))
    return {"seeds": len(counts), "escalating": esc, "benign": ben, "recall": round(recall, 4),
            "benign_flagged_per_1000": round(rate, 2), "stateless_recall": round(stateless, 4),
            "recall_gain_points": gain, "ci95": {"recall": ci_recall, "benign_flagged_per_1000": ci_rate},
            "targets_met": _meets(recall, rate, gain),
            "targets_met_beyond_ci95": _meets(ci_recall[0], ci_rate[1], gain)}


def _meets(recall: float, benign_per_1000: float, gain_points: float) -> bool:
    return (recall >= TARGETS["recall_min"] and benign_per_1000 <= TARGETS["benign_flagged_per_1000_max"]
            and gain_points >= TARGETS["recall_gain_points_min"])


def _per_1000(interval: list[float]) -> list[float]:
    return [round(1000 * b, 1) for b in interval]


def _oof_set(fold: str, block: dict) -> tuple[str, Path | None]:
    """The model set scoring one fold's out-of-family people: the one built without its families,
    else (noted) the production models, whose figure is then not out of family."""
    models = OOF_MODELS.get(fold)
    if models is not None and (models / "cheap_ngram.onnx").is_file():
        return f"fold-{fold}", models
    block.setdefault("notes", []).append(
        f"fold {fold}: {models} not built (`make oof-models`): production models, which train on these families, "
        "read them: not an out-of-family figure")
    return f"fold-{fold}-production-models", None


def _pool_folds(block: dict) -> dict:
    """Every fold's and seed's out-of-family people taken together: the headline (each fold's people
    scored by the model set that never saw their families). Per shape too, and which rule opened
    each person's first case."""
    runs = {name: r for name, r in block["runs"].items() if "production" not in name}
    counts, shapes, rules = [], {}, {}
    for name, by_seed in runs.items():
        fold = name.split("-")[1]
        for seed, h in by_seed.items():
            n = block["users"][f"{fold}/{seed}"]
            n_esc, n_ben = n.get("escalating", 0), n.get("benign", 0)
            ours, base = h["riskstream"], h["stateless_same_fpr"]
            counts.append((round((ours["recall"] or 0) * n_esc), round((base["recall"] or 0) * n_esc), n_esc,
                           round(ours["benign_flagged_per_1000"] * n_ben / 1000), n_ben))
            for shape, v in ours["per_shape"].items():
                agg = shapes.setdefault(shape, {"users": 0, "detected": 0, "stateless_detected": 0})
                agg["users"] += v["users"]
                agg["detected"] += v["detected"]
                agg["stateless_detected"] += base["per_shape"].get(shape, {}).get("detected", 0)
            for kind, by_rule in h.get("first_case_rule", {}).items():
                for rule, k in by_rule.items():
                    rules.setdefault(kind, Counter())[rule] += k
    if not counts:
        return {}
    out = _pooled(counts)
    out["folds"] = sorted(name.split("-")[1] for name in runs)
    out["per_shape"] = {k: {**v, "recall": round(v["detected"] / v["users"], 4), "ci95": wilson(v["detected"], v["users"])}
                        for k, v in sorted(shapes.items())}
    out["first_case_rule"] = {k: dict(sorted(v.items())) for k, v in sorted(rules.items())}
    return out


def main(seeds: list[int] = DEFAULT_SEEDS, part: str = "report", heldout: Path | None = HELDOUT_MODELS,
         families: tuple[str, ...] = ("in", "out"), results: Path = RESULTS, folds: tuple[str, ...] = tuple(FOLDS)) -> dict:
    """Every seed is a fresh draw of people from the same half; the first seed's full reports go to
    bench/results/timelines*.json|html, the rest are summarised (seed-to-seed spread is large).
    `families`: "in" (people from the classifiers' training families, their dev rows) and/or "out"
    (people from families no model trained on: the headline), reported side by side."""
    results.mkdir(parents=True, exist_ok=True)
    sets: dict[str, Path | None] = {"production": None}
    result: dict = {"bench": "timelines", "seeds": list(seeds), "part": part, "families": list(families), "users": {},
                    "runs": {}}
    if heldout and (heldout / "cheap_ngram.onnx").is_file():
        sets["heldout"] = heldout
    else:
        result["heldout"] = f"skipped: {heldout} not built (run `make holdout-models`)"
    out_of_family = {"folds": {f: list(v) for f, v in FOLDS.items() if f in folds}, "users": {}, "runs": {}}
    for i, seed in enumerate(seeds):
        for fam in families:
            for fold in (folds if fam == "out" else ("",)):
                with tempfile.TemporaryDirectory() as d:
                    d = Path(d)
                    extra = ["--families", "out", "--fold", fold] if fam == "out" else []
                    subprocess.run(RS + ["simulate", "--out", str(d), "--seed", str(seed), "--part", part] + extra,
                                   check=True, cwd=REPO)
                    people = dict(Counter(t["kind"] for t in _lines(d / "truth.jsonl")))
                    report_dir = results if i == 0 else d
                    if fam == "in":
                        result["users"][str(seed)] = people
                        for name, models_dir in sets.items():
                            result["runs"].setdefault(name, {})[str(seed)] = run_models(d, name, models_dir, report_dir)
                    else:  # each fold's people, scored by the model set built without that fold's families
                        out_of_family["users"][f"{fold}/{seed}"] = people
                        name, models_dir = _oof_set(fold, out_of_family)
                        out_of_family["runs"].setdefault(name, {})[str(seed)] = run_models(
                            d, name, models_dir, report_dir, "_out_of_family")
    result["summary"] = {name: _summary(runs, result["users"]) for name, runs in result["runs"].items()}
    if "out" in families:
        out_of_family["summary"] = {name: _summary(runs, {s: out_of_family["users"][f"{name.split('-')[1]}/{s}"] for s in runs})
                                    for name, runs in out_of_family["runs"].items()}
        out_of_family["pooled"] = _pool_folds(out_of_family)
        result["out_of_family"] = out_of_family
    result["headline"] = {"out_of_family": {"all_folds": out_of_family.get("pooled") or None,
                                            **{name: summary["pooled"] for name, summary in out_of_family.get("summary", {}).items()}},
                          "in_family": {name: summary["pooled"] for name, summary in result.get("summary", {}).items()}}
    (results / "timelines_seeds.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)),
                    help="comma-separated simulate seeds (default 11,12)")
    ap.add_argument("--part", default="report", choices=("report", "tune", "all"))
    ap.add_argument("--heldout-models", type=Path, default=HELDOUT_MODELS)
    ap.add_argument("--families", default="in,out", help="comma-separated: in, out or in,out (default): out-of-family is the headline")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the JSON/HTML reports go (default bench/results)")
    ap.add_argument("--folds", default=",".join(FOLDS), help="out-of-family folds to rotate over (default: all)")
    a = ap.parse_args()
    res = main([int(s) for s in a.seeds.split(",")], a.part, a.heldout_models, tuple(a.families.split(",")), a.results,
               tuple(a.folds.split(",")))
    print(json.dumps({"headline": res["headline"], "summary": res["summary"],
                      "out_of_family": (res.get("out_of_family") or {}).get("summary")}, indent=2))
