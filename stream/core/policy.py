"""Case policy: the tunable numbers and the pure rules deciding when a window warrants review.

Two ways in, as trust-and-safety reviewers expect: one severe turn is enough; several milder
turns, possibly spread across conversations and days, add up through the decayed window. How they
add up is decided by the trajectory model (`stream/core/trajectory.py`) when the models directory
has one, else by the fixed accumulation threshold below; climbing a pathway's stages is a third way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from stream.core.stages import BY_KEY, PATHWAY_CATEGORY, STAGES
from stream.core.trajectory import Reading
from stream.core.typecheck import check_types
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
    severe_score: float = 0.85  # one flagged turn at or above this opens a case...
    severe_min_weight: float = 0.6  # ...in a category at least this grave (one insult is not a case; a pattern is)
    accumulate_threshold: float = 1.4  # decayed risk at or above this (with >= 2 turns) opens a case
    min_evidence_turns: int = 2
    trajectory_model: bool = True  # use the models directory's trajectory.json when it has one (else: accumulation)
    trajectory_min_probability: float | None = None  # override the model's own threshold (0..1 exclusive)
    evidence_limit: int = 16  # ring of evidence references kept per user
    excerpt_chars: int = 400  # evidence excerpts are redacted and cut to this
    recent_ids_limit: int = 64  # idempotency ring of event ids
    conversations_limit: int = 16
    case_ttl_hours: float = 168.0  # an open case with no new evidence for this long is closed in state
    cooldown_minutes: float = 30.0  # min time between update events of one case (unless it worsens)
    retention_days: float = 30.0  # a window idle this long (event time) is gone
    stage_window_days: float = 21.0  # stages older than this no longer count towards escalation
    escalation_threshold: float = 2.5  # summed stage weights on one pathway that open a case
    min_stages: int = 2  # distinct stages needed (one stage alone is never a pattern)
    context_turns: int = 2  # N: preceding user turns kept (redacted) for context scoring and reviewers
    context_max_words: int = 16  # a follow-up this short, referring back, inherits its context
    context_gap_minutes: float = 120.0  # context only from the same conversation, this recent
    context_min_score: float = 0.4  # the context turn must itself have scored this high
    buildup_min_score: float = 0.2  # build-up: read the conversation together once a part scores this high...
    buildup_margin: float = 0.2  # ...and count it where together it scores this much above every part alone
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    zdr_tenants: frozenset[str] = frozenset()  # tenants whose raw text is never persisted

    def __post_init__(self) -> None:
        p = self.trajectory_min_probability
        if p is not None and not 0.0 < p < 1.0:
            raise ValueError(f"trajectory_min_probability must be between 0 and 1 (exclusive), got {p}")

    @property
    def version(self) -> str:
        """Content hash of every setting: cases, logs and metrics name the policy that produced them."""
        import hashlib

        import orjson

        raw = orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS, default=sorted)
        return "policy-" + hashlib.sha256(raw).hexdigest()[:12]

    @classmethod
    def from_mapping(cls, values: dict) -> "PolicyConfig":
        """Build from a config file mapping; unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown policy setting(s): {', '.join(sorted(unknown))}")
        check_types(cls, values)
        values = dict(values)
        if "zdr_tenants" in values:
            values["zdr_tenants"] = frozenset(values["zdr_tenants"])
        if "weights" in values:
            values["weights"] = {**DEFAULT_WEIGHTS, **values["weights"]}
        return cls(**values)


@dataclass(frozen=True)
class Trigger:
    """Why a window warrants a case now."""

    rule: str  # "severe-turn" | "escalation" | "trajectory" | "accumulated" | "ban-evasion"
    categories: list[str]
    pathway: str | None = None
    stages: tuple[str, ...] = ()  # stages seen on the pathway, in pathway order
    strength: float = 0.0  # escalation: summed stage weights / 4, capped at 1; trajectory: model probability
    stage_imminence: float = 0.0  # highest stage rank / pathway length
    score: float | None = None  # trajectory: the model's logit...
    threshold: float | None = None  # ...and the logit it had to reach


# Pathway -> (categories of its case, number of stages on it)
PATHWAYS = {p: ([cat], max(st.rank for st in STAGES if st.pathway == p)) for p, cat in PATHWAY_CATEGORY.items()}


def pathway_progress(window: UserWindow, now: float, cfg: PolicyConfig) -> dict[str, list[tuple[int, str, float]]]:
    """Per pathway, the (rank, stage, weight) seen within the stage window, ordered by rank."""
    horizon = now - cfg.stage_window_days * 86400
    out: dict[str, list[tuple[int, str, float]]] = {}
    for key, (ts, _event) in window.stages.items():
        st = BY_KEY.get(key)
        if st is not None and ts >= horizon:
            out.setdefault(st.pathway, []).append((st.rank, st.name, st.weight))
    return {p: sorted(v) for p, v in out.items()}


