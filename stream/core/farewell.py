"""Learned reading of farewell acts: a person quietly putting their affairs in order, with finality.

Why: people heading towards ending their life often say nothing of death. They find the cat a new
home "for good", write letters telling their family it is not their fault, give away what they
"won't be needing", delete their accounts, ask whether the insurance pays out, thank the assistant
"for everything". Each message reads as an errand (the classifiers give it nothing, the stage rungs
of distress, ideation, intent and plan do not fit it), and on the blind people sets such people
were the at-risk people most often missed. Suicide-risk assessment counts these preparatory acts as
their own warning sign; here, two of them apart in time (in practice two conversations) make a
pattern for the support route (stream/core/policy.py `FAREWELL`), never an enforcement case.

One logistic model over the multilingual USE embedding (every language): out of writer, on the
project's farewell sets (`models/data/farewell_turns_*.jsonl`: each act written with a hint of
finality, beside the same errands done for ordinary reasons), it told the two apart far better than
MiniLM's embedding did (README, "Farewell acts"). USE costs about as much as MiniLM on a chat turn,
so an English turn is embedded by USE only when a `gate` over the MiniLM embedding the scorer has
already read lets it through (set to keep nearly every act of the training sets). Chinese and Korean
turns are not read: out of writer the reader found a sixth of the zh / ko acts, and on the zh / ko
benign people of `bench_people.py --cjk-turns` it read ordinary turns ("this courier company, never
again", a letter to parents before studying abroad) as acts and flagged three more of them.

Stored as `farewell_reader.json` next to the classifiers (optional: without it nothing is read), and
refused at load when fitted on other encoders. Trained by `models/train/farewell_reader.py`. Pure
apart from `load`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stream.core.heads_file import heads_body, parse_heads
from stream.core.modelfiles import UnusableModelFile, load_json
from stream.scoring.rowwise import rowwise_logistic

FILE_NAME = "farewell_reader.json"
KIND = "riskstream-farewell-reader/1"
SIGNAL = "farewell"  # the `model` signal's detail on a turn read so
RETRAIN = "python -m models.train.farewell_reader"


class FarewellReaderFileError(UnusableModelFile):
    """A farewell reader file that cannot be used with this runtime."""


@dataclass(frozen=True)
class FarewellReader:
    weights: np.ndarray  # (1, USE dim)
    bias: np.ndarray  # (1,)
    threshold: float  # probability at or above which the turn reads as a farewell act
    embedding: str  # the USE encoder spec the weights were fitted on
    gate_weights: np.ndarray  # (1, MiniLM dim): which English turns USE reads at all
    gate_bias: np.ndarray
    gate_threshold: float
    gate_embedding: str  # the MiniLM base model id
    version: str = ""

    def gate(self, emb: np.ndarray) -> np.ndarray:
        """(n,) bool: the English turns (MiniLM embeddings) worth reading with USE."""
        return rowwise_logistic(emb, self.gate_weights, self.gate_bias)[:, 0] >= self.gate_threshold

    def reads(self, emb: np.ndarray) -> np.ndarray:
        """(n,) bool: the turns (USE embeddings) read as a farewell act."""
        return rowwise_logistic(emb, self.weights, self.bias)[:, 0] >= self.threshold

    def to_dict(self, **extra) -> dict:
        body = {"kind": KIND, "labels": [SIGNAL],
                "use": heads_body(self.weights, self.bias, np.array([self.threshold]), self.embedding),
                "gate": heads_body(self.gate_weights, self.gate_bias, np.array([self.gate_threshold]), self.gate_embedding)}
        version = "farewell-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    @classmethod
    def from_dict(cls, d: dict, gate_embedding: str | None = None, gate_dim: int | None = None) -> "FarewellReader":
        """Refuses a file of another kind, or whose gate was fitted on another encoder than the
        scorer's (`gate_embedding`, `gate_dim`), or whose reader was fitted on another USE."""
        from stream.scoring.use_stage import DIM, spec

        if d.get("kind") != KIND or list(d.get("labels", ())) != [SIGNAL]:
            raise FarewellReaderFileError(f"not a farewell reader (kind {d.get('kind')!r})")
        w, b, t = parse_heads(d["use"], 1, spec()["encoder"], DIM, FarewellReaderFileError, RETRAIN)
        gw, gb, gt = parse_heads(d["gate"], 1, gate_embedding, gate_dim, FarewellReaderFileError, RETRAIN)
        return cls(w, b, float(t[0]), str(d["use"]["embedding"]), gw, gb, float(gt[0]), str(d["gate"]["embedding"]),
                   str(d.get("version", "")))

    @classmethod
    def load(cls, models_dir: Path | str | None, gate_embedding: str | None = None,
             gate_dim: int | None = None) -> "FarewellReader | None":
        """The reader stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, lambda d: cls.from_dict(d, gate_embedding, gate_dim),
                         FarewellReaderFileError)
