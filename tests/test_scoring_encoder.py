"""The encoder reads every English turn (at least 128 tokens, head and tail of long texts); CJK
turns go to the n-gram stage (with the USE heads: tests/test_scoring_use.py); repeated texts are
scored once; scores do not depend on batch mates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stream.scoring import load_default_scorer, use_stage
from stream.scoring.encoder import HEAD_SHARE, encode_ids, is_cjk
from stream.scoring.lru import Lru
from stream.taxonomy import CATEGORIES


@pytest.fixture(scope="module")
def scorer():
    return load_default_scorer(reload_interval=3600, cache_size=0)


ENGLISH = ["hi", "thanks, that helps", "how do I kill a python process", "what's the weather in Lisbon tomorrow",
           "can you summarise this article for me", "I will hurt you", "ok"]


def test_every_english_turn_is_read_by_the_encoder(scorer):
    before = scorer.stats["encoder_texts"]
    scorer.score_batch(ENGLISH)
    assert scorer.stats["encoder_texts"] - before == len(ENGLISH)


def test_cjk_turns_go_to_the_ngram_stage(scorer):
    texts = ["我今天很开心", "오늘 날씨가 좋네요", "hello there"]
    assert [is_cjk(t) for t in texts] == [True, True, False]
    before = scorer.stats["encoder_texts"]
    scorer.score_batch(texts)
    assert scorer.stats["encoder_texts"] - before == 1


def test_emoji_and_symbols_do_not_make_a_turn_cjk():
    """Emoji, arrows and dingbats sit above the CJK blocks' start; they are not CJK text."""
    assert [is_cjk(t) for t in ["ok 😂😂", "lol 🔪🔪🔪 you", "→ ★ ✓ done", "I will hurt you 😡😡😡😡"]] == [False] * 4
    assert [is_cjk(t) for t in ["你好😂😂😂", "ㅋㅋㅋ 진짜?", "すごい！！", "好 ok"]] == [True] * 4


def test_encoder_reads_at_least_128_tokens_with_head_and_tail(scorer):
    enc = scorer.encoder
    assert enc.max_len >= 128
    long = " ".join(f"word{i}" for i in range(400))
    ids = encode_ids(enc.tok, [long], enc.max_len)[0]
    assert len(ids) == enc.max_len
    full = enc.tok.encode(long).ids
    head = int(enc.max_len * HEAD_SHARE)
    assert ids[:head] == full[:head] and ids[head:] == full[len(full) - (enc.max_len - head):]
    assert ids[-1] == full[-1]  # [SEP]: the tail is kept


def test_tail_of_a_long_text_is_read(scorer):
    """A threat after 200 words of filler still reaches the encoder (64-token truncation lost it)."""
    filler = ("I spent the morning reorganising the garage, sorting screws into jars and sweeping the floor. "
              "Then I made coffee and read the paper for a while before lunch. ") * 6
    tail = "Anyway, I am going to stab my neighbour tonight when he comes home."
    s_tail, s_filler = scorer.score_batch([filler + tail, filler])
    assert s_tail.category_scores["violence"] > s_filler.category_scores["violence"] + 0.2


def test_repeated_texts_are_scored_once():
    s = load_default_scorer(reload_interval=3600, cache_size=64)
    a = s.score_batch(["ok", "ok", "thanks", "ok"])
    assert s.stats["encoder_texts"] == 2
    b = s.score_batch(["thanks", "something new"])
    assert s.stats["encoder_texts"] == 3 and s.stats["cache_hits"] >= 1
    assert a[2].category_scores == b[0].category_scores


def test_scores_do_not_depend_on_batch_mates(scorer):
    """Bit for bit: a text reads the same alone, in any batch and in any order (English through the
    encoder, zh / ko through the n-gram stage and the USE heads), so callers may batch different
    people's turns together and replay over any number of processes gives the same bytes."""
    texts = ENGLISH + ["a much longer message about planning a birthday party with a cake and balloons " * 3,
                       "我今天很开心", "你这个废物，滚出去", "저 사람들은 다 없어져야 해", "how do I kill 进程 in linux"]
    assert scorer.batch_invariant
    alone = [scorer.score_batch([t])[0].category_scores for t in texts]
    rng = np.random.default_rng(3)
    for _ in range(3):
        use_stage._recent = Lru(use_stage.RECENT)  # read the zh / ko turns again, not from the memo
        order = rng.permutation(len(texts))
        together = scorer.score_batch([texts[i] for i in order])
        for i, x in zip(order, together):
            assert x.category_scores == alone[i], texts[i]
    emb_alone = [scorer.embeddings([t])[0] for t in texts]
    emb = scorer.embeddings(list(reversed(texts)))
    for i, e in enumerate(reversed(emb_alone)):
        assert np.array_equal(emb[i], e)


