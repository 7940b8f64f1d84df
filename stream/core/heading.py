"""Learned reading of where a person is heading: how much a user turn reads like a turn of someone
moving towards harming another person or themselves, rather than of someone with an ordinary reason
for dark talk (a novelist, a hunter, a bereaved sister, a gamer, a nurse).

Why: the classifiers read what a turn is about (violence, self-harm, weapons), and the people who
talk about those things for ordinary reasons use the same words; on the blind-written people a
benign person was flagged about as often as an escalating one was found. The people bench's written
batches (bench/people) label exactly this difference: each escalating person's turns from the point
a careful reader could infer the harm (`harm_from`), against every turn of the benign people, who
were written to be hard (the same vocabulary for legitimate reasons). Read leaving each batch (five
writers nobody else read) out in turn, a person's highest reading found far more escalating people
at a strict benign rate than their cases' evidence did (README, "Where a person is heading").

One logistic model over the MiniLM embedding the scorer has already computed (English and other
non-CJK turns) and one over the multilingual USE embedding (Chinese / Korean turns, which the stage
tagger's zh / ko reader embeds). The window keeps a person's three highest readings (`TOP`), with the
turn and account they came from (a deletion removes an account's, a taken-back turn its own), never
older than the retention period. Case events carry the two highest (`heading`) and the case confidence
model reads them. Two policy options, both off by default because the reader learned the written
people's way of telling escalation and reads everyday requests and plain threats poorly (README):
`heading_floor` holds back an enforcement case of a person none of whose turns reads at least that much
(stream/core/policy.py `held_back_by_heading`), and `heading_cases` opens a case on two turns apart in
time that both read at least the reader's `threshold` (`pattern`, `policy.heading_trigger`).

A second head (`SELF`, session 56) reads whether a turn sounds like someone heading towards themselves
rather than towards another person (fitted on every user turn of the written escalating people, by their
category). The window keeps the readings' sum and weight (`lean`, `direction`; decayed with the risk, so
recent turns count most); the case policy's `self_direction` sends a case of a person whose mean reads so
to support instead of enforcement (stream/core/policy.py `towards_self`): issue 14's person at risk asking
about means who never said anything of death.

Stored as `heading_reader.json` next to the classifiers (optional: without it nothing is read, and no
case is held back), refused at load when fitted on other encoders. Trained by
`models/train/heading_reader.py`. Pure apart from `load`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from stream.core.heads_file import heads_body, parse_heads
from stream.core.modelfiles import UnusableModelFile, load_json
from stream.core.window import UserWindow
from stream.scoring.rowwise import rowwise_logistic

FILE_NAME = "heading_reader.json"
KIND = "riskstream-heading-reader/1"
LABEL = "heading"
SELF = "self"  # the optional second head: heading towards oneself rather than towards another person
RETRAIN = "python -m models.train.heading_reader"
TOP = 3  # readings a window keeps (the highest first): enough to find two of them apart in time
SHOWN = 2  # readings a case event carries (`heading`): the highest, and the second that corroborates it


class HeadingReaderFileError(UnusableModelFile):
    """A heading reader file that cannot be used with this runtime."""


@dataclass(frozen=True)
class HeadingReader:
    weights: np.ndarray  # (1, MiniLM dim)
    bias: np.ndarray  # (1,)
    embedding: str  # the MiniLM base model id the weights were fitted on
    cjk_weights: np.ndarray  # (1, USE dim): Chinese / Korean turns
    cjk_bias: np.ndarray
    cjk_embedding: str  # the USE encoder spec
    # Two readings at least this high, of turns apart in time, make a pattern (`pattern`): set out of
    # batch at 1 % of the written benign people (inf: never)
    threshold: float = float("inf")
    version: str = ""

    def reads(self, emb: np.ndarray, cjk: bool = False) -> np.ndarray:
        """(n,) probabilities, one per embedding (MiniLM rows, or USE rows when `cjk`), row by row:
        a turn reads the same whatever batch it came in."""
        return self.both(emb, cjk)[0]

    def both(self, emb: np.ndarray, cjk: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """(heading probabilities, `SELF` probabilities or None for a reader without that head), row by row."""
        w, b = (self.cjk_weights, self.cjk_bias) if cjk else (self.weights, self.bias)
        p = rowwise_logistic(emb, w, b)
        return p[:, 0], (p[:, 1] if p.shape[1] > 1 else None)

    def to_dict(self, **extra) -> dict:
        # (stored thresholds are 0: the policy's `heading_floor` decides what a reading means)
        n = self.weights.shape[0]
        body = {"kind": KIND, "labels": [LABEL, SELF][:n], "minilm": heads_body(self.weights, self.bias, np.zeros(n), self.embedding),
                "use": heads_body(self.cjk_weights, self.cjk_bias, np.zeros(n), self.cjk_embedding)}
        if np.isfinite(self.threshold):
            body["pattern_threshold"] = round(float(self.threshold), 4)
        version = "heading-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    @classmethod
    def from_dict(cls, d: dict, embedding: str | None = None, dim: int | None = None) -> "HeadingReader":
        """Refuses a file of another kind, or fitted on another encoder than the scorer's
        (`embedding`, `dim`) or another USE."""
        from stream.scoring.use_stage import DIM, spec

        labels = list(d.get("labels", ()))
        if d.get("kind") != KIND or labels not in ([LABEL], [LABEL, SELF]):
            raise HeadingReaderFileError(f"not a heading reader (kind {d.get('kind')!r})")
        w, b, _ = parse_heads(d["minilm"], len(labels), embedding, dim, HeadingReaderFileError, RETRAIN)
        cw, cb, _ = parse_heads(d["use"], len(labels), spec()["encoder"], DIM, HeadingReaderFileError, RETRAIN)
        t = float(d.get("pattern_threshold", float("inf")))
        if not 0.0 < t <= 1.0 and t != float("inf"):
            raise HeadingReaderFileError(f"pattern_threshold must be in (0, 1], got {t}")
        return cls(w, b, str(d["minilm"]["embedding"]), cw, cb, str(d["use"]["embedding"]), t, str(d.get("version", "")))

    @classmethod
    def load(cls, models_dir: Path | str | None, embedding: str | None = None,
             dim: int | None = None) -> "HeadingReader | None":
        """The reader stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, lambda d: cls.from_dict(d, embedding, dim), HeadingReaderFileError)


