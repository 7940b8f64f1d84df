"""The detector: fold one scored turn into its user's window and return the effects.

`Detector.step` is a pure function of (window, turn, score, config): the drivers own all I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

from stream.core import policy as pol
from stream.core.cases import build_case_event, case_id_for
from stream.core.effects import Effect
from stream.core.events import Turn
from stream.core.redaction import excerpt
from stream.core.timeutil import format_rfc3339
from stream.core.window import Evidence, OpenCase, UserWindow, push_bounded
from stream.scoring.types import Scorer, TextScore


@dataclass(slots=True)
class Step:
    window: UserWindow | None  # None: nothing to keep for this user
    effects: list[Effect]


class Detector:
    """Scores batches of turns and steps per-user windows. One instance per driver process."""

    def __init__(self, scorer: Scorer, config: pol.PolicyConfig | None = None, model_version: str = ""):
        self.scorer = scorer
        self.config = config or pol.PolicyConfig()
        self.model_version = model_version or getattr(scorer, "version", "")

    def score(self, turns: Sequence[Turn]) -> list[TextScore]:
        return self.scorer.score_batch([t.text for t in turns])

    @staticmethod
    def window_key(turn: Turn) -> str:
        return turn.user_id

    def is_expired(self, window: UserWindow, now: float) -> bool:
        return now - window.updated > self.config.retention_days * 86400

    def step(self, window: UserWindow | None, turn: Turn, score: TextScore) -> Step:
        cfg = self.config
        if window is not None and self.is_expired(window, turn.ts):
            window = None  # beyond retention: the old window is gone, not merely decayed
        window = window or UserWindow(user_id=turn.user_id, updated=turn.ts)
        if turn.event_id in window.recent_ids:
            return Step(window, [])  # redelivery of a turn already folded in (idempotency)
        push_bounded(window.recent_ids, turn.event_id, cfg.recent_ids_limit)
        window.turns += 1
        if turn.conversation_id not in window.conversations:
            push_bounded(window.conversations, turn.conversation_id, cfg.conversations_limit)
        effects = [Effect("score", turn.user_id, self._score_payload(turn, score))]

        window.decay_to(turn.ts, cfg.half_life_hours * 3600)
        if window.case and turn.ts - window.case.updated_at > cfg.case_ttl_hours * 3600:
            window.case = None
        if turn.role != "user":
            return Step(window, effects)  # assistant/system/tool turns are scored, not held against the user

        contrib = pol.contributions(score.category_scores, cfg)
        evidence = None
        if contrib:
            for c, v in contrib.items():
                window.risk[c] = window.risk.get(c, 0.0) + v
            evidence = self._evidence(turn, score, contrib)
            push_bounded(window.evidence, evidence, cfg.evidence_limit)

        trigger = pol.evaluate(window, score.category_scores, score.categories, cfg)
        if trigger is not None and evidence is not None:
            case_effect = self._case_effect(window, turn, trigger, evidence)
            if case_effect is not None:
                effects.append(case_effect)
        return Step(window, effects)

    def _evidence(self, turn: Turn, score: TextScore, contrib: dict[str, float]) -> Evidence:
        top = max(contrib, key=lambda c: (contrib[c], c))
        zdr = turn.tenant_id in self.config.zdr_tenants
        text, spans = (None, []) if zdr else excerpt(turn.text, self.config.excerpt_chars)
        return Evidence(
            event_id=turn.event_id,
            conversation_id=turn.conversation_id,
            turn_index=turn.turn_index,
            ts=turn.ts,
            role=turn.role,
            top_category=top,
            score=round(contrib[top], 4),
            scores={c: round(v, 4) for c, v in contrib.items()},
            excerpt=text,
            redactions=[s.to_dict() for s in spans],
            text_sha256=hashlib.sha256(turn.text.encode()).hexdigest(),
            signals=[s.to_dict() for s in score.signals],
        )

    def _case_effect(self, window: UserWindow, turn: Turn, trigger: pol.Trigger, evidence: Evidence) -> Effect | None:
        cfg = self.config
        case = window.case
        if case is None:
            cats = trigger.categories
            sev = pol.severity(cats, window, cfg)
            case = OpenCase(case_id=case_id_for(turn.user_id, turn.event_id), opened_at=turn.ts, updated_at=turn.ts,
                            last_emitted_at=turn.ts, categories=cats, severity=sev,
                            priority=pol.priority(sev, pol.imminence(cats)), route=pol.route(cats), rule=trigger.rule,
                            evidence_ids=[evidence.event_id])
            window.case = case
            event = "open"
        else:
            cats = sorted(set(case.categories) | set(trigger.categories), key=_order)
            sev = max(case.severity, pol.severity(cats, window, cfg))
            prio = min(case.priority, pol.priority(sev, pol.imminence(cats)))
            worsened = prio < case.priority or set(cats) != set(case.categories)
            case.categories, case.severity, case.priority, case.route = cats, sev, prio, pol.route(cats)
            case.updated_at = turn.ts
            push_bounded(case.evidence_ids, evidence.event_id, cfg.evidence_limit)
            if not worsened and turn.ts - case.last_emitted_at < cfg.cooldown_minutes * 60:
                return None  # evidence kept in state; no new event inside the cooldown
            event = "update"
        case.last_emitted_at = turn.ts
        payload = build_case_event(window, turn, case, event, evidence, cfg, self.model_version)
        return Effect("case", turn.user_id, payload)

    def _score_payload(self, turn: Turn, score: TextScore) -> dict:
        payload = {
            "event_id": turn.event_id,
            "user_id": turn.user_id,
            "conversation_id": turn.conversation_id,
            "ts": format_rfc3339(turn.ts),
            "role": turn.role,
            "flagged": score.flagged,
            "categories": score.categories,
            "category_scores": {c: round(v, 6) for c, v in score.category_scores.items()},
            "signals": [s.to_dict() for s in score.signals],
            "model_version": self.model_version,
        }
        if turn.tenant_id:
            payload["tenant_id"] = turn.tenant_id
        return payload


def _order(category: str) -> int:
    from stream.taxonomy import CATEGORIES

    return CATEGORIES.index(category)
