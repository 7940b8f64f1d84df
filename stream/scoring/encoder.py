"""Encoder stage: all-MiniLM-L6-v2 (int8 ONNX) + per-category logistic heads in the same graph.

Every non-CJK turn is read here (CJK / Hangul text goes to the n-gram stage: MiniLM's vocabulary
is English). Tokenisation uses the model's own WordPiece tokenizer (`models/encoder_tokenizer.json`).
A text longer than `max_tokens` keeps its head and its tail (`HEAD_SHARE` of the budget from the
start, the rest from the end): a long message often states its request last. Texts are sorted by
token length and run in small batches of similar length: a batch holds at most `TOKEN_BUDGET`
token positions (rows x its longest member), so padding stays small and the graph's activations
stay in the core's cache (measured on the chat mix of bench/bench_score.py: 128 positions per run
read 455 texts per CPU-second, 64 -> 446, 256 -> 411; fixed batches of 16 texts out of 64, 265).
The per-token int8 quantisation inside the graph makes a text's scores independent of its batch
mates (and of the batching).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

# The tokenizer's own thread pool, on the few texts a batch holds, costs more CPU than it saves
# (a batch of two: 55 us a text against 26 in the calling thread; 64: 28 against 27), and a worker
# or replay process has one core: tokenise in the calling thread unless the operator says otherwise.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
from tokenizers import Tokenizer  # noqa: E402 - after the setting above

from stream.scoring.onnx_model import OnnxStage
from stream.taxonomy import CATEGORIES

TOKENIZER_FILE = "encoder_tokenizer.json"
K = len(CATEGORIES)
HEAD_SHARE = 0.75  # of the token budget taken from the start of a long text; the rest from its end
CHAR_BOUND = 6000  # characters tokenised at most (head and tail); a 5 MB turn costs like a long one
TOKEN_BUDGET = 128  # token positions (rows x longest row) per encoder run


# CJK radicals, kana, bopomofo, Hangul compatibility jamo, CJK unified ideographs; Hangul jamo and
# syllables; compatibility ideographs; fullwidth and halfwidth forms; the supplementary ideograph planes
_CJK_RANGES = ((0x2E80, 0x9FFF), (0x1100, 0x11FF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
               (0xFF00, 0xFFEF), (0x20000, 0x3134F))


def _is_cjk_char(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def cjk_share(text: str) -> float:
    """Share of CJK / Hangul / kana characters among the text's letters, digits and CJK characters
    (emoji, symbols and punctuation count for neither side: "ok 😂😂" is English)."""
    if text.isascii():  # no ASCII character is CJK: most turns are decided here, without the loop
        return 0.0
    n = c = 0
    for ch in text:
        code = ord(ch)
        if code >= 0x1100 and _is_cjk_char(code):
            n += 1
            c += 1
        elif ch.isalnum():
            n += 1
    return c / n if n else 0.0


CJK_SKIP = 0.3  # texts above this CJK share are scored by the n-gram stage, not MiniLM


def is_cjk(text: str) -> bool:
    return cjk_share(text[:200]) > CJK_SKIP


def load_tokenizer(path: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def _bounded(text: str) -> str:
    if len(text) <= CHAR_BOUND:
        return text
    h = int(CHAR_BOUND * HEAD_SHARE)
    return text[:h] + " " + text[-(CHAR_BOUND - h):]


def encode_ids(tok: Tokenizer, texts: Sequence[str], max_len: int) -> list[list[int]]:
    """Token ids per text ([CLS] ... [SEP]), at most max_len: head and tail of long texts. (The same
    ids as `encode_batch`, without the character offsets nobody reads: about a fifth less time.)"""
    out = []
    for e in tok.encode_batch_fast([_bounded(t) for t in texts], add_special_tokens=True):
        ids = e.ids
        if len(ids) > max_len:
            h = int(max_len * HEAD_SHARE)
            ids = ids[:h] + ids[len(ids) - (max_len - h):]
        out.append(ids)
    return out


def length_groups(lengths: Sequence[int], batch: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indices grouped for batched runs: sorted by length, at most `batch` rows per group and, with
    `max_tokens`, at most that many padded positions (rows x longest) unless a row alone exceeds it."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    groups: list[list[int]] = []
    cur: list[int] = []
    for i in order:  # ascending: the newest row is the longest of its group
        if cur and (len(cur) >= batch or (max_tokens and (len(cur) + 1) * lengths[i] > max_tokens)):
            groups.append(cur)
            cur = []
        cur.append(i)
    if cur:
        groups.append(cur)
    return groups


def id_batches(ids_list: Sequence[Sequence[int]], batch: int, max_tokens: int | None = None):
    """Yield (row ids, feeds): sorted by token length, each batch padded to its longest (see
    `length_groups` for the batch size)."""
    for rows in length_groups([len(e) for e in ids_list], batch, max_tokens):
        t = len(ids_list[rows[-1]])
        a = np.zeros((len(rows), t), np.int64)
        m = np.zeros((len(rows), t), np.int64)
        for r, i in enumerate(rows):
            e = ids_list[i]
            a[r, : len(e)] = e
            m[r, : len(e)] = 1
        yield rows, {"input_ids": a, "attention_mask": m}


class EncoderStage:
    def __init__(self, path: Path, threads: int | None = None, batch: int = 64, tokenizer: Path | None = None,
                 max_tokens_per_run: int = TOKEN_BUDGET):
        self.onnx = OnnxStage.load(path, threads)
        meta = self.onnx.meta
        self.max_len = int(meta.get("riskstream.max_tokens", 128))
        self.tok = load_tokenizer(tokenizer or Path(path).parent / TOKENIZER_FILE)
        self.batch = batch
        self.max_tokens_per_run = max_tokens_per_run
        self.thresholds = self.onnx.thresholds
        self.has_embedding = "embedding" in [o.name for o in self.onnx.session.get_outputs()]

    def run(self, texts: Sequence[str], outputs: tuple[str, ...] = ("scores",)) -> list[np.ndarray]:
        n = len(texts)
        if n == 0:
            return [np.zeros((0, K), np.float32) for _ in outputs]
        res = None
        for rows, feeds in id_batches(encode_ids(self.tok, texts, self.max_len), self.batch, self.max_tokens_per_run):
            outs = self.onnx.session.run(list(outputs), feeds)
            if res is None:
                res = [np.zeros((n,) + o.shape[1:], o.dtype) for o in outs]
            for r, o in zip(res, outs):
                r[rows] = o
        return res

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return self.run(texts, ("scores",))[0]
