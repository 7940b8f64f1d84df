"""Per-category logistic heads over frozen sentence embeddings (masked, weighted, L2), numpy/scipy.

All 13 categories are fitted jointly by L-BFGS (one loss, unknown labels masked out), each with
its own positive weight (sqrt of the negative/positive mass, capped) so rare categories are not
drowned. An optional MLP correction (`fit_mlp`) can sit on top of the linear heads; whether it
is used is decided out of family (models/train/train_encoder.py, models/train/lofo.MLP_GRID).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from models.train.train_cheap import pos_weights


def cell_weights(Y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(targets with unknowns as 0, per-cell loss weights): row weight x positive weight, masked
    cells 0, each category's weights summing to 1 (its loss is a weighted mean)."""
    M = (~np.isnan(Y)).astype(np.float32)
    Yz = np.nan_to_num(Y, nan=0.0).astype(np.float32)
    pw = pos_weights(Y, w).astype(np.float32)
    C = w[:, None] * M * (Yz * pw[None, :] + (1 - Yz))
    norm = C.sum(0) + 1e-9
    return Yz, (C / norm[None, :]).astype(np.float32)


def fit_logistic(X: np.ndarray, Y: np.ndarray, w: np.ndarray, l2: float = 1e-3, iters: int = 150,
                 init: tuple[np.ndarray, np.ndarray] | None = None):
    """X [n, d], Y [n, k] with NaN = unknown, w [n] row weights -> (W [d, k], b [k]).
    `init`: a starting point (e.g. the heads fitted on all rows), which speeds up fold fits."""
    n, d = X.shape
    k = Y.shape[1]
    Yz, C = cell_weights(Y, w)
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


def fit_mlp(X: np.ndarray, Y: np.ndarray, w: np.ndarray, linear: tuple[np.ndarray, np.ndarray],
            hidden: int = 64, l2: float = 1e-3, epochs: int = 6, batch: int = 256, lr: float = 1e-3,
            seed: int = 0):
    """Logistic heads plus a one-hidden-layer correction shared by the categories:
    logits = X @ Wl + bl + relu(X @ W1 + b1) @ W2 + b2, with (Wl, bl) = `linear` (the fitted
    logistic heads, kept fixed) and W2 starting at 0, so training starts from the linear heads'
    answer and learns only what they cannot express (e.g. "kill" x game context). Same masked,
    weighted loss as `fit_logistic`; Adam on shuffled minibatches, L2 on W1 and W2; seeded."""
    n, d = X.shape
    k = Y.shape[1]
    Yz, C = cell_weights(Y, w)
    C = C * n  # per-row scale ~1, so a minibatch mean estimates the full loss
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    base = (X32 @ linear[0] + linear[1]).astype(np.float32)
    rng = np.random.default_rng(seed)
    params = {
        "W1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "W2": np.zeros((hidden, k), np.float32),
        "b2": np.zeros(k, np.float32),
    }
    m = {p: np.zeros_like(v) for p, v in params.items()}
    v2 = {p: np.zeros_like(v) for p, v in params.items()}
    b1_, b2_, eps = 0.9, 0.999, 1e-8
    step = 0
    for ep in range(epochs):
        lr_ep = lr * 0.5 * (1 + np.cos(np.pi * ep / epochs))  # cosine decay
        perm = rng.permutation(n)
        for s in range(0, n, batch):
            ids = perm[s:s + batch]
            xb = X32[ids]
            a = xb @ params["W1"] + params["b1"]
            h = np.maximum(a, 0)
            z = base[ids] + h @ params["W2"] + params["b2"]
            p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
            G = C[ids] * (p - Yz[ids]) / len(ids)
            gh = G @ params["W2"].T
            gh[a <= 0] = 0
            grads = {"W2": h.T @ G + 2 * l2 * params["W2"], "b2": G.sum(0),
                     "W1": xb.T @ gh + 2 * l2 * params["W1"], "b1": gh.sum(0)}
            step += 1
            c1, c2 = 1 - b1_ ** step, 1 - b2_ ** step
            for q, g in grads.items():
                m[q] = b1_ * m[q] + (1 - b1_) * g
                v2[q] = b2_ * v2[q] + (1 - b2_) * g * g
                params[q] -= (lr_ep * (m[q] / c1) / (np.sqrt(v2[q] / c2) + eps)).astype(np.float32)
    return (linear[0], linear[1], params["W1"], params["b1"], params["W2"], params["b2"])


def mlp_logits(X: np.ndarray, Wl, bl, W1, b1, W2, b2) -> np.ndarray:
    return X @ Wl + bl + np.maximum(X @ W1 + b1, 0) @ W2 + b2


def head_logits(X: np.ndarray, model: tuple) -> np.ndarray:
    """Logits of fitted heads: (W, b) logistic, or the 6 arrays of `fit_mlp`."""
    return logits(X, *model) if len(model) == 2 else mlp_logits(X, *model)
