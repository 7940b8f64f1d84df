"""USE stage (CJK / Hangul turns): logistic heads over multilingual USE v3 embeddings, whose mean with the
n-gram stage scores zh / ko turns at run time (stream/scoring/use_stage.py). `build.py --stages use`.

Training rows (shared with the evaluation that chose this, models/train/cjk_use_eval.py): every CJK
row plus a fixed sample of English train rows (the encoder is multilingual: English harm teaches its
Chinese and Korean reading). The final heads are fitted on those rows' train split. Out of family, as
the encoder heads are (models/train/lofo.py): families with CJK rows are left out in turn (each of the
four zh / ko families with both classes alone, the others dealt into OTHER_FOLDS folds: each fold
refits both models, about a minute and a half on a free core), the heads *and* an n-gram stage are
fitted on the other families' train rows and score the held-out families' CJK rows; the pooled
predictions fit the heads' Platt calibration and set the thresholds of the mean (n-gram probabilities
calibrated as the production n-gram stage calibrates them). The card reports
the four zh / ko families with both classes out of family, and in family (train -> dev) beside it.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np

from stream.scoring.metrics import auprc
from stream.scoring.use_stage import HEADS_FILE, KIND, encode, spec
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "use"
ENGLISH = 30000  # English train rows sampled into training
EPOCHS = {"use": 8, "ngram": 6}
OTHER_FOLDS = 2


def embed(texts: list[str]) -> np.ndarray:
    """USE v3 embeddings [n, 512] of the texts, cached in .cache/use by the texts' hash."""
    CACHE.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"emb_{digest}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.time()
    out = encode(texts)
    print(f"[use] embedded {len(texts)} texts in {time.time() - t0:.0f}s", flush=True)
    np.save(path, out)
    return out


def training_rows(ex: list, train: list, english: int = ENGLISH) -> list:
    """Every CJK row (all splits) + a fixed sample of English train rows."""
    from stream.scoring.encoder import is_cjk

    cjk = [e for e in ex if is_cjk(e.text)]
    other = [e for e in train if not is_cjk(e.text)]
    random.Random(5).shuffle(other)
    return cjk + other[:english]


def fit_logreg(X, Y: np.ndarray, w: np.ndarray, keep: np.ndarray, epochs: int):
    """The n-gram stage's trainer (masked multi-label logistic regression) on the rows `keep`."""
    from models.train.train_cheap import pos_weights, train_logreg

    return train_logreg(X[keep], Y[keep], w[keep], epochs=epochs, pos_weight=pos_weights(Y[keep], w[keep]),
                        verbose=False)


def logits(X, model) -> np.ndarray:
    W, b = model
    return np.asarray(X @ W + b)


