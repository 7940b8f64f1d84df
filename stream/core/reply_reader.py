"""Learned reading of the assistant's reply: concern it voices about the user, read from its embedding.

Why: an assistant that suspects the person it talks to may hurt someone, or end their own life,
usually says so, and that reading of the whole conversation is the best evidence a single turn
can carry (stream/core/replies.py). The written phrases there read how assistants word it in the
phrasings their authors saw; assistants word it in many more ("'maybe more than that' worries
me", "can I ask what you're hoping to do?", "是不是有时候会有不想活下去的念头？"), and on people
written blind those replies went unread. One logistic model per pathway over the encoder's
sentence embedding (MiniLM for English, the multilingual USE for Chinese / Korean, like the stage
tagger's two readers), trained by `models/train/reply_reader.py` on replies written and labelled
for the project (`models/data/assistant_replies.jsonl`), with hard look-alikes as negatives: plain
refusals, safety advice, boilerplate crisis lines, concern for a victim's safety or for someone the
user supports. Its reading is united with the written phrases'; each pathway's threshold is set
out of fold so that few of those look-alikes read as concern.

Its reading counts only beside a word of concern or refusal in the reply (`replies.marks_concern`):
over this embedding plain sympathy ("I'm sorry to hear that, I hope you feel better soon") sits
close to concern for a life, and alone the reader flagged many benign people whose assistant turns
came from a dialogue corpus it never saw (README).

Stored as `reply_reader.json` next to the classifiers (optional: without it the written phrases
read alone); a file built for another embedding is refused at load. Pure apart from `load`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stream.core.heads_file import heads_body, parse_heads
from stream.core.modelfiles import UnusableModelFile, load_json
from stream.scoring.rowwise import rowwise_logistic

FILE_NAME = "reply_reader.json"
KIND = "riskstream-reply-reader/1"
PATHWAYS: tuple[str, ...] = ("violence", "self-harm")  # concern that the user may harm others / themselves


class ReplyReaderFileError(UnusableModelFile):
    """A reply reader file that cannot be used with this runtime."""


@dataclass(frozen=True)
class ReplyReader:
    weights: np.ndarray  # (pathways, dim)
    bias: np.ndarray  # (pathways,)
    thresholds: np.ndarray  # (pathways,) probability at or above which concern is read
    embedding: str  # the encoder the weights were fitted on
    version: str = ""
    cjk: "ReplyReader | None" = None  # the reader of Chinese / Korean replies (USE embedding)

    def voiced(self, emb: np.ndarray) -> list[frozenset[str]]:
        """Per (n, dim) embedding row, the pathways whose concern the reply voices."""
        hit = rowwise_logistic(emb, self.weights, self.bias) >= self.thresholds[None, :]
        return [frozenset(PATHWAYS[j] for j in np.nonzero(row)[0]) for row in hit]

    def to_dict(self, **extra) -> dict:
        body = {"kind": KIND, "pathways": list(PATHWAYS), **heads_body(self.weights, self.bias, self.thresholds, self.embedding)}
        if self.cjk is not None:
            body["cjk"] = {k: v for k, v in self.cjk.to_dict().items() if k in ("dim", "embedding", "weights", "bias", "thresholds")}
        version = "replies-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    @classmethod
    def from_dict(cls, d: dict, embedding: str | None = None, dim: int | None = None) -> "ReplyReader":
        if d.get("kind") != KIND or list(d.get("pathways", ())) != list(PATHWAYS):
            raise ReplyReaderFileError(f"not a reply reader for pathways {list(PATHWAYS)} (kind {d.get('kind')!r})")
        w, bias, thresholds = parse_heads(d, len(PATHWAYS), embedding, dim, ReplyReaderFileError,
                                          "python -m models.train.reply_reader")
        cjk = None
        if d.get("cjk"):
            from stream.scoring.use_stage import DIM, spec

            cjk = cls.from_dict({"kind": KIND, "pathways": d["pathways"], **d["cjk"]}, spec()["encoder"], DIM)
        return cls(w, bias, thresholds, str(d["embedding"]), str(d.get("version", "")), cjk)

    @classmethod
    def load(cls, models_dir: Path | str | None, embedding: str | None = None, dim: int | None = None) -> "ReplyReader | None":
        """The reader stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, lambda d: cls.from_dict(d, embedding, dim), ReplyReaderFileError)
