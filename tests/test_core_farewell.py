"""The farewell reader (stream/core/farewell.py): affairs put in order with finality, a self-harm stage of
its own (stream/core/policy.py `FAREWELL`): two acts apart make a pattern for the support route; one act,
two minutes apart, someone else's acts, or Chinese / Korean turns make none; a file built for something
else is refused."""

import json
from pathlib import Path

import numpy as np
import pytest

from bench.bench_people import every_person, turn_texts
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.farewell import SIGNAL, FarewellReader, FarewellReaderFileError
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import FAREWELL, FAREWELL_AGAIN, PolicyConfig, record_farewell
from stream.core.window import UserWindow
from stream.scoring.use_stage import DIM, spec
from tests.fakes import TagScorer, turn
from tests.test_core_tagger import WordEmbedder, tagger


class MarkerEmbedder:
    """Test double for USE: one dimension for the marker word "keepsake" (a farewell act), and a constant."""

    model_id, dim = "test-use", 2

    def embed(self, texts):
        return np.array([[float("keepsake" in t.lower()), 1.0] for t in texts], np.float32)


def reader(gate_open: bool = True) -> FarewellReader:
    """Reads a farewell act on "keepsake"; its gate (over WordEmbedder) lets every English turn through,
    or none."""
    gate_w = np.zeros((1, WordEmbedder.dim), np.float32)
    return FarewellReader(np.array([[20.0, -10.0]], np.float32), np.zeros(1, np.float32), 0.5, "test-use",
                          gate_w, np.array([10.0 if gate_open else -10.0], np.float32), 0.5, WordEmbedder.model_id,
                          "farewell-test")


def run(rows, farewell=None):
    det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), tagger()), reply_reader=None,
                   farewell=farewell if farewell is not None else reader())
    det.farewell_embedder = MarkerEmbedder()
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    store = MemoryStore()
    effects = [e for _, effs in run_batch(det, turns, store) for e in effs]
    window = UserWindow.from_stored(store.data["u1"])
    return ([e.payload for e in effects if e.kind == "score"], [e.payload for e in effects if e.kind == "case"],
            [e.payload for e in effects if e.kind == "support"], window)


def three_conversations(*texts: str) -> list[dict]:
    """One user turn per text, each in a conversation of its own, two days apart."""
    return [turn(i + 1, text, conv=f"c{i + 1}", day=2 + 2 * i) for i, text in enumerate(texts)]


def test_two_acts_in_two_conversations_open_a_support_case_citing_both():
    scores, cases, support, window = run(three_conversations(
        "can you help me word the keepsake letters for my sisters", "whats a good recipe for lentil soup",
        "last thing, the keepsake box goes to my nephew, how do i post it"))
    assert any(s["detail"] == SIGNAL for s in scores[0]["signals"]), "shown on the turn's score"
    assert window.stages[FAREWELL][1] == "e1" and window.stages[FAREWELL_AGAIN][1] == "e3"
    assert len(cases) == 1 and cases[0]["route"] == "support" and cases[0]["rule"] == "escalation"
    assert "self-harm" in cases[0]["categories"] and cases[0]["trigger_event_id"] == "e3"
    assert {"e1", "e3"} <= {e["event_id"] for e in cases[0]["evidence"]}, "the case cites both acts"
    assert support, "a support event goes with it"


def test_one_act_or_two_minutes_apart_open_nothing():
    assert run([turn(1, "the keepsake letters are written", day=2)])[1] == []
    rows = [turn(1, "the keepsake letters are written", day=2, hour=9),
            turn(2, "and the keepsake box is packed", day=2, hour=9)]
    scores, cases, _, window = run(rows)
    assert cases == [] and FAREWELL_AGAIN not in window.stages, "one conversation's two turns are one act"


def test_someone_elses_acts_do_not_count():
    scores, cases, _, window = run(three_conversations(
        "my brother took his own life in march. how do i tell his kids", "sorting the keepsake boxes in the garage today",
        "mum wants the keepsake letters read at the memorial"))
    assert any(s["detail"] == SIGNAL for s in scores[1]["signals"]), "the reader reads the acts..."
    assert FAREWELL not in window.stages and cases == [], "...but they are the bereaved's, not a farewell"


def test_the_gate_and_chinese_or_korean_turns():
    rows = [turn(1, "the keepsake letters are written", conv="c1", day=2),
            turn(3, "the keepsake box is packed", conv="c3", day=6)]
    assert run(rows, farewell=reader(gate_open=False))[1] == [], "USE reads only what the gate lets through"
    rows = [turn(1, "信都写好了 keepsake", conv="c1", day=2), turn(3, "keepsake 편지 다 썼어", conv="c3", day=6)]
    scores, cases, _, window = run(rows)
    assert cases == [] and not any(s["detail"] == SIGNAL for sc in scores for s in sc["signals"])


def test_an_act_older_than_the_stage_window_makes_no_pair():
    cfg = PolicyConfig()
    w = UserWindow(user_id="u1", updated=0.0)
    record_farewell(w, 0.0, "e1", cfg)
    record_farewell(w, (cfg.stage_window_days + 1) * 86400, "e2", cfg)
    assert w.stages[FAREWELL][1] == "e2" and FAREWELL_AGAIN not in w.stages
    record_farewell(w, (cfg.stage_window_days + 2) * 86400, "e3", cfg)
    assert w.stages[FAREWELL_AGAIN][1] == "e3"


