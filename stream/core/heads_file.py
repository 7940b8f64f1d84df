"""Logistic heads over a sentence embedding, as the learned readers store them (stage tagger, reply reader,
farewell reader).

Why one place: each reader is one logistic model per label over an encoder's embedding, stored as
JSON next to the classifiers with the encoder it was fitted on; a file fitted on another encoder (or
with other labels, or the wrong shapes) must be refused at load, not read as noise.
"""

from __future__ import annotations

import numpy as np


def heads_body(weights: np.ndarray, bias: np.ndarray, thresholds: np.ndarray, embedding: str) -> dict:
    """The stored form of (labels, dim) weights, (labels,) bias and thresholds fitted on `embedding`."""
    return {"dim": int(weights.shape[1]), "embedding": embedding,
            "weights": [[round(float(w), 5) for w in row] for row in weights],
            "bias": [round(float(b), 5) for b in bias],
            "thresholds": [round(float(t), 4) for t in thresholds]}


def parse_heads(d: dict, n_labels: int, embedding: str | None, dim: int | None, error: type[ValueError],
                retrain: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights, bias, thresholds) of a stored body (`heads_body`); `error` when its shapes are not
    `n_labels` heads, or it was fitted on another encoder than `embedding` (`dim`-d)."""
    w = np.asarray(d["weights"], np.float32)
    if w.shape != (n_labels, int(d["dim"])) or len(d["bias"]) != n_labels or len(d["thresholds"]) != n_labels:
        raise error("weights have the wrong shape")
    if (dim is not None and int(d["dim"]) != dim) or (embedding is not None and d["embedding"] != embedding):
        raise error(f"fitted on {d['dim']}-d embeddings of {d['embedding']!r}, the encoder gives {dim}-d embeddings of "
                    f"{embedding!r}; retrain it ({retrain})")
    return w, np.asarray(d["bias"], np.float32), np.asarray(d["thresholds"], np.float32)
