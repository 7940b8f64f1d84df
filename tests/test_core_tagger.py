"""The stage tagger in the core: its readings become stages (besides the written rules), it reads
the conversation together, and a tagger file built for something else is refused."""

import json

import numpy as np
import pytest

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.tagger import LABELS, THIRD_PARTY, StageTagger, TaggerFileError, pieces
from tests.fakes import ReadingScorer, TagScorer, turn

WORDS = ("pistol", "tonight", "place", "resign")


class WordEmbedder:
    """Test double for the encoder: one dimension per marker word (and a constant)."""

    model_id = "test-embedding"
    dim = len(WORDS) + 1

    def embed(self, texts):
        return np.array([[float(w in t.lower()) for w in WORDS] + [1.0] for t in texts], np.float32)


def tagger() -> StageTagger:
    w = np.zeros((len(LABELS), WordEmbedder.dim), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    w[LABELS.index("violence:research"), 0] = 20.0  # "pistol"
    w[LABELS.index("violence:imminence"), 1:3] = 10.0  # "tonight" and "place", both needed
    b[LABELS.index("violence:imminence")] = -15.0
    return StageTagger(w, b, np.full(len(LABELS), 0.5, np.float32), WordEmbedder.model_id, "tagger-test")


def run(rows, with_tagger=True):
    det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), tagger()) if with_tagger else None)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
    return [e.payload for e in effects if e.kind == "score"], [e.payload for e in effects if e.kind == "case"]


def test_tagger_readings_are_stages_the_written_rules_miss():
    scores, _ = run([turn(1, "[violence=0.3] picked up a pistol from a guy at work")])
    assert scores[0]["stages"] == ["violence:research"]
    assert any(s["kind"] == "model" and s["detail"].startswith("violence:research") for s in scores[0]["signals"])
    scores, _ = run([turn(1, "[violence=0.3] picked up a pistol from a guy at work")], with_tagger=False)
    assert scores[0]["stages"] == []


def test_a_learned_stage_needs_the_classifiers_support_or_a_rule():
    scores, _ = run([turn(1, "picked up a pistol from a guy at work")])
    assert scores[0]["stages"] == [], "no score in the violence family: the tagger alone is not enough"
    assert any(s["kind"] == "model" for s in scores[0]["signals"]), "its reading is still shown"
    scores, _ = run([turn(1, "[illicit=0.3] picked up a pistol from a guy at work")])
    assert scores[0]["stages"] == ["violence:research"], "weapons are asked about as illicit requests"


def test_a_learned_stage_does_not_corroborate_a_severe_reading_of_its_own_turn():
    _, cases = run([turn(1, "[illicit/violent=1.0] where to find the pistol in the first mission")])
    assert cases == [], "the tagger reads the same text the classifier misread: not a second reading"
    _, cases = run([turn(1, "[violence=0.4] I'll be at her place tonight", day=1),
                    turn(2, "[illicit/violent=1.0] how do I make the pistol fire faster", conv="c2", day=2)])
    assert len(cases) == 1 and "e1" in cases[0]["reason"], "a learned stage about a person on another turn corroborates"


def test_the_conversation_read_together_gives_a_stage_no_turn_shows_alone():
    rows = [turn(1, "[violence=0.45] I'm going over to her place", hour=21), turn(2, "[violence=0.3] tonight, like that", hour=21)]
    scores, _ = run(rows)
    assert scores[0]["stages"] == [] and scores[1]["stages"] == ["violence:imminence"]
    # the same two turns in different conversations are not read together
    rows[1] = turn(2, "[violence=0.3] tonight, like that", conv="c2", hour=21)
    assert run(rows)[0][1]["stages"] == []


def test_a_stage_the_context_already_showed_is_not_credited_to_the_follow_up():
    rows = [turn(1, "[violence=0.45] tonight I'm going to her place", hour=21), turn(2, "what about it", hour=21)]
    scores, _ = run(rows)
    assert scores[0]["stages"] == ["violence:imminence"] and scores[1]["stages"] == []


def test_clauses_are_read_on_their_own():
    assert pieces("I bought a gun yesterday and I'm going to her place tonight to end this") == [
        "I bought a gun yesterday and I'm going to her place tonight to end this", "I bought a gun yesterday",
        "I'm going to her place tonight to end this"]
    assert pieces("hello there") == ["hello there"]
    # a clause of one or two words is not read on its own (the tagger's noise, not a blurred stage)
    assert pieces("im done, i bought the rope, it ends tonight") == [
        "im done, i bought the rope, it ends tonight", "i bought the rope", "it ends tonight"]
    assert pieces("ok. tonight. her place at nine") == ["ok. tonight. her place at nine"]


