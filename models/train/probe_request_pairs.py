"""Probe (issue 13): would the written request pairs (a safe look-alike and its harmful twin, five
writers who saw neither the repository nor the datasets), trained on, tell harmful requests from
look-alikes better out of family?

    .venv-train/bin/python -m models.train.probe_request_pairs   # about fifteen minutes, encoder cache warm

The pairs are `bench/written/request_pairs.jsonl` (field `writer`), an evaluation set nothing trains
on; here they join the project's training rows (weight as the project's contrast pairs, then a third
of it, their illicit labels unknown, only their self-harm, hate and sexual labels known, then the
project weight at 60). Two readings:
* out of family, as every probe here (`probes.report`): the public look-alike and harmful-request
  families held out, heads fitted without and with the pairs (project rows are always trained on and
  never a test fold, so they cannot flatter this figure);
* out of writer: each writer's rows scored by heads fitted on everything but that writer's rows,
  against heads fitted on none of the pairs, at the calibration and thresholds of the run with them.
Writes bench/results/request_pairs_probe.json. Session 47 result: the public frontier barely moves
(harmful requests at 8 % of look-alikes 37.7 -> 39.2 % with every label, 39.4 % at a third of the weight,
37.7 % with only the self-harm, hate and sexual labels), and any-AUPRC falls 0.772 -> 0.761 / 0.769
(illicit 0.503 -> 0.432 / 0.472; with their illicit labels unknown 0.764, the loss moving to
harassment/threatening, 0.597 -> 0.549) except with only the self-harm, hate and sexual labels known
(0.772); out of writer the heads flag more of a writer's harmful twins with about as many of its safe
rows (every label: 86.9 -> 91.9 % and 21.8 -> 22.0 %; self-harm, hate and sexual only: 86.0 -> 90.3 % and
21.4 -> 23.2 %). The last is change 20 of bench/people/batch5/PREREGISTRATION.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train import data as D
from models.train import encoder_rows
from models.train.heads import fit_logistic, head_logits
from models.train.probes import L2, _calibrated, encoder_features, linear_heads, load_rows, report, write_probe
from stream.scoring.metrics import prf
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "request_pairs_probe.json"
PAIRS = REPO / "bench" / "written" / "request_pairs.jsonl"
NEW_SOURCE = "project:request_pairs"


def read_pairs(*paths: Path) -> list[dict]:
    """The rows of written request-pair sets (default: the first)."""
    return [json.loads(line) for p in paths or (PAIRS,) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def with_pairs(d: dict, rows: list[dict] | None = None) -> tuple[dict, np.ndarray]:
    """`d` with the written pairs (`rows`, default the first set's) appended as project rows (weight
    as the project's contrast pairs), and each row's writer ("" for the rows that were there)."""
    rows = read_pairs() if rows is None else rows
    ex = [D.Example(r["text"], D.row_labels(r), NEW_SOURCE, "train", family=D.PROJECT_FAMILY, weight=3.0,
                    benign=bool(r.get("benign"))) for r in rows]
    every = d["rows"] + ex
    out = {"rows": every, "X": np.concatenate([d["X"], encoder_features([e.text for e in ex])]),
           "Y": np.concatenate([d["Y"], np.stack([e.labels for e in ex]).astype(np.float32)]),
           "w": encoder_rows.source_mass(every).astype(np.float32),
           "fam": np.array([e.family for e in every]), "benign": np.array([e.benign for e in every]),
           "src": np.array([e.source for e in every])}
    return out, np.array([""] * len(d["rows"]) + [r["writer"] for r in rows])


NARROW = ("self-harm", "hate", "sexual")  # the categories whose public out-of-family AUPRC the pairs did not lower


def known_only(d: dict, rows: np.ndarray, categories: list[str]) -> dict:
    """`d` with the labels of `rows` unknown outside `categories`."""
    Y = d["Y"].copy()
    for c in CATEGORIES:
        if c not in categories:
            Y[rows, CATEGORIES.index(c)] = np.nan
    return dict(d, Y=Y)


def flagged_by(X: np.ndarray, model, d: dict, logit_oof: np.ndarray) -> np.ndarray:
    """Rows of features `X` flagged in some category by heads `model`, at the calibration and
    thresholds the encoder stage would set from `d`'s out-of-family logits `logit_oof`."""
    _, (a, c, _, thr, _, _) = _calibrated(d, logit_oof)
    s = 1 / (1 + np.exp(-(a * head_logits(X, model) + c)))
    return (s >= np.array([thr[k] for k in CATEGORIES])[None, :]).any(1)


def pair_figures(flag: np.ndarray, harmful: np.ndarray) -> dict:
    """Safe rows and harmful twins flagged, and the F1 of flagging the twins against the safe rows."""
    f1, _, rec = prf(flag, harmful.astype(float))
    return {"safe_flagged": round(int(flag[~harmful].sum()) / max(int((~harmful).sum()), 1), 4),
            "harmful_flagged": round(rec, 4), "f1": round(f1, 4)}


def out_of_writer(d: dict, writers: np.ndarray, logit_oof: np.ndarray) -> dict:
    """Per writer: safe and harmful rows flagged by heads that never saw the writer's rows (and by
    heads that saw none of the new rows), at the calibration and thresholds of `logit_oof`."""
    new = writers != ""
    harmful = ~d["benign"]
    base = fit_logistic(d["X"][~new], d["Y"][~new], d["w"][~new], l2=L2)
    out = {}
    for w in sorted(set(writers[new])):
        m = writers == w
        model = fit_logistic(d["X"][~m], d["Y"][~m], d["w"][~m], l2=L2)
        row = {name: pair_figures(flagged_by(d["X"][m], mod, d, logit_oof), harmful[m])
               for name, mod in (("without_new_rows", base), ("without_this_writer", model))}
        out[w] = row
        print(w, row, flush=True)
    return out


def main() -> int:
    t0 = time.time()
    base = load_rows()
    results = [report(base, linear_heads(base), "without the pairs (production data)", with_frontier=True)]
    d, writers = with_pairs(base)
    new = writers != ""
    print(f"pairs' rows: {int(new.sum())}", flush=True)
    logit = linear_heads(d)
    results.append(report(d, logit, "with the pairs", with_frontier=True))
    third = dict(d, w=np.where(new, d["w"] / 3, d["w"]).astype(np.float32))
    results.append(report(third, linear_heads(third), "with the pairs at a third of the weight", with_frontier=True))
    nolicit = known_only(d, new, [c for c in CATEGORIES if not c.startswith("illicit")])
    results.append(report(nolicit, linear_heads(nolicit), "with the pairs, their illicit labels unknown", with_frontier=True))
    narrow = known_only(d, new, [c for c in CATEGORIES if c.startswith(NARROW)])
    narrow_logit = linear_heads(narrow)
    results.append(report(narrow, narrow_logit, "with the pairs, only their self-harm, hate and sexual labels known",
                          with_frontier=True))
    shipped = encoder_rows.PROJECT_WEIGHT
    try:
        encoder_rows.PROJECT_WEIGHT = 60.0
        d60 = dict(d, w=encoder_rows.source_mass(d["rows"]).astype(np.float32))
        results.append(report(d60, linear_heads(d60), "with the pairs, project weight 60", with_frontier=True))
    finally:
        encoder_rows.PROJECT_WEIGHT = shipped
    after = {"out_of_writer": out_of_writer(d, writers, logit),
             "out_of_writer_self_harm_hate_sexual_labels_only": out_of_writer(narrow, writers, narrow_logit)}
    return write_probe(OUT, "request_pairs", __doc__, d, results, t0, after=after)


if __name__ == "__main__":
    raise SystemExit(main())
