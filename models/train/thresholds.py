"""Per-category threshold choice on the calibration half of the dev split."""

from __future__ import annotations

import numpy as np

from stream.scoring.metrics import f1_at

MAX_BENIGN_FPR = 0.02  # per category, on rows of benign-only sources (incl. project benign talk)
MIN_POS = 15
FLOOR, CEIL = 0.25, 0.9
# F1 measured on a few hundred to a few thousand positives moves by about this much between
# resamples: thresholds within it of the best are equally good, and the highest of them is chosen
# (a flagged turn should mean something; fewer everyday idioms and look-alikes cross it).
F1_TIE = 0.01


def choose(scores: np.ndarray, y: np.ndarray, benign: np.ndarray, beta: float = 1.0,
           max_fpr: float = MAX_BENIGN_FPR) -> tuple[float, dict]:
    """The highest threshold within F1_TIE of the max F-beta, subject to FPR <= max_fpr on benign rows.

    scores: [N] calibrated scores; y: [N] labels with NaN = unknown; benign: [N] bool.
    """
    known = ~np.isnan(y) & ~np.isnan(scores)
    bs = scores[benign & ~np.isnan(scores)]
    ys, ss = y[known], scores[known]
    npos = int(ys.sum())
    if npos < MIN_POS:
        thr = 0.5
        f, p, r = f1_at(ys, ss, thr) if npos else (0.0, 0.0, 0.0)
        return thr, {"f1": f, "precision": p, "recall": r, "n_pos": npos, "rule": "default (few positives)"}
    # smallest threshold allowed by the benign-FPR constraint
    if bs.size:
        min_thr = float(np.quantile(bs, 1 - max_fpr))
    else:
        min_thr = 0.0
    curve = []
    for thr in np.linspace(FLOOR, CEIL, 66):
        if thr < min_thr:
            continue
        f, p, r = f1_at(ys, ss, thr)
        curve.append(((1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0, float(thr)))
    top = max((fb for fb, _ in curve), default=-1.0)
    best = max(((fb, thr) for fb, thr in curve if fb >= top - F1_TIE), key=lambda ft: ft[1], default=(-1.0, 0.5))
    if best[0] < 0:
        thr = CEIL
        f, p, r = f1_at(ys, ss, thr)
        return thr, {"f1": f, "precision": p, "recall": r, "n_pos": npos, "rule": "ceiling (benign FPR)"}
    thr = round(best[1], 4)
    f, p, r = f1_at(ys, ss, thr)
    return thr, {"f1": f, "precision": p, "recall": r, "n_pos": npos, "rule": f"highest within {F1_TIE} of max F1, benign FPR<={max_fpr}"}
