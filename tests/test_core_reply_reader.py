"""The reply reader (stream/core/reply_reader.py): concern the assistant voices about the user, read from
the reply's embedding beside the written phrases; a file built for something else is refused."""

import json
from pathlib import Path

import numpy as np
import pytest

from bench.bench_people import every_person, turn_texts
from models.train.data import ASSISTANT_REPLIES
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import VOICED, PolicyConfig
from stream.core.reply_reader import PATHWAYS, ReplyReader, ReplyReaderFileError
from stream.core.window import UserWindow
from tests.fakes import TagScorer, turn
from tests.test_core_tagger import WordEmbedder, tagger

# WordEmbedder's marker words: "pistol" (dimension 0), "tonight" (1), "place" (2); a constant (3)


def reader() -> ReplyReader:
    """Reads concern for others on "tonight", for the user's own life on "place" (test markers)."""
    w = np.zeros((len(PATHWAYS), WordEmbedder.dim), np.float32)
    w[PATHWAYS.index("violence"), 1] = 20.0
    w[PATHWAYS.index("self-harm"), 2] = 20.0
    return ReplyReader(w, np.full(len(PATHWAYS), -10.0, np.float32), np.full(len(PATHWAYS), 0.5, np.float32),
                       WordEmbedder.model_id, "replies-test")


def test_reads_each_pathway_from_the_embedding():
    got = reader().voiced(WordEmbedder().embed(["about tonight", "that place", "a pistol", "tonight at that place"]))
    assert got == [{"violence"}, {"self-harm"}, set(), {"violence", "self-harm"}]


def test_a_file_round_trips_and_one_for_another_encoder_is_refused():
    d = json.loads(json.dumps(reader().to_dict()))
    back = ReplyReader.from_dict(d, WordEmbedder.model_id, WordEmbedder.dim)
    assert back.version == d["version"] and np.allclose(back.weights, reader().weights)
    with pytest.raises(ReplyReaderFileError):
        ReplyReader.from_dict(d, "another-encoder", WordEmbedder.dim)
    with pytest.raises(ReplyReaderFileError):
        ReplyReader.from_dict({**d, "pathways": ["violence"]})


def _run(rows, with_reader=True):
    det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), tagger()),
                   reply_reader=reader() if with_reader else None)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    store = MemoryStore()
    effects = [e for _, effs in run_batch(det, turns, store) for e in effs]
    window = UserWindow.from_stored(store.data["u1"])
    return [e.payload for e in effects if e.kind == "score"], window


# a reply no written phrase of stream/core/replies.py reads as concern (the test marker is "tonight")
REPLY = "I'd rather not help with tonight. Can I ask what you're hoping to do?"


def test_the_readers_concern_is_voiced_about_the_turn_it_answers():
    rows = [turn(1, "[violence=0.3] picked up a pistol from a guy at work"),
            turn(2, REPLY, role="assistant")]
    scores, window = _run(rows)
    assert any(s["detail"] == "voiced:violence" for s in scores[1]["signals"]), "shown on the reply's score"
    assert window.stages[VOICED["violence"]][1] == "e1", "concern about the user turn it answered"
    scores, window = _run(rows, with_reader=False)
    assert VOICED["violence"] not in window.stages, "the written phrases alone do not read this reply"
    assert not any(s["detail"].startswith("voiced:") for s in scores[1]["signals"])


def test_user_turns_are_never_read_by_it():
    scores, window = _run([turn(1, "[violence=0.3] see you tonight at the place")])
    assert not any(s["detail"].startswith("voiced:") for s in scores[0]["signals"])
    assert VOICED["violence"] not in window.stages and VOICED["self-harm"] not in window.stages


def test_the_labelled_replies_are_well_formed_and_share_no_text_with_the_blind_people():
    rows = [json.loads(line) for line in ASSISTANT_REPLIES.read_text().splitlines()]
    assert {r["label"] for r in rows} == {"others", "self", "none"} and {r["lang"] for r in rows} == {"en", "zh", "ko"}
    assert len({r["text"] for r in rows}) == len(rows)
    people = set(turn_texts(every_person()))
    assert not people & {r["text"] for r in rows}, "written apart from the blind people"


# Written for this test (not in the labelled replies): concern no written phrase reads, and sympathy.
CONCERN_OTHERS = ("That last message worries me. Whatever he did to you, going to his house with that in your car "
                  "would wreck your life and maybe end his. Will you talk to me about what you're planning?")
CONCERN_SELF = "Honestly, hearing you say nobody would notice if you were gone worries me. Are you safe tonight?"
SYMPATHY = "I'm sorry to hear that. I hope you feel better soon, and drink plenty of fluids."


@pytest.fixture(scope="module")
def committed():
    from stream.scoring import load_default_scorer

    return Detector(load_default_scorer())


def _voiced_stages(det, reply: str) -> set[str]:
    rows = [turn(1, "ok so what now"), turn(2, reply, role="assistant")]
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    store = MemoryStore()
    for _ in run_batch(det, turns, store):
        pass
    stages = UserWindow.from_stored(store.data["u1"]).stages
    return {p for p, key in VOICED.items() if key in stages}


def test_the_committed_reader_reads_concern_the_written_phrases_miss(committed):
    from stream.core.replies import voiced

    assert committed.reply_reader is not None, "models/reply_reader.json ships with the classifiers"
    for text, pathway in ((CONCERN_OTHERS, "violence"), (CONCERN_SELF, "self-harm")):
        assert voiced(text) == frozenset(), "the phrases alone miss it"
        assert _voiced_stages(committed, text) == {pathway}


def test_sympathy_is_not_concern_even_where_the_reader_reads_it_so(committed):
    from stream.core.replies import marks_concern
    from stream.scoring.embedding import Embedder

    assert committed.reply_reader.voiced(Embedder(Path(__file__).resolve().parents[1] / "models").embed([SYMPATHY]))[0], \
        "over this embedding sympathy reads as concern for a life: what the gate is for"
    assert not marks_concern(SYMPATHY)
    assert _voiced_stages(committed, SYMPATHY) == set()
