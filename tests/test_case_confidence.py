"""Case confidence (stream/core/confidence.py): features read from the case payload, the stored model,
the engine's `confidence` on every case event and the policy's floors under which a case does not open."""

import json

import pytest

from stream.core.confidence import (BASE_FEATURES, FILE_NAME, CaseConfidence, CaseConfidenceFileError,
                                    case_features)
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.window import UserWindow
from tests.fakes import TagScorer, turn


def evidence(event_id, conv, ts, role="user", score=0.0, stages=(), signals=()):
    return {"event_id": event_id, "conversation_id": conv, "ts": ts, "role": role, "score": score,
            "stages": list(stages), "signals": [{"kind": "model", "source_id": "x", "category": "self-harm", "detail": d}
                                                for d in signals]}


CASE = {"route": "support", "rule": "escalation", "severity": 0.7, "priority": 1, "categories": ["self-harm/intent"],
        "stages": ["distress", "planning"], "trajectory": {"self-harm": 0.4, "violence": 0.1},
        "evidence": [evidence("a", "c1", "2026-10-01T09:00:00Z", score=0.9, stages=["self-harm:distress"]),
                     evidence("b", "c2", "2026-10-03T09:00:00Z", score=0.6),
                     evidence("c", "c2", "2026-10-03T09:05:00Z", role="assistant", signals=["voiced:self-harm"])]}


def test_features_are_read_from_the_payload():
    f = case_features(CASE)
    assert f["route:support"] == 1 and f["rule:escalation"] == 1 and f["rule:severe-turn"] == 0
    assert f["pathway:self-harm"] == 1 and f["pathway:violence"] == 0
    assert f["evidence"] == pytest.approx(__import__("math").log1p(3))
    assert f["evidence:assistant"] == pytest.approx(__import__("math").log1p(1))
    assert f["conversations"] == pytest.approx(__import__("math").log1p(2))
    assert f["span_days"] == pytest.approx(__import__("math").log1p((2 * 86400 + 300) / 86400))
    assert (f["peak:1"], f["peak:2"], f["peak:3"]) == (0.9, 0.6, 0.0)
    assert f["user_turns_over_half"] == 2 and f["staged_turns"] == 1
    assert f["voiced"] == 1 and f["farewell"] == 0 and f["trajectory"] == 0.4
    assert f["stage:distress"] == 1 and f["stage:planning"] == 1 and f["stages"] == 2
    assert set(BASE_FEATURES) <= set(f), "every base feature is computed for every case"


def model(**weights) -> CaseConfidence:
    names = tuple(weights)
    return CaseConfidence(names, tuple(weights.values()), bias=-1.0, cuts={"0.05": 0.5})


def test_the_model_is_a_logistic_reading_of_the_features_and_round_trips():
    m = model(**{"voiced": 2.0, "stage:planning": 1.0, "priority:1": -0.5})
    assert m.of(CASE) == round(1 / (1 + __import__("math").exp(-(-1.0 + 2.0 + 1.0 - 0.5))), 4)
    assert m.of({**CASE, "evidence": [], "stages": []}) < m.of(CASE)
    back = CaseConfidence.from_dict(json.loads(json.dumps(m.to_dict())))
    assert back.of(CASE) == m.of(CASE) and back.version.startswith("conf-") and back.cuts == {"0.05": 0.5}


def test_a_file_this_runtime_cannot_use_is_refused(tmp_path):
    body = model(voiced=1.0).to_dict()
    for bad in ({**body, "kind": "something-else"}, {**body, "features": ["turns_overall"]},
                {**body, "weights": [1.0, 2.0]}):
        (tmp_path / FILE_NAME).write_text(json.dumps(bad))
        with pytest.raises(CaseConfidenceFileError):
            CaseConfidence.load(tmp_path)
    assert CaseConfidence.load(tmp_path / "none") is None


def run(rows, confidence, config=None):
    det = Detector(TagScorer(), config or PolicyConfig(), confidence=confidence)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    store = MemoryStore()
    effects = [e for _, effs in run_batch(det, turns, store) for e in effs]
    return [e.payload for e in effects if e.kind == "case"], [e for e in effects if e.kind == "support"], store


THREAT = "[harassment/threatening=0.95] I will kill you"