def contributions(scores: dict[str, float], cfg: PolicyConfig) -> dict[str, float]:
    return {c: s for c, s in scores.items() if s >= cfg.min_contribution}


def evaluate(window: UserWindow, turn_scores: dict[str, float], turn_flags: dict[str, bool],
             new_pathways: set[str], now: float, cfg: PolicyConfig, ban: dict | None = None,
             reading: Reading | None = None) -> Trigger | None:
    """Decide from the updated window and the newest turn whether a case is warranted. `reading` is
    the trajectory model's view of the window (None when no model is loaded: the fixed accumulation
    threshold applies instead)."""
    if ban is not None:  # a new account of a banned person: reviewed on its first turn
        cats = [c for c in ban.get("categories") or [] if c in CATEGORIES] or ["harassment"]
        return Trigger("ban-evasion", cats, strength=1.0, stage_imminence=1.0)
    severe = [c for c in CATEGORIES if turn_flags.get(c) and turn_scores.get(c, 0.0) >= cfg.severe_score
              and cfg.weights.get(c, 0.5) >= cfg.severe_min_weight]
    escalation = _escalation(window, new_pathways, now, cfg)
    if severe:
        if escalation is not None:  # keep the pathway context for priority and the reason
            return Trigger("severe-turn", sorted(set(severe) | set(escalation.categories), key=CATEGORIES.index),
                           escalation.pathway, escalation.stages, escalation.strength, escalation.stage_imminence)
        return Trigger("severe-turn", severe)
    if escalation is not None:
        return escalation
    if reading is not None:
        return _trajectory(window, reading, cfg)
    accumulated = [c for c in CATEGORIES
                   if window.risk.get(c, 0.0) >= cfg.accumulate_threshold
                   and _evidence_count(window.evidence, c) >= cfg.min_evidence_turns]
    if accumulated:
        return Trigger("accumulated", accumulated)
    return None


def _escalation(window: UserWindow, new_pathways: set[str], now: float, cfg: PolicyConfig) -> Trigger | None:
    """A pathway climbed: enough distinct stages, enough weight, and the newest turn moved on it."""
    best = None
    for pathway, seen in pathway_progress(window, now, cfg).items():
        total = sum(w for _, _, w in seen)
        if pathway not in new_pathways or len(seen) < cfg.min_stages or total < cfg.escalation_threshold:
            continue
        cats, length = PATHWAYS[pathway]
        names = tuple(name for _, name, _ in seen)
        if pathway == "self-harm" and ({"intent", "plan"} & set(names)):
            cats = cats + ["self-harm/intent"]
        trig = Trigger("escalation", list(cats), pathway, names, min(1.0, total / 4.0), max(r for r, _, _ in seen) / length)
        if best is None or trig.strength > best.strength:
            best = trig
    return best


def _trajectory(window: UserWindow, reading: Reading, cfg: PolicyConfig) -> Trigger | None:
    """The model's score crossed its threshold on a pattern of at least `min_evidence_turns` turns."""
    if not reading.fires or not reading.categories:
        return None
    turns = {p[2] for c in reading.categories for p in window.peaks.get(c, [])}
    if len(turns) < cfg.min_evidence_turns:
        return None  # one turn is never a pattern (a severe one is the severe-turn rule's business)
    return Trigger("trajectory", reading.categories, strength=round(reading.probability, 4),
                   score=reading.logit, threshold=reading.threshold)


def _evidence_count(evidence: list[Evidence], category: str) -> int:
    return sum(1 for e in evidence if category in e.scores)


def severity(categories: list[str], window: UserWindow, cfg: PolicyConfig, stage_strength: float = 0.0) -> float:
    """0..1: the worst category's weight times how strongly the evidence (or the pathway) supports it."""
    best = 0.0
    for c in categories:
        peak = max((e.scores.get(c, 0.0) for e in window.evidence), default=0.0)
        strength = max(peak, stage_strength, min(1.0, window.risk.get(c, 0.0) / (2 * cfg.accumulate_threshold)))
        best = max(best, cfg.weights.get(c, 0.5) * strength)
    return round(min(1.0, best), 4)


def imminence(categories: list[str], stage_imminence: float = 0.0) -> float:
    """1.0 for threats/intent/instructions; otherwise how far along its pathway the person is."""
    return 1.0 if any(c in IMMINENT for c in categories) else max(0.5, stage_imminence)


def priority(sev: float, imm: float) -> int:
    """1 (most urgent) .. 4, from severity x imminence."""
    p = sev * (0.5 + 0.5 * imm)
    return 1 if p >= 0.75 else 2 if p >= 0.5 else 3 if p >= 0.3 else 4


def route(categories: list[str]) -> str:
    """Self-harm without harm to others goes to support (crisis resources), never enforcement."""
    if any(c in SUPPORT_CATEGORIES for c in categories) and not any(c in HARM_TO_OTHERS for c in categories):
        return "support"
    return "enforcement"
