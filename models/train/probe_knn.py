"""Probe (issue 13): do nearest labelled neighbours in MiniLM's feature space, read beside the
logistic heads, tell harmful requests from their safe look-alikes better out of family?

    .venv-train/bin/python -m models.train.probe_knn   # a few minutes once the encoder cache is warm

A linear head reads a direction ("kill", "poison", "without anyone knowing"); a request and its safe
look-alike often differ in a combination of words, which the nearest labelled rows may carry where
one direction cannot. Same rows, weights and protocol as `probe_use_english` (the encoder rows of
`train_encoder`, families dealt into `SELECT_FOLDS` folds, Platt and thresholds fitted on the pooled
out-of-family predictions by `lofo.calibrated`). Per fold, every held-out row's `K` most similar
training rows (cosine over the L2-normalised features) vote with their labels, weighted by their
rows' weights and by similarity: per category, the smoothed share of positive votes among the
neighbours that carry the category's label, as a logit. Candidates: the logistic heads (production),
the neighbours alone, and the sum of both logits (at a few weights). Reported like
`probe_use_english`. Writes bench/results/knn_probe.json. Session 38 result: worse on every figure
(alone any-AUPRC 0.656 / 0.696 for 16 / 64 neighbours; beside the heads at weight 0.5, 0.764 / 0.769
against 0.772, look-alikes flagged 19.2 / 17.9 % against 16.3 %, harmful requests 52 / 53 % against
56 %): not taken up.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train import data as D
from models.train import lofo
from models.train.card import HARMFUL_REQUEST_SOURCES, LOOKALIKE_SOURCES, lookalike_pooled
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import encoder_rows, source_mass
from models.train.heads import fit_logistic, head_logits
from models.train.lofo import SELECT_FOLDS
from models.train.minilm_onnx import export_int8, model_dir
from models.train.train_encoder import CACHE, MAX_TOKENS
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "knn_probe.json"
L2 = 3e-4
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


def load_rows() -> dict:
    """The encoder rows of `train_encoder` with their cached features, labels, weights, families,
    benign flags and sources (what the probes here share)."""
    t0 = time.time()
    rows = encoder_rows(D.load_all())
    _, int8 = export_int8(CACHE)
    X = EmbeddingCache(CACHE, int8, model_dir() / "tokenizer.json", MAX_TOKENS).embed([e.text for e in rows], "minilm")
    out = {"rows": rows, "X": X, "Y": np.stack([e.labels for e in rows]).astype(np.float32),
           "w": source_mass(rows).astype(np.float32), "fam": np.array([e.family for e in rows]),
           "benign": np.array([e.benign for e in rows]), "src": np.array([e.source for e in rows])}
    print(f"{len(rows)} rows, features {X.shape} ({time.time() - t0:.0f}s)", flush=True)
    return out


def oof(d: dict, fit, predict, X: np.ndarray | None = None) -> np.ndarray:
    """Out-of-family logits over `SELECT_FOLDS` family folds (features `X`, default the cached ones)."""
    return lofo.out_of_family(fit, predict, d["X"] if X is None else X, d["Y"], d["w"], d["fam"],
                              n_groups=SELECT_FOLDS, verbose=False)


def report(d: dict, logit: np.ndarray, name: str) -> dict:
    """Out-of-family figures of pooled logits, calibrated and thresholded as the encoder stage is."""
    held = d["fam"] != lofo.PROJECT_FAMILY
    *_, res = lofo.calibrated(logit[held], d["Y"][held], d["benign"][held], d["fam"][held], d["src"][held])
    n_look, _, fp, harmful, f1 = lookalike_pooled(res["sources"])
    out = {"candidate": name, "any_auprc": round(res["any"]["auprc"], 4), "benign_rows_flagged": round(res["benign_fpr"], 4),
           "lookalikes_flagged": round(fp / n_look, 4), "harmful_requests_flagged": round(harmful, 4),
           "f1_harmful_against_lookalikes": round(f1, 4),
           "auprc": {c: round(v["auprc"], 4) for c, v in res["categories"].items() if not np.isnan(v["auprc"])}}
    print(json.dumps(out), flush=True)
    return out


def frontier(d: dict, logit: np.ndarray, shifts=tuple(np.arange(-2.0, 2.01, 0.5))) -> list[dict]:
    """Safe look-alikes against harmful requests flagged as every category's threshold moves by the
    same amount in logit space from where `lofo.calibrated` sets it (0: the production rule): what
    these heads can reach out of family, at any operating point."""
    held = d["fam"] != lofo.PROJECT_FAMILY
    _, _, scores, thr, _, _ = lofo.calibrated(logit[held], d["Y"][held], d["benign"][held], d["fam"][held], d["src"][held])
    src, benign = d["src"][held], d["benign"][held]
    look, harm = np.isin(src, LOOKALIKE_SOURCES), np.isin(src, HARMFUL_REQUEST_SOURCES)
    p = np.clip(scores, 1e-7, 1 - 1e-7)
    t = np.array([thr[c] for c in CATEGORIES])
    out = []
    for shift in shifts:
        flag = (np.log(p / (1 - p)) >= (np.log(t / (1 - t)) + shift)[None, :]).any(1)
        fp, tp = int(flag[look].sum()), int(flag[harm].sum())
        prec, rec = tp / max(fp + tp, 1), tp / max(int(harm.sum()), 1)
        out.append({"threshold_shift": round(float(shift), 2), "lookalikes_flagged": round(float(flag[look].mean()), 4),
                    "harmful_requests_flagged": round(rec, 4), "f1_harmful_against_lookalikes": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
                    "ordinary_benign_rows_flagged": round(float(flag[benign & ~look].mean()), 4)})
    return out


def linear_heads(d: dict) -> np.ndarray:
    """The production heads' out-of-family logits (logistic, L2 `L2`)."""
    return oof(d, lambda Xa, Ya, wa: fit_logistic(Xa, Ya, wa, l2=L2), head_logits)


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
    OUT.write_text(json.dumps({"probe": "knn", "question": __doc__.splitlines()[0], "rows": len(d["rows"]),
                               "folds": SELECT_FOLDS, "sharpness": SHARPNESS, "prior": PRIOR, "results": results,
                               "minutes": round((time.time() - t0) / 60, 1)}, indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