def test_every_case_event_carries_the_confidence_and_the_model_version_names_it():
    m = model(**{"rule:severe-turn": 1.0, "evidence": 1.0})
    cases, _, _ = run([turn(1, f"{THREAT} x", hour=9), turn(2, f"{THREAT} y", hour=11)], m)
    assert [c["event"] for c in cases] == ["open", "update"]
    assert all(0 < c["confidence"] < 1 for c in cases)
    assert cases[1]["confidence"] > cases[0]["confidence"], "the update's evidence has two turns"
    assert cases[0]["model_version"].endswith(m.version)
    plain, _, _ = run([turn(1, f"{THREAT} x", hour=9)], None)
    assert "confidence" not in plain[0]


def test_an_enforcement_case_below_the_floor_does_not_open_and_a_later_stronger_event_does():
    m = model(**{"evidence": 3.0})  # one evidence turn: 0.7463; two: 0.9086
    rows = [turn(1, f"{THREAT} x", hour=9), turn(2, f"{THREAT} y", hour=11)]
    cases, _, store = run(rows[:1], m, PolicyConfig(min_confidence=0.8))
    assert cases == [] and UserWindow.from_stored(store.data["u1"]).case is None
    cases, _, _ = run(rows, m, PolicyConfig(min_confidence=0.8))
    assert [c["event"] for c in cases] == ["open"] and cases[0]["trigger_event_id"] == "e2"
    assert cases[0]["confidence"] >= 0.8 and [e["event_id"] for e in cases[0]["evidence"]] == ["e1", "e2"]


def test_support_cases_have_their_own_floor_and_by_default_always_open():
    m = model(**{"evidence": 3.0})
    rows = [turn(1, "[self-harm/intent=0.92] x")]
    cases, support, _ = run(rows, m, PolicyConfig(min_confidence=0.99))
    assert [c["route"] for c in cases] == ["support"] and len(support) == 1, "crisis resources are not withheld"
    cases, support, _ = run(rows, m, PolicyConfig(min_confidence_support=0.99))
    assert cases == [] and support == []


def test_a_floor_named_as_a_share_of_benign_people_reads_the_models_cut():
    """"5%" is the model file's cut for that share (here 0.8): the floor follows the model when it is
    retrained, instead of a number copied from one model's card."""
    m = CaseConfidence(("evidence",), (3.0,), bias=-1.0, cuts={"0.05": 0.8, "0.10": 0.5})  # 1 turn 0.7463, 2: 0.9086
    rows = [turn(1, f"{THREAT} x", hour=9), turn(2, f"{THREAT} y", hour=11)]
    named, _, _ = run(rows, m, PolicyConfig.from_mapping({"min_confidence": "5%"}))
    assert [c["trigger_event_id"] for c in named] == ["e2"], "the 5 % cut (0.8) holds back the one-turn case"
    lower, _, _ = run(rows, m, PolicyConfig.from_mapping({"min_confidence": "10 %"}))
    assert [c["event"] for c in lower] == ["open", "update"] and lower[0]["trigger_event_id"] == "e1"
    assert Detector(TagScorer(), PolicyConfig(min_confidence_support="10%"), confidence=m).floors == (0.0, 0.5, 0.0, None), \
        "the last: no trajectory case opens by default"


def test_a_named_floor_the_model_cannot_resolve_stops_the_detector_at_start():
    m = model(voiced=1.0)  # cuts: 5 % only
    with pytest.raises(ValueError, match=r"min_confidence '2%'.*no cut for that share.*it has: 5%"):
        Detector(TagScorer(), PolicyConfig(min_confidence="2%"), confidence=m)
    with pytest.raises(ValueError, match="min_confidence_support '5%' names a cut.*none is loaded"):
        Detector(TagScorer(), PolicyConfig(min_confidence_support="5%"), confidence=None)
    for bad in ("high", "5", "0%", "150%", "2.5%"):
        with pytest.raises(ValueError, match='like "5%"'):
            PolicyConfig(min_confidence=bad)
    with pytest.raises(TypeError, match="min_confidence must be a number or a string"):
        PolicyConfig.from_mapping({"min_confidence": [0.5]})


@pytest.mark.parametrize("name", ["min_confidence", "min_confidence_support"])
def test_a_floor_outside_zero_to_one_is_refused(name):
    with pytest.raises(ValueError, match=name):
        PolicyConfig(**{name: 1.5})
    assert PolicyConfig.from_mapping({name: 0.6}).version != PolicyConfig().version


