"""The trajectory model: bounded peaks, decayed features, the "trajectory" rule and model files."""

import json
import math

import numpy as np
import pytest

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.trajectory import FILE_NAME, ModelFileError, TrajectoryModel, feature_names, read
from stream.core.window import UserWindow
from stream.schemas import first_error
from stream.taxonomy import CATEGORIES
from tests.fakes import TagScorer, turn

DAY = 86400.0


def harassment_model(threshold: float = 1.0) -> TrajectoryModel:
    """Hand-set weights: the three highest harassment turns count 1 each; bias -0.5."""
    names = feature_names(3)
    weights = tuple(1.0 if n.startswith("harassment#") else 0.0 for n in names)
    return TrajectoryModel(14.0, 3, 0.1, weights, -0.5, threshold, "test")


def run(rows, model, cfg=None):
    """Mild 0.3 turns stand for real signal here (signal_score 0.3, and classifier flag thresholds of
    0.3), with no turn about a person needed: these tests are about the model's mechanics; what makes
    a pattern by default is tested on its own (tests/test_core_corroboration.py), and so is the
    policy that lets the model open cases of its own (`trajectory_cases`, off by default)."""
    det = Detector(TagScorer({c: 0.3 for c in CATEGORIES}),
                   cfg or PolicyConfig(signal_score=0.3, pattern_needs_person=False, trajectory_cases=True), trajectory=model)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    store = MemoryStore()
    effects = [e for _, effs in run_batch(det, turns, store) for e in effs]
    return [e.payload for e in effects if e.kind == "case"], store


def test_peaks_keep_the_top_k_decayed_scores_and_round_trip():
    m = harassment_model()
    w = UserWindow("u")
    for i, (v, day) in enumerate([(0.3, 0), (0.5, 1), (0.2, 2), (0.9, 3), (0.4, 30), (0.05, 31)]):
        m.record(w, {"harassment": v, "hate": 0.01}, day * DAY, f"e{i}")
    kept = w.peaks["harassment"]
    assert len(kept) == 3 and "hate" not in w.peaks, "below the floor nothing is kept"
    # day 30: 0.4 fresh beats 0.9 from day 3 decayed by 27 days (0.24) and 0.5 from day 1 (0.12)
    assert [p[2] for p in kept] == ["e4", "e3", "e1"]
    assert UserWindow.from_stored(w.to_stored()).peaks == w.peaks
    feats = m.features(w, 30 * DAY)
    assert feats[:3] == pytest.approx([0.4, 0.9 * 0.5 ** (27 / 14), 0.5 * 0.5 ** (29 / 14)])
    assert m.features(w, 44 * DAY)[0] == pytest.approx(0.2), "one half-life later, half the value"


def test_mild_turns_across_conversations_open_a_trajectory_case_naming_them():
    rows = [turn(1, "[harassment=0.3] a", conv="c1", day=1), turn(2, "[harassment=0.3] b", conv="c2", day=3),
            turn(3, "[harassment=0.3] c", conv="c3", day=5)]
    cases, store = run(rows, harassment_model(threshold=0.3))
    assert len(cases) == 1
    c = cases[0]
    assert c["rule"] == "trajectory" and c["trigger_event_id"] == "e3" and c["categories"] == ["harassment"]
    assert "Trajectory model" in c["reason"] and all(e in c["reason"] for e in ("e1", "e2", "e3"))
    assert c["model_version"].endswith("+test")
    # the probability it opened at travels with the case (what `recalibrate` moves the cut by)
    assert 0.5 < c["model_probability"] < 1.0 and f"model probability {c['model_probability']:.2f}" in c["reason"]
    assert first_error("review-case", c) is None
    # without the model, the fixed accumulation threshold applies: 0.3 contributes nothing
    assert run(rows, None)[0] == []
    # the same turns, too few of them: below the model's threshold
    assert run(rows[:2], harassment_model(threshold=0.3))[0] == []


def test_one_turn_is_never_a_trajectory_pattern():
    cases, _ = run([turn(1, "[harassment=0.45] a")], harassment_model(threshold=-0.4))
    assert cases == [], "the model fires, but a pattern needs at least two turns"


def test_a_later_harmless_turn_does_not_re_trigger_the_pattern():
    m = harassment_model(threshold=0.3)
    rows = [turn(1, "[harassment=0.3] a", conv="c1", day=1), turn(2, "[harassment=0.3] b", conv="c2", day=2),
            turn(3, "[harassment=0.3] c", conv="c3", day=3), turn(4, "thanks", conv="c4", day=3, hour=18)]
    cases, store = run(rows, m)
    assert [c["event"] for c in cases] == ["open"]
    w = UserWindow.from_stored(store.data["u1"])
    assert m.logit(m.features(w, w.updated)) >= m.threshold, "the score is still above the threshold..."
    assert not read(m, w, w.updated, "e4").fires, "...but the harmless turn did not move the pattern"


