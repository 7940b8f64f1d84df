"""Leave-family-out evaluation: the figure that cannot flatter.

Every source family (a source and its copies / translations, `data.FAMILY`) is held out in turn:
heads are fitted on all other families (project-written data always in training, never a test
fold) and score the held-out family. The pooled out-of-family predictions give the headline
metrics, the Platt calibration and the thresholds; the in-family figure (train split -> dev split
of the same sources) stands beside it.
"""

from __future__ import annotations

import numpy as np

from models.train import thresholds
from models.train.data import PROJECT_FAMILY
from stream.scoring.metrics import auprc, f1_at
from stream.taxonomy import CATEGORIES

K = len(CATEGORIES)
# The protocol's choices (the encoder heads, models/train/train_encoder.py):
L2_GRID = (1e-4, 3e-4, 1e-3, 1e-2)  # chosen by out-of-family any-category AUPRC ...
SELECT_FOLDS = 6  # ... on families dealt into this many folds
MLP_GRID = ((64, 1e-3),)  # MLP corrections (hidden units, L2) tried on top of the chosen logistic heads
MAX_BENIGN_FPR = 0.02  # per category, on out-of-family rows of ordinary benign sources
# Benign sources outside that budget (none): DiaSafety's "safe" rows, chatbot replies inside unsafe
# conversations (suicide, crime, insults), were left out once; with them out, the self-harm threshold
# fell from 0.39 to 0.27 and everyday idioms ("I'm killing time at the airport") read as self-harm.
# Assistant replies and users' chat about hard topics are production traffic: they count.
BUDGET_EXCLUDED: tuple[str, ...] = ()
LOOKALIKE_FAMILIES = ("orbench", "coconot")  # over-refusal look-alikes and contrast sets (safe)
LOOKALIKE_FPR = 0.15  # per category, on out-of-family look-alike rows


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -40, 40)))


def any_labels(Y: np.ndarray, benign: np.ndarray) -> np.ndarray:
    """1 if any category is positive, 0 if every category is known 0 (or the row is benign), else NaN."""
    pos = np.nansum(Y, 1) > 0
    allneg = ~np.isnan(Y).any(1) & ~pos
    out = np.full(len(Y), np.nan)
    out[pos] = 1.0
    out[(allneg | benign) & ~pos] = 0.0
    return out


def fold_groups(families: np.ndarray, n_groups: int | None) -> list[list[str]]:
    """Folds of whole families: one family per fold (n_groups None), or families dealt into
    n_groups folds of similar size (largest first) — coarser and faster, for model selection."""
    fams = sorted(set(families) - {PROJECT_FAMILY})
    if not n_groups:
        return [[f] for f in fams]
    sizes = {f: int((families == f).sum()) for f in fams}
    groups: list[list[str]] = [[] for _ in range(n_groups)]
    load = [0] * n_groups
    for f in sorted(fams, key=lambda f: (-sizes[f], f)):
        g = load.index(min(load))
        groups[g].append(f)
        load[g] += sizes[f]
    return [g for g in groups if g]


def out_of_family(fit, predict, X, Y, w, families: np.ndarray, n_groups: int | None = None,
                  verbose=True) -> np.ndarray:
    """OOF logits [n, K] (NaN rows for project data, which is never held out)."""
    oof = np.full((len(X), K), np.nan, np.float32)
    groups = fold_groups(families, n_groups)
    for i, g in enumerate(groups):
        test = np.isin(families, g)
        model = fit(X[~test], Y[~test], w[~test])
        oof[test] = predict(X[test], model)
        if verbose:
            print(f"    fold {i + 1}/{len(groups)} {','.join(g)}: {int(test.sum())} rows", flush=True)
    return oof


def platt(logit: np.ndarray, Y: np.ndarray):
    from models.train.export import fit_platt

    a = np.ones(K, np.float32)
    b = np.zeros(K, np.float32)
    for j in range(K):
        known = ~np.isnan(Y[:, j]) & ~np.isnan(logit[:, j])
        y = Y[known, j]
        if y.sum() >= 10 and (1 - y).sum() >= 10:
            a[j], b[j] = fit_platt(logit[known, j], y)
    return a, b


