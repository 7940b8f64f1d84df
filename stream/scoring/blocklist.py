"""Blocklists: phrases matched over obfuscation-resistant normalised tokens, loaded from files.

File format (`models/lists/*.json`):

    {"id": "threats-en", "version": "1", "description": "...",
     "entries": [{"id": "thr-001", "phrase": "i will kill you",
                  "categories": {"violence": 0.97, "harassment/threatening": 0.97}},
                 {"id": "zh-001", "phrase": "杀了你全家", "substring": true, "categories": {...}}]}

`phrase` is normalised with `normalize_for_match` at load time and matched on whole-token
boundaries (so "skill" never matches "kill"); `substring: true` entries (for scripts without
spaces, e.g. Chinese) match anywhere in the space-free normalised text. Each entry maps to
categories with the score it implies (the cascade takes max(model score, entry score)).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from stream.scoring.normalize import normalize_for_match
from stream.scoring.watch import WatchedDir
from stream.taxonomy import CATEGORIES


@dataclass(frozen=True)
class Entry:
    list_id: str
    entry_id: str
    phrase: str
    categories: dict[str, float]
    substring: bool = False


@dataclass(frozen=True)
class Match:
    list_id: str
    entry_id: str
    categories: dict[str, float]


@dataclass
class Blocklist:
    list_id: str
    entries: list[Entry]
    token_re: re.Pattern | None
    by_phrase: dict[str, list[Entry]]
    substr: list[Entry]

    @classmethod
    def parse(cls, path: Path) -> "Blocklist":
        doc = json.loads(path.read_text(encoding="utf-8"))
        lid = str(doc["id"])
        entries: list[Entry] = []
        for e in doc.get("entries", []):
            cats = {str(k): float(v) for k, v in e["categories"].items()}
            bad = set(cats) - set(CATEGORIES)
            if bad:
                raise ValueError(f"{path}: entry {e.get('id')}: unknown categories {sorted(bad)}")
            if not all(0.0 <= v <= 1.0 for v in cats.values()):
                raise ValueError(f"{path}: entry {e.get('id')}: scores must be in [0, 1]")
            phrase = normalize_for_match(e["phrase"])
            if not phrase:
                continue
            sub = bool(e.get("substring", False))
            entries.append(Entry(lid, str(e["id"]), phrase.replace(" ", "") if sub else phrase, cats, sub))
        by_phrase: dict[str, list[Entry]] = {}
        for e in entries:
            if not e.substring:
                by_phrase.setdefault(e.phrase, []).append(e)
        token_re = None
        if by_phrase:
            alts = "|".join(re.escape(p) for p in sorted(by_phrase, key=len, reverse=True))
            token_re = re.compile(rf"(?<![^ ])(?:{alts})(?![^ ])")
        return cls(lid, entries, token_re, by_phrase, [e for e in entries if e.substring])

    def match(self, norm: str, compact: str) -> list[Match]:
        out: list[Match] = []
        seen = set()
        if self.token_re is not None and norm:
            # overlapping phrases: scan from every token start
            pos = 0
            while True:
                m = self.token_re.search(norm, pos)
                if not m:
                    break
                for e in self.by_phrase.get(m.group(0), ()):
                    if e.entry_id not in seen:
                        seen.add(e.entry_id)
                        out.append(Match(e.list_id, e.entry_id, e.categories))
                nxt = norm.find(" ", m.start())
                if nxt < 0:
                    break
                pos = nxt + 1
        for e in self.substr:
            if e.phrase in compact and e.entry_id not in seen:
                seen.add(e.entry_id)
                out.append(Match(e.list_id, e.entry_id, e.categories))
        return out


class BlocklistSet:
    """All lists of a directory, hot-reloaded (see `watch.WatchedDir`)."""

    def __init__(self, directory: Path, interval: float = 2.0):
        self._watch = WatchedDir(directory, "*.json", Blocklist.parse, interval)

    def refresh(self, force: bool = False) -> bool:
        return self._watch.refresh(force)

    @property
    def lists(self) -> list[Blocklist]:
        return self._watch.items()

    def match(self, norm: str) -> list[Match]:
        compact = norm.replace(" ", "")
        out: list[Match] = []
        for bl in self._watch.items():
            out.extend(bl.match(norm, compact))
        return out
