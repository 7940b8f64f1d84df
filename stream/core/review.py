"""Review flow: reviewer decisions and appeals in, enforcement actions and audit records out.

Pure, like the detector: `on_decision` / `on_appeal` take the case's review state and return the
new state and effects. A ban covers every linked account of the person and registers the person
as banned, so a new account that links to it is flagged on its first turn. An appeal reopens the
case for a second review; a second decision that is milder than the first reverses it (the
original action is lifted), otherwise it confirms it. Every step writes an audit record.
"""

from __future__ import annotations

import hashlib

from stream.core.audit import audit_record
from stream.core.effects import Effect
from stream.core.timeutil import format_rfc3339

ENFORCING = ("warn", "suspend", "ban")
SEVERITY = {"dismiss": 0, "deprioritise": 0, "escalate": 1, "warn": 2, "suspend": 3, "ban": 4}
SUSPEND_DAYS = 7.0


def _id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def banned_key(person_id: str) -> str:
    """Registry key marking a person as banned (value: the ban's decision id and categories)."""
    return f"banned:{person_id}"


def on_decision(state: dict | None, decision: dict, person_id: str, accounts: list[str], ts: float) -> tuple[dict, list[Effect]]:
    """Apply a reviewer decision (schemas/review-decision.schema.json) to a case's review state."""
    state = dict(state or {"case_id": decision["case_id"], "user_id": decision["user_id"], "decisions": [],
                           "status": "open", "active_action": None})
    action = decision["action"]
    effects: list[Effect] = []
    prior = state.get("active_action")
    second_review = bool(decision.get("appeal_of"))
    if second_review and prior and prior["decision_id"] == decision["appeal_of"]:
        if SEVERITY[action] < SEVERITY[prior["action"]]:
            effects += _lift(prior, decision, ts)
            state["active_action"], state["status"] = None, "reversed"
            if action in ENFORCING:  # a milder action replaces the lifted one
                enf, reg = _enforce(decision, person_id, accounts, ts)
                effects += enf + reg
                state["active_action"] = _active(decision, enf)
            effects.append(_audit(decision, "appeal-review", "applied", ts, {"result": "reversed", "previous": prior["action"]}))
        else:
            state["status"] = "confirmed"
            effects.append(_audit(decision, "appeal-review", "applied", ts, {"result": "confirmed", "previous": prior["action"]}))
    elif action in ENFORCING:
        enf, reg = _enforce(decision, person_id, accounts, ts)
        effects += enf + reg
        state["active_action"], state["status"] = _active(decision, enf), "enforced"
        effects.append(_audit(decision, "decision", "applied", ts, {"action": action, "accounts": len(accounts)}))
    else:
        state["status"] = {"dismiss": "dismissed", "deprioritise": "deprioritised", "escalate": "escalated"}[action]
        effects.append(_audit(decision, "decision", "applied", ts, {"action": action}))
    state["decisions"] = (state.get("decisions") or [])[-9:] + [decision["decision_id"]]
    return state, effects


def on_appeal(state: dict | None, appeal: dict, ts: float) -> tuple[dict | None, list[Effect]]:
    """An appeal reopens an enforced case for a second review (unknown or unenforced: audited as denied)."""
    active = (state or {}).get("active_action")
    target = {"case_id": appeal["case_id"], "appeal_id": appeal["appeal_id"], "user_id": appeal["user_id"]}
    if not active or active["decision_id"] != appeal["decision_id"]:
        why = "no active enforcement for this decision on this case"
        return state, [Effect("audit", appeal["case_id"], audit_record(appeal["user_id"], "user", "appeal", target,
                                                                        "denied", appeal.get("reason", ""), ts,
                                                                        {"why": why}))]
    state = dict(state, status="appealed")
    reopen = {"case_id": appeal["case_id"], "event": "reopen", "user_id": appeal["user_id"],
              "appeal_id": appeal["appeal_id"], "appeal_of": appeal["decision_id"], "ts": format_rfc3339(ts),
              "reason": f"Appeal {appeal['appeal_id']} against {active['action']} ({appeal['decision_id']}): second review needed"}
    return state, [Effect("appeal_review", appeal["case_id"], reopen),
                   Effect("audit", appeal["case_id"], audit_record(appeal["user_id"], "user", "appeal", target, "allowed",
                                                                    appeal.get("reason", ""), ts))]


def _enforce(decision: dict, person_id: str, accounts: list[str], ts: float) -> tuple[list[Effect], list[Effect]]:
    action = decision["action"]
    targets = sorted(set(accounts) | {decision["user_id"]}) if action == "ban" else [decision["user_id"]]
    payload = {"action_id": _id("act-", decision["decision_id"], action), "decision_id": decision["decision_id"],
               "case_id": decision["case_id"], "user_id": decision["user_id"], "person_id": person_id,
               "action": action, "accounts": targets, "reason": decision.get("reason", ""), "ts": format_rfc3339(ts)}
    if action == "suspend":
        payload["until"] = format_rfc3339(ts + SUSPEND_DAYS * 86400)
    registry = []
    if action == "ban":
        registry.append(Effect("registry", banned_key(person_id), {"value": {
            "decision_id": decision["decision_id"], "case_id": decision["case_id"],
            "categories": list(decision.get("categories") or [])}}))
    return [Effect("enforcement", decision["user_id"], payload)], registry


def _lift(prior: dict, decision: dict, ts: float) -> list[Effect]:
    payload = {"action_id": _id("act-", decision["decision_id"], "lift"), "decision_id": decision["decision_id"],
               "case_id": decision["case_id"], "user_id": decision["user_id"], "person_id": prior["person_id"],
               "action": "lift", "accounts": prior["accounts"], "reason": f"appeal upheld: lifts {prior['action_id']}",
               "ts": format_rfc3339(ts)}
    effects = [Effect("enforcement", decision["user_id"], payload)]
    if prior["action"] == "ban":
        effects.append(Effect("registry", banned_key(prior["person_id"]), {"value": None}))
    return effects


def _active(decision: dict, enforcement: list[Effect]) -> dict:
    p = enforcement[0].payload
    return {"decision_id": decision["decision_id"], "action": decision["action"], "action_id": p["action_id"],
            "accounts": p["accounts"], "person_id": p["person_id"]}


def _audit(decision: dict, action: str, outcome: str, ts: float, details: dict) -> Effect:
    target = {"case_id": decision["case_id"], "decision_id": decision["decision_id"], "user_id": decision["user_id"]}
    return Effect("audit", decision["case_id"], audit_record(decision["reviewer_id"], "reviewer", action, target, outcome,
                                                             decision.get("reason", ""), ts, details))
