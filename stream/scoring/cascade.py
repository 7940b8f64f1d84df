"""The production scorer: normalise -> cheap n-gram stage on every text -> encoder stage on the
uncertain ones (batched) -> blocklists + hash banks -> per-category thresholds.

`load_cascade()` builds it from `models/` (override with `models_dir=` or env
`RISKSTREAM_MODELS_DIR`). Construction loads the ONNX sessions once; `score_batch` is pure
compute plus a cheap, rate-limited mtime check that hot-reloads `models/lists` and `models/banks`.

Score semantics: calibrated per-category probabilities in [0, 1]. A parent's score is at least
its children's (a threatening hate turn is hate) and a child's threshold is never below its
parent's, so a flagged child always flags its parent. Blocklist / bank matches raise the
category score to the entry's score and are reported as `Signal`s with their list / bank id.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from stream.scoring import features
from stream.scoring.blocklist import BlocklistSet
from stream.scoring.hashbank import BankSet
from stream.scoring.normalize import match_tokens, normalize_text
from stream.scoring.onnx_model import OnnxStage
from stream.scoring.types import Signal, TextScore
from stream.taxonomy import CATEGORIES, PARENT

CHEAP_FILE = "cheap_ngram.onnx"
ENCODER_FILE = "encoder_minilm_int8.onnx"
CI = {c: i for i, c in enumerate(CATEGORIES)}
_PAIRS = [(CI[ch], CI[p]) for ch, p in PARENT.items()]
K = len(CATEGORIES)


def default_models_dir() -> Path:
    env = os.environ.get("RISKSTREAM_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models"


def _parent_max(s: np.ndarray) -> np.ndarray:
    for ch, p in _PAIRS:
        np.maximum(s[:, p], s[:, ch], out=s[:, p])
    return s


def _consistent_thresholds(t: np.ndarray) -> np.ndarray:
    t = t.copy()
    for ch, p in _PAIRS:
        t[ch] = max(t[ch], t[p])
    return t


class CheapStage:
    """Hashed n-gram featuriser + linear ONNX model."""

    def __init__(self, path: Path, threads: int | None = None):
        self.onnx = OnnxStage.load(path, threads)
        spec = self.onnx.meta.get("riskstream.features")
        if spec != features.spec():
            raise ValueError(f"{path}: feature spec {spec} != runtime featuriser {features.spec()}")
        self.thresholds = self.onnx.thresholds

    def score_normalized(self, norm: Sequence[str], chunk: int = 128) -> np.ndarray:
        n = len(norm)
        out = np.zeros((n, K), dtype=np.float32)
        if n == 0:
            return out
        data, indices, indptr = features.featurize_batch(norm, normalized=True)
        nnz = np.diff(indptr)
        order = np.argsort(nnz, kind="stable")  # length buckets: little padding
        for s in range(0, n, chunk):
            ids = order[s:s + chunk]
            k = max(1, int(nnz[ids].max()))
            idx = np.zeros((len(ids), k), dtype=np.int64)
            val = np.zeros((len(ids), k), dtype=np.float32)
            for r, i in enumerate(ids):
                a, b = indptr[i], indptr[i + 1]
                idx[r, : b - a] = indices[a:b]
                val[r, : b - a] = data[a:b]
            out[ids] = self.onnx.run({"feat_idx": idx, "feat_val": val})
        return out


class CascadeScorer:
    def __init__(self, models_dir: Path, use_encoder: bool = True, reload_interval: float = 2.0,
                 threads: int | None = None, encoder_batch: int = 8, use_lists: bool = True,
                 stages: str | None = None):
        self.models_dir = Path(models_dir)
        self.cheap = CheapStage(self.models_dir / CHEAP_FILE, threads)
        self.encoder = None
        enc_path = self.models_dir / ENCODER_FILE
        if use_encoder and enc_path.exists():
            from stream.scoring.encoder import EncoderStage

            self.encoder = EncoderStage(enc_path, threads=threads, batch=encoder_batch)
        # "cascade" (default), "cheap" (cheap stage only), "encoder" (encoder on every text)
        self.mode = stages or ("cascade" if self.encoder else "cheap")
        if self.mode in ("cascade", "encoder") and self.encoder is None:
            raise ValueError(f"stage mode {self.mode!r} needs {enc_path}")
        if self.mode == "cheap":
            thr = self.cheap.thresholds
        elif self.mode == "encoder":
            thr = self.encoder.thresholds
        else:
            thr = self.encoder.cascade_thresholds
        self.thresholds = _consistent_thresholds(np.asarray(thr, dtype=np.float32))
        self.use_lists = use_lists
        self.lists = BlocklistSet(self.models_dir / "lists", reload_interval) if use_lists else None
        self.banks = BankSet(self.models_dir / "banks", reload_interval) if use_lists else None
        self.stats = {"texts": 0, "encoder_texts": 0}

    # ------------------------------------------------------------------ model scores
    def model_scores(self, norm: list[str]) -> np.ndarray:
        if self.mode == "encoder":
            return self.encoder.score(norm)
        s = self.cheap.score_normalized(norm)
        if self.mode == "cheap" or self.encoder is None:
            return s
        gate = self.encoder.gate_mask(s, norm)
        ids = np.nonzero(gate)[0]
        if ids.size:
            e = self.encoder.score([norm[i] for i in ids])
            s[ids] = self.encoder.combine(s[ids], e)
        self.stats["encoder_texts"] += int(ids.size)
        return s

    # ------------------------------------------------------------------ public API
    def score_batch(self, texts: Sequence[str]) -> list[TextScore]:
        n = len(texts)
        if n == 0:
            return []
        if self.use_lists:
            self.lists.refresh()
            self.banks.refresh()
        norm = [normalize_text(t) if t else "" for t in texts]
        live = [i for i, t in enumerate(norm) if t]
        scores = np.zeros((n, K), dtype=np.float32)
        if live:
            scores[live] = self.model_scores([norm[i] for i in live])
        self.stats["texts"] += n
        signals: list[list[Signal]] = [[] for _ in range(n)]
        if self.use_lists and live:
            toks_live = [match_tokens(norm[i], normalized=True) for i in live]
            bank_hits = self.banks.match_many(toks_live)
            for i, toks, bhits in zip(live, toks_live, bank_hits):
                if not toks:
                    continue
                for m in self.lists.match(" ".join(toks)):
                    for c, v in m.categories.items():
                        j = CI[c]
                        scores[i, j] = max(scores[i, j], v)
                        signals[i].append(Signal("blocklist", m.list_id, c, m.entry_id))
                for m in bhits:
                    for c, v in m.categories.items():
                        j = CI[c]
                        scores[i, j] = max(scores[i, j], v)
                        signals[i].append(Signal("hashbank", m.bank_id, c, f"{m.entry_id} {m.kind} d={m.distance}"))
        np.clip(scores, 0.0, 1.0, out=scores)
        _parent_max(scores)
        flags = scores >= self.thresholds[None, :]
        out = []
        for i in range(n):
            row = scores[i].tolist()
            f = flags[i].tolist()
            out.append(TextScore(
                category_scores=dict(zip(CATEGORIES, row)),
                categories=dict(zip(CATEGORIES, f)),
                flagged=any(f),
                signals=tuple(signals[i]),
            ))
        return out

    @property
    def threshold_map(self) -> dict[str, float]:
        return dict(zip(CATEGORIES, map(float, self.thresholds)))

    @property
    def version(self) -> str:
        v = self.cheap.onnx.version
        return f"{v}+{self.mode}"


def load_cascade(models_dir: Path | None = None, **kwargs) -> CascadeScorer:
    """Build the production cascade. kwargs: use_encoder, reload_interval, threads, encoder_batch,
    use_lists, stages ("cascade" | "cheap" | "encoder")."""
    return CascadeScorer(Path(models_dir) if models_dir else default_models_dir(), **kwargs)
