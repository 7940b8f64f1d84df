"""Metrics shared by training (threshold choice) and `riskstream eval-classifier` (numpy only)."""

from __future__ import annotations

import numpy as np


def auprc(y: np.ndarray, s: np.ndarray) -> float:
    """Average precision (step-wise area under the precision-recall curve). NaN if no positives."""
    y = np.asarray(y, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    npos = y.sum()
    if npos == 0 or len(y) == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    # collapse ties: take the last index of each distinct score
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp, fp = tp[last], fp[last]
    prec = tp / (tp + fp)
    rec = tp / npos
    rec_prev = np.r_[0.0, rec[:-1]]
    return float(np.sum((rec - rec_prev) * prec))


def prf(pred: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(F1, precision, recall) of boolean predictions against 0/1 labels."""
    tp = float(np.sum(pred & (y == 1)))
    fp = float(np.sum(pred & (y == 0)))
    fn = float(np.sum(~pred & (y == 1)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f, p, r


def f1_at(y: np.ndarray, s: np.ndarray, thr: float) -> tuple[float, float, float]:
    return prf(s >= thr, y)
