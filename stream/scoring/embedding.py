"""Sentence embeddings from the committed encoder, for readers other than the classifiers.

The stage tagger (stream/core/tagger.py) reads every user turn's meaning over the encoder's
384-d mean-pooled, L2-normalised MiniLM `embedding` output. When the scorer offers the embeddings
of the pass that scored the turns (`CascadeScorer.embeddings`), they are taken from there, so the
encoder does not run twice (`embedder_for`); otherwise (a scorer without them, the trainers) an
`Embedder` runs the encoder graph itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from stream.scoring.normalize import normalize_text

ENCODER_FILE = "encoder_minilm_int8.onnx"


def embed_normalized(texts: Sequence[str], dim: int, encode) -> np.ndarray:
    """(n, dim) float32: `encode` of the non-empty texts, normalised as the classifiers read them;
    zeros for an empty text."""
    norm = [normalize_text(t) if t else "" for t in texts]
    out = np.zeros((len(texts), dim), np.float32)
    live = [i for i, t in enumerate(norm) if t]
    if live:
        out[live] = encode([norm[i] for i in live])
    return out


class Embedder:
    def __init__(self, models_dir: Path | str, threads: int | None = None, batch: int = 32):
        from stream.scoring.encoder import EncoderStage

        path = Path(models_dir) / ENCODER_FILE
        self.stage = EncoderStage(path, threads=threads, batch=batch)
        if not self.stage.has_embedding:
            raise ValueError(f"{path} has no `embedding` output")
        self.model_id = model_id(self.stage.onnx.meta)
        self.dim = int(self.stage.onnx.session.get_outputs()[[o.name for o in self.stage.onnx.session.get_outputs()]
                                                            .index("embedding")].shape[-1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, one row per text (zeros for an empty text)."""
        return embed_normalized(texts, self.dim, lambda norm: self.stage.run(norm, ("embedding",))[0])

    @classmethod
    def load(cls, models_dir: Path | str | None) -> "Embedder | None":
        if models_dir is None or not (Path(models_dir) / ENCODER_FILE).is_file():
            return None
        return cls(models_dir)


def model_id(meta: dict) -> str:
    """The encoder's base model id (what a tagger's weights are tied to)."""
    return str(meta.get("riskstream.base_model", "")).split(" ")[0]


class ScorerEmbeddings:
    """The scorer's own embeddings, read in the pass that scored the texts."""

    def __init__(self, scorer, model: str, dim: int = 384):
        self.scorer, self.model_id, self.dim = scorer, model, dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.scorer.embeddings(texts)


class UseEmbedder:
    """Multilingual USE v3 sentence embeddings (512-d), for the stage tagger's Chinese / Korean reader.
    Loaded on first use (like the USE scoring heads, and shared with them, as are their recent
    embeddings: a turn the scorer just read costs nothing here)."""

    def __init__(self):
        from stream.scoring.use_stage import DIM, spec

        self.model_id, self.dim = spec()["encoder"], DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from stream.scoring.use_stage import encode_recent

        return embed_normalized(texts, self.dim, encode_recent)


def embedder_for(scorer, models_dir: Path | str | None):
    """The scorer's embeddings when it offers them, else an `Embedder` on the models directory."""
    enc = getattr(scorer, "encoder", None)
    if callable(getattr(scorer, "embeddings", None)) and getattr(enc, "has_embedding", False):
        return ScorerEmbeddings(scorer, model_id(enc.onnx.meta))
    return Embedder.load(models_dir)