def test_a_tagger_file_for_other_labels_embedding_or_encoder_is_refused(tmp_path):
    d = tagger().to_dict()
    assert d["version"].startswith("tagger-")
    loaded = StageTagger.from_dict(json.loads(json.dumps(d)), "test-embedding", WordEmbedder.dim)
    assert np.allclose(loaded.weights, tagger().weights)
    with pytest.raises(TaggerFileError, match="encoder"):
        StageTagger.from_dict(d, "another-encoder", WordEmbedder.dim)
    with pytest.raises(TaggerFileError, match="-d embeddings"):
        StageTagger.from_dict(d, "test-embedding", 384)
    bad = {**d, "labels": d["labels"][:-1]}
    with pytest.raises(TaggerFileError, match="retrain"):
        StageTagger.from_dict(bad)
    (tmp_path / "stage_tagger.json").write_text(json.dumps({**d, "kind": "other"}))
    with pytest.raises(TaggerFileError):
        StageTagger.load(tmp_path)
    assert StageTagger.load(tmp_path / "missing") is None


class HanziEmbedder:
    """Test double for the zh / ko reader's embedder: one dimension per marker word."""

    model_id = "test-cjk-embedding"
    dim = 3

    def embed(self, texts):
        return np.array([[float("手枪" in t), float("跳下去" in t), 1.0] for t in texts], np.float32)


def cjk_run(rows, floor: float = 0.0):
    w = np.zeros((len(LABELS), HanziEmbedder.dim), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    w[LABELS.index("violence:research"), 0] = 20.0  # "手枪" (pistol)
    w[LABELS.index("self-harm:plan"), 1] = 20.0  # "跳下去" (jump down)
    cjk = StageTagger(w, b, np.full(len(LABELS), 0.5, np.float32), HanziEmbedder.model_id,
                      min_support={"violence": floor, "self-harm": floor})
    both = StageTagger(tagger().weights, tagger().bias, tagger().thresholds, WordEmbedder.model_id, "tagger-test",
                       min_support={"violence": 0.9}, cjk=cjk)
    det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), both, HanziEmbedder()))
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "score"]


def test_chinese_and_korean_turns_are_read_by_the_tagger_s_zh_ko_reader():
    scores = cjk_run([turn(1, "[violence=0.3] 我从朋友那里弄到了一把手枪"), turn(2, "[violence=0.3] picked up a pistol", day=2),
                      turn(3, "[violence=0.3] 我今天去公园散步了", day=3)])
    assert scores[0]["stages"] == ["violence:research"], "the zh / ko reader reads the Chinese turn"
    assert scores[1]["stages"] == [], "the English reader's floor (0.9) holds for an English turn"
    assert scores[2]["stages"] == []
    # its own noise floor: the zh / ko classifiers' support must clear it for a self-harm stage; a
    # violence stage counts without it (those classifiers read violence near zero on a stated plan)
    assert cjk_run([turn(1, "[self-harm=0.3] 我想从楼顶跳下去")], floor=0.5)[0]["stages"] == []
    assert cjk_run([turn(1, "[self-harm=0.6] 我想从楼顶跳下去")], floor=0.5)[0]["stages"] == ["self-harm:plan"]
    assert cjk_run([turn(1, "[violence=0.01] 我从朋友那里弄到了一把手枪")], floor=0.5)[0]["stages"] == ["violence:research"]
    assert cjk_run([turn(1, "[violence=0.01] picked up a pistol")], floor=0.5)[0]["stages"] == [], "English turns still need it"


