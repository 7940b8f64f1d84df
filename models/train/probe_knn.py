"""Probe (issue 13): do nearest labelled neighbours in MiniLM's feature space, read beside the
logistic heads, tell harmful requests from their safe look-alikes better out of family?

    .venv-train/bin/python -m models.train.probe_knn   # a few minutes once the encoder cache is warm

A linear head reads a direction ("kill", "poison", "without anyone knowing"); a request and its safe
look-alike often differ in a combination of words, which the nearest labelled rows may carry where
one direction cannot. Same rows, weights and protocol as the other probes (`probes`: the encoder rows
of `train_encoder`, families dealt into `SELECT_FOLDS` folds, Platt and thresholds fitted on the pooled
out-of-family predictions by `lofo.calibrated`). Per fold, every held-out row's `K` most similar
training rows (cosine over the L2-normalised features) vote with their labels, weighted by their
rows' weights and by similarity: per category, the smoothed share of positive votes among the
neighbours that carry the category's label, as a logit. Candidates: the logistic heads (production),
the neighbours alone, and the sum of both logits (at a few weights), each reported by
`probes.report`. Writes bench/results/knn_probe.json. Session 38 result: worse on every figure
(alone any-AUPRC 0.656 / 0.696 for 16 / 64 neighbours; beside the heads at weight 0.5, 0.764 / 0.769
against 0.772, look-alikes flagged 19.2 / 17.9 % against 16.3 %, harmful requests 52 / 53 % against
56 %): not taken up.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.train.lofo import SELECT_FOLDS
from models.train.probes import L2, linear_heads, load_rows, oof, report, write_probe

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "knn_probe.json"
KS = (16, 64)
SHARPNESS = 20.0  # votes weigh exp(SHARPNESS * cosine): the nearest count most
PRIOR = 1.0  # pseudo-votes toward the training share of each category (smoothing)
CHUNK = 2048


def _unit(F: np.ndarray) -> np.ndarray:
    return (F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def knn_fit(k: int):
    def fit(Xa: np.ndarray, Ya: np.ndarray, wa: np.ndarray):
        known = ~np.isnan(Ya)
        pos = np.where(known, Ya, 0.0).astype(np.float32)
        prior = (wa[:, None] * pos).sum(0) / np.maximum((wa[:, None] * known).sum(0), 1e-9)
        return _unit(Xa), pos * wa[:, None], known * wa[:, None], prior.astype(np.float32), k
    return fit


def knn_logits(Xt: np.ndarray, model) -> np.ndarray:
    """Per held-out row and category: the logit of the similarity-weighted share of positive votes."""
    U, pos_w, known_w, prior, k = model
    T = _unit(Xt)
    out = np.zeros((len(T), pos_w.shape[1]), np.float32)
    for s in range(0, len(T), CHUNK):
        sim = T[s:s + CHUNK] @ U.T
        idx = np.argpartition(-sim, k, axis=1)[:, :k]
        near = np.take_along_axis(sim, idx, axis=1)
        v = np.exp(SHARPNESS * (near - near.max(1, keepdims=True)))[:, :, None]  # (n, k, 1)
        p = (v * pos_w[idx]).sum(1)
        n = (v * known_w[idx]).sum(1)
        share = (p + PRIOR * prior) / (n + PRIOR)
        out[s:s + CHUNK] = np.log(np.clip(share, 1e-6, 1 - 1e-6) / np.clip(1 - share, 1e-6, 1))
    return out


def main() -> int:
    t0 = time.time()
    d = load_rows()
    linear = linear_heads(d)
    results = [report(d, linear, f"logistic heads (production), L2 {L2:g}")]
    for k in KS:
        near = oof(d, knn_fit(k), knn_logits)
        results.append(report(d, near, f"{k} nearest rows alone"))
        for beta in (0.5, 1.0):
            results.append(report(d, linear + beta * near, f"logistic + {beta:g} x {k} nearest rows"))
    return write_probe(OUT, "knn", __doc__, d, results, t0, {"folds": SELECT_FOLDS, "sharpness": SHARPNESS, "prior": PRIOR})


if __name__ == "__main__":
    raise SystemExit(main())
