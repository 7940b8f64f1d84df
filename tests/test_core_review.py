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


def test_erase_prunes_one_account_or_erases_the_person_and_redacts_the_open_case():
    from stream.core.privacy import erase, purge
    from stream.core.window import Evidence, OpenCase, UserWindow

    def window():
        ev = [Evidence(f"e{i}", "c", i, T, "user", "violence", 0.9, {"violence": 0.9}, "text", user_id=u)
              for i, u in enumerate(["a", "b", "a"])]
        case = OpenCase("case-1", T, T, T, ["violence"], 0.7, 2, "enforcement", "accumulated", ["e0", "e1", "e2"])
        peaks = {"violence": [[0.9, T, "e0", "a"], [0.9, T, "e1", "b"]], "hate": [[0.3, T, "e2", "a"]]}
        return UserWindow("p:a", updated=T, evidence=ev, case=case, context=[{"text": "x"}], peaks=peaks,
                          stages={"violence:grievance": [T, "e0"], "violence:research": [T, "e1"]})

    req = {"request_id": "r1", "type": "delete_user", "user_id": "a", "ts": "2026-10-01T00:00:00Z"}
    w, effects = erase(window(), req, T)
    assert [e.event_id for e in w.evidence] == ["e1"] and w.context == [] and w.case.evidence_ids == ["e1"]
    assert w.peaks == {"violence": [[0.9, T, "e1", "b"]]}, "the erased account's trajectory peaks go too"
    assert list(w.stages) == ["violence:research"] and effects[-1].payload["details"]["peaks_removed"] == 2
    assert effects[0].kind == "case_redaction" and effects[0].payload["redacted_event_ids"] == ["e0", "e2"]
    assert effects[-1].payload["details"]["window"] == "pruned"
    w, effects = erase(window(), dict(req, include_person=True), T)
    assert w is None and effects[-1].payload["details"]["window"] == "erased"
    assert purge(window(), "p:a", T + 31 * 86400, 30)[0] is None
    assert purge(window(), "p:a", T + 29 * 86400, 30)[0] is not None


def test_erase_reaches_the_turns_kept_to_cite_in_hindsight():
    """A deleted account's turns kept aside for hindsight (stream/core/hindsight.py) go with its
    evidence, and the open case that cited one of them is redacted for it too."""
    from stream.core.privacy import erase
    from stream.core.window import Evidence, OpenCase, UserWindow

    def turn(i, u, stages=()):
        return Evidence(f"e{i}", "c", i, T, "user", "violence", 0.9, {"violence": 0.9}, "text", user_id=u, stages=list(stages))

    later = [turn(5, "a", ["violence:research"]), turn(6, "b", ["violence:planning"])]
    case = OpenCase("case-1", T, T, T, ["violence"], 0.7, 2, "enforcement", "escalation", ["e5", "e1"])
    w = UserWindow("p:a", updated=T, evidence=[turn(1, "b")], hindsight=later, case=case)
    w, effects = erase(w, {"request_id": "r1", "type": "delete_user", "user_id": "a", "ts": "2026-10-01T00:00:00Z"}, T)
    assert [e.event_id for e in w.hindsight] == ["e6"] and w.case.evidence_ids == ["e1"]
    assert effects[0].kind == "case_redaction" and effects[0].payload["redacted_event_ids"] == ["e5"]
    assert b"e5" not in w.to_stored()
