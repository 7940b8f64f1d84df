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


def featurize_one(text: str, normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Unique feature indices (int64) and L2-normalised values (float32) of one text
    (exactly `featurize_batch([text])`)."""
    data, indices, _ = featurize_batch([text], normalized)
    return indices, data


def featurize_batch(texts: Sequence[str], normalized: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised `featurize_one` over a batch (identical output): CSR (data, indices, indptr).

    All texts are hashed in one pass over their concatenated code points; n-grams that would
    straddle two texts are masked out; (row, bucket) keys are counted with one `np.unique`.
    """
    n = len(texts)
    ts = [(t if normalized else normalize_text(t))[:MAX_CHARS] for t in texts]
    live = [i for i, t in enumerate(ts) if t]
    indptr = np.zeros(n + 1, dtype=np.int64)
    if not live:
        return np.zeros(0, np.float32), np.zeros(0, np.int64), indptr
    padded = [" " + ts[i] + " " for i in live]
    lens = np.fromiter((len(x) for x in padded), dtype=np.int64, count=len(padded))
    cps = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    rows_live = np.asarray(live, dtype=np.int64)
    pos_row = np.repeat(np.arange(len(live), dtype=np.int64), lens)
    keys = []
    cjk = cps >= _CJK_MIN
    if cjk.any():
        keys.append(pos_row[cjk] * DIM + _bucket(cps[cjk], _SEEDS[1]))
    h = cps.copy()
    total = cps.shape[0]
    for k in range(2, CHAR_NGRAMS[-1] + 1):
        if total < k:
            break
        with np.errstate(over="ignore"):
            h = h[:-1] * _P + cps[k - 1:]
        if k in CHAR_NGRAMS:
            ok = pos_row[: total - k + 1] == pos_row[k - 1:]
            keys.append(pos_row[: total - k + 1][ok] * DIM + _bucket(h[ok], _SEEDS[k]))
    wh: list[int] = []
    wr: list[int] = []
    for r, i in enumerate(live):
        words = _WORD.findall(ts[i])
        if words:
            hs = [zlib.crc32(w.encode()) for w in words]
            hs += [zlib.crc32(b"\x01" + a.encode() + b"\x00" + b.encode()) for a, b in zip(words, words[1:])]
            wh.extend(hs)
            wr.extend([r] * len(hs))
    if wh:
        keys.append(np.asarray(wr, dtype=np.int64) * DIM + _bucket(np.asarray(wh, dtype=np.uint64), _SEEDS[7]))
    allk = np.concatenate(keys)
    bucket = allk % DIM
    allk[bucket == 0] += 1  # 0 is the padding index
    u, c = np.unique(allk, return_counts=True)
    r = u // DIM
    idx = u % DIM
    v = (1.0 + np.log(c.astype(np.float32))).astype(np.float32)
    norms = np.sqrt(np.bincount(r, weights=(v * v).astype(np.float64), minlength=len(live))).astype(np.float32)
    v /= norms[r]
    counts = np.bincount(rows_live[r], minlength=n)
    indptr[1:] = np.cumsum(counts)
    return v, idx, indptr


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


def featurize_csr(texts: Sequence[str], normalized: bool = False, chunk: int = 2048):
    """CSR parts (data, indices, indptr) for training with scipy.sparse."""
    data, indices, ptr = [], [], [np.zeros(1, np.int64)]
    off = 0
    for s in range(0, len(texts), chunk):
        d, i, p = featurize_batch(texts[s:s + chunk], normalized)
        data.append(d)
        indices.append(i)
        ptr.append(p[1:] + off)
        off += int(p[-1])
    return (np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.concatenate(ptr))
