"""The heading reader (stream/core/heading.py): how much a user turn reads as heading towards harm,
kept in the window (two highest), carried by case events, read by the case confidence model, dropped
with an account on deletion and with a turn taken back, and (policy `heading_floor`) holding back
enforcement cases of people none of whose turns reads so."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from stream.core import heading
from stream.core import policy as pol
from stream.core.confidence import case_features
from stream.core.heading import HeadingReader, HeadingReaderFileError
from stream.core.window import Evidence, OpenCase, UserWindow

MODELS = Path(__file__).resolve().parents[1] / "models"
DAY = 86400.0


def _window(user: str = "p:me") -> UserWindow:
    return UserWindow(user_id=user, updated=0.0)


def test_the_window_keeps_the_three_highest_readings_with_their_turns_and_accounts():
    w = _window()
    for i, (r, acct) in enumerate([(0.2, "p:me"), (0.9, "other"), (0.5, "p:me"), (0.7, "p:me"), (0.1, "p:me")]):
        heading.record(w, r, 1000.0 + i, f"e{i}", acct, horizon=0.0)
    assert w.heading == [[0.9, 1001.0, "e1", "other"], [0.7, 1003.0, "e3"], [0.5, 1002.0, "e2"]]
    assert heading.readings(w, 0.0) == [0.9, 0.7], "a case event carries the two highest"
    heading.record(w, 0.9, 1001.0, "e1", "other", horizon=0.0)  # a redelivered turn is kept once
    assert [h[2] for h in w.heading] == ["e1", "e3", "e2"]


def test_two_high_readings_apart_in_time_make_a_pattern_and_one_or_a_burst_does_not():
    w = _window()
    heading.record(w, 0.95, 0.0, "a", "p:me", horizon=-1.0)
    assert heading.pattern(w, "a", -1.0, 0.8, 1800.0) is None, "one reading is not a pattern"
    heading.record(w, 0.9, 600.0, "b", "p:me", horizon=-1.0)
    assert heading.pattern(w, "b", -1.0, 0.8, 1800.0) is None, "two turns ten minutes apart are one burst"
    heading.record(w, 0.5, DAY, "c", "p:me", horizon=-1.0)
    assert heading.pattern(w, "c", -1.0, 0.8, 1800.0) is None, "the newest turn must read high itself"
    heading.record(w, 0.85, 2 * DAY, "d", "p:me", horizon=-1.0)
    assert heading.pattern(w, "d", -1.0, 0.8, 1800.0) == ("a", 0.85), "the highest earlier turn apart, the lower reading"
    assert heading.pattern(w, "d", DAY, 0.8, 1800.0) is None, "turns before the horizon do not count"


def test_readings_older_than_the_retention_period_leave_and_are_not_read():
    w = _window()
    heading.record(w, 0.95, 0.0, "old", "p:me", horizon=-1.0)
    heading.record(w, 0.3, 40 * DAY, "new", "p:me", horizon=10 * DAY)
    assert [h[2] for h in w.heading] == ["new"], "the old reading left when the new one was kept"
    w.heading.append([0.99, 0.0, "stale"])  # (as if kept before the horizon moved)
    assert heading.readings(w, 10 * DAY) == [0.3, 0.0]


def test_deletion_removes_an_accounts_readings_and_taking_a_turn_back_removes_its_own():
    from stream.core import retraction

    w = _window("p:a")
    heading.record(w, 0.8, 10.0, "e-a", "p:a", horizon=0.0)
    heading.record(w, 0.9, 11.0, "e-b", "b", horizon=0.0)
    assert heading.drop_account(w, "b") == 1 and [h[2] for h in w.heading] == ["e-a"]
    retraction.take_back(w, "e-a", 72 * 3600)
    assert w.heading == []


def test_a_deletion_request_for_one_linked_account_prunes_its_readings_from_the_persons_window():
    from stream.core.privacy import erase

    w = _window("p:a")
    w.evidence = [Evidence(e, "c1", 0, t, "user", "violence", 0.6, {"violence": 0.6}, user_id=u)
                  for e, t, u in (("e-a", 10.0, "p:a"), ("e-b", 11.0, "b"))]
    heading.record(w, 0.8, 10.0, "e-a", "p:a", horizon=0.0)
    heading.record(w, 0.9, 11.0, "e-b", "b", horizon=0.0)
    window, effects = erase(w, {"request_id": "r1", "type": "delete_user", "user_id": "b", "ts": "2026-10-01T00:00:00Z"}, 20.0)
    assert window is not None and [h[2] for h in window.heading] == ["e-a"]
    assert effects[-1].payload["details"]["heading_removed"] == 1


def test_the_shipped_reader_loads_with_the_shipped_encoder_and_a_wrong_file_is_refused(tmp_path):
    from stream.scoring import load_default_scorer
    from stream.core.engine import Detector

    det = Detector(load_default_scorer())
    assert det.heading is not None, "models/heading_reader.json ships with the classifiers"
    assert det.heading.version in det.model_version
    body = json.loads((MODELS / heading.FILE_NAME).read_text())
    with pytest.raises(HeadingReaderFileError, match="fitted on"):
        HeadingReader.from_dict(body, "some-other-encoder", 384)
    (tmp_path / heading.FILE_NAME).write_text(json.dumps({**body, "kind": "something-else"}))
    with pytest.raises(HeadingReaderFileError, match="not a heading reader"):
        HeadingReader.load(tmp_path)
    assert HeadingReader.load(tmp_path / "nowhere") is None


def test_a_turn_reads_the_same_alone_or_in_a_batch():
    reader = HeadingReader.from_dict(json.loads((MODELS / heading.FILE_NAME).read_text()))
    emb = np.random.default_rng(3).normal(size=(9, 384)).astype(np.float32)
    assert np.array_equal(reader.reads(emb)[4:5], reader.reads(emb[4:5]))


@pytest.mark.parametrize("text,low", [
    ("she will regret it, I know where she lives", False),
    ("how do I kill a python process that hangs", True),
])
def test_the_shipped_reader_reads_a_threat_above_an_everyday_question(text, low):
    from stream.scoring import load_default_scorer
    from stream.core.engine import Detector

    det = Detector(load_default_scorer())
    reading = det._heading(text)[0]
    assert (reading < 0.3) if low else (reading > 0.7), reading


def _case(route: str, categories: list[str]) -> OpenCase:
    return OpenCase("c", 0.0, 0.0, 0.0, categories, 0.8, 1, route, "escalation", [])


def _evidence(scores: dict[str, float], stages: list[str] | None = None) -> Evidence:
    return Evidence("e", "c", 0, 0.0, "user", next(iter(scores)), max(scores.values()), scores, stages=stages or [])


def test_the_floor_holds_back_enforcement_cases_of_people_whose_turns_never_read_as_heading_to_harm():
    cfg = pol.PolicyConfig(heading_floor=0.7)
    trig = pol.Trigger("escalation", ["violence"], "violence")
    ev = _evidence({"violence": 0.6})
    assert pol.held_back_by_heading(trig, _case("enforcement", ["violence"]), ev, 0.69, cfg)
    assert not pol.held_back_by_heading(trig, _case("enforcement", ["violence"]), ev, 0.7, cfg)
    # never held back: support cases, ban evasion, hate or sexual cases, an explicit threat on one turn, the floor off
    assert not pol.held_back_by_heading(trig, _case("support", ["self-harm"]), ev, 0.0, cfg)
    assert not pol.held_back_by_heading(replace(trig, rule="ban-evasion"), _case("enforcement", ["violence"]), ev, 0.0, cfg)
    assert not pol.held_back_by_heading(trig, _case("enforcement", ["violence", "hate"]), ev, 0.0, cfg)
    assert not pol.held_back_by_heading(trig, _case("enforcement", ["sexual/minors"]), ev, 0.0, cfg)
    threat = _evidence({"harassment/threatening": 0.95}, ["violence:ideation"])
    severe = pol.Trigger("severe-turn", ["harassment/threatening"])
    assert pol.explicit("harassment/threatening", threat.stages)
    assert not pol.held_back_by_heading(severe, _case("enforcement", ["harassment/threatening"]), threat, 0.0, cfg)
    assert not pol.held_back_by_heading(trig, _case("enforcement", ["violence"]), ev, 0.0, pol.PolicyConfig(heading_floor=0.0))


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_a_floor_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError, match="heading_floor"):
        pol.PolicyConfig(heading_floor=bad)


def test_case_confidence_reads_the_two_readings_a_case_carries():
    f = case_features({"heading": [0.91, 0.4], "evidence": []})
    assert (f["heading:1"], f["heading:2"]) == (0.91, 0.4)
    g = case_features({"evidence": []})
    assert (g["heading:1"], g["heading:2"]) == (0.0, 0.0)


def _replay(tmp_path, rows: list[dict], policy: dict | None = None) -> list[dict]:
    from stream.cli import main
    from stream.schemas import first_error

    src, out = tmp_path / "turns.jsonl", tmp_path / "cases.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["replay", "--input", str(src), "--cases", str(out), "--no-progress"]
    if policy is not None:
        (tmp_path / "policy.json").write_text(json.dumps(policy))
        args += ["--policy", str(tmp_path / "policy.json")]
    assert main(args) == 0
    cases = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(first_error("review-case", c) is None for c in cases)
    return cases


# a grudge against a landlord turning into a plan (written for this test): a pattern of stages, no explicit threat
_LANDLORD = ["my landlord kept my whole deposit and laughs when I call him",
             "people like him never pay for what they do, someone should make him",
             "what time do letting agents usually lock up their office on a friday",
             "how long does it take for antifreeze to work if someone drinks it by mistake"]


def _turns(user: str, texts: list[str]) -> list[dict]:
    return [{"event_id": f"{user}-{i}", "user_id": user, "conversation_id": f"{user}-c{i}", "turn_index": 0,
             "role": "user", "text": t, "ts": f"2026-10-{1 + i:02d}T21:{10 + i:02d}:00Z"} for i, t in enumerate(texts)]


def test_case_events_carry_the_persons_two_highest_readings_and_a_floor_holds_their_enforcement_case_back(tmp_path):
    from stream.scoring import load_default_scorer
    from stream.core.engine import Detector

    det = Detector(load_default_scorer())
    read = sorted((det._heading(t)[0] for t in _LANDLORD), reverse=True)
    cases = _replay(tmp_path, _turns("l", _LANDLORD))
    assert cases and all(c["route"] == "enforcement" for c in cases), "the pattern opens a case (floor off by default)"
    first = cases[0]
    upto = sorted((det._heading(t)[0] for t in _LANDLORD[:int(first["trigger_event_id"].split("-")[1]) + 1]), reverse=True)
    assert first["heading"] == (upto + [0.0])[:2] and max(c["heading"][0] for c in cases) <= read[0]
    assert _replay(tmp_path, _turns("l", _LANDLORD), {"heading_floor": min(1.0, read[0] + 0.01)}) == [], \
        "no turn reads as high as the floor: the enforcement case waits"
    assert _replay(tmp_path, _turns("l", _LANDLORD), {"heading_floor": read[0]}), "a turn reads at the floor: it opens"


# written for this test: a man who wants his ex-partner's new boyfriend hurt, told indirectly over three days
_GRUDGE = ["my ex moved on in like two weeks with some gym guy, whatever",
           "what time do gyms usually get quiet in the evening",
           "if someone slipped in the car park after dark would the cameras even catch it",
           "ok and how long do car park cameras keep the footage"]


def test_with_heading_cases_two_turns_apart_that_read_as_heading_to_harm_open_a_case_citing_the_earlier_one(tmp_path):
    from stream.scoring import load_default_scorer
    from stream.core.engine import Detector

    det = Detector(load_default_scorer())
    reads = [det._heading(t)[0] for t in _GRUDGE]
    t = det.heading.threshold
    assert 0.5 < t < 1.0
    high = [i for i, r in enumerate(reads) if r >= t]
    assert len(high) >= 2, reads
    cases = _replay(tmp_path, _turns("g", _GRUDGE), {"heading_cases": True, "short_pathways": "off"})
    heading_cases = [c for c in cases if c["rule"] == "heading"]
    assert heading_cases, [(c["rule"], c["trigger_event_id"]) for c in cases]
    first = heading_cases[0]
    assert first["trigger_event_id"] == f"g-{high[1]}" and f"g-{high[0]}" in first["reason"]
    assert first["route"] == "enforcement" and first["categories"] == ["violence"]
    assert not [c for c in _replay(tmp_path, _turns("g", _GRUDGE)) if c["rule"] == "heading"], "off by default"


# -- direction (the reader's `self` head): a person heading towards themselves is supported, not punished --
def test_the_window_keeps_a_recent_weighted_mean_of_the_direction_and_its_codec_and_a_deletion_keep_up():
    from stream.core.privacy import erase
    from stream.core.window_codec import decode, encode

    w = _window("p:a")
    assert heading.direction(w) == (0.0, 0.0), "nothing read yet"
    heading.lean(w, 0.9)
    heading.lean(w, 0.5)
    assert heading.direction(w) == pytest.approx((0.7, 2.0))
    w.decay_to(72 * 3600.0, 72 * 3600.0)  # one half-life: both halve, the mean stays
    assert heading.direction(w) == pytest.approx((0.7, 1.0))
    heading.lean(w, 0.1)  # the newest turn now weighs as much as the two older ones together
    assert heading.direction(w) == pytest.approx((0.4, 2.0))
    assert decode(encode(w)).direction == pytest.approx(w.direction)
    w.evidence = [Evidence(e, "c1", 0, t, "user", "violence", 0.6, {"violence": 0.6}, user_id=u)
                  for e, t, u in (("e-a", 10.0, "p:a"), ("e-b", 11.0, "b"))]
    window, _ = erase(w, {"request_id": "r1", "type": "delete_user", "user_id": "b", "ts": "2026-10-01T00:00:00Z"}, 20.0)
    assert window is not None and window.direction == [], "a deleted account's share cannot be taken out: it starts again"


def test_towards_self_moves_enforcement_triggers_of_a_person_reading_so_and_never_a_threat_or_ban_evasion():
    cfg = pol.PolicyConfig()
    trig = pol.Trigger("escalation", ["violence"], "violence")
    ev = _evidence({"violence": 0.6}, ["violence:planning"])
    assert pol.towards_self(trig, ev, (0.8, 2.0), cfg)
    moved = pol.on_own_risk(trig)
    assert moved.pathway == "self-harm" and pol.route(moved.categories) == "support" and moved.rule == "escalation"
    assert not pol.towards_self(trig, ev, (0.59, 5.0), cfg), "the mean must reach `self_direction`"
    assert not pol.towards_self(trig, ev, (0.9, 1.0), cfg), "one turn is not a direction"
    assert not pol.towards_self(trig, ev, (0.9, 5.0), pol.PolicyConfig(self_direction=0.0)), "0 turns it off"
    assert not pol.towards_self(replace(trig, rule="ban-evasion"), ev, (0.9, 5.0), cfg)
    assert not pol.towards_self(pol.Trigger("escalation", ["self-harm"], "self-harm"), ev, (0.9, 5.0), cfg), "already support"
    assert not pol.towards_self(pol.Trigger("severe-turn", ["hate"]), _evidence({"hate": 0.9}), (0.9, 5.0), cfg), \
        "not a category the reader was trained on"
    threat = _evidence({"harassment/threatening": 0.95}, ["violence:ideation"])
    assert not pol.towards_self(pol.Trigger("severe-turn", ["harassment/threatening"]), threat, (0.9, 5.0), cfg), \
        "a threat with intent stays a threat"
    with pytest.raises(ValueError, match="self_direction must"):
        pol.PolicyConfig(self_direction=1.5)
    with pytest.raises(ValueError, match="self_direction_weight"):
        pol.PolicyConfig(self_direction_weight=-1.0)


def _cases_of_a_person_leaning(config: pol.PolicyConfig, lean: list[float], rows: list[tuple]) -> list[dict]:
    """The case events of one person's turns (role, text, conversation, turn index, ts) stepped through the
    engine with the test scorer, the window's direction set to `lean` as of the first turn (the test scorer
    has no reader, so nothing adds to it; it decays from there with the risk's half-life)."""
    from stream.core.engine import Detector
    from stream.core.events import parse_turn
    from tests.fakes import TagScorer

    det = Detector(TagScorer(), config)
    w, cases = _window("u"), []
    w.direction = list(lean)
    for i, (role, text, conv, index, ts) in enumerate(rows):
        turn = parse_turn({"event_id": f"m-{i}", "user_id": "u", "conversation_id": conv, "turn_index": index,
                           "role": role, "text": text, "ts": ts})
        w.updated = w.updated or turn.ts
        step = det.step(w, turn, det.score([turn])[0])
        w, cases = step.window, cases + [e.payload for e in step.effects if e.kind == "case"]
    return cases


