"""Probe (issue 14): a person-level reader learned from hand-written people, across batches.

Why: five sessions of phrase rules, each kept because the sealed people allowed it, reached no
fresh person (batches 6 and 7). The rules decide from a handful of hand-set sums. This probe asks
whether a reader *learned* from the window (the same features the trajectory model reads, plus
pathway progress, the assistant's voiced concern, evidence spread and the rules' own case) tells
escalating from benign people better on a batch it was not fitted on.

Data: the dev thirds of the blind batches (1, 3, 4, 5, 6, 7) only: the sealed two thirds and the
fresh batch stay unread by any fit. Each dev third is replayed through the production `Detector`
with the committed models; after every user turn the window's features are recorded (as
models/train/trajectory.py does). Labels: an escalating person's turns from `harm_from` on are 1,
every benign person's turn 0 (each person weighs 1 in total); a person's score is the highest over
their turns. Leave one batch out: each batch scored by a model fitted on the others.

Reported per held-out batch and pooled: the rules' own found / benign flagged, and the reader
(alone, and as a gate on the rules' cases: a case counts only once the reader reaches its cut) at
cut-offs set on the *training* batches' benign people (flag 10 % / 20 % of them), and at the rules'
own benign count (recall at equal benign flags). Figures and ids only.

Since session 60: `--fresh` reads every person of the fresh batches instead (leave one batch out over them),
with the heading reader's readings and direction among the features, and reports recall at 2 / 5 / 10 % of
the benign people pooled out of batch (beside the rules' cases ranked by case confidence); `--train-timelines`
adds generated people to every fold's fit and `--timelines` reads the reader fitted on everyone on generated
people out of family (`bench/results/person_reader_probe_fresh.json`). What it found became the person reader
(stream/core/person_reader.py, trained by models/train/person_reader.py, whose collection this reuses).

    .venv/bin/python -m models.train.probe_person_reader [--out bench/results/person_reader_probe.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RISKSTREAM_ORT_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.bench_people import FRESH, ranked_cut, recall_at  # noqa: E402
from models.train.case_confidence import TRAIN_BATCHES as CONFIDENCE_TRAIN_BATCHES  # noqa: E402
from models.train.person_reader import collect_batch, collect_simulated, collector, cut_at, fit, highest  # noqa: E402
from stream.core import person_reader  # noqa: E402

DEV_BATCHES = ("1", "3", "4", "5", "6", "7")


def evaluate(rows, info, c: float, batches=DEV_BATCHES, held: dict | None = None) -> dict:
    x = np.array([r[0] for r in rows], dtype=float)
    people = [r[2] for r in rows]
    batch_of = np.array([p.split("/", 1)[0] for p in people])
    labelled = np.array([r[1] is not None for r in rows])
    y = np.array([float(bool(r[1])) for r in rows])
    ts = np.array([r[3] for r in rows])
    out = {"c": c, "batches": {}}
    pooled = defaultdict(int)
    held = {} if held is None else held  # each person's highest score from the reader fitted without their batch
    for b in batches:
        mu, sd, beta, bias = fit(x, y, people, labelled & (batch_of != b), c)
        s = ((x - mu) / sd) @ beta + bias
        alone: dict[str, float] = {}
        gated: dict[str, float] = {}
        for i, p in enumerate(people):
            alone[p] = max(alone.get(p, -np.inf), s[i])
            case_ts = info[p]["case_ts"]
            if case_ts is not None and ts[i] >= case_ts:
                gated[p] = max(gated.get(p, -np.inf), s[i])
        tr_benign = sorted((alone[p] for p in alone if p.split("/")[0] != b and info[p]["kind"] == "benign"), reverse=True)
        test = [p for p in alone if p.split("/")[0] == b]
        held.update((p, float(alone[p])) for p in test)
        esc = [p for p in test if info[p]["kind"] == "escalating"]
        ben = [p for p in test if info[p]["kind"] == "benign"]
        rules_found = sum(info[p]["case_ts"] is not None for p in esc)
        rules_benign = sum(info[p]["case_ts"] is not None for p in ben)
        res = {"escalating": len(esc), "benign": len(ben), "rules": [rules_found, rules_benign]}
        for rate in (0.05, 0.10, 0.20):
            cut = tr_benign[int(rate * len(tr_benign))]
            a = [sum(alone[p] > cut for p in esc), sum(alone[p] > cut for p in ben)]
            g = [sum(gated.get(p, -np.inf) > cut for p in esc), sum(gated.get(p, -np.inf) > cut for p in ben)]
            res[f"alone@{rate}"], res[f"gate@{rate}"] = a, g
            for k, v in (("alone", a), ("gate", g)):
                pooled[f"{k}@{rate}:found"] += v[0]
                pooled[f"{k}@{rate}:benign"] += v[1]
        # recall at the rules' own benign count (ranking alone)
        bscores = sorted((alone[p] for p in ben), reverse=True)
        cut = bscores[rules_benign] if rules_benign < len(bscores) else -np.inf
        res["alone_at_rules_benign"] = [sum(alone[p] > cut for p in esc), sum(alone[p] > cut for p in ben)]
        pooled["rules:found"] += rules_found
        pooled["rules:benign"] += rules_benign
        pooled["alone_at_rules_benign:found"] += res["alone_at_rules_benign"][0]
        pooled["alone_at_rules_benign:benign"] += res["alone_at_rules_benign"][1]
        pooled["escalating"] += len(esc)
        pooled["benign"] += len(ben)
        out["batches"][b] = res
    out["pooled"] = dict(pooled)
    out["at_benign_rate"] = at_rates(held, info)
    # the batches the committed case confidence model never trained on: there its readings are out of batch too
    unseen = {p: v for p, v in held.items() if p.split("/", 1)[0] not in CONFIDENCE_TRAIN_BATCHES}
    if unseen and unseen.keys() != held.keys():
        out["at_benign_rate_unseen_by_confidence"] = at_rates(unseen, info)
    return out


def at_rates(held: dict[str, float], info: dict) -> dict:
    """Recall at 2 / 5 / 10 % of the benign people, every person scored out of batch and pooled: the reader
    alone, the rules' cases ranked by their highest case confidence (the committed model's), and the two
    together (a person counts at a rate when either ranking flags them at that rate: the benign people
    either flags, together, are held to the rate by lowering both shares alike)."""
    esc = [p for p in held if info[p]["kind"] == "escalating"]
    ben = [p for p in held if info[p]["kind"] == "benign"]
    conf = {p: (info[p]["confidence"] if info[p]["confidence"] is not None else -1.0) for p in held}
    out = {}
    for rate in (0.02, 0.05, 0.10):
        row = {"reader": recall_at(held.get, esc, ben, rate), "confidence": recall_at(conf.get, esc, ben, rate)}
        best = None
        for k in range(int(rate * len(ben)), -1, -1):  # the largest equal share per ranking that keeps the union at the rate
            cut_r = ranked_cut([held[p] for p in ben], k)
            cut_c = ranked_cut([conf[p] for p in ben], k)
            flagged = sum(held[p] > cut_r or conf[p] > cut_c for p in ben)
            if flagged <= rate * len(ben):
                best = round(sum(held[p] > cut_r or conf[p] > cut_c for p in esc) / len(esc), 4)
                break
        row["either"] = best
        out[f"{rate:.2f}"] = row
    return out


def on_timelines(rows, info, tl_rows, tl_info, c: float) -> dict:
    """The reader fitted on every written person (`rows`), its cuts at 2 / 5 / 10 % of the written benign
    people read out of batch (`evaluate`'s pooled scores), applied to generated timeline people (`tl_rows`:
    `riskstream simulate` out of family, collected with that fold's model set): escalating people found and
    benign people flagged per 1,000 at each cut."""
    people = [r[2] for r in rows]
    model = fit(np.array([r[0] for r in rows], dtype=float), np.array([float(bool(r[1])) for r in rows]), people,
                np.array([r[1] is not None for r in rows]), c)
    held: dict[str, float] = {}
    evaluate(rows, info, c, sorted({p.split("/", 1)[0] for p in people}, key=lambda b: (len(b), b)), held)
    ben = [v for p, v in held.items() if info[p]["kind"] == "benign"]
    score = highest(np.array([r[0] for r in tl_rows], dtype=float), [r[2] for r in tl_rows], model)
    esc = [p for p in score if tl_info[p]["kind"] == "escalating"]
    bn = [p for p in score if tl_info[p]["kind"] != "escalating"]
    out = {"escalating": len(esc), "benign": len(bn)}
    for rate in (0.02, 0.05, 0.10):
        cut = cut_at(ben, rate)
        out[f"{rate:.2f}"] = {"found": round(sum(score[p] > cut for p in esc) / max(1, len(esc)), 4),
                              "benign_per_1000": round(1000 * sum(score[p] > cut for p in bn) / max(1, len(bn)), 2)}
    return out


def _collect_timelines(spec: str) -> tuple[list, dict]:
    """The people of a `riskstream simulate` directory ("DIR=MODELS": read with that model set)."""
    where, models = spec.split("=", 1)
    return collect_simulated(collector(Path(models)), Path(where), Path(where).name)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "person_reader_probe.json")
    ap.add_argument("--cache", type=Path, help="keep / reuse the collected rows here (JSON)")
    ap.add_argument("--c", default="0.03,0.1,0.3,1")
    ap.add_argument("--fresh", action="store_true",
                    help="every person of the fresh batches (bench_people FRESH, split all) instead of six dev thirds")
    ap.add_argument("--timelines", nargs="*", default=[], metavar="DIR=MODELS",
                    help="`riskstream simulate` output directories (turns.jsonl, truth.jsonl), each with the model set "
                         "to collect it with: the reader fitted on every written person is read on them")
    ap.add_argument("--train-timelines", nargs="*", default=[], metavar="DIR=MODELS",
                    help="`riskstream simulate` output directories (as --timelines) whose people the reader is also "
                         "fitted on, in every fold (never held out, never in the written figures)")
    args = ap.parse_args(argv)
    batches, split = (FRESH, "all") if args.fresh else (DEV_BATCHES, "dev")
    if args.cache and args.cache.exists():
        data = json.loads(args.cache.read_text())
        rows, info, names = [tuple(r) for r in data["rows"]], data["info"], data["names"]
    else:
        detector = collector(None)
        names = person_reader.feature_names(detector.trajectory, detector.heading is not None)
        rows, info = [], {}
        for b in batches:
            r, i = collect_batch(detector, b, split)
            rows += r
            info.update(i)
            print(f"batch {b}: {len(i)} people, {len(r)} user turns", flush=True)
        if args.cache:
            args.cache.write_text(json.dumps({"rows": rows, "info": info, "names": names}))
    for spec in args.train_timelines:
        r, i = _collect_timelines(spec)
        rows, info = rows + r, {**info, **i}
        print(f"{spec}: {len(i)} people, {len(r)} user turns", flush=True)
    result = {"probe": "person_reader", "features": len(names), "batches": list(batches), "split": split,
              "train_timelines": args.train_timelines,
              "runs": [evaluate(rows, info, float(c), batches) for c in args.c.split(",")]}
    for spec in args.timelines:
        tl_rows, tl_info = _collect_timelines(spec)
        result.setdefault("timelines", {})[spec] = {c: on_timelines(rows, info, tl_rows, tl_info, float(c))
                                                    for c in args.c.split(",")}
        print(spec, json.dumps(result["timelines"][spec]), flush=True)
    args.out.write_text(json.dumps(result, indent=1, default=float) + "\n")
    for run in result["runs"]:
        print(run["c"], json.dumps(run["pooled"], default=float), json.dumps(run["at_benign_rate"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