def _cheap_calibration(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Platt a / c of the production n-gram stage (its ONNX initializers), to calibrate its out-of-family logits."""
    import onnx
    from onnx import numpy_helper

    init = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    return init["cal_a"].astype(np.float32), init["cal_b"].astype(np.float32)


def stage_use(ex: list, train: list, models_dir: Path, cheap_file: str) -> dict:
    import scipy.sparse as sp

    from models.train import thresholds
    from models.train.build import CJK_OOF_FAMILIES, labels
    from models.train.data import PROJECT_FAMILY
    from models.train.lofo import any_labels, fold_groups, platt, sigmoid
    from models.train.train_cheap import build_matrix
    from stream.scoring.encoder import is_cjk
    from stream.scoring.normalize import normalize_text

    t0 = time.time()
    rows = training_rows(ex, train)
    Y, w = labels(rows), np.array([e.weight for e in rows], np.float32)
    fam, split = np.array([e.family for e in rows]), np.array([e.split for e in rows])
    benign = np.array([e.benign for e in rows])
    cjk_row = np.array([is_cjk(e.text) for e in rows])
    in_train = split == "train"
    # USE reads the normalised text, as the runtime does
    X = {"use": sp.csr_matrix(embed([normalize_text(e.text) for e in rows])),
         "ngram": build_matrix([e.text for e in rows])}
    cheap_a, cheap_c = _cheap_calibration(models_dir / cheap_file)
    print(f"[use] {len(rows)} rows ({int(cjk_row.sum())} CJK) ({time.time() - t0:.0f}s)", flush=True)

    oof = {m: np.full((len(rows), len(CATEGORIES)), np.nan, np.float32) for m in X}
    families = sorted(set(fam[cjk_row]) - {PROJECT_FAMILY})
    others = [f for f in families if f not in CJK_OOF_FAMILIES]
    folds = [[f] for f in CJK_OOF_FAMILIES if f in families] + fold_groups(fam[cjk_row & np.isin(fam, others)], OTHER_FOLDS)
    for g in folds:
        out = np.isin(fam, g)
        held = out & cjk_row
        for m in X:
            oof[m][held] = logits(X[m][held], fit_logreg(X[m], Y, w, in_train & ~out, EPOCHS[m]))
        print(f"  [use-oof] {','.join(g)}: {int(held.sum())} CJK rows ({time.time() - t0:.0f}s)", flush=True)
    pooled = ~np.isnan(oof["use"][:, 0])
    cal_a, cal_c = platt(oof["use"][pooled], Y[pooled])

    def probs(z: dict, idx) -> dict:
        p = {"ngram": sigmoid(cheap_a * z["ngram"][idx] + cheap_c), "use": sigmoid(cal_a * z["use"][idx] + cal_c)}
        return {**p, "mean": (p["ngram"] + p["use"]) / 2}

    p_oof = probs(oof, pooled)
    thr, info = {}, {}
    for j, c in enumerate(CATEGORIES):
        thr[c], info[c] = thresholds.choose(p_oof["mean"][:, j], Y[pooled, j], benign[pooled])
        print(f"    use+ngram {c:24s} thr {thr[c]:.3f} F1 {info[c]['f1']:.3f} P {info[c]['precision']:.3f} "
              f"R {info[c]['recall']:.3f} npos {info[c]['n_pos']}", flush=True)

    heads = {m: fit_logreg(X[m], Y, w, in_train, EPOCHS[m]) for m in X}  # every family's train rows
    every = {m: logits(X[m], heads[m]) for m in X}

    def figures(z: dict, idx: np.ndarray) -> dict:
        ya = any_labels(Y[idx], benign[idx])
        k = ~np.isnan(ya)
        return {"n": int(idx.size), "pos": int(np.nansum(ya)),
                **{m: auprc(ya[k], s[k].max(1)) for m, s in probs(z, idx).items()}}

    per_family = {}
    for f in CJK_OOF_FAMILIES:
        held = np.nonzero((fam == f) & cjk_row)[0]
        dev = np.nonzero((fam == f) & cjk_row & (split == "dev"))[0]
        per_family[f] = {"out_of_family": figures(oof, held), "in_family": figures(every, dev)}
        print(f"  [use] {f}: any-AUPRC out of family n-gram {per_family[f]['out_of_family']['ngram']:.3f} -> "
              f"mean {per_family[f]['out_of_family']['mean']:.3f}; in family {per_family[f]['in_family']['ngram']:.3f} "
              f"-> {per_family[f]['in_family']['mean']:.3f}", flush=True)

    W, b = heads["use"]
    body = {"kind": KIND, "spec": spec(), "categories": list(CATEGORIES),
            "W": np.round(W, 6).tolist(), "b": np.round(b, 6).tolist(),
            "cal_a": np.round(cal_a, 6).tolist(), "cal_b": np.round(cal_c, 6).tolist(), "thresholds": thr}
    version = "use-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    training = {"rows": len(rows), "cjk_rows": int(cjk_row.sum()), "english_sample": int((~cjk_row).sum()),
                "oof_folds": folds}
    (models_dir / HEADS_FILE).write_text(json.dumps({**body, "version": version, "training": training}) + "\n")
    print(f"[use] saved {models_dir / HEADS_FILE} in {time.time() - t0:.0f}s", flush=True)
    return {"version": version, "thresholds": thr, "threshold_info": info, "families": per_family, **training}