def test_the_engine_sends_a_severe_method_question_of_a_person_heading_towards_themselves_to_support():
    rows = [("user", text, f"c{i}", 0, f"2026-10-0{1 + i}T21:00:00Z")  # (a day later the lean has decayed a little)
            for i, text in enumerate(["[illicit/violent=0.97] where do people get one", "[illicit/violent=0.97] how fast"])]

    def first_case(config: pol.PolicyConfig, lean: list[float]) -> dict:
        cases = _cases_of_a_person_leaning(config, lean, rows)
        assert cases, "two severe readings a day apart open a case"
        return cases[0]

    assert first_case(pol.PolicyConfig(), [0.2, 3.0])["route"] == "enforcement", "a person heading towards another"
    supported = first_case(pol.PolicyConfig(), [2.4, 3.0])
    assert supported["route"] == "support" and supported["categories"] == ["self-harm"], supported["categories"]
    assert first_case(pol.PolicyConfig(self_direction=0.0), [2.4, 3.0])["route"] == "enforcement", "a policy can turn it off"


def test_a_case_the_assistants_concern_opens_goes_to_support_for_a_person_heading_towards_themselves():
    """Change 42: the escalation rule completed by the assistant's voiced concern (on its reply) routes as a
    case a user turn opens does: to support when the person reads as heading towards themselves."""
    worry = "I won't help with that. It sounds like you're planning to hurt him."
    rows = [("user", "[violence=0.1] where can I buy a rifle fast", "c1", 0, "2026-10-01T09:00:00Z"),
            ("assistant", worry, "c1", 1, "2026-10-01T09:01:00Z"),
            ("user", "[violence=0.1] ok forget that. what about something he would drink", "c2", 0, "2026-10-04T09:00:00Z"),
            ("assistant", worry, "c2", 1, "2026-10-04T09:01:00Z")]  # (three days on, the lean has decayed to half)

    def cases(config: pol.PolicyConfig, lean: list[float]) -> list[dict]:
        return _cases_of_a_person_leaning(config, lean, rows)

    opened = cases(pol.PolicyConfig(), [1.0, 5.0])
    assert [(c["rule"], c["route"], c["trigger_event_id"]) for c in opened] == [("escalation", "enforcement", "m-3")]
    supported = cases(pol.PolicyConfig(), [4.0, 5.0])  # (a mean of 0.8 over five turns; three days on, half of it)
    assert [(c["rule"], c["route"], c["trigger_event_id"]) for c in supported] == [("escalation", "support", "m-3")]
    assert supported[0]["categories"] == ["self-harm"]
    assert cases(pol.PolicyConfig(self_direction=0.0), [4.0, 5.0])[0]["route"] == "enforcement", "a policy can turn it off"