def test_model_file_round_trips_and_mismatched_features_are_rejected(tmp_path):
    m = harassment_model()
    d = m.to_dict(training={"note": "test"})
    (tmp_path / FILE_NAME).write_text(json.dumps(d))
    loaded = TrajectoryModel.load(tmp_path)
    assert loaded.weights == m.weights and loaded.version == d["version"].strip() and loaded.version.startswith("traj-")
    assert TrajectoryModel.load(tmp_path / "missing") is None
    d["features"] = d["features"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        TrajectoryModel.from_dict(d)
    (tmp_path / FILE_NAME).write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match="retrain"):
        TrajectoryModel.load(tmp_path)
    (tmp_path / FILE_NAME).write_text('{"kind": "riskstream-trajectory/1", "top_k": 3')
    with pytest.raises(ModelFileError, match=FILE_NAME):
        TrajectoryModel.load(tmp_path)


def _replay_over(models_dir, monkeypatch) -> int:
    """`riskstream replay` of one turn, its scorer (a test double) reading from `models_dir`."""
    import stream.scoring
    from stream.cli import main

    scorer = TagScorer()
    scorer.models_dir = models_dir
    monkeypatch.setattr(stream.scoring, "load_default_scorer", lambda **kw: scorer)
    src = models_dir / "turns.jsonl"
    src.write_text(json.dumps(turn(1, "hi")) + "\n")
    return main(["replay", "--input", str(src), "--cases", str(models_dir / "cases.jsonl"), "--no-progress",
                 "--workers", "1"])


def test_replay_refuses_a_broken_trajectory_model_with_a_clear_message(tmp_path, monkeypatch, capsys):
    (tmp_path / FILE_NAME).write_text("{not json")
    assert _replay_over(tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "unusable model file" in err and FILE_NAME in err


def test_replay_refuses_a_broken_stage_tagger_with_one_line_too(tmp_path, monkeypatch, capsys):
    """Every file stored with the classifiers that the runtime cannot use stops the program at start
    with one line naming it (the stage tagger's and the reply reader's raised a traceback before)."""
    from stream.core.modelfiles import UnusableModelFile
    from stream.core.reply_reader import ReplyReaderFileError
    from stream.core.tagger import FILE_NAME as TAGGER_FILE
    from stream.core.tagger import TaggerFileError

    assert issubclass(TaggerFileError, UnusableModelFile) and issubclass(ReplyReaderFileError, UnusableModelFile)
    (tmp_path / TAGGER_FILE).write_text('{"kind": "riskstream-stage-tagger/0"}')
    assert _replay_over(tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"riskstream: unusable model file: {tmp_path / TAGGER_FILE}: not a stage tagger "
                   "(kind 'riskstream-stage-tagger/0', expected 'riskstream-stage-tagger/1')"], err


def test_committed_models_carry_a_trajectory_model_matching_this_code():
    from stream.scoring.cascade import default_models_dir

    m = TrajectoryModel.load(default_models_dir())
    assert m is not None, "models/trajectory.json is missing: python -m models.train.trajectory"
    assert math.isfinite(m.threshold) and (any(w != 0 for w in m.weights) or m.trees)


def test_newton_fit_recovers_the_separating_direction():
    from models.train.trajectory import fit_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 2] + 0.3 * rng.normal(size=400) > 0).astype(float)
    w, b = fit_logistic(x, y, np.ones(400), c=1.0)
    assert w[0] > 1.0 and w[2] < -0.5 and abs(w[1]) < 0.5 * w[0]
    p = 1 / (1 + np.exp(-(x @ w + b)))
    assert np.mean((p > 0.5) == (y > 0.5)) > 0.9


def test_monotone_fit_never_lets_risk_lower_the_score():
    from models.train.trajectory import fit_logistic, fit_monotone

    rng = np.random.default_rng(1)
    x = rng.uniform(size=(600, 3))
    y = (x[:, 0] - 0.8 * x[:, 1] + 0.1 * rng.normal(size=600) > 0.1).astype(float)  # feature 1 "protects"
    free, _ = fit_logistic(x, y, np.ones(600), c=100.0)
    assert free[1] < -1.0
    w, _ = fit_monotone(x, y, np.ones(600), c=100.0)
    assert (w >= 0).all() and w[1] == 0.0 and w[0] > 1.0


def test_the_policy_can_switch_the_models_directory_trajectory_model_off(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps(harassment_model(threshold=0.3).to_dict()))
    scorer = TagScorer()
    scorer.models_dir = tmp_path
    assert Detector(scorer).trajectory is not None, "loaded from the scorer's models directory"
    off = Detector(scorer, PolicyConfig.from_mapping({"trajectory_model": False}))
    assert off.trajectory is None and off.model_version == scorer.version


