"""Review flow in the core: decisions -> enforcement / audit; appeals -> second review."""

from stream.core.review import banned_key, on_appeal, on_decision

T = 1_790_000_000.0


def decision(action, did="d1", appeal_of=None, cats=("violence",)):
    d = {"decision_id": did, "case_id": "case-1", "user_id": "u1", "reviewer_id": "rev-7", "action": action,
         "reason": "policy V2", "policy": "violence", "categories": list(cats), "ts": "2026-10-02T10:00:00Z"}
    if appeal_of:
        d["appeal_of"] = appeal_of
    return d


def kinds(effects):
    return [e.kind for e in effects]


def test_ban_covers_every_linked_account_registers_the_person_and_is_audited():
    state, effects = on_decision(None, decision("ban"), "p:u1", ["u1", "u2", "u3"], T)
    assert kinds(effects) == ["enforcement", "registry", "audit"]
    enf = effects[0].payload
    assert enf["action"] == "ban" and enf["accounts"] == ["u1", "u2", "u3"] and enf["person_id"] == "p:u1"
    assert effects[1].key == banned_key("p:u1") and effects[1].payload["value"]["categories"] == ["violence"]
    audit = effects[2].payload
    assert audit["actor"] == "rev-7" and audit["target"]["decision_id"] == "d1" and audit["outcome"] == "applied"
    assert state["status"] == "enforced" and state["active_action"]["action"] == "ban"


def test_warn_and_suspend_touch_only_the_account():
    _, effects = on_decision(None, decision("suspend"), "p:u1", ["u1", "u2"], T)
    assert effects[0].payload["accounts"] == ["u1"] and "until" in effects[0].payload
    assert "registry" not in kinds(effects)


def test_dismiss_is_audited_without_enforcement():
    state, effects = on_decision(None, decision("dismiss"), "p:u1", ["u1"], T)
    assert kinds(effects) == ["audit"] and state["status"] == "dismissed"


def test_appeal_reopens_and_a_milder_second_review_lifts_the_ban():
    state, _ = on_decision(None, decision("ban"), "p:u1", ["u1", "u2"], T)
    appeal = {"appeal_id": "a1", "case_id": "case-1", "decision_id": "d1", "user_id": "u1", "reason": "not me",
              "ts": "2026-10-03T10:00:00Z"}
    state, effects = on_appeal(state, appeal, T + 10)
    assert kinds(effects) == ["appeal_review", "audit"] and state["status"] == "appealed"
    assert effects[0].payload["event"] == "reopen" and effects[0].payload["appeal_of"] == "d1"
    state, effects = on_decision(state, decision("dismiss", "d2", appeal_of="d1"), "p:u1", ["u1", "u2"], T + 20)
    assert kinds(effects) == ["enforcement", "registry", "audit"]
    assert effects[0].payload["action"] == "lift" and effects[0].payload["accounts"] == ["u1", "u2"]
    assert effects[1].payload["value"] is None, "the person is no longer banned"
    assert effects[2].payload["details"]["result"] == "reversed" and state["status"] == "reversed"


def test_second_review_that_agrees_confirms_without_new_enforcement():
    state, _ = on_decision(None, decision("ban"), "p:u1", ["u1"], T)
    state, effects = on_decision(state, decision("ban", "d2", appeal_of="d1"), "p:u1", ["u1"], T + 5)
    assert kinds(effects) == ["audit"] and effects[0].payload["details"]["result"] == "confirmed"


def test_appeal_without_active_enforcement_is_denied_and_audited():
    state, effects = on_appeal(None, {"appeal_id": "a9", "case_id": "case-x", "decision_id": "dx", "user_id": "u9",
                                      "ts": "2026-10-03T10:00:00Z"}, T)
    assert kinds(effects) == ["audit"] and effects[0].payload["outcome"] == "denied"