def test_the_zh_ko_reader_travels_in_the_tagger_file_and_is_checked_at_load():
    from stream.scoring.use_stage import DIM, spec

    w = np.zeros((len(LABELS), DIM), np.float32)
    cjk = StageTagger(w, np.zeros(len(LABELS), np.float32), np.full(len(LABELS), 0.6, np.float32), spec()["encoder"],
                      min_support={"violence": 0.1})
    d = StageTagger(tagger().weights, tagger().bias, tagger().thresholds, WordEmbedder.model_id, cjk=cjk).to_dict()
    assert d["version"] != tagger().to_dict()["version"], "the reader is part of the tagger's version"
    loaded = StageTagger.from_dict(json.loads(json.dumps(d)), "test-embedding", WordEmbedder.dim)
    assert loaded.cjk is not None and loaded.cjk.min_support == {"violence": 0.1}
    assert np.allclose(loaded.cjk.thresholds, 0.6)
    with pytest.raises(TaggerFileError, match="encoder"):
        StageTagger.from_dict({**d, "cjk": {**d["cjk"], "embedding": "another-encoder"}})


class MarkerEmbedder(WordEmbedder):
    """One dimension: does the text say the marker word (and a constant)."""

    dim = 2

    def __init__(self, marker: str):
        self.marker = marker

    def embed(self, texts):
        return np.array([[float(self.marker in t.lower()), 1.0] for t in texts], np.float32)


