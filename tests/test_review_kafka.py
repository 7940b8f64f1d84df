"""Review, enforcement and support on the real broker, through the worker."""

from __future__ import annotations

import uuid

import orjson
import pytest

from dev.harness import WorkerProcess, consume_until, produce, produce_turns
from tests.fakes import turn

pytestmark = pytest.mark.kafka
THREAT = "I will kill you. I am going to shoot you tomorrow morning."
DEVICE = {"device_hash": "dev-shared-91"}


@pytest.fixture(scope="module")
def worker(kafka_bootstrap, tmp_path_factory):
    run = uuid.uuid4().hex[:8]
    w = WorkerProcess(kafka_bootstrap, tmp_path_factory.mktemp("review"), f"rv{run}.", f"rs-rv-{run}").start()
    yield w
    w.stop()


def _send(bootstrap, topic, key, payload):
    produce(bootstrap, topic, [(key, orjson.dumps(payload))])


def test_ban_reaches_linked_accounts_flags_evasion_and_an_appeal_reverses_it(worker, kafka_bootstrap):
    bs, p = kafka_bootstrap, worker.prefix
    produce_turns(bs, p + "turns", [turn(1, "hello there", user="acct-a", conv="a1", identity=DEVICE)])
    consume_until(bs, p + "turn-scores", lambda rs: any(r["event_id"] == "e1" for r in rs), worker=worker)
    produce_turns(bs, p + "turns", [turn(2, "hi, what's the weather", user="acct-b", conv="b1", identity=DEVICE),
                                    turn(3, THREAT, user="acct-a", conv="a2", identity=DEVICE)])
    cases = consume_until(bs, p + "review-cases", lambda rs: any(r["trigger_event_id"] == "e3" for r in rs), worker=worker)
    case = next(r for r in cases if r["trigger_event_id"] == "e3")
    assert case["person_id"] == "p:acct-a"

    ban = {"decision_id": "dec-1", "case_id": case["case_id"], "user_id": "acct-a", "reviewer_id": "rev-1",
           "action": "ban", "reason": "credible threat", "policy": "V1", "categories": ["violence"],
           "ts": "2026-10-02T10:00:00Z"}
    _send(bs, p + "review-decisions", case["case_id"], ban)
    actions = consume_until(bs, p + "enforcement-actions", lambda rs: len(rs) >= 1, worker=worker)
    assert actions[0]["action"] == "ban" and actions[0]["accounts"] == ["acct-a", "acct-b"]
    audits = consume_until(bs, p + "audit", lambda rs: any(a["action"] == "decision" for a in rs), worker=worker)
    assert any(a["target"]["decision_id"] == "dec-1" and a["actor"] == "rev-1" for a in audits)

    # a brand-new account on the banned person's device is reviewed on its very first (harmless) turn
    produce_turns(bs, p + "turns", [turn(4, "hey, can you help me with a recipe?", user="acct-c", conv="c1", identity=DEVICE)])
    cases = consume_until(bs, p + "review-cases", lambda rs: any(r.get("trigger_event_id") == "e4" for r in rs), worker=worker)
    evasion = next(r for r in cases if r.get("trigger_event_id") == "e4")
    assert evasion["rule"] == "ban-evasion" and evasion["user_id"] == "acct-c" and evasion["categories"] == ["violence"]
    assert evasion["priority"] == 1

    appeal = {"appeal_id": "ap-1", "case_id": case["case_id"], "decision_id": "dec-1", "user_id": "acct-a",
              "reason": "it was a joke", "ts": "2026-10-03T10:00:00Z"}
    _send(bs, p + "appeals", case["case_id"], appeal)
    cases = consume_until(bs, p + "review-cases", lambda rs: any(r["event"] == "reopen" for r in rs), worker=worker)
    reopen = next(r for r in cases if r["event"] == "reopen")
    assert reopen["case_id"] == case["case_id"] and reopen["appeal_of"] == "dec-1"

    second = dict(ban, decision_id="dec-2", action="dismiss", reviewer_id="rev-2", appeal_of="dec-1", reason="context")
    _send(bs, p + "review-decisions", case["case_id"], second)
    actions = consume_until(bs, p + "enforcement-actions", lambda rs: any(a["action"] == "lift" for a in rs), worker=worker)
    lift = next(a for a in actions if a["action"] == "lift")
    assert lift["accounts"] == ["acct-a", "acct-b"] and lift["decision_id"] == "dec-2"
    audits = consume_until(bs, p + "audit", lambda rs: any(a["action"] == "appeal-review" for a in rs), worker=worker)
    assert next(a for a in audits if a["action"] == "appeal-review")["details"]["result"] == "reversed"

    # the ban is lifted: the next new account on that device is not treated as evasion
    produce_turns(bs, p + "turns", [turn(5, "what's a good book to read?", user="acct-d", conv="d1", identity=DEVICE)])
    consume_until(bs, p + "turn-scores", lambda rs: any(r["event_id"] == "e5" for r in rs), worker=worker)
    cases = consume_until(bs, p + "review-cases", lambda rs: True, worker=worker)
    assert not any(r.get("trigger_event_id") == "e5" for r in cases)


def test_self_harm_case_produces_a_support_event_not_enforcement(worker, kafka_bootstrap):
    bs, p = kafka_bootstrap, worker.prefix
    produce_turns(bs, p + "turns", [turn(20, "I want to kill myself tonight. How many pills would it take?", user="sh-1",
                                         conv="s1", locale="en-GB")])
    support = consume_until(bs, p + "support-events", lambda rs: any(r["user_id"] == "sh-1" for r in rs), worker=worker)
    ev = next(r for r in support if r["user_id"] == "sh-1")
    assert ev["region"] == "GB" and ev["resources"], "crisis resources chosen by the turn's locale"
    assert "text" not in ev and "excerpt" not in orjson.dumps(ev).decode()
    cases = consume_until(bs, p + "review-cases", lambda rs: any(r["user_id"] == "sh-1" for r in rs), worker=worker)
    assert next(r for r in cases if r["user_id"] == "sh-1")["route"] == "support"
