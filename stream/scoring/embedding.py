"""Sentence embeddings from the committed encoder, for readers other than the classifiers.

Why separate from the cascade: the stage tagger (stream/core/tagger.py) reads every user turn's
meaning, while the cascade runs the encoder only where it has to. The encoder graph exposes a
384-d mean-pooled, L2-normalised MiniLM `embedding` output; this wraps it. (If the scorer ever
returns embeddings with its scores, the detector can take them from there and skip this pass.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from stream.scoring.normalize import normalize_text

ENCODER_FILE = "encoder_minilm_int8.onnx"


class Embedder:
    def __init__(self, models_dir: Path | str, threads: int | None = None, batch: int = 32):
        from stream.scoring.encoder import EncoderStage

        path = Path(models_dir) / ENCODER_FILE
        self.stage = EncoderStage(path, threads=threads, batch=batch)
        if not self.stage.has_embedding:
            raise ValueError(f"{path} has no `embedding` output")
        self.model_id = str(self.stage.onnx.meta.get("riskstream.base_model", "")).split(" ")[0]
        self.dim = int(self.stage.onnx.session.get_outputs()[[o.name for o in self.stage.onnx.session.get_outputs()]
                                                            .index("embedding")].shape[-1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, one row per text (zeros for an empty text)."""
        norm = [normalize_text(t) if t else "" for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        live = [i for i, t in enumerate(norm) if t]
        if live:
            out[live] = self.stage.run([norm[i] for i in live], ("embedding",))[0]
        return out

    @classmethod
    def load(cls, models_dir: Path | str | None) -> "Embedder | None":
        if models_dir is None or not (Path(models_dir) / ENCODER_FILE).is_file():
            return None
        return cls(models_dir)
