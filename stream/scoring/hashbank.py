"""Hash banks of known-bad content: exact (sha256) and near-duplicate (64-bit SimHash + LSH).

File format (`models/banks/*.json`; no raw text is stored, only hashes):

    {"id": "bank-threats", "version": "1", "description": "...",
     "max_distance": 10, "min_tokens": 6,
     "entries": [{"id": "b-0001", "sha256": "<hex>", "simhash": "<16 hex>",
                  "categories": {"violence": 0.98, "harassment/threatening": 0.98}}]}

Both hashes are computed over `normalize_for_match(text)` (NFKC, case, homoglyphs, leetspeak,
zero-width and spacing tricks removed), so trivially obfuscated copies still hit. SimHash uses
word unigrams + bigrams + trigrams as features (near variants of a ~20-word message land at
6-9 bits, unrelated texts at 24+); near-duplicate = Hamming distance <= max_distance,
looked up via LSH over (max_distance + 1) bands of the 64 bits (bands of 64 // (d+1) bits) (pigeonhole: a near duplicate
agrees exactly on at least one band). Texts shorter than `min_tokens` tokens are only matched
exactly (short texts collide too easily).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from stream.scoring.normalize import match_tokens
from stream.scoring.watch import WatchedDir
from stream.taxonomy import CATEGORIES

_BIT = (np.uint64(1) << np.arange(64, dtype=np.uint64)).astype(np.uint64)


def exact_hash(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (vectorised, wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M2
        x = x ^ (x >> np.uint64(27))
        x = x * _M3
        return x ^ (x >> np.uint64(31))


@lru_cache(maxsize=1 << 16)
def _token_hash(word: str) -> int:
    """A token's crc32 pair. Memoised: a conversation's words recur, and each of its joint readings
    hashes them all again."""
    b = word.encode("utf-8")
    return zlib.crc32(b) | (zlib.crc32(b, 0x5BD1E995) << 32)


def _feat_hashes(tokens: list[str]) -> np.ndarray:
    """64-bit hashes of word 1-, 2- and 3-grams (token crc32 pairs mixed with splitmix64)."""
    t = np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))
    h1 = _mix(t)
    parts = [h1]
    with np.errstate(over="ignore"):
        if len(tokens) > 1:
            h2 = _mix(h1[:-1] * _M1 + h1[1:] + np.uint64(2))
            parts.append(h2)
            if len(tokens) > 2:
                parts.append(_mix(h2[:-1] * _M1 + h1[2:] + np.uint64(3)))
    return np.concatenate(parts)


def simhash(tokens: list[str]) -> int:
    if not tokens:
        return 0
    hs = _feat_hashes(tokens)
    bits = np.unpackbits(hs.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little").sum(0)  # [64]
    v = bits * 2 > hs.shape[0]
    return int(np.sum(_BIT[v], dtype=np.uint64)) if v.any() else 0


def simhash_many(token_lists: list[list[str]]) -> list[int]:
    """`simhash` of many token lists at once (same values, one vectorised pass; a single list, as a
    joint reading has, without the bookkeeping of rows)."""
    n = len(token_lists)
    if n == 1:
        return [simhash(token_lists[0])]
    lens = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n)
    if lens.sum() == 0:
        return [0] * n
    flat = [w for toks in token_lists for w in toks]
    t = np.fromiter(map(_token_hash, flat), dtype=np.uint64, count=len(flat))
    row = np.repeat(np.arange(n, dtype=np.int64), lens)
    h1 = _mix(t)
    feats = [h1]
    frows = [row]
    with np.errstate(over="ignore"):
        if len(flat) > 1:
            h2 = _mix(h1[:-1] * _M1 + h1[1:] + np.uint64(2))
            ok2 = row[:-1] == row[1:]
            feats.append(h2[ok2])
            frows.append(row[:-1][ok2])
            if len(flat) > 2:
                h3 = _mix(h2[:-1] * _M1 + h1[2:] + np.uint64(3))
                ok3 = ok2[:-1] & (row[1:-1] == row[2:])
                feats.append(h3[ok3])
                frows.append(row[:-2][ok3])
    hs = np.concatenate(feats)
    rs = np.concatenate(frows)
    order = np.argsort(rs, kind="stable")
    rs = rs[order]
    bits = np.unpackbits(hs[order].view(np.uint8).reshape(-1, 8), axis=1, bitorder="little").astype(np.int32)
    nfeat = np.bincount(rs, minlength=n)
    counts = np.zeros((n, 64), dtype=np.int64)
    nz = np.nonzero(nfeat)[0]
    starts = np.searchsorted(rs, nz)
    counts[nz] = np.add.reduceat(bits, starts, axis=0)
    v = counts * 2 > nfeat[:, None]
    vals = (v.astype(np.uint64) * _BIT[None, :]).sum(1, dtype=np.uint64)
    return [int(x) for x in vals]


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


@dataclass(frozen=True)
class BankEntry:
    bank_id: str
    entry_id: str
    sha256: str
    simhash: int
    categories: dict[str, float]


@dataclass(frozen=True)
class BankMatch:
    bank_id: str
    entry_id: str
    kind: str  # "exact" | "near"
    distance: int
    categories: dict[str, float]


class Bank:
    def __init__(self, bank_id: str, entries: list[BankEntry], max_distance: int = 3, min_tokens: int = 5):
        self.bank_id = bank_id
        self.entries = entries
        self.max_distance = max_distance
        self.min_tokens = min_tokens
        self.bands = max_distance + 1
        self.width = 64 // self.bands
        self.exact: dict[str, list[BankEntry]] = {}
        self.lsh: list[dict[int, list[BankEntry]]] = [dict() for _ in range(self.bands)]
        for e in entries:
            self.exact.setdefault(e.sha256, []).append(e)
            for i, key in enumerate(self._keys(e.simhash)):
                self.lsh[i].setdefault(key, []).append(e)

    def _keys(self, h: int) -> list[int]:
        mask = (1 << self.width) - 1
        return [(h >> (i * self.width)) & mask for i in range(self.bands)]

    @classmethod
    def parse(cls, path: Path) -> "Bank":
        doc = json.loads(path.read_text(encoding="utf-8"))
        bid = str(doc["id"])
        entries = []
        for e in doc.get("entries", []):
            cats = {str(k): float(v) for k, v in e["categories"].items()}
            bad = set(cats) - set(CATEGORIES)
            if bad:
                raise ValueError(f"{path}: entry {e.get('id')}: unknown categories {sorted(bad)}")
            entries.append(BankEntry(bid, str(e["id"]), str(e["sha256"]).lower(), int(str(e["simhash"]), 16), cats))
        return cls(bid, entries, int(doc.get("max_distance", 3)), int(doc.get("min_tokens", 5)))

    def match(self, tokens: list[str], sha: str, sim: int | None) -> list[BankMatch]:
        out = [BankMatch(self.bank_id, e.entry_id, "exact", 0, e.categories) for e in self.exact.get(sha, ())]
        if out or sim is None or len(tokens) < self.min_tokens:
            return out
        seen = set()
        for i, key in enumerate(self._keys(sim)):
            for e in self.lsh[i].get(key, ()):
                if e.entry_id in seen:
                    continue
                seen.add(e.entry_id)
                d = hamming(sim, e.simhash)
                if d <= self.max_distance:
                    out.append(BankMatch(self.bank_id, e.entry_id, "near", d, e.categories))
        return out


class BankSet:
    def __init__(self, directory: Path, interval: float = 2.0):
        self._watch = WatchedDir(directory, "*.json", Bank.parse, interval)

    def refresh(self, force: bool = False) -> bool:
        return self._watch.refresh(force)

    @property
    def banks(self) -> list[Bank]:
        return self._watch.items()

    def match_tokens(self, tokens: list[str]) -> list[BankMatch]:
        banks = self._watch.items()
        if not banks or not tokens:
            return []
        sha = exact_hash(tokens)
        need_sim = any(len(tokens) >= b.min_tokens for b in banks)
        sim = simhash(tokens) if need_sim else None
        out: list[BankMatch] = []
        for b in banks:
            out.extend(b.match(tokens, sha, sim))
        return out

    def match(self, text: str) -> list[BankMatch]:
        return self.match_tokens(match_tokens(text))

    def match_many(self, token_lists: list[list[str]]) -> list[list[BankMatch]]:
        """Batch version of `match_tokens` (SimHash computed in one vectorised pass)."""
        banks = self._watch.items()
        if not banks:
            return [[] for _ in token_lists]
        min_tok = min(b.min_tokens for b in banks)
        need = [i for i, t in enumerate(token_lists) if len(t) >= min_tok]
        sims: dict[int, int] = dict(zip(need, simhash_many([token_lists[i] for i in need]))) if need else {}
        out = []
        for i, toks in enumerate(token_lists):
            if not toks:
                out.append([])
                continue
            sha = exact_hash(toks)
            res: list[BankMatch] = []
            for b in banks:
                res.extend(b.match(toks, sha, sims.get(i)))
            out.append(res)
        return out


def make_entry(entry_id: str, text: str, categories: dict[str, float]) -> dict:
    """Bank entry for a known-bad text (used by the bank builder and tests)."""
    toks = match_tokens(text)
    return {"id": entry_id, "sha256": exact_hash(toks), "simhash": f"{simhash(toks):016x}", "categories": categories}