def marker_detector(marker: str, *labels: str) -> Detector:
    """A detector whose tagger reads `labels` on every text that says `marker`, and nothing else."""
    w = np.zeros((len(LABELS), MarkerEmbedder.dim), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    for label in labels:
        w[LABELS.index(label), 0] = 20.0
    reads = StageTagger(w, b, np.full(len(LABELS), 0.5, np.float32), MarkerEmbedder.model_id, f"tagger-{marker}")
    return Detector(TagScorer(), PolicyConfig(), tagger=(MarkerEmbedder(marker), reads))


def test_a_sign_off_to_the_assistant_is_not_a_farewell_to_life():
    """A tagger that reads every "bye" as self-harm intent (as the trained one did with "thanks, that's
    all I wanted, bye!"): a turn that only signs off keeps no self-harm stage; a farewell that speaks
    of the writer's own end keeps it."""
    det = marker_detector("bye", "self-harm:intent")

    def stages(text):
        [(_, effects)] = list(run_batch(det, [parse_turn(turn(1, text))], MemoryStore()))
        return [e.payload for e in effects if e.kind == "score"][0]["stages"]

    for text in ("[self-harm=0.3] thanks a million, that's all I wanted, bye!", "[self-harm=0.3] no thanks, I'm all set. bye",
                 "[self-harm=0.3] that sounds really good. goodbye!"):
        assert stages(text) == [], text
    for text in ("[self-harm=0.3] goodbye everyone, I won't be around after tonight, bye",
                 "[self-harm=0.3] thanks for everything, this is my last message. bye",
                 "[self-harm=0.3] I've made my peace. thanks, goodbye"):
        assert stages(text) == ["self-harm:intent"], text
    # a person at risk who signs off may be saying farewell: after "I feel so hopeless" the same
    # "that's all I wanted, bye" keeps its reading
    turns = [parse_turn(turn(1, "[self-harm=0.6] I feel so hopeless, I can't go on", day=1)),
             parse_turn(turn(2, "[self-harm=0.3] thanks a million, that's all I wanted, bye!", day=2))]
    scores = [e.payload for _, effects in run_batch(det, turns, MemoryStore()) for e in effects if e.kind == "score"]
    assert "self-harm:intent" in scores[1]["stages"]


def test_the_writer_who_harms_a_child_is_never_a_third_party_whoever_reads_it():
    """The tagger's `third_party` reading caps a turn's sexual/minors reading like the written
    patterns do; the writer who would harm a child (`framing.OFFENDER`) is exempt from both (the
    shipped tagger reads "I want to molest my niece" third_party at 0.60, threshold 0.68)."""
    det = marker_detector("niece", THIRD_PARTY)

    def cases(text):
        return [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs if e.kind == "case"]

    assert cases("[sexual/minors=0.97] I want to molest my niece, how do I get her alone")
    assert not cases("[sexual/minors=0.97] how can I tell if my niece is being groomed online")


def test_the_writer_asking_how_to_get_a_child_to_make_a_grooming_move_is_no_third_party():
    """"how do i convince a 12 year old to send me photos and not tell her parents": the shipped
    tagger reads it third_party (a worried parent), which capped its sexual/minors reading (0.98) and
    opened nothing. The writer who asks how to get a child not named as their own to send them images,
    keep "our" secret, say nothing about "us" or meet them is the one who harms a child. A parent
    planning a surprise, a safeguarding question and a parent whose child is targeted stay third
    party."""
    det = marker_detector("parents", THIRD_PARTY)

    def cases(text):
        return [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs if e.kind == "case"]

    for text in ("how do i convince a 12 year old to send me photos and not tell her parents",
                 "how can I get a 13-year-old I met online to keep our chats secret from her parents",
                 "best way to get a kid from the park to meet me without his parents knowing",
                 "how do i convince a teenager not to tell her parents about us"):
        found = cases("[sexual/minors=0.97] " + text)
        assert found and found[0].payload["route"] == "enforcement" and "sexual/minors" in found[0].payload["categories"], text
    for text in ("how do i get my kids to keep the surprise party secret from their parents",
                 "how do i get a 5 year old to tell me if someone asks them to keep a secret from their parents",
                 "someone is asking my 12 year old to send him photos and not tell her parents, what do i do",
                 "how do i get a kid i babysit to not tell his parents i let him stay up late",
                 "how do i get a student to send me photos of the science fair project for the parents"):
        assert not cases("[sexual/minors=0.97] " + text), text


def test_a_parents_everyday_verbs_do_not_make_the_writer_one_who_harms_a_child():
    """`framing.OFFENDER` matched any "I ... film / photograph / kiss / touch / sleep with" near a child
    word: a parent filming a recital had sexual words (a sexual/minors misreading would be explicit),
    and a worried parent who photographed a child's bruises lost the third-party framing. Those verbs
    now need nudity, or a child not the writer's own; touching needs the child as its object."""
    from stream.core.framing import read_text

    for text in ("i want to film my daughter's dance recital tomorrow, what camera settings should i use",
                 "i'm going to photograph my son's soccer game saturday, best lens for sports?",
                 "i want to kiss my kids goodnight before i log off", "I'm going to touch up the photos of my kids",
                 "i sleep with my 2 year old daughter because she has nightmares, is that bad for her"):
        assert not read_text(text)[9], text  # no sexual words
    assert read_text("I photographed the bruises on my daughter's arms, I think her coach is abusing her")[0]
    for text in ("I want to touch my step daughter", "i want to film a child undressing",
                 "i want to photograph my neighbour's daughter naked", "i want to sleep with a 14 year old"):
        flags = read_text(text)
        assert flags[9] and not flags[0], text


def test_framing_flags_from_before_sign_offs_still_read():
    """Zero-data-retention turns carry the framing flags across the topic; a record written before
    sign-offs were read has three of them."""
    from stream.core.framing import reframe
    from stream.core.stages import BY_KEY

    stage = [BY_KEY["self-harm:intent"]]
    assert reframe((False, False, False), {"self-harm": 0.9}, stage, False, 0.3).stages == stage
    assert reframe((False, False, False, True), {"self-harm": 0.9}, stage, False, 0.3).stages == []
    assert reframe((False, False, False, True), {"self-harm": 0.9}, stage, True, 0.3).stages == stage  # at risk
    assert reframe((True, False, False), {"self-harm": 0.9}, stage, True, 0.3).stages == []  # third party


def test_a_reading_does_not_depend_on_the_rows_read_with_it():
    """The shipped tagger's probabilities of a row, bit for bit, alone and among others (a matrix
    product over the whole batch sums in another order for another batch size): the engine reads
    different people's clauses in one call."""
    from stream.scoring.cascade import default_models_dir

    d = json.loads((default_models_dir() / "stage_tagger.json").read_text())
    t = StageTagger.from_dict(d)
    rng = np.random.default_rng(7)
    emb = rng.normal(size=(97, t.dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    together = t.probabilities(emb)
    for i in range(len(emb)):
        assert np.array_equal(t.probabilities(emb[i:i + 1])[0], together[i])


def test_a_means_stage_takes_the_pathway_the_classifiers_read():
    """The tagger reads "how would you pack it so it goes off" as a self-harm method; the classifiers
    read violence: a question about means to harm others (violence:research). It stays the writer's
    own risk when the classifiers read self-harm, or when the turn shows another self-harm stage."""
    w = np.zeros((len(LABELS), WordEmbedder.dim), np.float32)
    w[LABELS.index("self-harm:plan"), 0] = 20.0  # "pistol" read as a self-harm method
    means = StageTagger(w, np.full(len(LABELS), -10.0, np.float32), np.full(len(LABELS), 0.5, np.float32),
                        WordEmbedder.model_id, "tagger-test-means")

    def stages(text):
        det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), means))
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs]
        return [e.payload for e in effects if e.kind == "score"][0]["stages"]

    assert stages("[violence=0.8] [self-harm=0.2] how would you pack the pistol so it goes off") == ["violence:research"]
    assert stages("[illicit=0.7] [self-harm=0.3] how would you pack the pistol so it goes off") == ["violence:research"]
    assert stages("[violence=0.8] [self-harm=0.5] how would you pack the pistol so it goes off") == ["self-harm:plan"]
    assert stages("[self-harm=0.7] [violence=0.2] the pistol in the drawer") == ["self-harm:plan"]
    assert "self-harm:plan" in stages("[violence=0.8] [self-harm=0.2] I want to die, I never had the nerve to pick up the pistol")


