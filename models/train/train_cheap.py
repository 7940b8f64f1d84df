"""Cheap stage: hashed n-gram features -> multi-label logistic regression (masked BCE), numpy/scipy.

Trained with AdamW on minibatches; unknown labels (NaN) are masked out of the loss. Returns
W [DIM, 13], b [13] in logit space.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from stream.scoring import features
from stream.taxonomy import CATEGORIES


def build_matrix(texts: list[str]) -> sp.csr_matrix:
    data, idx, ptr = features.featurize_csr(texts)
    return sp.csr_matrix((data, idx, ptr), shape=(len(texts), features.DIM), dtype=np.float32)


def train_logreg(X: sp.csr_matrix, Y: np.ndarray, w: np.ndarray, epochs: int = 6, batch: int = 512,
                 lr: float = 0.02, wd: float = 1e-6, pos_weight: np.ndarray | None = None,
                 seed: int = 0, verbose: bool = True) -> tuple[np.ndarray, np.ndarray]:
    n, d = X.shape
    k = Y.shape[1]
    M = (~np.isnan(Y)).astype(np.float32)
    Yz = np.nan_to_num(Y, nan=0.0).astype(np.float32)
    if pos_weight is None:
        pos_weight = np.ones(k, np.float32)
    W = np.zeros((d, k), np.float32)
    # bias initialised at the weighted prior log-odds
    pos = (Yz * M * w[:, None]).sum(0) + 1.0
    neg = ((1 - Yz) * M * w[:, None]).sum(0) + 1.0
    b = np.log(pos * pos_weight / neg).astype(np.float32)
    mW = np.zeros_like(W); vW = np.zeros_like(W)
    mb = np.zeros_like(b); vb = np.zeros_like(b)
    b1, b2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng(seed)
    step = 0
    wsum = float(w.sum())
    for ep in range(epochs):
        t0 = time.time()
        perm = rng.permutation(n)
        tot = 0.0
        lr_ep = lr * (0.5 ** max(0, ep - epochs // 2))
        for s in range(0, n, batch):
            ids = perm[s:s + batch]
            xb = X[ids]
            z = xb @ W + b
            p = 1.0 / (1.0 + np.exp(-z))
            yb, mb_, wb = Yz[ids], M[ids], w[ids][:, None]
            # d/dz of weighted BCE with pos_weight
            g = wb * mb_ * (pos_weight * yb * (p - 1.0) + (1.0 - yb) * p)
            g /= max(1.0, float(wb.sum()))
            with np.errstate(divide="ignore"):
                loss = -(wb * mb_ * (pos_weight * yb * np.log(p + 1e-7) + (1 - yb) * np.log(1 - p + 1e-7))).sum()
            tot += float(loss)
            rows = np.unique(xb.indices)
            gW = (xb[:, rows].T @ g).astype(np.float32)  # only touched rows (lazy Adam)
            gb = g.sum(0)
            step += 1
            # lazy AdamW on touched rows
            mW[rows] = b1 * mW[rows] + (1 - b1) * gW
            vW[rows] = b2 * vW[rows] + (1 - b2) * gW * gW
            c1 = 1 - b1 ** step
            c2 = 1 - b2 ** step
            W[rows] -= lr_ep * ((mW[rows] / c1) / (np.sqrt(vW[rows] / c2) + eps) + wd * W[rows])
            mb = b1 * mb + (1 - b1) * gb
            vb = b2 * vb + (1 - b2) * gb * gb
            b -= lr_ep * (mb / c1) / (np.sqrt(vb / c2) + eps)
        if verbose:
            print(f"    epoch {ep + 1}/{epochs} loss {tot / wsum:.4f} ({time.time() - t0:.1f}s)", flush=True)
    return W, b


def pos_weights(Y: np.ndarray, w: np.ndarray, cap: float = 8.0) -> np.ndarray:
    M = ~np.isnan(Y)
    Yz = np.nan_to_num(Y, nan=0.0)
    pos = (Yz * M * w[:, None]).sum(0) + 1
    neg = ((1 - Yz) * M * w[:, None]).sum(0) + 1
    return np.clip(np.sqrt(neg / pos), 1.0, cap).astype(np.float32)


__all__ = ["build_matrix", "train_logreg", "pos_weights", "CATEGORIES"]
