"""The person reader's trainer (models/train/person_reader.py): rows per user turn, labels from the turn the
harm became inferable, each written batch scored out of batch, and the stored cut."""

import numpy as np

from bench.bench_people import layout
from models.train.person_reader import collect_turns, cut_at, out_of_batch
from stream.core import person_reader
from stream.core.engine import Detector
from stream.core.policy import PolicyConfig
from tests.fakes import TagScorer


def _person(pid, kind, texts, harm_from=None):
    return {"id": pid, "kind": kind, "category": "violence" if kind == "escalating" else None, "pattern": "p", "lang": "en",
            "harm_from": harm_from,
            "conversations": [{"day": d, "turns": [{"role": "user", "text": t}, {"role": "assistant", "text": "ok"}]}
                              for d, t in enumerate(texts)]}


def test_rows_are_read_after_every_user_turn_and_labelled_from_the_harm_on():
    people = [_person("e-1", "escalating", ["[violence=0.2] a", "[violence=0.6] b", "[violence=0.7] c"], [1, 0]),
              _person("b-1", "benign", ["[violence=0.6] x", "y"])]
    turns, truth = layout(people)
    det = Detector(TagScorer(), PolicyConfig(), person=None)
    rows, info = collect_turns(det, "9", turns, truth)
    assert len(rows) == 5 and all(len(r[0]) == len(person_reader.feature_names()) for r in rows)
    by = {}
    for x, label, who, _ts in rows:
        by.setdefault(who, []).append(label)
    assert by == {"9/e-1": [None, True, True], "9/b-1": [False, False]}, "before the harm: unlabelled; benign: 0"
    assert info["9/e-1"]["kind"] == "escalating" and info["9/b-1"]["kind"] == "benign"


def test_each_written_batch_is_scored_by_a_reader_fitted_without_it():
    rng = np.random.default_rng(0)
    rows = []
    for b in ("1", "2", "3"):
        for i in range(20):
            esc = i < 10
            rows.append(([float(esc) + rng.normal(0, 0.3), rng.normal()], esc, f"{b}/{i}", 0.0))
    rows += [([0.0, 0.0], False, "simulated/x", 0.0)]  # fitted in every fold, never held out
    held = out_of_batch(rows, ["1", "2", "3"])
    assert set(held) == {f"{b}/{i}" for b in "123" for i in range(20)}
    esc = [held[f"{b}/{i}"] for b in "123" for i in range(10)]
    ben = [held[f"{b}/{i}"] for b in "123" for i in range(10, 20)]
    assert sum(e > cut_at(ben, 0.1) for e in esc) >= 25, "the reader fitted on the other batches separates this one"


def test_the_cut_is_the_score_a_share_of_benign_people_must_read_above():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    assert cut_at(scores, 0.1) == 0.8, "one of ten above it"
    assert cut_at(scores, 0.02) == 0.9, "none of ten above the 2 % cut"