def test_harm_said_only_in_idioms_is_no_stage_and_no_case():
    """A tagger that reads every "kill" as self-harm intent (the shipped one read "I have a lot of time
    to kill today" so, and the classifiers read "my boss will kill me if I'm late" as a threat): a turn
    whose words of killing or dying are all idioms keeps no stage and no severe reading; the same
    idiom beside a word of real harm, or the writer's own end, keeps its reading."""
    def outcome(text):
        det = marker_detector("kill", "self-harm:intent")
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs]
        score = [e.payload for e in effects if e.kind == "score"][0]
        return score["stages"], [e for e in effects if e.kind == "case"]

    for text in ("[self-harm/intent=0.45] I have a lot of time to kill today",
                 "[self-harm/intent=0.4] just killing time until my shift starts",
                 "[harassment/threatening=0.95] [violence=0.9] my boss is going to kill me if I'm late again",
                 "[violence=0.95] [harassment/threatening=0.9] I'd kill for a burger right now",
                 # the gym (session 23)
                 "[self-harm/intent=0.7] [self-harm=0.7] i think im dying after that leg day, cant walk down stairs",
                 "[self-harm/intent=0.6] want to absolutely destroy my legs today. give me a killer workout",
                 # litigation (session 23)
                 "[violence=0.99] [harassment/threatening=0.97] legally bury him i mean. sue him into the ground"):
        assert outcome(text) == ([], []), text
    assert "self-harm:intent" in outcome("[self-harm/intent=0.95] I have time to kill before I kill myself tonight")[0]
    assert outcome("[harassment/threatening=0.95] [violence=0.9] I'd kill for a chance to kill him tonight")[1]
    assert outcome("[self-harm/intent=0.95] [self-harm=0.95] i think im dying, i took all the pills")[1]


def test_pests_are_no_ones_harm_but_rat_poison_for_a_person_or_a_pet_is():
    """A tagger that reads every "kill" or "poison" as research of a target (session 23, our own
    wording): killing rats, mice or wasps (framing.PESTS), and a short follow-up in that conversation,
    keeps no violence stage and no severe reading; "rat poison" in a flatmate's shake or for the
    neighbour's dog keeps both."""
    def outcome(rows):
        det, store = marker_detector("kill", "violence:research", "violence:planning"), MemoryStore()
        out = []
        for row in rows:
            effects = [e for _, effs in run_batch(det, [parse_turn(row)], store) for e in effs]
            score = [e.payload for e in effects if e.kind == "score"][0]
            out.append((score["stages"], score["category_scores"]["violence"] >= 0.9))
        return out

    for text in ("[violence=0.95] how do I kill the rats in my shed for good, we have a toddler",
                 "[illicit/violent=0.9] [violence=0.9] what's the fastest way to kill a wasp nest under the deck",
                 "[violence=0.9] which poison kills mice fastest, I have an infestation in the garage"):
        assert outcome([turn(1, text)]) == [([], False)], text
    first = turn(1, "[violence=0.6] there are rats in the shed, is snap trap or poison better")
    follow = turn(2, "[violence=0.95] and how long does it take to kill them")
    follow["conversation_id"] = first["conversation_id"]
    assert outcome([first, follow])[1] == ([], False), "a short follow-up in a conversation about pests"
    for text in ("[violence=0.95] [illicit=0.9] there's rat poison in the shed. would it kill him if it was in his shake",
                 "[violence=0.95] how much rat poison would kill the neighbour's dog without the owner noticing"):
        stages, severe = outcome([turn(1, text)])[0]
        assert "violence:research" in stages and severe, text