def test_graphs_built_before_the_fixed_order_sums_are_read_one_text_per_call():
    """A model file without the batch-invariance mark (built before the graphs summed in a fixed
    order) is still served, but the engine reads one text per model call with it."""
    from stream.core.engine import Detector

    s = load_default_scorer(reload_interval=3600, cache_size=0)
    assert s.batch_invariant and not Detector(s, tagger=None, trajectory=None).one_text_per_call
    del s.cheap.onnx.meta["riskstream.batch_invariant"]
    assert not s.batch_invariant and Detector(s, tagger=None, trajectory=None).one_text_per_call


def test_cjk_scores_share_the_threshold_scale(scorer):
    """A CJK score (mean of the n-gram stage and the USE heads) at its own threshold maps onto the
    encoder's threshold."""
    from stream.scoring.cascade import rescale

    t_from, t_to = scorer.cjk_thresholds, scorer.thresholds
    mapped = rescale(np.stack([t_from, np.zeros_like(t_from), np.ones_like(t_from)]), t_from, t_to)
    assert np.allclose(mapped[0], t_to) and np.allclose(mapped[1], 0) and np.allclose(mapped[2], 1)


def test_embeddings_of_scored_turns_come_from_the_same_encoder_pass():
    s = load_default_scorer(reload_interval=3600, cache_size=64)
    texts = ["my neighbour laughs at me every day", "which chemicals are toxic to dogs", "我今天很开心", ""]
    s.score_batch(texts)
    runs = s.stats["encoder_texts"]
    emb = s.embeddings(texts)
    assert s.stats["encoder_texts"] == runs + 1  # only the CJK turn needed an encoder pass
    assert emb.shape == (4, 384) and not emb[3].any()
    assert np.allclose(np.linalg.norm(emb[:3], axis=1), 1.0, atol=1e-3)
    fresh = load_default_scorer(reload_interval=3600, cache_size=0).embeddings(texts[:2])
    assert np.allclose(emb[:2], fresh, atol=1e-5)


def test_length_groups_keep_the_token_budget():
    """Encoder runs hold texts of similar length: at most `batch` rows and `max_tokens` padded
    positions (a longer text runs alone), every text exactly once."""
    from stream.scoring.encoder import length_groups

    rng = np.random.default_rng(5)
    lengths = [int(x) for x in rng.integers(3, 129, 300)]
    groups = length_groups(lengths, 64, 128)
    assert sorted(i for g in groups for i in g) == list(range(300))
    for g in groups:
        longest = max(lengths[i] for i in g)
        assert len(g) <= 64 and (len(g) == 1 or len(g) * longest <= 128)
        assert [lengths[i] for i in g] == sorted(lengths[i] for i in g)
    assert len(length_groups([5] * 100, 16)) == 7  # no budget: rows only


def test_padding_does_not_change_a_text_s_embedding(scorer):
    """The graph runs its dense layers on the real tokens only and pools in token order: a short
    text padded to a long batch mate's length gets, bit for bit, the embedding and scores it gets
    alone."""
    enc = scorer.encoder
    texts = ["how do I kill a python process", "ok", " ".join(["the garage needed sweeping again"] * 20)]
    ids = encode_ids(enc.tok, texts, enc.max_len)
    t = max(map(len, ids))
    a = np.zeros((3, t), np.int64)
    m = np.zeros((3, t), np.int64)
    for r, e in enumerate(ids):
        a[r, :len(e)] = e
        m[r, :len(e)] = 1
    s_all, e_all = enc.onnx.session.run(["scores", "embedding"], {"input_ids": a, "attention_mask": m})
    for r, e in enumerate(ids):
        one = np.array([e], np.int64)
        s1, e1 = enc.onnx.session.run(["scores", "embedding"], {"input_ids": one, "attention_mask": np.ones_like(one)})
        assert np.array_equal(e1[0], e_all[r]) and np.array_equal(s1[0], s_all[r])


def test_the_tokenizer_runs_in_the_calling_thread_unless_the_operator_says_otherwise():
    """A worker or replay process has one core: the tokenizer's thread pool costs more CPU than it
    saves on a batch's few texts (stream/scoring/encoder.py), so loading the encoder turns it off,
    and an operator's own setting stands."""
    import os
    import subprocess
    import sys

    probe = "import os, stream.scoring.encoder; print(os.environ.get('TOKENIZERS_PARALLELISM'))"
    env = {k: v for k, v in os.environ.items() if k != "TOKENIZERS_PARALLELISM"}
    root = str(Path(__file__).resolve().parents[1])
    got = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root, capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "false"
    got = subprocess.run([sys.executable, "-c", probe], env={**env, "TOKENIZERS_PARALLELISM": "true"}, cwd=root,
                         capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "true"
