"""The leave-family-out protocol of the classifier training (models/train/lofo.py): a family is
never scored by a model that saw it, project-written data is never a test fold, and thresholds
respect both benign budgets."""

from __future__ import annotations

import numpy as np

from models.train import lofo
from models.train.data import PROJECT_FAMILY
from stream.taxonomy import CATEGORIES

K = len(CATEGORIES)


def _families():
    return np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20 + ["d"] * 10 + [PROJECT_FAMILY] * 15)


def test_folds_hold_whole_families_and_never_project_data():
    fam = _families()
    for n in (None, 2, 3):
        groups = lofo.fold_groups(fam, n)
        flat = [f for g in groups for f in g]
        assert sorted(flat) == ["a", "b", "c", "d"]  # each family in exactly one fold, project in none
        if n:
            assert len(groups) <= n
    assert lofo.fold_groups(fam, None) == [["a"], ["b"], ["c"], ["d"]]


def test_no_row_is_scored_by_a_model_that_saw_its_family():
    fam = _families()
    X = np.zeros((len(fam), 1), np.float32)
    X[:, 0] = np.arange(len(fam))  # row index, so the fit knows which rows it saw
    Y = np.zeros((len(fam), K), np.float32)
    w = np.ones(len(fam))

    def fit(Xa, Ya, wa):
        return set(fam[Xa[:, 0].astype(int)])

    def predict(Xs, seen):
        rows = Xs[:, 0].astype(int)
        assert not set(fam[rows]) & seen, "a held-out family was in the training rows"
        return np.full((len(rows), K), float(len(seen)), np.float32)

    for n in (None, 2):
        oof = lofo.out_of_family(fit, predict, X, Y, w, fam, n_groups=n, verbose=False)
        assert np.isnan(oof[fam == PROJECT_FAMILY]).all()
        assert not np.isnan(oof[fam != PROJECT_FAMILY]).any()
        # every fit saw the project rows (always in training): 1 project family + the other families
        assert (oof[fam != PROJECT_FAMILY] >= 2).all()


def test_thresholds_keep_both_benign_budgets():
    rng = np.random.default_rng(0)
    n = 4000
    y = (rng.random(n) < 0.3).astype(np.float32)
    benign = y == 0
    lookalike = benign & (rng.random(n) < 0.3)
    s = np.where(y == 1, rng.uniform(0.4, 1.0, n), rng.uniform(0.0, 0.5, n))
    s[lookalike] = rng.uniform(0.3, 0.9, lookalike.sum())  # look-alikes score like harm
    S = np.tile(s[:, None], (1, K)).astype(np.float32)
    Y = np.tile(y[:, None], (1, K))
    thr, info = lofo.choose_thresholds(S, Y, benign, lookalike, max_fpr=0.02, lookalike_fpr=0.15)
    for c in CATEGORIES:
        flagged = S[:, 0] >= thr[c]
        assert flagged[benign & ~lookalike].mean() <= 0.02 + 1e-9
        assert flagged[lookalike].mean() <= 0.15 + 0.01
        assert "look-alikes" in info[c]["rule"]
    loose, _ = lofo.choose_thresholds(S, Y, benign, lookalike, max_fpr=0.02, lookalike_fpr=1.0)
    assert thr[CATEGORIES[0]] > loose[CATEGORIES[0]]  # the look-alike budget is what raised it
    assert (S[:, 0] >= loose[CATEGORIES[0]])[lookalike].mean() > 0.15


def test_copies_and_translations_share_a_family():
    from models.train.data import BENIGN, Example

    def fam(source, **kw):
        return Example("x", BENIGN.copy(), source, "train", **kw).family

    assert fam("multijail") == fam("hh_redteam") == "hh_redteam"  # MultiJail = hh-rlhf red-team prompts
    assert fam("k_overrefusal_harmful") == fam("harmful_behaviors") == "harmbench"  # Korean translations
    assert fam("davidson") == fam("hatexplain")
    assert fam("orbench") == "orbench" and fam("catqa") == "catqa"  # en/ko and en/zh rows: one source, one family
    assert fam("project:contrast_pairs", family=PROJECT_FAMILY) == PROJECT_FAMILY