def test_a_file_round_trips_and_one_for_another_encoder_is_refused():
    real_use = FarewellReader(np.zeros((1, DIM), np.float32), np.zeros(1, np.float32), 0.9, spec()["encoder"],
                              np.zeros((1, WordEmbedder.dim), np.float32), np.zeros(1, np.float32), 0.3,
                              WordEmbedder.model_id)
    d = json.loads(json.dumps(real_use.to_dict()))
    back = FarewellReader.from_dict(d, WordEmbedder.model_id, WordEmbedder.dim)
    assert back.version == d["version"] and back.threshold == pytest.approx(0.9)
    with pytest.raises(FarewellReaderFileError):
        FarewellReader.from_dict(d, "another-encoder", WordEmbedder.dim)
    with pytest.raises(FarewellReaderFileError):
        FarewellReader.from_dict({**d, "use": {**d["use"], "embedding": "another-use"}})
    with pytest.raises(FarewellReaderFileError):
        FarewellReader.from_dict({**d, "kind": "riskstream-reply-reader/1"})


def test_the_written_rows_are_well_formed_and_share_no_text_with_the_blind_people():
    written = sorted((Path(__file__).resolve().parents[1] / "models" / "data").glob("farewell_turns_*.jsonl"))
    rows = [json.loads(line) for path in written for line in path.read_text().splitlines()]
    assert {r["farewell"] for r in rows} == {0, 1} and {r["lang"] for r in rows} == {"en", "zh", "ko"}
    assert len({r["text"] for r in rows}) == len(rows)
    assert not set(turn_texts(every_person())) & {r["text"] for r in rows}, "written apart from the blind people"


# Written for this test (not in the training rows): two farewell acts, and the same errands done for
# ordinary reasons.
ACTS = ("can you help me word a note for my brother, i want him to know none of this is on him, he'll read it later",
        "i want to give my guitars to my nephew, i won't be needing them anymore after this month")
ERRANDS = ("how do i rehome my dog, our new flat doesn't allow pets and we move in march",
           "writing a will before my hip operation next week, what should be in it",
           "how do i transfer money to my sister's account, the app keeps failing",
           "thanks, that's everything for the report today")


def test_the_committed_reader_reads_acts_and_not_errands():
    from stream.scoring import load_default_scorer

    det = Detector(load_default_scorer())
    assert det.farewell is not None, "models/farewell_reader.json ships with the classifiers"
    texts = ACTS + ERRANDS
    read = [any(s.detail == SIGNAL for s in sc.signals) for sc in det.read(texts, [True] * len(texts), [False] * len(texts))]
    assert read == [True] * len(ACTS) + [False] * len(ERRANDS)


def test_the_taggers_third_party_reading_alone_does_not_make_an_act_someone_elses():
    """Change 19c: a farewell note to family ("i want him to know none of this is on him") is read by the
    stage tagger as about someone else's risk; only words that tell of it (`framing.told_of_another`)
    make an act someone else's. The test tagger reads `third_party` on "resign" (a marker word)."""
    from stream.core.tagger import LABELS, THIRD_PARTY

    t = tagger()
    w, b = t.weights.copy(), t.bias.copy()
    w[LABELS.index(THIRD_PARTY), 3] = 20.0  # "resign"
    det_tagger = (WordEmbedder(), type(t)(w, b, t.thresholds, t.embedding, "tagger-third"))
    det = Detector(TagScorer(), PolicyConfig(), tagger=det_tagger, reply_reader=None, farewell=reader())
    det.farewell_embedder = MarkerEmbedder()
    rows = three_conversations("the keepsake note says i resign from all of it, none of it is on him",
                               "whats a good recipe for lentil soup", "the keepsake box goes to my nephew, resign the lease")
    turns = sorted((parse_turn(r) for r in rows), key=lambda x: x.order_key())
    effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
    scores = [e.payload for e in effects if e.kind == "score"]
    assert any(s["detail"] == THIRD_PARTY for s in scores[0]["signals"]), "the tagger reads it as someone else's"
    assert [e.payload["route"] for e in effects if e.kind == "case"] == ["support"], "yet the acts are the writer's"


def test_a_farewell_act_does_not_route_a_climb_towards_harm_to_others_to_support():
    """A farewell act is the person's own risk for the support route, but not a sign that a violence
    pathway which names no target is their own risk too (`policy.names_no_one` reads the person's
    own self-harm stages and readings only, not the farewell acts `holds_self_harm` counts): on the
    blind people sets 6-18 (session 51) counting them sent two people who climbed towards a live
    show and a landlord's building, having put their affairs in order, to support instead of
    enforcement. A self-harm reading with real signal does route such a climb to support."""
    V = "[violence=0.1]"
    climb = [turn(2, f"{V} my manager humiliated me again", conv="c2", day=4),
             turn(3, f"{V} where can I buy a rifle fast", conv="c3", day=5),
             turn(4, f"{V} when is the office most crowded", conv="c4", day=6)]
    _, cases, _, window = run([turn(1, "can you help me word the keepsake letters for my sisters", conv="c1", day=2)]
                              + climb)
    assert FAREWELL in window.stages, "the act was read"
    assert cases and {c["route"] for c in cases} == {"enforcement"}, cases
    assert all("violence" in c["categories"] for c in cases)
    _, cases, _, _ = run([turn(1, "[self-harm=0.6] long week, nothing to say", conv="c1", day=2)] + climb)
    assert cases and cases[-1]["route"] == "support" and cases[-1]["categories"][0] == "self-harm", cases