def test_the_committed_model_loads_with_the_classifiers_and_ranks_a_pattern_above_one_turn():
    from stream.scoring import load_default_scorer

    det = Detector(load_default_scorer())
    assert det.confidence is not None, f"models/{FILE_NAME} ships with the classifiers"
    assert set(det.confidence.cuts) == {"0.02", "0.05", "0.10"}
    assert det.confidence.cuts["0.02"] > det.confidence.cuts["0.05"] > det.confidence.cuts["0.10"]
    one_turn = {"route": "enforcement", "rule": "severe-turn", "severity": 0.9, "priority": 1,
                "categories": ["harassment/threatening"], "stages": [], "trajectory": {"harassment": 0.9},
                "evidence": [evidence("a", "c1", "2026-10-01T09:00:00Z", score=0.95)]}
    pattern = {"route": "enforcement", "rule": "escalation", "severity": 0.9, "priority": 2,
               "categories": ["violence"], "stages": ["grievance", "planning"], "trajectory": {"violence": 0.9},
               "evidence": [evidence("a", "c1", "2026-10-01T09:00:00Z", score=0.3, stages=["violence:grievance"]),
                            evidence("b", "c2", "2026-10-04T20:00:00Z", score=0.6, stages=["violence:planning"]),
                            evidence("c", "c2", "2026-10-04T20:01:00Z", role="assistant",
                                     signals=["voiced:violence"])]}
    assert det.confidence.of(pattern) > det.confidence.of(one_turn)


def test_the_trainer_fits_on_case_events_and_reports_out_of_batch(tmp_path, monkeypatch):
    """models/train/case_confidence.py on a kept people run: escalating people's cases show the
    assistant's voiced concern, benign people's one severe turn with more evidence; each batch is
    scored by a model fitted without it, and the stored cuts are read off those scores; a batch never
    trained on is read by the fitted model and pooled beside."""
    import sys

    from models.train import case_confidence as trainer

    truth, cases = [], []
    people = tmp_path / "people"
    for b, letter in (("6", "j"), ("7", "k"), ("8", "l"), ("9", "m")):
        (people / f"batch{b}").mkdir(parents=True)
        rows = []
        for i in range(20):
            kind = "escalating" if i < 8 else "benign"
            person, user = f"{letter}e-{i:03d}", f"u-{letter}-{i}"
            rows.append({"id": person, "kind": kind, "harm_from": [0, 0] if kind == "escalating" else None,
                         "conversations": [{"day": 0, "turns": [{"role": "user", "text": "hi"}]}]})
            truth.append({"person": person, "user_id": user, "kind": kind})
            if kind == "escalating" or i % 2:
                ev = ([evidence("a", "c1", "2026-10-01T09:00:00Z", score=0.4),
                       evidence("b", "c2", "2026-10-02T09:00:00Z", role="assistant", signals=["voiced:violence"])]
                      if kind == "escalating" else
                      [evidence(f"x{k}", "c1", "2026-10-01T09:00:00Z", score=0.9) for k in range(4)])
                cases.append({"user_id": user, "event": "open", "route": "enforcement", "priority": 2,
                              "rule": "escalation" if kind == "escalating" else "severe-turn", "severity": 0.5,
                              "categories": ["violence"], "stages": ["grievance"], "trajectory": {}, "evidence": ev})
        (people / f"batch{b}" / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(sys.modules["bench.bench_people"], "PEOPLE", people)  # a person's batch: the file they are in
    (tmp_path / "run").mkdir()
    (tmp_path / "truth.jsonl").write_text("".join(json.dumps(t) + "\n" for t in truth))
    (tmp_path / "run" / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    out = tmp_path / "models"
    out.mkdir()
    assert trainer.main(["--cases-from", str(tmp_path), "--batches", "6,7,8", "--unseen", "9", "--models-dir", str(out),
                         "--report", str(tmp_path / "report.json")]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["events"] == 3 * (8 + 6) and report["people"] == 60
    at = report["recall_at_benign_rate"]["0.10"]
    assert at["out_of_batch"] == 1.0 and at["without_model"] == 0.0, "more evidence ranked the benign people first"
    assert set(report["per_batch_out_of_batch"]) == {"6", "7", "8"}, "batch 9 is never trained on"
    assert report["unseen"]["0.10"] == {"without_model": 0.0, "model": 1.0}
    assert report["pooled_out_of_batch"]["people"] == 80
    m = CaseConfidence.load(out)
    assert m.weights[m.features.index("voiced")] > 0 and "stage:grievance" in m.features
    assert set(m.cuts) == {"0.02", "0.05", "0.10"}


def test_plain_signs_of_harm_never_lower_the_committed_models_confidence():
    """Change 27b: the written batches teach that plain words (an ideation or intent stage, a high
    reading) belong more often to benign hyperbole, because their writers made escalating people
    indirect; the shipped model may not learn it (`NON_NEGATIVE` / `NON_POSITIVE` of the trainer)."""
    from models.train.case_confidence import _sign
    from stream.scoring import load_default_scorer

    m = Detector(load_default_scorer()).confidence
    bad = {n: w for n, w in zip(m.features, m.weights) if _sign(n) * w < 0}
    assert not bad, bad
    assert _sign("stage:ideation") == _sign("peak:1") == _sign("voiced") == 1 and _sign("priority:3") == -1
    assert _sign("route:support") == _sign("pathway:violence") == 0, "which pathway or route: either way"


def test_the_trainer_holds_a_weight_at_zero_rather_than_let_harm_lower_confidence():
    from models.train.case_confidence import fit

    rng = __import__("numpy").random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 1] - x[:, 0] + rng.normal(scale=0.5, size=400) > 0).astype(float)  # "peak:1" against, "voiced" for
    w = __import__("numpy").ones(400)
    free, _ = fit(x, y, w)
    held, _ = fit(x, y, w, ["peak:1", "voiced"])
    assert free[0] < -0.5 and held[0] == 0.0 and held[1] > 0.5


# a grievance, then a research question a day later: two stages of the violence pathway in two turns,
# 1.5 of the 2.5 weight that opens a case (written for this test)
SHORT_PATHWAY = [turn(1, "[violence=0.3] my boss humiliated me in front of the whole team again", day=1),
                 turn(2, "[violence=0.3] what is the most lethal thing people keep in a garden shed", day=2)]


class _Reader:
    """A heading reader reading every turn `reading` (threshold 0.8): the engine's `_heading` is replaced."""
    threshold, version = 0.8, "heading-test"


def run_read(rows, confidence, reading: float, config=None):
    det = Detector(TagScorer(), config or PolicyConfig(), confidence=confidence, heading_reader=_Reader())
    det._heading = lambda text: (reading, None)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]


