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

import json
import time
from pathlib import Path

import numpy as np

from models.train import data as D
from models.train import lofo
from models.train.card import lookalike_pooled
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import encoder_rows, source_mass
from models.train.heads import fit_logistic, head_logits
from models.train.lofo import SELECT_FOLDS
from models.train.minilm_onnx import export_int8, model_dir
from models.train.train_encoder import CACHE, MAX_TOKENS
from models.train.train_use import embed as use_embed
from stream.scoring.normalize import normalize_text

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "use_english_probe.json"
L2S = (3e-4, 1e-3)


def main() -> int:
    t0 = time.time()
    rows = encoder_rows(D.load_all())
    _, int8 = export_int8(CACHE)
    X = EmbeddingCache(CACHE, int8, model_dir() / "tokenizer.json", MAX_TOKENS).embed([e.text for e in rows], "minilm")
    U = use_embed([normalize_text(e.text) for e in rows]).astype(np.float32)
    Y = np.stack([e.labels for e in rows]).astype(np.float32)
    w = source_mass(rows)
    fam = np.array([e.family for e in rows])
    benign = np.array([e.benign for e in rows])
    src = np.array([e.source for e in rows])
    held = fam != lofo.PROJECT_FAMILY

    def oof(F: np.ndarray, l2: float) -> np.ndarray:
        return lofo.out_of_family(lambda Xa, Ya, wa: fit_logistic(Xa, Ya, wa, l2=l2), head_logits, F, Y, w, fam,
                                  n_groups=SELECT_FOLDS, verbose=False)

    def report(logit: np.ndarray, name: str) -> dict:
        *_, res = lofo.calibrated(logit[held], Y[held], benign[held], fam[held], src[held])
        n_look, _, fp, harmful, f1 = lookalike_pooled(res["sources"])
        out = {"candidate": name, "any_auprc": round(res["any"]["auprc"], 4), "benign_rows_flagged": round(res["benign_fpr"], 4),
               "lookalikes_flagged": round(fp / n_look, 4), "harmful_requests_flagged": round(harmful, 4),
               "f1_harmful_against_lookalikes": round(f1, 4),
               "auprc": {c: round(v["auprc"], 4) for c, v in res["categories"].items() if not np.isnan(v["auprc"])}}
        print(json.dumps(out), flush=True)
        return out

    both = np.hstack([X, U]).astype(np.float32)
    results, minilm = [], {}
    for l2 in L2S:
        minilm[l2] = oof(X, l2)
        results.append(report(minilm[l2], f"MiniLM features (768), L2 {l2:g}"))
        results.append(report(oof(both, l2), f"MiniLM features + USE (1280), L2 {l2:g}"))
    use = oof(U, L2S[0])
    results.append(report(use, f"USE alone (512), L2 {L2S[0]:g}"))
    results.append(report((minilm[L2S[0]] + use) / 2, f"mean of MiniLM and USE heads' logits, L2 {L2S[0]:g}"))
    OUT.write_text(json.dumps({"probe": "use_english", "question": __doc__.splitlines()[0], "rows": len(rows),
                               "folds": SELECT_FOLDS, "results": results,
                               "minutes": round((time.time() - t0) / 60, 1)}, indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