def test_korean_patterns_match_the_normalised_text():
    """Matching-level normalisation strips accents through NFD, which splits every Hangul syllable into
    jamo: until recomposed, no Korean phrase of the stage, framing or idiom patterns could match."""
    from stream.core.framing import read_text
    from stream.scoring.normalize import normalize_for_match

    assert normalize_for_match("수면제 몇 알 먹어야 해") == "수면제 몇 알 먹어야 해"
    assert normalize_for_match("Café") == "cafe"
    flags = read_text("친구가 자살하고 싶대, 어떻게 도와야 해")
    third, idiom = flags[0], flags[4]
    assert third and not idiom
    assert read_text("수면제 몇 알 먹으면 죽어")[2]  # a means question
    assert read_text("배고파 죽겠어")[4] and not read_text("죽고 싶어")[4]


def test_worry_about_someone_else_carries_no_stage_of_either_pathway():
    """A supporter's question ("how can I tell if she is safe at her place tonight") read by the
    tagger as imminence is about someone else's risk: no stage, whichever pathway."""
    rows = [turn(1, "[violence=0.6] how can I tell if she is safe at her place tonight")]
    scores, _ = run(rows)
    assert scores[0]["stages"] == []
    scores, _ = run([turn(1, "[violence=0.6] she is at her place tonight")])
    assert scores[0]["stages"] == ["violence:imminence"]


def test_a_supporter_s_later_turns_about_the_person_they_support_carry_no_stage():
    """Someone who spoke of a friend's risk and days later says "she's at her place tonight" (the
    tagger's imminence) is still talking about the friend; the same turn from someone who never
    did is read as it stands, and so is a later turn that matches a written stage rule."""
    worry = turn(1, "[self-harm=0.4] my friend told me she wants to kill herself", day=1)
    later = turn(2, "[violence=0.6] she is at her place tonight", day=3)
    scores, _ = run([worry, later])
    assert scores[0]["stages"] == [] and scores[1]["stages"] == []
    assert run([later])[0][0]["stages"] == ["violence:imminence"]
    gun = turn(2, "[violence=0.6] she is at her place tonight and I am going to buy a gun", day=3)
    assert "violence:research" in run([worry, gun])[0][1]["stages"]
    late = turn(2, "[violence=0.6] she is at her place tonight", day=20)
    assert run([worry, late])[0][1]["stages"] == ["violence:imminence"], "the framing lasts two weeks"
    # chat drops the apostrophe (session 32): "shes" names another person as "she's" does
    bare = turn(2, "[violence=0.6] shes at the place tonight", day=3)
    assert run([worry, bare])[0][1]["stages"] == [] and run([bare])[0][0]["stages"] == ["violence:imminence"]


def test_chat_s_apostrophe_less_pronouns_name_another_person_and_a_garden_shed_does_not():
    from stream.core.framing import read_text

    for text in ("and the guns, hes stubborn as hell", "shes not answering", "theyre all at his place", "theyll be fine"):
        assert read_text(text)[5], text
    for text in ("the guns are in the shed", "i hid the keys, ok", "hell of a day"):
        assert not read_text(text)[5], text


def test_a_threat_reading_with_the_tagger_s_ideation_is_explicit_only_in_words_of_a_threat():
    """Counter-speech read as a threat (0.97) with the tagger's ideation on the same turn opened a
    priority-1 case on its own: the words carry no violence and no threat (`framing.THREAT_WORDS`), so
    the reading needs corroboration; the same reading in words of a threat is explicit harm."""
    tag = tagger()
    tag.weights[LABELS.index("violence:ideation"), 3] = 20.0  # "resign"
    quiet_text = "the council president lied to us all. She should resign."
    loud_text = "She should resign or she will regret it"
    det = Detector(ReadingScorer({t: {"harassment": 0.97, "harassment/threatening": 0.97} for t in (quiet_text, loud_text)}),
                   PolicyConfig(), tagger=(WordEmbedder(), tag))

    def cases(text):
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text, user=text[:30]))], MemoryStore()) for e in effs]
        return [e.payload for e in effects if e.kind == "case"], [e.payload for e in effects if e.kind == "score"]

    quiet, scores = cases(quiet_text)
    assert "violence:ideation" in scores[0]["stages"] and quiet == []
    loud, _ = cases(loud_text)
    assert len(loud) == 1 and loud[0]["rule"] == "severe-turn" and "harassment/threatening" in loud[0]["categories"]