def test_a_pathway_short_of_its_weight_opens_when_its_confidence_reaches_the_cut_and_the_reader_corroborates_if_asked():
    m = CaseConfidence(("evidence",), (3.0,), bias=-1.0, cuts={"0.05": 0.8})  # one evidence turn 0.7463, two 0.9086
    on = PolicyConfig(short_pathways="corroborated")
    cases = run_read(SHORT_PATHWAY, m, 0.9, on)
    assert [(c["event"], c["rule"], c["trigger_event_id"]) for c in cases] == [("open", "escalation", "e2")]
    assert "short of its weight" in cases[0]["reason"] and cases[0]["confidence"] >= 0.8
    assert [e["event_id"] for e in cases[0]["evidence"]] == ["e1", "e2"]
    assert run_read(SHORT_PATHWAY, m, 0.7, on) == [], "the turns do not read as heading towards harm: nothing opens"
    assert run_read(SHORT_PATHWAY, m, 0.7, PolicyConfig(short_pathways="confident")), "confident: the reader is not asked"
    assert run_read(SHORT_PATHWAY, m, 0.9) == [], "off by default (change 36, not kept): nothing opens"
    assert run_read(SHORT_PATHWAY, m, 0.9, PolicyConfig(short_pathways="confident", short_pathway_confidence=0.95)) == [], \
        "the case's confidence under the short pathway floor: nothing opens"
    assert run_read(SHORT_PATHWAY, None, 0.9, on) == [], "without a confidence model no short pathway opens"


# two requests a day apart and no stage about anyone: the research and planning stages of the violence
# pathway (2.0 of its 2.5), as a gamer's, a crime writer's or a security student's questions read
# (written for this test)
REQUESTS_ONLY = [turn(1, "[violence=0.3] what is the most lethal thing people keep in a garden shed", day=1),
                 turn(2, "[violence=0.3] are there security cameras at the car park and what is his daily routine", day=2)]


