"""Matrix products whose rows do not depend on their batch mates.

`x @ W` hands the whole batch to BLAS, which picks its kernel (and so the order of a row's sums)
by the batch's shape: a row's last digits then depend on which other rows share its call. Scores
and tagger readings must not (a turn reads the same in any batch, in replay over any number of
processes, and in the worker as records arrive), so heads over embeddings multiply row by row.
The heads are small (a few hundred inputs, 13-16 outputs): the loop costs microseconds.
"""

from __future__ import annotations

import numpy as np


def rowwise_logistic(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(n, k) probabilities of k logistic models (`weights` [k, d], `bias` [k]) over x [n, d] (as float32),
    each row computed alone: the stage tagger's and the reply reader's readings."""
    z = rowwise_matmul(x.astype(np.float32), weights.T) + bias
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def rowwise_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x [n, d] @ w [d, k], each row computed alone (one vector-matrix product per row)."""
    out = np.empty((x.shape[0], w.shape[1]), np.result_type(x, w))
    for i in range(x.shape[0]):
        out[i] = x[i] @ w
    return out
