"""Matrix products whose rows do not depend on their batch mates.

`x @ W` hands the whole batch to BLAS, which picks its kernel (and so the order of a row's sums)
by the batch's shape: a row's last digits then depend on which other rows share its call. Scores
and tagger readings must not (a turn reads the same in any batch, in replay over any number of
processes, and in the worker as records arrive), so heads over embeddings multiply row by row.
The heads are small (a few hundred inputs, 13-16 outputs): the loop costs microseconds.
"""

from __future__ import annotations

import numpy as np


def rowwise_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x [n, d] @ w [d, k], each row computed alone (one vector-matrix product per row)."""
    out = np.empty((x.shape[0], w.shape[1]), np.result_type(x, w))
    for i in range(x.shape[0]):
        out[i] = x[i] @ w
    return out
