"""Issue 16, cheap core: the encoder reads each text once, and only where its reading can count.

The stage tagger's clauses recur (the same clause in several turns, a turn's clauses again in its
conversation read together): their embeddings are kept like scores. The conversation read
together is read only when it could lend the turn something, and the tagger reads it only when
its stages could be the turn's. None of this may change what the core outputs (bench/bench_replay.py
and the replay equivalence tests compare outputs byte for byte)."""

import numpy as np
import pytest

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.scoring import load_default_scorer
from stream.scoring.normalize import normalize_text
from tests.fakes import TagScorer, turn
from tests.test_core_tagger import WordEmbedder, tagger

CLAUSES = ["my manager humiliated me again today", "nobody at work respects me", "I want to make him pay"]


def test_texts_embedded_without_scores_are_encoded_once_within_the_cache_bound():
    s = load_default_scorer(reload_interval=3600, cache_size=2)
    texts = CLAUSES[:2] + CLAUSES[:2]
    first = s.embeddings(texts)
    assert s.stats["encoder_texts"] == len(set(texts)), "repeats within a call are read once"
    again = s.embeddings(texts[::-1])
    assert s.stats["encoder_texts"] == len(set(texts)), "and not again while they are in the cache"
    assert np.array_equal(again, first[::-1])
    s.embeddings([CLAUSES[2]])  # a third text evicts the least recently used of two
    s.embeddings([CLAUSES[1]])
    assert s.stats["encoder_texts"] == 4, "the cache is bounded (LRU of cache_size texts)"
    off = load_default_scorer(reload_interval=3600, cache_size=0)
    off.embeddings(CLAUSES)
    off.embeddings(CLAUSES)
    assert off.stats["encoder_texts"] == 2 * len(CLAUSES), "cache_size=0 keeps nothing"


def test_a_replay_with_recurring_clauses_reads_each_text_once():
    scorer = load_default_scorer(reload_interval=3600)
    det = Detector(scorer, PolicyConfig())
    assert det.tagger is not None, "the committed models carry a stage tagger"
    asked = {"scores": [], "embedding": []}  # normalised texts the core asked the scorer for
    score_batch, embeddings = scorer.score_batch, scorer.embeddings
    scorer.score_batch = lambda texts: asked["scores"].extend(map(normalize_text, texts)) or score_batch(texts)
    scorer.embeddings = lambda texts: asked["embedding"].extend(map(normalize_text, texts)) or embeddings(texts)
    said = [f"{CLAUSES[0]}, {CLAUSES[1]}", f"{CLAUSES[1]}, {CLAUSES[2]}", f"{CLAUSES[0]} and {CLAUSES[2]}",
            f"{CLAUSES[2]}, {CLAUSES[0]}"]
    rows = [turn(i, text, hour=9) for i, text in enumerate(said, 1)]
    list(run_batch(det, [parse_turn(r) for r in rows], MemoryStore()))
    requested = len(asked["scores"]) + len(asked["embedding"])
    bound = len(set(asked["scores"])) + len(set(asked["embedding"]))
    assert requested > bound, "the scenario repeats texts (else this test could not fail)"
    assert scorer.stats["encoder_texts"] <= bound


class CountingScorer(TagScorer):
    def __init__(self):
        super().__init__()
        self.read: list[str] = []

    def score_batch(self, texts):
        self.read += texts
        return super().score_batch(texts)


class CountingEmbedder(WordEmbedder):
    def __init__(self):
        self.read: list[str] = []

    def embed(self, texts):
        self.read += texts
        return super().embed(texts)


def _replay(rows):
    scorer, embedder = CountingScorer(), CountingEmbedder()
    det = Detector(scorer, PolicyConfig(), tagger=(embedder, tagger()))
    effects = [e for _, effs in run_batch(det, [parse_turn(r) for r in rows], MemoryStore()) for e in effs]
    joint = [t for t in scorer.read if "\n" in t]
    return [e.payload for e in effects if e.kind == "score"], joint, [t for t in embedder.read if "\n" in t]


@pytest.mark.parametrize("second, read_together, tagged_together", [
    ("sounds good, bye", False, False),  # nothing the joint reading could lend: not read
    # a turn that does not point back at what was said is read alone, whatever it reads of its own:
    # those build-up readings were half the joint encoder time and moved no blind person (context.plan)
    ("{harassment+0.2} sounds good, bye", False, False),
    ("[violence=0.3] booked a table for two at the thai place downtown for eight thirty on friday with my sister",
     False, False),
    ("{harassment+0.1} sounds good, bye", False, False),  # nor pointing back, nor a reading of its own to add
    ("[violence=0.3] tonight, like that", True, True),  # a build-up it adds to: its stages count
])
def test_the_conversation_is_read_together_only_where_it_can_count(second, read_together, tagged_together):
    scores, joint, tagged = _replay([turn(1, "[violence=0.45] I'm going over to her place", hour=21),
                                     turn(2, second, hour=21)])
    assert bool(joint) == read_together and bool(tagged) == tagged_together
    assert scores[1]["stages"] == (["violence:imminence"] if tagged_together else [])


def test_the_tagger_reads_the_conversation_read_together_as_one_text():
    """Its clauses are not read one by one: a clause its commas cut across two turns is no one's
    sentence, and each turn's own clauses were read with that turn."""
    scores, joint, tagged = _replay([turn(1, "[violence=0.45] I'm going over to her place, she'll see", hour=21),
                                     turn(2, "[violence=0.3] tonight, like that", hour=21)])
    assert len(joint) == 1 and "\n" in joint[0], "the two turns are read together"
    assert tagged == joint, "and tagged as that one text, no piece of it across the turns"
    assert scores[1]["stages"] == ["violence:imminence"]