def test_the_policy_can_move_the_trajectory_threshold_without_retraining():
    rows = [turn(1, "[harassment=0.3] a", conv="c1", day=1), turn(2, "[harassment=0.3] b", conv="c2", day=3),
            turn(3, "[harassment=0.3] c", conv="c3", day=5)]
    m = harassment_model(threshold=0.3)  # the pattern reaches logit 0.32 (probability 0.58)
    strict = Detector(TagScorer(), PolicyConfig(trajectory_min_probability=0.6, signal_score=0.3, pattern_needs_person=False,
                                                trajectory_cases=True), trajectory=m)
    assert strict.trajectory.threshold == pytest.approx(math.log(0.6 / 0.4))
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    assert not [e for _, effs in run_batch(strict, turns, MemoryStore()) for e in effs if e.kind == "case"]
    lenient = Detector(TagScorer({c: 0.3 for c in CATEGORIES}), PolicyConfig(trajectory_min_probability=0.55, signal_score=0.3,
                                                                         pattern_needs_person=False, trajectory_cases=True), trajectory=m)
    assert [e for _, effs in run_batch(lenient, turns, MemoryStore()) for e in effs if e.kind == "case"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        PolicyConfig.from_mapping({"trajectory_min_probability": 1.0})


def test_tree_models_score_by_walking_their_nodes_and_round_trip():
    names = feature_names(3)
    h1, h2 = names.index("harassment#1"), names.index("harassment#2")
    # tree 1: harassment#1 <= 0.5 -> 0.0 else (harassment#2 <= 0.2 -> 0.5 else 2.0); tree 2: constant 0.25
    trees = (((h1, 0.5, 1, 2), (0.0,), (h2, 0.2, 3, 4), (0.5,), (2.0,)), ((0.25,),))
    m = TrajectoryModel(14.0, 3, 0.1, (0.0,) * len(names), -1.0, 1.0, "t", trees)
    x = [0.0] * len(names)
    assert m.logit(x) == pytest.approx(-0.75)
    x[h1] = 0.8
    assert m.logit(x) == pytest.approx(-0.25)
    x[h2] = 0.6
    assert m.logit(x) == pytest.approx(1.25)
    assert m.contributions(x) == {"harassment": pytest.approx(2.0)}, "zeroing harassment drops the score by 2"
    d = m.to_dict()
    assert TrajectoryModel.from_dict(d).trees == trees and d["version"] != harassment_model().to_dict()["version"]
    d["trees"][0][0] = [h1, 0.5, 1, 99]
    with pytest.raises(ValueError, match="malformed"):
        TrajectoryModel.from_dict(d)


def test_the_threshold_is_set_on_people_scored_by_a_model_that_never_saw_them():
    from models.train.trajectory import cross_fitted_peaks, person_peaks

    class Memoriser:  # scores 5.0 on the rows it was fitted on, 1.0 on any other row
        def __init__(self, mask):
            self.seen = {i for i in np.flatnonzero(mask)}

        def logit(self, row):
            return 5.0 if int(row[0]) in self.seen else 1.0

    people = ["101/a", "101/a", "101/b", "102/c", "103/d"]
    seeds = np.array([p.split("/")[0] for p in people])
    x = np.arange(len(people), dtype=float).reshape(-1, 1)  # a row's feature is its index
    fitted = []

    def fit(mask):
        fitted.append(mask.copy())
        return Memoriser(mask)

    oof = cross_fitted_peaks(x, people, seeds, fit)
    assert oof == {"101/a": 1.0, "101/b": 1.0, "102/c": 1.0, "103/d": 1.0}, "nobody scored by a model that saw them"
    assert [list(m) for m in fitted] == [[False, False, False, True, True], [True, True, True, False, True],
                                         [True, True, True, True, False]]
    everyone = np.ones(len(people), dtype=bool)
    assert person_peaks(Memoriser(everyone), x, people, everyone) == {p: 5.0 for p in oof}, "in-sample flatters"
    assert cross_fitted_peaks(x[:3], people[:3], seeds[:3], fit) == {}, "one seed: nothing to cross-fit"


def test_training_rows_are_read_from_the_replay_loop_and_labelled_from_the_harm_onwards():
    """The trainer's features are the window the embedded runner keeps, after each labelled user turn."""
    from models.train.trajectory import collect

    rows = [turn(1, "[harassment=0.6] you idiot", user="esc", day=1), turn(2, "[harassment=0.7] I'll find you", user="esc", day=2),
            turn(3, "hello there", user="ben", day=1), turn(4, "here you go", user="ben", day=1, role="assistant"),
            turn(5, "[violence=0.9] one bad request", user="spk", day=1)]
    truth = [{"user_id": "esc", "kind": "escalating", "harm_inferable_at": rows[1]["ts"]},
             {"user_id": "ben", "kind": "benign", "harm_inferable_at": None},
             {"user_id": "spk", "kind": "spike", "harm_inferable_at": rows[4]["ts"]}]
    det = Detector(TagScorer(), trajectory=TrajectoryModel.recording_only())
    out = collect(det, rows, truth, "7")
    assert [(person, label) for _, label, person in out] == [("7/ben", False), ("7/esc", True)], \
        "no assistant or spike turns, and nothing of an escalating person before the harm is inferable"
    names = feature_names(3)
    esc = dict(zip(names, out[1][0]))
    assert esc["harassment#1"] == pytest.approx(0.7)
    assert esc["harassment#2"] == pytest.approx(0.6 * 0.5 ** (1 / 14), abs=1e-3), "yesterday's turn, decayed a day"
    assert all(v == 0.0 for n, v in zip(names, out[0][0]) if n.startswith("harassment#"))
