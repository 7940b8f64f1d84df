"""What a scorer returns for one text. Shared by the classifiers, the core and the CLI.

The core depends only on this shape and on the `Scorer` protocol, so classifiers can be swapped
(shadow configurations, tests) without touching the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True, slots=True)
class Signal:
    """A discrete reason behind a score: a blocklist or hash-bank match, or a model stage note."""

    kind: str  # "blocklist" | "hashbank" | "model" | "rule"
    source_id: str  # list / bank / model id, as configured
    category: str | None = None  # taxonomy key the signal supports, if any
    detail: str = ""  # e.g. the matched term id or near-duplicate distance (never raw user text)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source_id": self.source_id, "category": self.category, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class TextScore:
    """Scores for one text: calibrated probabilities per category, flags at thresholds, signals."""

    category_scores: dict[str, float]  # exactly the 13 taxonomy keys, values in [0, 1]
    categories: dict[str, bool]  # category_scores[c] >= threshold[c]
    flagged: bool  # any(categories.values())
    signals: tuple[Signal, ...] = field(default=())


class Scorer(Protocol):
    """Scores texts in batches. Pure with respect to its inputs (no I/O per call)."""

    def score_batch(self, texts: Sequence[str]) -> list[TextScore]: ...
