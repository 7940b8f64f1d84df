"""Per-category logistic heads over frozen sentence embeddings (masked, weighted, L2), numpy/scipy.

All 13 categories are fitted jointly by L-BFGS (one loss, unknown labels masked out), each with
its own positive weight (sqrt of the negative/positive mass, capped) so rare categories are not
drowned. Linear heads on a frozen encoder are the regularised choice: they were measured against
an MLP out of family (models/MODEL_CARD.md) before being kept.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from models.train.train_cheap import pos_weights


def fit_logistic(X: np.ndarray, Y: np.ndarray, w: np.ndarray, l2: float = 1e-3, iters: int = 150,
                 init: tuple[np.ndarray, np.ndarray] | None = None):
    """X [n, d], Y [n, k] with NaN = unknown, w [n] row weights -> (W [d, k], b [k]).
    `init`: a starting point (e.g. the heads fitted on all rows), which speeds up fold fits."""
    n, d = X.shape
    k = Y.shape[1]
    M = (~np.isnan(Y)).astype(np.float32)
    Yz = np.nan_to_num(Y, nan=0.0).astype(np.float32)
    pw = pos_weights(Y, w).astype(np.float32)
    # per cell weight: row weight x (pos_weight for positives); masked cells weigh 0
    C = w[:, None] * M * (Yz * pw[None, :] + (1 - Yz))
    norm = C.sum(0) + 1e-9  # each category's loss is a weighted mean
    C = (C / norm[None, :]).astype(np.float32)
    X32 = np.ascontiguousarray(X, dtype=np.float32)

    def f(theta):
        W = theta[: d * k].reshape(d, k).astype(np.float32)
        b = theta[d * k:].astype(np.float32)
        z = X32 @ W + b
        # BCE with logits, stable
        loss = C * (np.logaddexp(0, z) - Yz * z)
        p = 1 / (1 + np.exp(-z))
        G = C * (p - Yz)
        val = float(loss.sum(dtype=np.float64)) + l2 * float((W * W).sum())
        gW = X32.T @ G + 2 * l2 * W
        gb = G.sum(0)
        return val, np.concatenate([gW.ravel(), gb]).astype(np.float64)

    theta0 = np.zeros(d * k + k) if init is None else np.concatenate([init[0].ravel(), init[1]]).astype(np.float64)
    res = minimize(f, theta0, jac=True, method="L-BFGS-B", options={"maxiter": iters})
    W = res.x[: d * k].reshape(d, k).astype(np.float32)
    b = res.x[d * k:].astype(np.float32)
    return W, b


def logits(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return X @ W + b
