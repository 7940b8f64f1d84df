"""Probe (issue 13): does a head that reads intent, fitted only on harmful requests against their safe
look-alikes, sharpen the request-type categories out of family?

    .venv-train/bin/python -m models.train.probe_intent   # a few minutes once the encoder cache is warm

The category heads learn from every row: most of what teaches "violence" or "illicit" is toxic
comments, threats and crime talk, so a game question or a thriller plot that shares their words reads
like them. This head sees only requests: harmful ones (the LLM-era harmful-prompt families and the
project's harmful twins) against safe look-alikes (the over-refusal families and the project's safe
twins), one logistic output over the same 768 features. Its out-of-family logit is added to the
category heads' logits of the request-type categories (violence, illicit, self-harm and their
children), at a few weights. Same rows, folds and calibration as the other probes (`probes`: `lofo.calibrated`).
Also writes the production heads' frontier (`probes.frontier`: look-alikes against harmful
requests flagged as all thresholds move together). Writes bench/results/intent_probe.json.

Session 38 result: look-alikes flagged 16.3 -> 10.8 / 8.1 % at weight 0.5 / 1, but harmful requests
56.2 -> 44.7 / 36.0 % (F1 0.583 -> 0.529 / 0.467): out of family the head lowers both sides alike;
not taken up. The production heads' frontier: 8 % of look-alikes flagged goes with about 38 % of
harmful requests, 90 % of harmful requests with about 46 % of look-alikes (best F1 0.62).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.train import lofo
from models.train.card import HARMFUL_REQUEST_SOURCES
from models.train.heads import fit_logistic, head_logits
from models.train.probes import L2, frontier, linear_heads, load_rows, oof, report, write_probe
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "intent_probe.json"
REQUEST_FAMILIES = tuple(HARMFUL_REQUEST_SOURCES) + ("ailuminate", "catqa", "aart")  # harmful requests
REQUEST_CATEGORIES = tuple(c for c in CATEGORIES if c.split("/")[0] in ("violence", "illicit", "self-harm"))


def request_kind(d: dict) -> np.ndarray:
    """Per row: 2 a harmful request, 1 a safe look-alike, 0 neither (not read by the intent head)."""
    fam, src, benign, Y = d["fam"], d["src"], d["benign"], d["Y"]
    project = fam == lofo.PROJECT_FAMILY
    harmful = (np.isin(fam, REQUEST_FAMILIES) | np.isin(src, REQUEST_FAMILIES) | project) & (np.nan_to_num(Y) > 0).any(1)
    safe = (np.isin(fam, lofo.LOOKALIKE_FAMILIES) | project) & benign
    return np.where(harmful, 2, np.where(safe, 1, 0)).astype(np.float32)


def fit_intent(Xa: np.ndarray, Ya: np.ndarray, wa: np.ndarray):
    """The intent head of one fold: `Xa`'s last column is `request_kind` (carried through
    `lofo.out_of_family`, which hands a fit only features, labels and weights), the rest features."""
    kind = Xa[:, -1]
    rows = kind > 0
    return fit_logistic(Xa[rows, :-1], (kind[rows] == 2).astype(np.float32)[:, None], wa[rows], l2=L2)


def intent_logits(Xt: np.ndarray, model) -> np.ndarray:
    return np.repeat(head_logits(Xt[:, :-1], model), len(CATEGORIES), axis=1)


def main() -> int:
    t0 = time.time()
    d = load_rows()
    kind = request_kind(d)
    print(f"intent rows: {int((kind == 2).sum())} harmful requests, {int((kind == 1).sum())} look-alikes", flush=True)
    linear = linear_heads(d)
    intent = oof(d, fit_intent, intent_logits, X=np.hstack([d["X"], kind[:, None]]))
    on = np.array([c in REQUEST_CATEGORIES for c in CATEGORIES])
    results = [report(d, linear, f"logistic heads (production), L2 {L2:g}")]
    for beta in (0.5, 1.0, 2.0):
        results.append(report(d, linear + beta * intent * on[None, :],
                              f"logistic + {beta:g} x intent head on {len(REQUEST_CATEGORIES)} request-type categories"))
    return write_probe(OUT, "intent", __doc__, d, results, t0,
                       {"intent_rows": {"harmful_requests": int((kind == 2).sum()), "lookalikes": int((kind == 1).sum())},
                        "categories": list(REQUEST_CATEGORIES)},
                       {"production_frontier": frontier(d, linear)})


if __name__ == "__main__":
    raise SystemExit(main())
