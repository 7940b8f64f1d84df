"""Probe (issue 13, session 48): which of the written request pairs' labels can be trained on without
raising the benign people of the out-of-family timeline benchmark?

    .venv-train/bin/python -m models.train.probe_request_pair_labels   # about ten minutes, encoder cache warm

Change 20 (bench/people/batch5/PREREGISTRATION.md, session 47) trained on the first written set
(`bench/written/request_pairs.jsonl`) with only its self-harm, hate and sexual labels known: the second
set's harmful twins were flagged more (81.7 -> 86.0 %) with fewer of its safe rows, but the timeline
benchmark's fold B, whose benign people are made of the counselling, dialogue-safety and Korean
over-refusal families (`stream/simulate/pools.py`), flagged 16 -> 24 of 4,500 of them. This probe reads,
out of family (six family folds, as `probe_request_pairs`), the benign rows of those families (and the
other held-out benign families) flagged per category, with the pairs' labels known in self-harm, hate and
sexual (change 20) or in hate and sexual only, from the first set alone or the first two; and where the
second set is not trained on, that set read by heads fitted on every row (safe rows and harmful twins
flagged, F1). The third set (`request_pairs_c.jsonl`) is not read: it decides the change this chooses.
Writes bench/results/request_pair_labels_probe.json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train.heads import fit_logistic
from models.train.probe_request_pairs import flagged_by, known_only, pair_figures, read_pairs, with_pairs
from models.train.probes import L2, _calibrated, encoder_features, linear_heads, load_rows, report, write_probe
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
WRITTEN = REPO / "bench" / "written"
OUT = REPO / "bench" / "results" / "request_pair_labels_probe.json"
SETS = {"a": WRITTEN / "request_pairs.jsonl", "b": WRITTEN / "request_pairs_b.jsonl"}
# benign families of the timeline benchmark's held-out folds among the encoder's (English) rows (fold A:
# reddit_mh, orbench, coconot, mtsamples; fold B: counsel_chat, diasafety; its Korean idioms are not
# MiniLM's) and everyday emotional chat
WATCHED = ("counsel_chat", "diasafety", "reddit_mh", "mtsamples", "orbench", "coconot", "goemotions")
LABELS = {"self-harm, hate and sexual": ("self-harm", "hate", "sexual"), "hate and sexual": ("hate", "sexual")}


def with_sets(d: dict, sets: str, prefixes: tuple[str, ...]) -> dict:
    """`d` with the written sets' rows appended (`probe_request_pairs.with_pairs`), their labels known
    only in the categories starting with `prefixes`."""
    out, writers = with_pairs(d, read_pairs(*(SETS[s] for s in sets)))
    return known_only(out, writers != "", [c for c in CATEGORIES if c.startswith(prefixes)])


def watched(d: dict, logit: np.ndarray) -> dict:
    """Per watched source: its rows without a positive label (the counselling questions carry known
    negatives rather than the benign mark), share flagged, and rows flagged per category, out of family."""
    held, (_, _, scores, thr, _, _) = _calibrated(d, logit)
    src, clean = d["src"][held], ~(np.nan_to_num(d["Y"][held]) > 0).any(1)
    t = np.array([thr[c] for c in CATEGORIES])
    flags = scores >= t[None, :]
    out = {}
    for s in WATCHED:
        m = (src == s) & clean
        if m.any():
            per = {c: int(flags[m, j].sum()) for j, c in enumerate(CATEGORIES) if flags[m, j].any()}
            out[s] = {"rows": int(m.sum()), "flagged": round(float(flags[m].any(1).mean()), 4), "by_category": per}
    return out


def read_set(d: dict, logit: np.ndarray, name: str) -> dict:
    """The written set `name` read by heads fitted on every row of `d`, at the calibration and
    thresholds of `logit` (its out-of-family logits)."""
    rows = read_pairs(SETS[name])
    model = fit_logistic(d["X"], d["Y"], d["w"], l2=L2)
    flag = flagged_by(encoder_features([r["text"] for r in rows]), model, d, logit)
    return {"set": name, **pair_figures(flag, np.array([not r.get("benign") for r in rows]))}


def candidates(base: dict):
    """(name, rows, the written sets they hold) of each candidate, built as it is read."""
    yield "without the pairs (production data)", base, ""
    for sets in ("a", "ab"):
        for lab, prefixes in LABELS.items():
            yield f"sets {'+'.join(sets)}, only their {lab} labels known", with_sets(base, sets, prefixes), sets


def main() -> int:
    t0 = time.time()
    base = load_rows()
    results = []
    for name, d, sets in candidates(base):
        logit = linear_heads(d)
        row = report(d, logit, name)
        row["watched_benign"] = watched(d, logit)
        if "b" not in sets:
            row["set_b"] = read_set(d, logit, "b")
        print(json.dumps({k: row[k] for k in ("candidate", "watched_benign", "set_b") if k in row}), flush=True)
        results.append(row)
    return write_probe(OUT, "request_pair_labels", __doc__, base, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
