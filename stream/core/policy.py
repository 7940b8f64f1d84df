"""Case policy: the tunable numbers and the pure rules deciding when a window warrants review.

Two ways in, as trust-and-safety reviewers expect: one severe turn is enough; several milder
turns, possibly spread across conversations and days, add up through the decayed window.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from stream.core.window import Evidence, UserWindow
from stream.taxonomy import CATEGORIES, SUPPORT_CATEGORIES

# How bad a category is when confirmed, 0..1 (drives severity, hence priority).
DEFAULT_WEIGHTS: dict[str, float] = {
    "sexual/minors": 1.0,
    "self-harm/intent": 0.95,
    "hate/threatening": 0.9,
    "self-harm/instructions": 0.9,
    "harassment/threatening": 0.85,
    "illicit/violent": 0.85,
    "violence/graphic": 0.7,
    "violence": 0.7,
    "self-harm": 0.7,
    "hate": 0.6,
    "illicit": 0.6,
    "harassment": 0.5,
    "sexual": 0.4,
}
# Categories that say harm is near (a threat, an intent, instructions): raise imminence.
IMMINENT = frozenset({"harassment/threatening", "hate/threatening", "illicit/violent", "self-harm/intent",
                      "self-harm/instructions", "sexual/minors"})
# Harm to others: a case with any of these is never routed to support only.
HARM_TO_OTHERS = frozenset({"harassment/threatening", "hate/threatening", "illicit/violent", "violence", "violence/graphic",
                            "sexual/minors"})


@dataclass(frozen=True)
class PolicyConfig:
    half_life_hours: float = 72.0  # decay of accumulated risk
    min_contribution: float = 0.35  # a category score below this adds nothing to the window
    severe_score: float = 0.85  # one flagged turn at or above this opens a case
    accumulate_threshold: float = 1.4  # decayed risk at or above this (with >= 2 turns) opens a case
    min_evidence_turns: int = 2
    evidence_limit: int = 16  # ring of evidence references kept per user
    excerpt_chars: int = 400  # evidence excerpts are redacted and cut to this
    recent_ids_limit: int = 64  # idempotency ring of event ids
    conversations_limit: int = 16
    case_ttl_hours: float = 168.0  # an open case with no new evidence for this long is closed in state
    cooldown_minutes: float = 30.0  # min time between update events of one case (unless it worsens)
    retention_days: float = 30.0  # a window idle this long (event time) is gone
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    zdr_tenants: frozenset[str] = frozenset()  # tenants whose raw text is never persisted

    @classmethod
    def from_mapping(cls, values: dict) -> "PolicyConfig":
        """Build from a config file mapping; unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown policy setting(s): {', '.join(sorted(unknown))}")
        values = dict(values)
        if "zdr_tenants" in values:
            values["zdr_tenants"] = frozenset(values["zdr_tenants"])
        if "weights" in values:
            values["weights"] = {**DEFAULT_WEIGHTS, **values["weights"]}
        return cls(**values)


@dataclass(frozen=True)
class Trigger:
    """Why a window warrants a case now."""

    rule: str  # "severe-turn" | "accumulated"
    categories: list[str]


def contributions(scores: dict[str, float], cfg: PolicyConfig) -> dict[str, float]:
    return {c: s for c, s in scores.items() if s >= cfg.min_contribution}


def evaluate(window: UserWindow, turn_scores: dict[str, float], turn_flags: dict[str, bool],
             cfg: PolicyConfig) -> Trigger | None:
    """Decide from the updated window and the newest turn whether a case is warranted."""
    severe = [c for c in CATEGORIES if turn_flags.get(c) and turn_scores.get(c, 0.0) >= cfg.severe_score]
    if severe:
        return Trigger("severe-turn", severe)
    accumulated = [c for c in CATEGORIES
                   if window.risk.get(c, 0.0) >= cfg.accumulate_threshold
                   and _evidence_count(window.evidence, c) >= cfg.min_evidence_turns]
    if accumulated:
        return Trigger("accumulated", accumulated)
    return None


def _evidence_count(evidence: list[Evidence], category: str) -> int:
    return sum(1 for e in evidence if category in e.scores)


def severity(categories: list[str], window: UserWindow, cfg: PolicyConfig) -> float:
    """0..1: the worst category's weight times how strongly the evidence supports it."""
    best = 0.0
    for c in categories:
        peak = max((e.scores.get(c, 0.0) for e in window.evidence), default=0.0)
        strength = max(peak, min(1.0, window.risk.get(c, 0.0) / (2 * cfg.accumulate_threshold)))
        best = max(best, cfg.weights.get(c, 0.5) * strength)
    return round(min(1.0, best), 4)


def imminence(categories: list[str]) -> float:
    return 1.0 if any(c in IMMINENT for c in categories) else 0.5


def priority(sev: float, imm: float) -> int:
    """1 (most urgent) .. 4, from severity x imminence."""
    p = sev * (0.5 + 0.5 * imm)
    return 1 if p >= 0.75 else 2 if p >= 0.5 else 3 if p >= 0.3 else 4


def route(categories: list[str]) -> str:
    """Self-harm without harm to others goes to support (crisis resources), never enforcement."""
    if any(c in SUPPORT_CATEGORIES for c in categories) and not any(c in HARM_TO_OTHERS for c in categories):
        return "support"
    return "enforcement"
