"""Classifiers: text normalisation, blocklists, hash banks and the ONNX cascade.

`load_default_scorer()` returns the production cascade built from the committed models.
"""

from stream.scoring.types import Scorer, Signal, TextScore

__all__ = ["Scorer", "Signal", "TextScore", "load_default_scorer"]


def load_default_scorer(**kwargs) -> Scorer:
    """Build the default cascade from `models/` (lazy import keeps `riskstream --help` fast)."""
    from stream.scoring.cascade import load_cascade

    return load_cascade(**kwargs)