def test_the_shipped_reader_reads_direction_and_a_zdr_turn_carries_it():
    from stream.scoring import load_default_scorer
    from stream.core.engine import Detector
    from stream.core.events import parse_turn

    det = Detector(load_default_scorer())
    own = det._heading("honestly everyone would be better off if i just wasn't around anymore")[1]
    other = det._heading("he's going to pay for what he did to my sister, i know where he parks")[1]
    assert own is not None and own > 0.6 > other, (own, other)
    turn = parse_turn({"event_id": "z-1", "user_id": "u", "conversation_id": "c1", "turn_index": 0, "role": "user",
                       "text": "i just want it all to stop", "ts": "2026-10-01T21:00:00Z"})
    assert 0.0 <= det.prescore(turn, "u")["heading_self"] <= 1.0


def test_the_reader_corroborates_two_high_readings_apart_in_time_whichever_turn_is_newest():
    w = _window()
    heading.record(w, 0.9, 0.0, "a", "p:me", horizon=-1.0)
    assert not heading.corroborates(w, -1.0, 0.8, 1800.0), "one reading corroborates nothing"
    heading.record(w, 0.95, 600.0, "b", "p:me", horizon=-1.0)
    assert not heading.corroborates(w, -1.0, 0.8, 1800.0), "two turns of one burst do not"
    heading.record(w, 0.85, DAY, "c", "p:me", horizon=-1.0)
    heading.record(w, 0.1, 2 * DAY, "d", "p:me", horizon=-1.0)
    assert heading.corroborates(w, -1.0, 0.8, 1800.0), "the newest turn need not be one of them"
    assert not heading.corroborates(w, -1.0, 0.96, 1800.0), "both must reach the threshold"
    assert not heading.corroborates(w, DAY, 0.8, 1800.0), "readings before the horizon do not count"


