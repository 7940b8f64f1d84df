"""Cheap-stage featuriser: hashed character and word n-grams -> padded sparse (index, value) rows.

Imported by BOTH the training pipeline (`models/train/`) and the runtime (`cascade.py`), so the
model always sees exactly the features it was trained on. The feature spec (hash size, n-gram
ranges, version) is written into the ONNX metadata and checked at load time.

Features of one text (after `normalize_text`, truncated to `MAX_CHARS`):
  * character n-grams, n = 2..5, over " " + text + " " (word-boundary aware), polynomial hash;
  * character unigrams of CJK / Hangul / kana characters (single-character words matter there);
  * word unigrams and bigrams (\\w+ tokens), crc32 hash.
Values: 1 + log(count), then each row L2-normalised. Index 0 is reserved for padding.
The hash is deterministic (no Python `hash()`), numpy-only.
"""

from __future__ import annotations

import re
import zlib
from typing import Sequence

import numpy as np

from stream.scoring.normalize import normalize_text

FEATURE_VERSION = "hng-1"
HASH_BITS = 18
DIM = 1 << HASH_BITS
MAX_CHARS = 2000
CHAR_NGRAMS = (2, 3, 4, 5)

_MASK = np.uint64(DIM - 1)
_P = np.uint64(0x100000001B3)  # FNV prime as polynomial base
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEEDS = {n: np.uint64((0xC2B2AE3D27D4EB4F * (n + 1)) & 0xFFFFFFFFFFFFFFFF) for n in range(1, 8)}
_WORD = re.compile(r"\w+")
_CJK_MIN = 0x2E80


def spec() -> dict:
    return {"feature_version": FEATURE_VERSION, "hash_bits": HASH_BITS, "max_chars": MAX_CHARS,
            "char_ngrams": list(CHAR_NGRAMS), "word_ngrams": [1, 2], "cjk_unigrams": True}


def _bucket(h: np.ndarray, seed: np.uint64) -> np.ndarray:
    x = (h ^ seed) * _MIX
    x ^= x >> np.uint64(29)
    return (x & _MASK).astype(np.int64)


def _text_indices(t: str) -> np.ndarray:
    s = " " + t + " "
    cps = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    n_chars = cps.shape[0]
    cjk = cps >= _CJK_MIN
    if cjk.any():
        parts.append(_bucket(cps[cjk], _SEEDS[1]))
    h = cps.copy()
    for n in range(2, CHAR_NGRAMS[-1] + 1):
        if n_chars < n:
            break
        with np.errstate(over="ignore"):
            h = h[:-1] * _P + cps[n - 1:]
        if n in CHAR_NGRAMS:
            parts.append(_bucket(h, _SEEDS[n]))
    words = _WORD.findall(t)
    if words:
        wh = [zlib.crc32(w.encode()) for w in words]
        wh += [zlib.crc32(b"\x01" + a.encode() + b"\x00" + b.encode()) for a, b in zip(words, words[1:])]
        parts.append(_bucket(np.asarray(wh, dtype=np.uint64), _SEEDS[7]))
    idx = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    idx[idx == 0] = 1  # 0 is the padding index
    return idx


def featurize_one(text: str, normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Unique feature indices (int64) and L2-normalised values (float32) of one text."""
    t = text if normalized else normalize_text(text)
    t = t[:MAX_CHARS]
    if not t:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = _text_indices(t)
    u, c = np.unique(idx, return_counts=True)
    v = 1.0 + np.log(c.astype(np.float32))
    v /= np.sqrt(float(np.dot(v, v)))
    return u, v.astype(np.float32)


def featurize(texts: Sequence[str], normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Padded batch: (idx int64 [B, K], val float32 [B, K]); K >= 1, padding = (0, 0.0)."""
    rows = [featurize_one(t, normalized) for t in texts]
    k = max([1] + [r[0].shape[0] for r in rows])
    idx = np.zeros((len(rows), k), dtype=np.int64)
    val = np.zeros((len(rows), k), dtype=np.float32)
    for i, (u, v) in enumerate(rows):
        idx[i, : u.shape[0]] = u
        val[i, : v.shape[0]] = v
    return idx, val


def featurize_csr(texts: Sequence[str], normalized: bool = False):
    """CSR parts (data, indices, indptr) for training with scipy.sparse (training only)."""
    data, indices, indptr = [], [], [0]
    for t in texts:
        u, v = featurize_one(t, normalized)
        indices.append(u)
        data.append(v)
        indptr.append(indptr[-1] + u.shape[0])
    return (np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.asarray(indptr, dtype=np.int64))
