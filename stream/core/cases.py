"""Case building: turn a triggered window into a review-case event a reviewer can act on.

Deterministic by construction (ids from hashes, times from event time), so replay and the worker
produce byte-identical cases for the same input.
"""

from __future__ import annotations

import hashlib

from stream.core import policy as pol
from stream.core.events import Turn
from stream.core.timeutil import format_rfc3339
from stream.core.window import Evidence, OpenCase, UserWindow


def case_id_for(user_id: str, event_id: str) -> str:
    return "case-" + hashlib.sha256(f"{user_id}\x1f{event_id}".encode()).hexdigest()[:20]


def evidence_payload(e: Evidence) -> dict:
    return {
        "event_id": e.event_id,
        "conversation_id": e.conversation_id,
        "turn_index": e.turn_index,
        "ts": format_rfc3339(e.ts),
        "role": e.role,
        "top_category": e.top_category,
        "score": round(e.score, 4),
        "excerpt": e.excerpt,
        "redactions": e.redactions,
        "text_sha256": e.text_sha256,
        "signals": e.signals,
    }


def reason_text(rule: str, categories: list[str], evidence: list[Evidence], trigger: Evidence | None,
                window: UserWindow) -> str:
    """One paragraph a reviewer can read: which rule, which categories, which turns and signals."""
    cats = ", ".join(categories)
    if rule == "severe-turn" and trigger is not None:
        head = f"Single severe turn {trigger.event_id} (conversation {trigger.conversation_id}) scored " + ", ".join(
            f"{c} {trigger.scores.get(c, 0.0):.2f}" for c in categories if c in trigger.scores)
    else:
        convs = sorted({e.conversation_id for e in evidence})
        head = (f"Accumulated risk in {cats} over {len(evidence)} turns across {len(convs)} conversation(s) "
                f"(decayed risk " + ", ".join(f"{c} {window.risk.get(c, 0.0):.2f}" for c in categories) + ")")
    turns = "; ".join(f"{e.event_id} [{e.top_category} {e.score:.2f}]" for e in evidence[-6:])
    signals = sorted({f"{s['kind']}:{s['source_id']}" for e in evidence for s in e.signals})
    text = f"{head}. Evidence turns: {turns}."
    if signals:
        text += " Signals: " + ", ".join(signals) + "."
    return text


def build_case_event(window: UserWindow, turn: Turn, case: OpenCase, event: str, trigger_evidence: Evidence | None,
                     cfg: pol.PolicyConfig, model_version: str) -> dict:
    """The review-case payload (schemas/review-case.schema.json) for an open or update event."""
    relevant = [e for e in window.evidence if any(c in e.scores for c in case.categories)]
    scores = {c: round(max((e.scores.get(c, 0.0) for e in relevant), default=0.0), 4) for c in case.categories}
    payload = {
        "case_id": case.case_id,
        "event": event,
        "user_id": window.user_id,
        "trigger_event_id": turn.event_id,
        "opened_at": format_rfc3339(case.opened_at),
        "updated_at": format_rfc3339(turn.ts),
        "categories": list(case.categories),
        "severity": case.severity,
        "priority": case.priority,
        "route": case.route,
        "rule": case.rule,
        "reason": reason_text(case.rule, case.categories, relevant, trigger_evidence, window),
        "evidence": [evidence_payload(e) for e in relevant],
        "trajectory": {c: round(v, 4) for c, v in sorted(window.risk.items())},
        "scores": scores,
        "conversations": sorted({e.conversation_id for e in relevant}),
        "model_version": model_version,
    }
    if turn.tenant_id:
        payload["tenant_id"] = turn.tenant_id
    return payload