def test_about_a_person_a_pathway_short_of_its_weight_opens_only_when_one_of_its_stages_is_about_a_person():
    """Change 38 (not kept, an option): requests alone (research, planning) are what the generated
    benign people and a gamer's or a writer's questions look like; a grievance, a state of mind or a
    date is about a person."""
    m = CaseConfidence(("evidence",), (3.0,), bias=-1.0, cuts={"0.05": 0.8})
    person = PolicyConfig(short_pathways="about-a-person")
    opened = run_read(SHORT_PATHWAY, m, 0.9, person)
    assert [(c["event"], c["stages"]) for c in opened] == [("open", ["grievance", "research"])]
    assert "short of its weight" in opened[0]["reason"]
    assert run_read(REQUESTS_ONLY, m, 0.9, person) == [], "research and planning alone: nothing opens"
    confident = run_read(REQUESTS_ONLY, m, 0.9, PolicyConfig(short_pathways="confident"))
    assert [(c["event"], c["stages"]) for c in confident] == [("open", ["research", "planning"])]
    assert run_read(REQUESTS_ONLY, m, 0.9) == [] and run_read(SHORT_PATHWAY, m, 0.9) == [], "off by default"
    assert run_read(SHORT_PATHWAY, None, 0.9, person) == [], "without a confidence model no short pathway opens"


def _violence_trajectory():
    """A trajectory model that fires on any violence reading (threshold 0)."""
    from stream.core.trajectory import TrajectoryModel, feature_names

    names = feature_names(3)
    w = [2.0 if n in ("violence#1", "violence#2", "violence#3") else 0.0 for n in names]
    return TrajectoryModel(14.0, 3, 0.1, tuple(w), -1.0, 0.0, "test")


def test_a_trajectory_case_opens_only_when_its_confidence_reaches_the_trajectory_floor():
    """Change 39 (not kept as a default): the trajectory rule opening cases of its own, each gated by its
    case confidence (`trajectory_confidence`, here the model's 5 % cut); other rules' cases are not held to it."""
    rows = [turn(1, "[violence=0.6] he laughs at me", conv="c1", day=1), turn(2, "[violence=0.6] y", conv="c2", day=3)]
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())

    def cases(m, cfg=PolicyConfig(trajectory_cases=True, trajectory_confidence="5%")):
        det = Detector(TagScorer(), cfg, confidence=m, trajectory=_violence_trajectory())
        return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]

    high = CaseConfidence(("rule:trajectory",), (3.0,), bias=-1.0, cuts={"0.05": 0.8})  # a trajectory case: 0.8808
    got = cases(high)
    assert [(c["rule"], c["trigger_event_id"]) for c in got] == [("trajectory", "e2")] and got[0]["confidence"] >= 0.8
    low = CaseConfidence(("rule:trajectory",), (1.0,), bias=-1.0, cuts={"0.05": 0.8})  # 0.5: under the cut
    assert cases(low) == [], "under its floor the trajectory case does not open"
    assert [c["rule"] for c in cases(low, PolicyConfig(trajectory_cases=True, trajectory_confidence=0.4))] == ["trajectory"]
    assert cases(high, PolicyConfig()) == [], "off by default"
    assert cases(None) == [], "gated without a confidence model: none opens"
    assert [c["rule"] for c in cases(None, PolicyConfig(trajectory_cases=True))] == ["trajectory"], "ungated: opens"


def test_a_case_the_confidence_model_reads_as_implausible_opens_on_neither_route_and_only_where_the_reader_read_the_person():
    """`implausible_confidence` (change 44, not kept: off by default): a case whose confidence reads below
    it does not open, enforcement or support, when the case carries the heading reader's readings (the
    model's main inputs); without a heading reader the model cannot read the person and the veto does not apply."""
    m = CaseConfidence(("heading:1",), (8.0,), bias=-6.0, cuts={})  # read 0: 0.0025; read 0.5: 0.1192
    veto = PolicyConfig(implausible_confidence=0.01)
    threat, at_risk = [turn(1, f"{THREAT} x")], [turn(1, "[self-harm/intent=0.92] x")]
    for rows, route in ((threat, "enforcement"), (at_risk, "support")):
        assert run_read(rows, m, 0.0, veto) == [], f"a {route} case read as implausible opens"
        opened = run_read(rows, m, 0.5, veto)
        assert [(c["event"], c["route"]) for c in opened] == [("open", route)] and opened[0]["confidence"] > 0.1
        assert [c["route"] for c in run_read(rows, m, 0.0)] == [route], "off by default"
        plain, _, _ = run(rows, m, veto)
        assert [c["route"] for c in plain] == [route] and "heading" not in plain[0], "no reader: no veto"
    with pytest.raises(ValueError, match="implausible_confidence must be between 0 and 1"):
        PolicyConfig(implausible_confidence=1.5)