# -- the window's readings -----------------------------------------------------------------------
def record(window: UserWindow, reading: float, ts: float, event_id: str, user_id: str, horizon: float) -> None:
    """Keep a user turn's reading among the window's `TOP` highest: [reading, ts, event_id], plus the
    account when it is not the window's own (deleting an account must find its readings). Readings of
    turns older than `horizon` (event time) leave first: nothing is kept past the retention period."""
    kept = [h for h in window.heading if h[1] >= horizon and h[2] != event_id]
    kept.append(window.kept_entry(round(float(reading), 4), ts, event_id, user_id))
    kept.sort(key=lambda h: (-h[0], h[2]))
    window.heading = kept[:TOP]


def lean(window: UserWindow, towards_self: float) -> None:
    """Add a user turn's `SELF` reading to the window's direction: [sum, weight] of the readings,
    decayed with the window's risk (`UserWindow.decay_to`), so their mean leans to the recent turns."""
    total, weight = window.direction or (0.0, 0.0)
    window.direction = [round(total + float(towards_self), 4), round(weight + 1.0, 4)]


def direction(window: UserWindow) -> tuple[float, float]:
    """(the mean `SELF` reading of the person's user turns, recent ones weighing more; their weight);
    (0, 0) when none was read."""
    total, weight = window.direction or (0.0, 0.0)
    return (total / weight if weight > 0 else 0.0), weight


def readings(window: UserWindow, horizon: float) -> list[float]:
    """The two highest kept readings of turns since `horizon` (what a case event carries), padded with zeros."""
    got = [h[0] for h in window.heading if h[1] >= horizon]
    return (got + [0.0] * SHOWN)[:SHOWN]


def pattern(window: UserWindow, event_id: str, horizon: float, threshold: float,
            min_span_s: float) -> tuple[str, float] | None:
    """Whether the newest turn (`event_id`, already recorded) completes a pattern: it and another kept
    turn since `horizon`, at least `min_span_s` apart, both read at least `threshold`. Returns (the
    other turn's event id, the lower of the two readings), the other being the highest such turn; None
    otherwise. One high reading is not a pattern, nor are two turns of one burst."""
    kept = [h for h in window.heading if h[1] >= horizon]
    new = next((h for h in kept if h[2] == event_id), None)
    if new is None or new[0] < threshold:
        return None
    for h in kept:  # (highest first)
        if h is not new and h[0] >= threshold and abs(new[1] - h[1]) >= min_span_s:
            return h[2], min(new[0], h[0])
    return None


def corroborates(window: UserWindow, horizon: float, threshold: float, min_span_s: float) -> bool:
    """Two kept readings of turns since `horizon`, at least `min_span_s` apart, both read at least
    `threshold`: the reader backs a pattern of stages the rules found short of their weight
    (`policy.short_pathways` "corroborated"). Unlike `pattern`, the newest turn need not be one of them."""
    high = [h[1] for h in window.heading if h[1] >= horizon and h[0] >= threshold]
    return len(high) >= 2 and max(high) - min(high) >= min_span_s


def drop(window: UserWindow, gone: Callable[[list], bool]) -> int:
    """Remove the readings `gone` says of; returns how many were removed."""
    kept = [h for h in window.heading if not gone(h)]
    removed = len(window.heading) - len(kept)
    window.heading = kept
    return removed


def drop_account(window: UserWindow, user_id: str) -> int:
    """Remove the readings of one account's turns (deletion request)."""
    return drop(window, lambda h: window.entry_account(h) == user_id)
