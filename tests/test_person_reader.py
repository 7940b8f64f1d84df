"""The person reader (stream/core/person_reader.py): its file, its features and the "person" rule it feeds."""

import json

import pytest

from stream.core import person_reader
from stream.core import policy as pol
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.person_reader import FILE_NAME, PersonReader, PersonReaderFileError
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.trajectory import TrajectoryModel
from stream.core.window import UserWindow
from tests.fakes import TagScorer, turn

NAMES = tuple(person_reader.feature_names())  # a detector without a trajectory model or a heading reader


def reader(cut: float = 0.5, **weights) -> PersonReader:
    """Standardised as the identity: the logit is -5 plus the weighted features named."""
    return PersonReader(NAMES, (0.0,) * len(NAMES), (1.0,) * len(NAMES),
                        tuple(weights.get(n.replace(":", "_").replace("-", "_").replace("/", "_"), 0.0) for n in NAMES),
                        -5.0, cut, "person-test")


ON = PolicyConfig(person_cases=True)


def cases(rows, person, cfg=ON):
    det = Detector(TagScorer(), cfg, person=person)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]


VIOLENT = [turn(1, "[violence=0.6] he laughs at me", conv="c1", day=1), turn(2, "[violence=0.6] y", conv="c2", day=3)]


def test_the_features_follow_their_names_with_and_without_the_models_that_feed_them():
    m = TrajectoryModel.recording_only()
    w = UserWindow(user_id="u")
    cfg = PolicyConfig()
    for traj, heads in ((None, False), (m, False), (None, True), (m, True)):
        assert len(person_reader.features(w, 0.0, cfg, traj, heads)) == len(person_reader.feature_names(traj, heads))
    assert "traj_logit" in person_reader.feature_names(m) and "heading:1" in person_reader.feature_names(None, True)
    assert "traj_logit" not in NAMES and "heading:1" not in NAMES


def test_a_window_read_above_the_cut_opens_a_person_case_when_no_rule_does():
    got = cases(VIOLENT, reader(risk_violence=10.0))  # 0.6 of decayed risk: logit 1, probability 0.73
    assert [(c["event"], c["rule"], c["trigger_event_id"]) for c in got] == [("open", "person", "e1")]
    assert got[0]["route"] == "enforcement" and "Person reader" in got[0]["reason"]
    assert cases(VIOLENT[:1], reader(cut=0.9, risk_violence=10.0)) == [], "below its cut nothing opens"
    assert cases(VIOLENT, None) == [], "no reader, no person case: no other rule opens one on these turns"
    assert cases(VIOLENT, reader(risk_violence=10.0), PolicyConfig(person_cases=False)) == [], "person_cases false: never"
    assert PolicyConfig().person_cases, "on by default since change 41 (session 61)"


def test_a_person_case_cites_the_earlier_evidence_and_speaks_for_harm_to_others_only():
    got = cases(VIOLENT, reader(cut=0.9, risk_violence=10.0))  # needs both turns' risk
    assert [(c["rule"], c["trigger_event_id"]) for c in got] == [("person", "e2")]
    assert [e["event_id"] for e in got[0]["evidence"]] == ["e1", "e2"]
    sad = [turn(1, "[self-harm=0.6] nothing matters", conv="c1", day=1), turn(2, "[self-harm=0.6] y", conv="c2", day=3)]
    assert cases(sad, reader(cut=0.9, risk_self_harm=10.0)) == [], \
        "a window the classifiers read as leaning to self-harm: the rules and their support route keep it (change 41)"


def test_a_person_whose_turns_read_as_heading_towards_themselves_gets_no_person_case():
    w = UserWindow(user_id="u", risk={"violence": 1.0})
    cfg = PolicyConfig(person_cases=True)
    assert cfg.person_self_direction == 0.35
    opens = lambda lean, c=cfg: pol.person_trigger(w, {}, 0.9, "e9", 0.0, c, lean)  # noqa: E731
    assert opens((0.2, 3.0)).rule == "person" and opens((0.2, 3.0)).pathway == "violence"
    assert opens((0.4, 3.0)) is None, "direction at or above person_self_direction over its weight: no case"
    assert opens((0.4, 1.0)) is not None, "too few turns read for their mean to say anything"
    assert opens((0.9, 3.0), PolicyConfig(person_cases=True, person_self_direction=0.0)) is not None, "0: off"
    with pytest.raises(ValueError, match="person_self_direction"):
        PolicyConfig(person_self_direction=1.5)


def test_a_reader_fitted_on_other_features_is_refused_at_start():
    wrong = PersonReader(NAMES[:-1], (0.0,) * (len(NAMES) - 1), (1.0,) * (len(NAMES) - 1), (0.0,) * (len(NAMES) - 1),
                         0.0, 0.5, "person-other")
    with pytest.raises(PersonReaderFileError, match="other window features"):
        Detector(TagScorer(), person=wrong)


def test_the_file_round_trips_and_a_file_this_runtime_cannot_use_is_refused(tmp_path):
    body = reader(risk_violence=1.0).to_dict()
    (tmp_path / FILE_NAME).write_text(json.dumps(body))
    back = PersonReader.load(tmp_path)
    assert back == reader(risk_violence=1.0)
    for bad in ({**body, "kind": "other"}, {**body, "weights": [1.0]}, {**body, "scale": [0.0] * len(NAMES)}):
        (tmp_path / FILE_NAME).write_text(json.dumps(bad))
        with pytest.raises(PersonReaderFileError):
            PersonReader.load(tmp_path)
    assert PersonReader.load(tmp_path / "none") is None


def test_the_rule_reads_the_trajectory_models_features_when_the_detector_has_one():
    """With a trajectory model (as every shipped model set has) its features and logit come first."""
    m = TrajectoryModel.recording_only()
    names = tuple(person_reader.feature_names(m))
    weights = tuple(10.0 if n == "risk:violence" else 0.0 for n in names)
    r = PersonReader(names, (0.0,) * len(names), (1.0,) * len(names), weights, -5.0, 0.5, "person-traj")
    det = Detector(TagScorer(), ON, trajectory=m, person=r)
    turns = sorted((parse_turn(t) for t in VIOLENT), key=lambda t: t.order_key())
    got = [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]
    assert [(c["rule"], c["trigger_event_id"]) for c in got] == [("person", "e1")]
    assert got[0]["model_version"].endswith("+person-traj")


def test_the_shipped_reader_fits_the_shipped_models_windows_and_is_read_only_when_its_rule_is_on():
    from stream.scoring import load_default_scorer

    scorer = load_default_scorer()
    det = Detector(scorer)
    assert det.person is not None and det.person.version in det.model_version, "models/person_reader.json loads by default"
    assert 0.5 < det.person.cut < 1.0
    off = Detector(scorer, PolicyConfig(person_cases=False))
    assert off.person is None and "+person-" not in off.model_version, "its rule off: not loaded, not named"


def test_a_detector_run_without_a_model_the_shipped_reader_reads_has_no_person_rule_instead_of_refusing_to_start():
    from stream.scoring import load_default_scorer

    scorer = load_default_scorer()
    for det in (Detector(scorer, trajectory=None), Detector(scorer, PolicyConfig(trajectory_model=False)),
                Detector(scorer, tagger=None)):  # no tagger's embedder: no heading reader
        assert det.person is None and "+person-" not in det.model_version
    with pytest.raises(PersonReaderFileError, match="other window features"):  # a reader passed in must fit
        Detector(scorer, trajectory=None, person=PersonReader.load(scorer.models_dir))
