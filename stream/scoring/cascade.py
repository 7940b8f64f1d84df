"""The production scorer: normalise -> the encoder reads every non-CJK text (batched by length),
CJK / Hangul text is read by the n-gram stage and the USE heads (their mean: it ranks zh / ko turns
better out of family than either, stream/scoring/use_stage.py) -> blocklists + hash banks ->
per-category thresholds.

No gate or stacker sits between the encoder and the score: what the encoder read is the score
(lists and banks can only raise it). Repeated texts are scored once (an LRU of recent
normalised texts, `cache_size`), which matters for chat traffic ("thanks", "ok", "continue");
texts only embedded (the stage tagger's clauses, `embeddings`) are likewise embedded once.

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
from stream.scoring.encoder import is_cjk
from stream.scoring.hashbank import BankSet
from stream.scoring.lru import Lru
from stream.scoring.normalize import match_tokens, normalize_text, seed_match_form
from stream.scoring.onnx_model import OnnxStage
from stream.scoring.types import Signal, TextScore
from stream.scoring.use_stage import HEADS_FILE as USE_FILE, UseStage
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


def rescale(s: np.ndarray, t_from: np.ndarray, t_to: np.ndarray) -> np.ndarray:
    """Piecewise-linear, monotone map of scores so that threshold t_from lands on t_to (0 and 1
    stay put): n-gram-stage scores of CJK turns share the encoder's thresholds and flags."""
    lo = s * (t_to / t_from)
    hi = t_to + (s - t_from) * ((1 - t_to) / (1 - t_from))
    return np.where(s < t_from, lo, hi).astype(np.float32)


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
                 threads: int | None = None, encoder_batch: int = 64, use_lists: bool = True,
                 stages: str | None = None, cache_size: int = 4096):
        self.models_dir = Path(models_dir)
        self.cheap = CheapStage(self.models_dir / CHEAP_FILE, threads)
        self.encoder = None
        enc_path = self.models_dir / ENCODER_FILE
        if use_encoder and enc_path.exists():
            from stream.scoring.encoder import EncoderStage

            self.encoder = EncoderStage(enc_path, threads=threads, batch=encoder_batch)
        # "cascade" (default: encoder on non-CJK text, n-gram stage + USE heads on CJK), "cheap" (n-gram stage
        # only), "encoder" (encoder on every text)
        self.mode = stages or ("cascade" if self.encoder else "cheap")
        if self.mode in ("cascade", "encoder") and self.encoder is None:
            raise ValueError(f"stage mode {self.mode!r} needs {enc_path}")
        self.cheap_thresholds = _consistent_thresholds(np.asarray(self.cheap.thresholds, dtype=np.float32))
        # in cascade mode CJK turns are read by the mean of the n-gram stage and the USE heads, whose
        # thresholds are those of the mean; model sets built before the USE heads: the n-gram stage alone
        use_path = self.models_dir / USE_FILE
        self.use = UseStage(use_path, threads) if self.mode == "cascade" and use_path.exists() else None
        self.cjk_thresholds = (_consistent_thresholds(self.use.thresholds) if self.use is not None
                               else self.cheap_thresholds)
        # one threshold scale: in cascade mode CJK turns' scores are mapped onto it (`rescale`)
        self.thresholds = (self.cheap_thresholds if self.mode == "cheap"
                           else _consistent_thresholds(np.asarray(self.encoder.thresholds, dtype=np.float32)))
        self.cache_size = cache_size
        self._cache: Lru[str, tuple] = Lru(cache_size)  # text -> (scores, embedding)
        # text -> embedding, for texts embedded without being scored (the stage tagger's clauses:
        # they recur, within a conversation read together and across people)
        self._emb_cache: Lru[str, np.ndarray] = Lru(cache_size)
        self.use_lists = use_lists
        self.lists = BlocklistSet(self.models_dir / "lists", reload_interval) if use_lists else None
        self.banks = BankSet(self.models_dir / "banks", reload_interval) if use_lists else None
        self.stats = {"texts": 0, "encoder_texts": 0, "use_texts": 0, "cache_hits": 0, "embedding_cache_hits": 0}

    # ------------------------------------------------------------------ model scores
    def _by_cheap(self, norm: list[str]) -> np.ndarray:
        """Which texts the n-gram stage (with the USE heads, in cascade mode) scores; the rest go to the encoder."""
        if self.mode == "cheap":
            return np.ones(len(norm), bool)
        if self.mode == "encoder":
            return np.zeros(len(norm), bool)
        return np.array([is_cjk(t) for t in norm], bool)

    def model_scores(self, norm: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(scores [n, 13] on the encoder's threshold scale, encoder embeddings [n, 384] or None)
        of normalised texts, each read by one model; CJK rows of the embeddings are left empty."""
        cheap = self._by_cheap(norm)
        s = np.zeros((len(norm), K), np.float32)
        emb = None
        ci = np.nonzero(cheap)[0]
        ei = np.nonzero(~cheap)[0]
        if ci.size:
            texts = [norm[i] for i in ci]
            s[ci] = self.cheap.score_normalized(texts)
            if self.use is not None:
                s[ci] = (s[ci] + self.use.score_normalized(texts)) / 2
                self.stats["use_texts"] += int(ci.size)
            if self.mode == "cascade":
                s[ci] = rescale(s[ci], self.cjk_thresholds, self.thresholds)
        if ei.size:
            outs = ("scores", "embedding") if self.encoder.has_embedding else ("scores",)
            res = self.encoder.run([norm[i] for i in ei], outs)
            s[ei] = res[0]
            if len(res) > 1:
                emb = np.zeros((len(norm), res[1].shape[1]), np.float32)
                emb[ei] = res[1]
        self.stats["encoder_texts"] += int(ei.size)
        return s, emb

    def _cached(self, norm: list[str]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(scores, embedding) per normalised text; repeated texts (in the batch and recently) read once."""
        out: list = [None] * len(norm)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(norm):
            hit = self._cache.get(t)
            if hit is not None:
                out[i] = hit
                self.stats["cache_hits"] += 1
            else:
                todo.setdefault(t, []).append(i)
        if todo:
            texts = list(todo)
            s, emb = self.model_scores(texts)
            for j, t in enumerate(texts):
                entry = (s[j], None if emb is None or not emb[j].any() else emb[j])
                for i in todo[t]:
                    out[i] = entry
                self._cache.put(t, entry)
        return out

    def embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Encoder sentence embeddings [n, 384] (zeros for empty texts), for readers of meaning
        beyond the classifiers (the stage tagger). Turns just scored come from the cache, so the
        encoder does not run twice; CJK turns (scored without the encoder) and texts never scored
        are embedded here once, and kept in an LRU of their own (`cache_size`) like scores."""
        if self.encoder is None or not self.encoder.has_embedding:
            raise ValueError("these models have no encoder embedding")
        norm = [normalize_text(t) if t else "" for t in texts]
        out = np.zeros((len(norm), 384), np.float32)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(norm):
            if not t:
                continue
            hit = self._cache.peek(t)
            if hit is not None and hit[1] is not None:
                out[i] = hit[1]
            elif (emb := self._emb_cache.get(t)) is not None:
                out[i] = emb
                self.stats["embedding_cache_hits"] += 1
            else:
                todo.setdefault(t, []).append(i)
        if todo:
            fresh = self.encoder.run(list(todo), ("embedding",))[0]
            self.stats["encoder_texts"] += len(todo)
            for (t, rows), emb in zip(todo.items(), fresh):
                out[rows] = emb
                self._emb_cache.put(t, emb)
        return out

    # ------------------------------------------------------------------ public API
    def warm_up(self) -> None:
        """Load what is otherwise loaded on first use (USE, about 2 s and 100 MB, on the first CJK
        turn): a long-running worker pays it at start-up instead of in a turn's latency."""
        if self.use is not None:
            self.use.load()

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
            scores[live] = np.stack([e[0] for e in self._cached([norm[i] for i in live])])
        self.stats["texts"] += n
        signals: list[list[Signal]] = [[] for _ in range(n)]
        if self.use_lists and live:
            toks_live = [match_tokens(norm[i], normalized=True) for i in live]
            bank_hits = self.banks.match_many(toks_live)
            for i, toks, bhits in zip(live, toks_live, bank_hits):
                form = " ".join(toks)
                seed_match_form(texts[i], form)  # the core's phrase rules read the turn in this form next
                if not toks:
                    continue
                for m in self.lists.match(form):
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
    def batch_invariant(self) -> bool:
        """Whether every text reads bit for bit as it reads alone, whatever it is batched with (both
        graphs marked so; the USE stage reads one text per call): callers may then batch different
        people's turns together."""
        return self.cheap.onnx.batch_invariant and (self.encoder is None or self.encoder.onnx.batch_invariant)

    @property
    def threshold_map(self) -> dict[str, float]:
        return dict(zip(CATEGORIES, map(float, self.thresholds)))

    @property
    def version(self) -> str:
        v = f"{self.cheap.onnx.version}+{self.mode}"
        return v + (f"+{self.use.version}" if self.use is not None else "")  # use-<hash of the heads>


def load_cascade(models_dir: Path | None = None, **kwargs) -> CascadeScorer:
    """Build the production cascade. kwargs: use_encoder, reload_interval, threads, encoder_batch,
    use_lists, stages ("cascade" | "cheap" | "encoder"), cache_size."""
    return CascadeScorer(Path(models_dir) if models_dir else default_models_dir(), **kwargs)
