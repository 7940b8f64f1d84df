"""Test double for the classifier (never for Kafka): keyword rules -> category scores.

Lets core tests control scores exactly, so policy behaviour is asserted independently of model
quality. Text containing "[violence=0.9]" scores violence 0.9, etc. "{violence+0.4}" fragments add
up (capped at 1): one alone scores 0.4, two read together 0.8, as a build-up of mild turns would.
The framing reads the text with its markers, so "[shi=0.8]" stands for self-harm/intent where the
marker must not itself be a word of self-harm (`framing.SELF_HARM_WORDS`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from stream.scoring.types import TextScore
from stream.taxonomy import CATEGORIES

_TAG = re.compile(r"\[([a-z/-]+)=([0-9.]+)\]")
_ADD = re.compile(r"\{([a-z/-]+)\+([0-9.]+)\}")
_ALIAS = {"shi": "self-harm/intent"}


class TagScorer:
    version = "tag-scorer-test"

    def __init__(self, thresholds: dict[str, float] | None = None):
        self.thresholds = thresholds or {c: 0.5 for c in CATEGORIES}
        self.threshold_map = self.thresholds

    def score_batch(self, texts):
        out = []
        for text in texts:
            scores = {c: 0.01 for c in CATEGORIES}
            for cat, val in _TAG.findall(text):
                scores[_ALIAS.get(cat, cat)] = float(val)
            added: dict[str, float] = {}
            for cat, val in _ADD.findall(text):
                added[cat] = added.get(cat, 0.0) + float(val)
            for cat, val in added.items():
                scores[cat] = max(scores[cat], min(1.0, val))
            flags = {c: scores[c] >= self.thresholds[c] for c in CATEGORIES}
            out.append(TextScore(scores, flags, any(flags.values())))
        return out


class ReadingScorer(TagScorer):
    """Reads the given categories at the given scores on the given texts, with no tag in the text (a
    tag's own name, "[sexual/minors=...]" or "[harassment/threatening=...]", would be words the framing
    reads)."""

    def __init__(self, readings: dict[str, dict[str, float]]):
        super().__init__()
        self.readings = readings

    def score_batch(self, texts):
        out = super().score_batch(texts)
        for i, text in enumerate(texts):
            if text in self.readings:
                scores = {**out[i].category_scores, **self.readings[text]}
                flags = {c: v >= self.thresholds[c] for c, v in scores.items()}
                out[i] = replace(out[i], category_scores=scores, categories=flags, flagged=any(flags.values()))
        return out


def turn(i: int, text: str, user: str = "u1", conv: str = "c1", day: int = 1, hour: int = 9, role: str = "user",
         **extra) -> dict:
    return {"event_id": f"e{i}", "user_id": user, "conversation_id": conv, "turn_index": i, "role": role,
            "text": text, "ts": f"2026-10-{day:02d}T{hour:02d}:{i % 60:02d}:00Z", **extra}


def core_case(*rows: dict, zdr_tenants: frozenset[str] = frozenset()) -> dict:
    """The last review-case payload the core (with TagScorer) emits for `rows`: a realistic case without a broker."""
    from stream.core.engine import Detector
    from stream.core.events import parse_turn
    from stream.core.pipeline import MemoryStore, run_batch
    from stream.core.policy import PolicyConfig

    det = Detector(TagScorer(), PolicyConfig(zdr_tenants=zdr_tenants))
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    cases = [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]
    return cases[-1]
