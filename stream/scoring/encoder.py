"""Encoder stage: all-MiniLM-L6-v2 (int8 ONNX) + trained multi-label heads in the same graph.

Tokenisation with the `tokenizers` package (models/encoder_tokenizer.json, the model's own
WordPiece tokenizer). Texts are sorted by token length and run in batches padded to the longest
member, so short turns cost little. The graph's metadata carries the encoder-alone thresholds,
the cascade gate and the per-category stacking weights that combine cheap and encoder scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Tokenizer

from stream.scoring.onnx_model import OnnxStage
from stream.taxonomy import CATEGORIES

TOKENIZER_FILE = "encoder_tokenizer.json"
K = len(CATEGORIES)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def cjk_share(text: str) -> float:
    """Share of CJK / Hangul / kana characters among non-space characters."""
    n = c = 0
    for ch in text:
        if ch.isspace():
            continue
        n += 1
        if ord(ch) >= 0x2E80:
            c += 1
    return c / n if n else 0.0


CJK_SKIP = 0.3  # MiniLM's vocabulary is English; the cheap stage alone is better on zh/ko text


def gate(cheap_scores: np.ndarray, cheap_thr: np.ndarray, ratio: float, texts: Sequence[str]) -> np.ndarray:
    """Rows that go to the encoder: the cheap stage is not confidently negative
    (max_c cheap_c / thr_c >= ratio) and the text is not mainly CJK / Hangul."""
    g = (cheap_scores / cheap_thr[None, :]).max(1) >= ratio
    for i in np.nonzero(g)[0]:
        if cjk_share(texts[i][:200]) > CJK_SKIP:
            g[i] = False
    return g


def combine(cheap_scores: np.ndarray, enc_scores: np.ndarray, comb: np.ndarray) -> np.ndarray:
    """Per-category stacking: sigmoid(w_cheap * logit(cheap) + w_enc * logit(enc) + b); comb [13, 3]."""
    z = comb[:, 0] * _logit(cheap_scores) + comb[:, 1] * _logit(enc_scores) + comb[:, 2]
    return (1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))).astype(np.float32)


def load_tokenizer(path: Path, max_len: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


def token_batches(tok: Tokenizer, texts: Sequence[str], batch: int):
    """Yield (row ids, feeds): texts sorted by token length, each batch padded to its longest."""
    encs = tok.encode_batch(list(texts), add_special_tokens=True)
    order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        t = max(len(encs[i].ids) for i in ids)
        a = np.zeros((len(ids), t), np.int64)
        m = np.zeros((len(ids), t), np.int64)
        for r, i in enumerate(ids):
            e = encs[i].ids
            a[r, : len(e)] = e
            m[r, : len(e)] = 1
        yield ids, {"input_ids": a, "attention_mask": m}


class EncoderStage:
    def __init__(self, path: Path, threads: int | None = None, batch: int = 32, tokenizer: Path | None = None):
        self.onnx = OnnxStage.load(path, threads)
        meta = self.onnx.meta
        self.max_len = int(meta.get("riskstream.max_tokens", 128))
        self.tok = load_tokenizer(tokenizer or Path(path).parent / TOKENIZER_FILE, self.max_len)
        self.batch = batch
        self.thresholds = self.onnx.thresholds
        ct = meta.get("riskstream.cascade_thresholds") or meta["riskstream.thresholds"]
        self.cascade_thresholds = np.array([float(ct[c]) for c in CATEGORIES], np.float32)
        gate = meta.get("riskstream.gate") or {}
        self.gate_ratio = float(gate.get("ratio", 0.0))
        cheap_thr = gate.get("cheap_thresholds") or {}
        self.gate_thr = np.array([float(cheap_thr.get(c, 0.5)) for c in CATEGORIES], np.float32)
        comb = meta.get("riskstream.combine") or {}
        self.comb = np.array([comb.get(c, [0.0, 1.0, 0.0]) for c in CATEGORIES], np.float32)  # w_cheap, w_enc, b
        self.has_embedding = "embedding" in [o.name for o in self.onnx.session.get_outputs()]

    def gate_mask(self, cheap_scores: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return gate(cheap_scores, self.gate_thr, self.gate_ratio, texts)

    def combine(self, cheap_scores: np.ndarray, enc_scores: np.ndarray) -> np.ndarray:
        return combine(cheap_scores, enc_scores, self.comb)

    def _batches(self, texts: Sequence[str]):
        return token_batches(self.tok, texts, self.batch)

    def run(self, texts: Sequence[str], outputs: tuple[str, ...] = ("scores",)) -> list[np.ndarray]:
        n = len(texts)
        res = None
        for ids, feeds in self._batches(texts):
            outs = self.onnx.session.run(list(outputs), feeds)
            if res is None:
                res = [np.zeros((n,) + o.shape[1:], o.dtype) for o in outs]
            for r, o in zip(res, outs):
                r[ids] = o
        if res is None:
            return [np.zeros((0, K), np.float32) for _ in outputs]
        return res

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, K), np.float32)
        return self.run(texts, ("scores",))[0]
