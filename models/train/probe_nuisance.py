"""Probe (issue 13): do the heads read sources' style instead of harm? Project the directions that
tell training sources apart among rows of the same labels out of the features, and fit the heads on
what is left.

    .venv-train/bin/python -m models.train.probe_nuisance   # encoder cache warm

In each family fold, on the training families only: the features' mean per (source, class) minus
the class mean (a class: the exact set of positive categories), weighed by the rows' mass, give a scatter of "which source wrote this" within a
class; its top-k directions are removed from every feature vector (training and held-out alike)
before the logistic heads are fitted. A linear projection folds into the heads' weights, so a kept
result would cost nothing at run time.

Session 42 (model choice's six folds, production calibration and rule; `bench/results/nuisance_probe.json`
holds the second run): any-AUPRC out of family 0.772 with nothing removed; with the directions of the
label-pattern classes below, 4 removed 0.735 (look-alikes flagged 16.3 → 10.5 %, harmful requests
56.2 → 42.3 %, F1 0.583 → 0.510), 16 removed 0.695 (8.4 %, 34.2 %). A first run with two classes only
(harmful or not) lost more: 8 removed 0.671, 24 0.633, 64 0.583 (the sources of one class differ by
category, so their directions carry the harm itself). Every removal lowers look-alikes and harmful
requests together, along the production heads' own frontier (at 10 % of look-alikes both flag 42 % of
harmful requests; at 5 %, 27 against 30 %): what tells the sources apart is what the heads read
the harm from. Not taken up.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from models.train import lofo
from models.train.heads import fit_logistic, head_logits
from models.train.probes import L2, linear_heads, load_rows, report, write_probe

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "nuisance_probe.json"


def nuisance_basis(X: np.ndarray, cls: np.ndarray, src: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Top-k directions of the within-class between-source scatter [d, k]."""
    rows = []
    for c in np.unique(cls):
        m = cls == c
        mu = np.average(X[m], axis=0, weights=w[m])
        for s in np.unique(src[m]):
            ms = m & (src == s)
            if ms.sum() < 20:
                continue
            rows.append(np.sqrt(w[ms].sum()) * (np.average(X[ms], axis=0, weights=w[ms]) - mu))
    M = np.stack(rows)
    _, _, vt = np.linalg.svd(M, full_matrices=False)
    return vt[:k].T


def oof_projected(d: dict, k: int) -> np.ndarray:
    """Out-of-family logits over the model choice's family folds with `k` source directions removed.
    Its own fold loop: the basis is fitted on each fold's training sources, which `lofo.out_of_family`
    does not hand its fit."""
    X, Y, w, fam = d["X"], d["Y"], d["w"], d["fam"]
    # class = the exact pattern of positive categories: source means are compared only among rows
    # that carry the same labels, so what differs between them is the source, not the harm
    pos = np.nan_to_num(Y) > 0.5
    cls = np.array([hash(r.tobytes()) for r in pos])
    out = np.full((len(X), Y.shape[1]), np.nan, np.float32)
    for g in lofo.fold_groups(fam, lofo.SELECT_FOLDS):
        test = np.isin(fam, g)
        tr = ~test
        V = nuisance_basis(X[tr], cls[tr], d["src"][tr], w[tr], k)
        Xp = X - (X @ V) @ V.T
        model = fit_logistic(Xp[tr], Y[tr], w[tr], l2=L2)
        out[test] = head_logits(Xp[test], model)
    return out


def main() -> int:
    t0 = time.time()
    ks = [int(a) for a in sys.argv[1:]] or [0, 4, 16]
    d = load_rows()
    results = []
    for k in ks:
        logit = oof_projected(d, k) if k else linear_heads(d)
        results.append(report(d, logit, f"{k} source directions removed", with_frontier=True))
        print(f"  k={k} done {time.time() - t0:.0f}s", flush=True)
    return write_probe(OUT, "nuisance", __doc__, d, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
