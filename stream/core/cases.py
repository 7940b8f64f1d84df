"""Case building: turn a triggered window into a review-case event a reviewer can act on.

Deterministic by construction (ids from hashes, times from event time), so replay and the worker
produce byte-identical cases for the same input.
"""

from __future__ import annotations

import hashlib

from stream.core import hindsight
from stream.core import policy as pol
from stream.core.events import Turn
from stream.core.timeutil import format_rfc3339
from stream.core.trajectory import sigmoid
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
        "user_id": e.user_id,
        "stages": e.stages,
        "contextual": e.contextual,
    }


def reason_text(why: pol.Trigger, categories: list[str], evidence: list[Evidence], trigger: Evidence | None,
                window: UserWindow, back: frozenset[str] = frozenset()) -> str:
    """One paragraph a reviewer can read: which rule, which categories, which turns and signals
    (`back`: the evidence turns read in hindsight, stream/core/hindsight.py)."""
    rule, stages, pathway = why.rule, why.stages, why.pathway
    cats = ", ".join(categories)
    convs = sorted({e.conversation_id for e in evidence})
    if rule == "severe-turn" and trigger is not None:
        scored = [c for c in categories if c in trigger.scores] or sorted(trigger.scores)
        head = f"Single severe turn {trigger.event_id} (conversation {trigger.conversation_id}) scored " + (
            ", ".join(f"{c} {trigger.scores[c]:.2f}" for c in scored) or "no category strongly")
    elif rule == "ban-evasion" and trigger is not None:
        head = (f"New account {trigger.user_id} linked to a banned person on its first turn {trigger.event_id} "
                f"(categories of the ban: {cats})")
    elif rule == "escalation":
        head = (f"Escalation on the {pathway} pathway: " + " -> ".join(s for s in stages if not s.startswith("voiced")) +
                f" across {len(convs)} conversation(s)")
        if "voiced" in stages:  # stream/core/replies.py (policy.VOICED)
            head += "; the assistant's replies voiced concern about it"
        if why.short:  # policy.short_pathways
            head += "; short of its weight, opened on its case confidence"
    elif rule == "heading" and trigger is not None:
        head = (f"Heading reader: two turns apart in time read as heading towards harm ({why.strength:.2f} or more each): "
                f"{', '.join(why.cites)} and {trigger.event_id}; on the {pathway} pathway by what the classifiers read "
                f"across {len(convs)} conversation(s) of the evidence")
    elif rule == "person":
        head = (f"Person reader: the whole window reads as heading towards harm (probability {why.strength:.2f}, at or "
                f"above the reader's cut) across {len(convs)} conversation(s) of the evidence; on the {pathway} pathway by "
                f"what the classifiers read")
    elif rule == "trajectory" and why.score is not None and why.threshold is not None:
        peaks = "; ".join(f"{c} " + ", ".join(f"{p[2]} {p[0]:.2f}" for p in window.peaks.get(c, []))
                          for c in why.categories if window.peaks.get(c))
        head = (f"Trajectory model: a pattern in {', '.join(why.categories)} across {len(convs)} conversation(s) "
                f"(model probability {sigmoid(why.score):.2f}, threshold {sigmoid(why.threshold):.2f}); highest turns kept: {peaks}")
    else:
        head = (f"Accumulated risk in {cats} over {len(evidence)} turns across {len(convs)} conversation(s) "
                f"(decayed risk " + ", ".join(f"{c} {window.risk.get(c, 0.0):.2f}" for c in categories) + ")")
    turns = "; ".join(f"{e.event_id} [{e.top_category} {e.score:.2f}" + (f"; {', '.join(s.split(':')[1] for s in e.stages)}" if e.stages else "")
                      + ("; read in context" if e.contextual else "") + ("; read in hindsight" if e.event_id in back else "")
                      + "]" for e in evidence[-6:])
    signals = sorted({f"{s['kind']}:{s['source_id']}" for e in evidence for s in e.signals})
    if rule != "escalation" and stages:
        head += f"; {pathway} pathway stages seen: " + " -> ".join(stages)
    by_id = {e.event_id: e for e in window.evidence}
    earlier = [by_id[i] for i in why.cites if i in by_id and (trigger is None or i != trigger.event_id)]
    if earlier:
        head += "; the pattern rests on earlier turns " + "; ".join(
            f"{e.event_id} (conversation {e.conversation_id}, {format_rfc3339(e.ts)}, {e.top_category} {e.score:.2f}"
            + (f", {', '.join(s.split(':')[1] for s in e.stages)}" if e.stages else "") + ")" for e in earlier)
    later = [e for e in evidence if e.event_id in back]
    if later:
        head += ("; read in hindsight (the stage tagger's reading, too weakly supported to count when said) "
                 + "; ".join(f"{e.event_id} (conversation {e.conversation_id}, {format_rfc3339(e.ts)}, "
                             f"{', '.join(s.split(':')[1] for s in e.stages)})" for e in later))
    text = f"{head}. Evidence turns: {turns}."
    if signals:
        text += " Signals: " + ", ".join(signals) + "."
    return text


def build_case_event(window: UserWindow, turn: Turn, case: OpenCase, event: str, trigger_evidence: Evidence | None,
                     trigger: pol.Trigger, model_version: str, policy_version: str = "") -> dict:
    """The review-case payload (schemas/review-case.schema.json) for an open or update event."""
    relevant = [e for e in window.evidence if any(c in e.scores for c in case.categories)
                or any(s.split(":")[0] in case.categories for s in e.stages) or e.event_id in case.evidence_ids]
    scores = {c: round(max((e.scores.get(c, 0.0) for e in relevant), default=0.0), 4) for c in case.categories}
    shown = {e.event_id for e in relevant}
    later = [e for e in window.hindsight if e.event_id in case.evidence_ids and e.event_id not in shown]
    back = frozenset(e.event_id for e in later)
    relevant = hindsight.merge(relevant, later)
    payload = {
        "case_id": case.case_id,
        "event": event,
        "user_id": turn.user_id,
        "trigger_event_id": turn.event_id,
        "opened_at": format_rfc3339(case.opened_at),
        "updated_at": format_rfc3339(turn.ts),
        "categories": list(case.categories),
        "severity": case.severity,
        "priority": case.priority,
        "route": case.route,
        "rule": case.rule,
        "reason": reason_text(trigger, case.categories, relevant, trigger_evidence, window, back),  # why this event (an update may fire on another rule than the open)
        "evidence": [evidence_payload(e) | ({"hindsight": True} if e.event_id in back else {}) for e in relevant],
        "trajectory": {c: round(v, 4) for c, v in sorted(window.risk.items())},
        "scores": scores,
        "context": [{"event_id": c.get("event_id", ""), "conversation_id": c["conversation_id"], "ts": format_rfc3339(c["ts"]),
                     "excerpt": c.get("text")} for c in window.context
                    if c["conversation_id"] == turn.conversation_id and c.get("event_id") != turn.event_id],
        "conversations": sorted({e.conversation_id for e in relevant}),
        "accounts": sorted({e.user_id for e in relevant if e.user_id} | {turn.user_id}),
        "stages": list(trigger.stages),
        "model_version": model_version,
        "policy_version": policy_version,
    }
    if trigger.rule == "trajectory":
        payload["model_probability"] = trigger.strength  # the model probability: what recalibrate moves the cut by
    if window.user_id != turn.user_id:
        payload["person_id"] = window.user_id
    if turn.tenant_id:
        payload["tenant_id"] = turn.tenant_id
    return payload