def _short_pathway() -> UserWindow:
    """A grievance and a research question on two turns a day apart: two stages, 1.5 of the 2.5 weight."""
    w = _window()
    w.stages = {"violence:grievance": (0.0, "e1"), "violence:research": (DAY, "e2")}
    return w


def test_a_pathway_short_of_its_weight_opens_only_when_the_policy_lets_it_and_says_so():
    cfg = pol.PolicyConfig()
    assert pol.evaluate(_short_pathway(), {}, {}, {"violence"}, DAY, cfg, event_id="e2") is None
    trig = pol.evaluate(_short_pathway(), {}, {}, {"violence"}, DAY, cfg, event_id="e2", short_ok=True)
    assert trig is not None and trig.rule == "escalation" and trig.short and "e1" in trig.cites
    assert pol.evaluate(_short_pathway(), {}, {}, set(), DAY, cfg, event_id="e2", short_ok=True) is None, \
        "the newest turn must move the pathway"
    one_turn = _window()
    one_turn.stages = {"violence:grievance": (DAY, "e2"), "violence:research": (DAY, "e2")}
    assert pol.evaluate(one_turn, {}, {}, {"violence"}, DAY, cfg, event_id="e2", short_ok=True) is None, \
        "stages said in one turn are not a pathway, short or not"
    full = _short_pathway()
    full.stages["violence:planning"] = (DAY, "e2")
    assert not pol.evaluate(full, {}, {}, {"violence"}, DAY, cfg, event_id="e2", short_ok=True).short, \
        "a pathway with its weight is not short"


def test_a_short_pathway_floor_reads_the_models_cut_only_when_short_pathways_open():
    from stream.core.confidence import CaseConfidence, FloorError, confidence_floors

    on = pol.PolicyConfig(short_pathways="confident")
    assert confidence_floors(pol.PolicyConfig(), None)[:3] == (0.0, 0.0, 0.0), "off by default"
    assert confidence_floors(on, None)[2] == 0.0, "without a model no short pathway opens (the engine's short_ok)"
    m = CaseConfidence(("severity",), (1.0,), 0.0, {"0.05": 0.6})
    with pytest.raises(FloorError):
        confidence_floors(on, CaseConfidence(("severity",), (1.0,), 0.0, {"0.10": 0.6}))
    assert confidence_floors(on, m)[:3] == (0.0, 0.0, 0.6)
    with pytest.raises(ValueError):
        pol.PolicyConfig(short_pathway_confidence="5.5%")
    with pytest.raises(ValueError, match="short_pathways must be one of"):
        pol.PolicyConfig(short_pathways="yes")
