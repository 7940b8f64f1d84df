"""The audited reveal path: role rules (pure), audit records (pure), and `riskstream reveal` on the real
broker reading the original turn back from the turns topic and auditing every attempt."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from dev.harness import consume_until, produce, produce_turns, run_cli
from stream.core.audit import audit_record
from stream.resources import ConfigError, load_roles
from stream.review.reveal import authorize
from stream.schemas import first_error
from tests.fakes import core_case, turn

ROLES = load_roles()
EMAIL = "dana.secret@example.org"


def _now_ts(minutes_ago: float = 2) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


VIOLENT = turn(7, f"[violence=0.95] I will hurt him, write to {EMAIL}", user="dana", ts=_now_ts())
CASE = core_case(VIOLENT)
# produced (below) three hours after its event time: reveal finds it by id whatever its produce time
LATE = turn(8, f"[violence=0.95] I will hurt him when I find him, ask {EMAIL}", user="lee", ts=_now_ts(180))
LATE_CASE = core_case(LATE)


# --- pure -----------------------------------------------------------------------------------------

def test_the_case_reviewers_see_is_redacted():
    assert EMAIL not in json.dumps(CASE) and "[EMAIL]" in CASE["evidence"][0]["excerpt"]


@pytest.mark.parametrize("role, allowed, why", [
    ("reviewer", False, "may not reveal"),
    ("senior_reviewer", True, "covers violence"),
    ("safety_lead", True, "covers"),
    ("child_safety_specialist", False, "does not cover violence"),
    ("intern", False, "unknown role 'intern'"),
])
def test_roles_decide_who_may_reveal(role, allowed, why):
    verdict = authorize(role, CASE, "e7", ROLES)
    assert verdict.allowed is allowed and why in verdict.why


def test_only_evidence_turns_and_never_zdr_tenants():
    assert "not evidence" in authorize("safety_lead", CASE, "e8", ROLES).why
    zdr_case = core_case({**VIOLENT, "tenant_id": "zt"}, zdr_tenants=frozenset({"zt"}))
    assert zdr_case["evidence"][0]["excerpt"] is None
    for case, tenants in ((zdr_case, frozenset()), ({**CASE, "tenant_id": "zt"}, frozenset({"zt"}))):
        verdict = authorize("safety_lead", case, "e7", ROLES, tenants)
        assert not verdict.allowed and "zero-data-retention" in verdict.why


def test_child_safety_cases_need_the_child_safety_role():
    minors = core_case(turn(1, "[sexual/minors=0.95] x"))
    assert not authorize("senior_reviewer", minors, "e1", ROLES).allowed
    assert authorize("child_safety_specialist", minors, "e1", ROLES).allowed


def test_audit_records_are_deterministic_and_follow_the_schema():
    args = ("rev-1", "senior_reviewer", "reveal", {"case_id": "c1", "event_id": "e1"}, "allowed", "appeal review",
            1_700_000_000.0, {"found": True})
    rec = audit_record(*args)
    assert first_error("audit-record", rec) is None
    assert audit_record(*args)["audit_id"] == rec["audit_id"]
    assert audit_record(*args[:4], "denied", *args[5:])["audit_id"] != rec["audit_id"]
    with pytest.raises(ValueError, match="outcome"):
        audit_record(*args[:4], "maybe", *args[5:])


def test_evidence_erased_by_a_deletion_is_no_longer_in_the_case():
    from stream.review.reveal import latest_case

    redact = {"case_id": CASE["case_id"], "event": "redact", "redacted_event_ids": ["e7"]}
    case = latest_case([orjson.dumps(CASE), orjson.dumps(redact)], CASE["case_id"])
    assert case["evidence"] == [] and "not evidence" in authorize("safety_lead", case, "e7", ROLES).why
    assert latest_case([orjson.dumps(CASE)], CASE["case_id"]) == CASE


def test_a_bad_role_table_is_a_clear_error(tmp_path):
    bad = tmp_path / "roles.json"
    bad.write_text(json.dumps({"roles": {"x": {"reveal": True}}}))
    with pytest.raises(ConfigError, match="may reveal but lists no 'categories'"):
        load_roles(bad)


# --- on the broker --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stage(kafka_bootstrap, tmp_path_factory):
    """Turns topic with the evidence turns among others (and a same-id decoy with other text), the cases
    on review-cases (keyed by case id, as the worker writes them), and a forged case file."""
    prefix = f"reveal{uuid.uuid4().hex[:8]}."
    others = [turn(i, f"hello number {i}", user=f"u{i}", ts=_now_ts(3)) for i in range(20)]
    decoy = {**VIOLENT, "text": "a different text under the same event id"}
    produce_turns(kafka_bootstrap, prefix + "turns", [*others[:10], decoy, VIOLENT, *others[10:], LATE])
    produce(kafka_bootstrap, prefix + "review-cases", [(c["case_id"], orjson.dumps(c)) for c in (CASE, LATE_CASE)])
    forged = tmp_path_factory.mktemp("reveal") / "case.json"
    forged.write_bytes(orjson.dumps({**CASE, "categories": ["harassment"]}))
    return prefix, str(forged)


def reveal(bootstrap: str, prefix: str, *args: str):
    proc = run_cli("reveal", "--broker", bootstrap, "--topic-prefix", prefix, "--event-id", "e7",
                   "--reason", "appeal review of a ban", *args)
    return proc, proc.stderr.decode(errors="replace")


def audits_of(bootstrap: str, prefix: str, actor: str, n: int) -> list[dict]:
    """The audit records of `actor`, once there are `n` of them."""
    records = consume_until(bootstrap, prefix + "audit", lambda rs: sum(r["actor"] == actor for r in rs) >= n,
                            timeout=30)
    return [r for r in records if r["actor"] == actor]


def test_an_authorised_reveal_prints_the_full_text_and_is_audited(kafka_bootstrap, stage):
    prefix, _ = stage
    proc, err = reveal(kafka_bootstrap, prefix, "--case-id", CASE["case_id"], "--role", "senior_reviewer",
                       "--reviewer", "rev-ana")
    assert proc.returncode == 0, err
    shown = orjson.loads(proc.stdout)
    assert shown["text"] == VIOLENT["text"] and EMAIL in shown["text"], "the scored turn, not the decoy"
    [record] = audits_of(kafka_bootstrap, prefix, "rev-ana", 1)
    assert record["audit_id"] == shown["audit_id"]
    assert first_error("audit-record", record) is None
    assert record["outcome"] == "allowed" and record["actor"] == "rev-ana" and record["action"] == "reveal"
    assert record["target"] == {"case_id": CASE["case_id"], "event_id": "e7", "user_id": "dana"}
    assert record["details"]["found"] is True and EMAIL not in json.dumps(record), "the audit holds no text"


def test_a_denied_reveal_shows_nothing_and_is_audited(kafka_bootstrap, stage):
    prefix, _ = stage
    proc, err = reveal(kafka_bootstrap, prefix, "--case-id", CASE["case_id"], "--role", "reviewer", "--reviewer", "rev-bo")
    assert proc.returncode == 3 and proc.stdout == b""
    assert "denied: role 'reviewer' may not reveal text" in err
    denied = audits_of(kafka_bootstrap, prefix, "rev-bo", 1)
    assert len(denied) == 1 and denied[0]["outcome"] == "denied" and "may not reveal" in denied[0]["details"]["rule"]


def test_reveal_by_case_id_finds_the_case_on_the_review_topic(kafka_bootstrap, stage):
    prefix, _ = stage
    proc, err = reveal(kafka_bootstrap, prefix, "--case-id", CASE["case_id"], "--role", "safety_lead",
                       "--reviewer", "rev-cy")
    assert proc.returncode == 0, err
    assert orjson.loads(proc.stdout)["text"] == VIOLENT["text"]
    proc, err = reveal(kafka_bootstrap, prefix, "--case-id", "case-unknown", "--role", "safety_lead",
                       "--reviewer", "rev-cy")
    assert proc.returncode == 3 and "case 'case-unknown' not found" in err
    outcomes = sorted(r["outcome"] for r in audits_of(kafka_bootstrap, prefix, "rev-cy", 2))
    assert outcomes == ["allowed", "denied"]


def test_a_turn_produced_hours_after_its_event_time_is_found(kafka_bootstrap, stage):
    prefix, _ = stage
    proc = run_cli("reveal", "--broker", kafka_bootstrap, "--topic-prefix", prefix, "--event-id", "e8",
                   "--case-id", LATE_CASE["case_id"], "--reason", "appeal review of a ban", "--role", "safety_lead",
                   "--reviewer", "rev-di")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert orjson.loads(proc.stdout)["text"] == LATE["text"]


@pytest.mark.parametrize("flag", ["--case-file", "--roles"])
def test_the_caller_cannot_supply_the_case_or_the_role_table(kafka_bootstrap, stage, flag, tmp_path):
    """A case file the caller wrote (here: categories narrowed to what the role covers) or a role
    table granting anything are not inputs of reveal at all."""
    prefix, forged = stage
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"roles": {"reviewer": {"reveal": True, "categories": ["*"]}}}))
    proc, err = reveal(kafka_bootstrap, prefix, "--case-id", CASE["case_id"], "--role", "reviewer",
                       "--reviewer", "rev-ed", flag, forged if flag == "--case-file" else str(roles))
    assert proc.returncode == 2 and proc.stdout == b"" and f"unrecognized arguments: {flag}" in err
