"""Probe (issue 13): do the multilingual USE v3 embeddings, read beside MiniLM's features, make the
English heads better out of family?

    .venv-train/bin/python -m models.train.probe_use_english   # about 15 min (USE embeddings cached after)

The encoder rows of `train_encoder` (every non-CJK row, capped per source), the same weights and the
same protocol as its model choice: families dealt into `SELECT_FOLDS` folds, logistic heads at each L2
of the grid's best two, Platt and per-category thresholds fitted on the pooled out-of-family predictions
(`lofo.calibrated`, as the encoder stage sets them). Candidates: MiniLM's 768 features (production), the same with the 512-d
USE embedding beside them, USE alone, and the mean of separately fitted MiniLM and USE heads' logits.
Reported per candidate: out-of-family any-category AUPRC and per category, ordinary benign rows
flagged, and, at those thresholds, the safe look-alikes and harmful requests flagged (the model card's
look-alike table, `card.lookalike_pooled`). Writes bench/results/use_english_probe.json. Session 33 result:
any-AUPRC unchanged (0.7712 against 0.7717) but more harmful requests flagged at the same look-alike
rule (0.626 against 0.562; F1 against look-alikes 0.625 against 0.583); not taken up, because USE
reads an English chat turn in 3.3 ms here (more than MiniLM's whole pass): scoring at half speed.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.train.lofo import SELECT_FOLDS
from models.train.probes import linear_heads, load_rows, report, write_probe
from models.train.train_use import embed as use_embed
from stream.scoring.normalize import normalize_text

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "use_english_probe.json"
L2S = (3e-4, 1e-3)


def main() -> int:
    t0 = time.time()
    d = load_rows()
    X = d["X"]
    U = use_embed([normalize_text(e.text) for e in d["rows"]]).astype(np.float32)
    both = np.hstack([X, U]).astype(np.float32)
    results, minilm = [], {}
    for l2 in L2S:
        minilm[l2] = linear_heads(d, X, l2)
        results.append(report(d, minilm[l2], f"MiniLM features (768), L2 {l2:g}"))
        results.append(report(d, linear_heads(d, both, l2), f"MiniLM features + USE (1280), L2 {l2:g}"))
    use = linear_heads(d, U, L2S[0])
    results.append(report(d, use, f"USE alone (512), L2 {L2S[0]:g}"))
    results.append(report(d, (minilm[L2S[0]] + use) / 2, f"mean of MiniLM and USE heads' logits, L2 {L2S[0]:g}"))
    return write_probe(OUT, "use_english", __doc__, d, results, t0, {"folds": SELECT_FOLDS})


if __name__ == "__main__":
    raise SystemExit(main())