def choose_thresholds(scores: np.ndarray, Y: np.ndarray, benign: np.ndarray, lookalike: np.ndarray,
                      max_fpr: float, lookalike_fpr: float):
    """Per category: max F1 with at most `max_fpr` of ordinary benign rows flagged, then raised
    (never above thresholds.CEIL) until at most `lookalike_fpr` of the safe-but-scary rows are."""
    thr, info = {}, {}
    ordinary = benign & ~lookalike
    for j, c in enumerate(CATEGORIES):
        t, inf = thresholds.choose(scores[:, j], Y[:, j], ordinary, max_fpr=max_fpr)
        if inf["n_pos"] >= thresholds.MIN_POS and lookalike.any():
            t_look = float(np.quantile(scores[lookalike, j], 1 - lookalike_fpr))
            if t_look > t:
                t = round(min(thresholds.CEIL, t_look), 4)
                f, p, r = f1_at(Y[~np.isnan(Y[:, j]), j], scores[~np.isnan(Y[:, j]), j], t)
                inf = {**inf, "f1": f, "precision": p, "recall": r,
                       "rule": inf["rule"] + f", raised to <= {lookalike_fpr:.0%} of look-alikes"}
        thr[c], info[c] = t, inf
    return thr, info


def calibrated(logit: np.ndarray, Y: np.ndarray, benign: np.ndarray, families: np.ndarray, sources: np.ndarray):
    """From pooled out-of-family logits (rows of held-out families only): the Platt calibration (a, c),
    the calibrated scores, the per-category thresholds (ordinary benign rows outside `BUDGET_EXCLUDED`
    as the budget, `LOOKALIKE_FAMILIES`' benign rows as the look-alikes) with how each was set, and
    the metrics at those thresholds. What the encoder stage ships, and what probes compare with it."""
    a, c = platt(logit, Y)
    scores = sigmoid(a * logit + c)
    look = np.isin(families, LOOKALIKE_FAMILIES) & benign
    budget = benign & ~np.isin(sources, BUDGET_EXCLUDED)
    thr, info = choose_thresholds(scores, Y, budget, look, MAX_BENIGN_FPR, LOOKALIKE_FPR)
    return a, c, scores, thr, info, metrics(scores, Y, benign, thr, sources)


def metrics(scores: np.ndarray, Y: np.ndarray, benign: np.ndarray, thr: dict, sources: np.ndarray) -> dict:
    """Per category AUPRC / F1 at threshold, any-category AUPRC, benign FPR, per-source figures."""
    res = {"categories": {}}
    tv = np.array([thr[c] for c in CATEGORIES])
    flag = (scores >= tv[None, :]).any(1)
    for j, c in enumerate(CATEGORIES):
        known = ~np.isnan(Y[:, j])
        y, s = Y[known, j], scores[known, j]
        f, p, r = f1_at(y, s, thr[c]) if y.sum() else (float("nan"),) * 3
        res["categories"][c] = {"n": int(known.sum()), "pos": int(y.sum()), "auprc": auprc(y, s),
                                "f1": f, "precision": p, "recall": r}
    ya = any_labels(Y, benign)
    k = ~np.isnan(ya)
    f, p, r = f1_at(ya[k], flag[k].astype(float), 0.5)
    res["any"] = {"n": int(k.sum()), "pos": int(ya[k].sum()), "auprc": auprc(ya[k], scores[k].max(1)),
                  "f1": f, "precision": p, "recall": r}
    res["benign_fpr"] = float(flag[benign].mean()) if benign.any() else float("nan")
    res["sources"] = {}
    for s in sorted(set(sources)):
        m = sources == s
        mk = m & k
        row = {"n": int(m.sum()), "flagged": float(flag[m].mean())}
        if mk.any() and 0 < ya[mk].sum() < mk.sum():
            row["any_auprc"] = auprc(ya[mk], scores[mk].max(1))
        if benign[m].any():
            row["benign_fpr"] = float(flag[m & benign].mean())
        res["sources"][s] = row
    return res


def print_metrics(res: dict, name: str) -> None:
    cats = " ".join(f"{c}:{v['auprc']:.2f}" for c, v in res["categories"].items() if not np.isnan(v["auprc"]))
    print(f"  [{name}] any-AUPRC {res['any']['auprc']:.3f} F1 {res['any']['f1']:.3f} "
          f"benign-FPR {res['benign_fpr']:.3f} | {cats}", flush=True)
