"""Learned stage tagger: which escalation stages a turn's meaning carries, read from its embedding.

Why: written phrase rules match strings, and people do not write to a pattern: "I bought a gun
yesterday", "going to her place tonight to end this" and "make them pay" match no rule in most
of their paraphrases, tenses and euphemisms. The tagger is one logistic model per label over the
encoder's sentence embedding (stream/scoring/embedding.py), trained by
`models/train/tagger.py` on labelled sentences written for the project plus source rows carrying
such signals; the written rules stay, as a second path (stages are the union of both). Labels are
the stages of stream/core/stages.py plus `third_party` (the turn is about someone else's risk:
stream/core/framing.py). The same tagger reads a conversation's recent user turns read together
(stream/core/context.py), so intent assembled over referring-back follow-ups is seen.

Stored as `stage_tagger.json` next to the classifiers, with its own version; a file built for other
labels, another embedding size or another encoder is refused at load. Pure apart from `load`.

MiniLM reads English; Chinese and Korean turns are read by a second set of weights over the
multilingual USE embedding (`cjk`, fitted on the same labelled rows, in every language, plus zh / ko
safe rows that set its thresholds): USE places a sentence and its translation close together, so
what the English rows teach carries over (`Detector._read_stages` picks the reader).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stream.core.heads_file import heads_body, parse_heads
from stream.core.modelfiles import UnusableModelFile, load_json
from stream.core.stages import STAGES
from stream.scoring.rowwise import rowwise_logistic

FILE_NAME = "stage_tagger.json"
KIND = "riskstream-stage-tagger/1"
THIRD_PARTY = "third_party"
LABELS: tuple[str, ...] = tuple(f"{st.pathway}:{st.name}" for st in STAGES) + (THIRD_PARTY,)


# Clause boundaries: a turn often carries two stages ("I bought a gun, I'm going there tonight"), and
# one embedding of the whole turn blurs them; each clause is read too and the highest reading counts.
_CLAUSES = re.compile(r"[.;!?,，。；！？]+\s*|\s+(?:and|but|so|then)\s+", re.I)
# A clause is read on its own from this many words. One- and two-word clauses ("tonight", "ok cool",
# "im done"; about a quarter of the clauses of a realistic mix) read alone are the tagger's noise, not
# a stage the whole turn blurs: without them (session 24) the blind people sets found one more
# escalating person (batch 3 dev 8 -> 9 of 12) and flagged two fewer benign ones (batch 1 sealed
# 11 -> 9 of 75), the out-of-family timeline benchmark kept 94.3 % at 3.22 -> 2.56 benign people per
# 1,000, and a replay reads fewer clause texts.
CLAUSE_MIN_WORDS = 3


def pieces(text: str, limit: int = 3, max_words: int = 40) -> list[str]:
    """The text, then its clauses (at most `limit`, each of at least `CLAUSE_MIN_WORDS` words) when it
    has several and is a chat turn rather than a long post (at most `max_words`: each piece costs an
    encoder pass)."""
    if len(text.split()) > max_words:
        return [text]
    parts = [p.strip() for p in _CLAUSES.split(text) if len(p.strip().split()) >= CLAUSE_MIN_WORDS]
    return [text] + (parts[:limit] if len(parts) > 1 else [])


class TaggerFileError(UnusableModelFile):
    """A tagger file that cannot be used with this runtime (labels, embedding or format differ)."""


@dataclass(frozen=True)
class StageTagger:
    weights: np.ndarray  # (labels, dim)
    bias: np.ndarray  # (labels,)
    thresholds: np.ndarray  # (labels,) probability at or above which a label is read
    embedding: str  # the encoder the weights were fitted on (its base model id)
    version: str = ""
    # Per pathway, the classifier support (policy.support) that everyday requests stay under (their
    # 90th percentile with the classifiers of this models directory, set at training): a learned
    # stage counts on a turn whose own reading lends its pathway more than that (the classifiers'
    # noise floor differs per model set; one fixed number cannot say "some support").
    min_support: dict = field(default_factory=dict)
    # The reader of Chinese / Korean text: the same labels over the USE embedding (None: MiniLM reads all).
    cjk: "StageTagger | None" = None

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def probabilities(self, emb: np.ndarray) -> np.ndarray:
        """(n, labels) probabilities for (n, dim) embeddings."""
        return rowwise_logistic(emb, self.weights, self.bias)

    def tags(self, emb: np.ndarray, owner: list[int] | None = None) -> list[dict[str, float]]:
        """Per text, the labels read (probability >= threshold) with their probability. `owner[r]`:
        the text row r of `emb` belongs to (a text and its clauses); by default one row per text."""
        probs = self.probabilities(emb)
        if owner is not None:
            n = max(owner) + 1 if owner else 0
            best = np.zeros((n, probs.shape[1]), np.float32)
            np.maximum.at(best, np.asarray(owner), probs)
            probs = best
        hit = probs >= self.thresholds[None, :]
        return [{LABELS[j]: round(float(probs[i, j]), 4) for j in np.nonzero(hit[i])[0]} for i in range(len(probs))]

    def to_dict(self, **extra) -> dict:
        body = {"kind": KIND, "labels": list(LABELS), **heads_body(self.weights, self.bias, self.thresholds, self.embedding)}
        if self.min_support:
            body["min_support"] = {k: round(float(v), 4) for k, v in sorted(self.min_support.items())}
        if self.cjk is not None:
            body["cjk"] = {k: v for k, v in self.cjk.to_dict().items()
                           if k in ("dim", "embedding", "weights", "bias", "thresholds", "min_support")}
        version = "tagger-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    @classmethod
    def from_dict(cls, d: dict, embedding: str | None = None, dim: int | None = None) -> "StageTagger":
        """Refuses a file built for other labels, another embedding size or another encoder."""
        if d.get("kind") != KIND:
            raise TaggerFileError(f"not a stage tagger (kind {d.get('kind')!r}, expected {KIND!r})")
        if list(d["labels"]) != list(LABELS):
            raise TaggerFileError("stage tagger labels do not match this version of riskstream; retrain it "
                                  "(python -m models.train.tagger)")
        w, bias, thresholds = parse_heads(d, len(LABELS), embedding, dim, TaggerFileError, "python -m models.train.tagger")
        cjk = None
        if d.get("cjk"):
            from stream.scoring.use_stage import DIM, spec

            cjk = cls.from_dict({"kind": KIND, "labels": d["labels"], **d["cjk"]}, spec()["encoder"], DIM)
        return cls(w, bias, thresholds, str(d["embedding"]), str(d.get("version", "")),
                   {str(k): float(v) for k, v in (d.get("min_support") or {}).items()}, cjk)

    @classmethod
    def load(cls, models_dir: Path | str | None, embedding: str | None = None, dim: int | None = None) -> "StageTagger | None":
        """The tagger stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, lambda d: cls.from_dict(d, embedding, dim), TaggerFileError)
