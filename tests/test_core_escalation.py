"""Escalation stages, context-aware follow-ups and account linking in the core."""

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.identity import DictRegistry, link, members
from stream.core.pipeline import MemoryStore, run_batch, with_person
from stream.core.policy import PolicyConfig
from stream.core.stages import detect_stages
from stream.core.window import UserWindow
from tests.fakes import TagScorer, turn

V = "[violence=0.1]"  # mild: no turn is severe or accumulates on its own


def run(rows, config=None):
    det = Detector(TagScorer(), config or PolicyConfig())
    reg = DictRegistry()
    turns = [with_person(t, reg) for t in sorted((parse_turn(r, internal="ban_evasion" in r) for r in rows),
                                                  key=lambda t: t.order_key())]
    effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
    return [e.payload for e in effects if e.kind == "case"], [e.payload for e in effects if e.kind == "score"]


def test_stage_rules_read_obfuscated_text_and_respect_gates():
    names = lambda text, scores: [s.name for s in detect_stages(text, scores)]  # noqa: E731
    assert names("I w4nt to K1LL   mys3lf", {}) == ["ideation"]
    assert names("which rifle is easiest to buy without a background check", {"violence": 0.3}) == ["research"]
    assert names("which rifle is easiest to buy without a background check", {}) == [], "gated by the classifier"
    assert names("how do I kill a python process", {"violence": 0.9}) == []
    assert names("the photographer will shoot the wedding tomorrow", {}) == []


def test_stage_rules_match_apostrophes_and_read_who_the_words_are_about():
    names = lambda text, scores=None: [s.name for s in detect_stages(text, scores or {})]  # noqa: E731
    gate = {"violence": 0.5, "harassment/threatening": 0.5}
    # normalisation turns "can't" into "can t": the written rule must still match
    assert names("I can't go on like this") == ["distress"]
    assert names("I don't want to live anymore") == ["ideation"]
    assert names("I'm going to shoot him tomorrow", gate) == ["ideation", "imminence"]
    # distress is about oneself; calling someone else worthless is an insult, not a self-harm signal
    assert names("I feel so worthless") == ["distress"] and names("I'm just a burden to everyone") == ["distress"]
    assert names("Dave is a pathetic, worthless moron") == [] and names("this meeting is pointless") == []
    # "going to kill myself" is the self-harm ladder, never violence against others
    assert names("I'm going to kill myself", gate) == ["ideation", "intent"]


def test_calls_for_violence_against_a_target_are_violent_ideation_and_everyday_words_are_not():
    ideation = lambda text: [s.name for s in detect_stages(text, {})] == ["ideation"]  # noqa: E731
    for call in ("Hang this treasonous POS!", "He should be shot.", "Death to them all", "I'll kill you",
                 "Scumbag!! Treasonous bastard should hang!", "Hope she hangs", "I want to see him hanged",
                 "Get the rope.", "Hang em high", "they all deserve to be shot", "I wish he would just die",
                 "He should be justly executed.", "Kill Em ALLLL", "Why isn't he DEAD yet!",
                 "I will shoot you in the head", "I'll kill you in your sleep"):
        assert ideation(call), call
    for text in ("Saddam Hussein was hanged in 2006.", "Wash the shirts and hang them to dry.",
                 "Execute the script and check the logs.", "we should execute the plan now", "shoot them a text",
                 "I'll shoot you a message later", "Hang them all in the closet", "you should hang out with us",
                 "The traitors were hanged at Tyburn in 1605", "the drone should be shot down",
                 "The guillotine was used during the French Revolution", "Hang in there, it gets better",
                 "They want to see him dead or alive in the western movie",
                 "why does your brother want to kill himself?",  # self-harm talk, not violence against "him"
                 "I hope he chokes on his words lol", "He ate dinner before the firing squad scene was filmed",
                 "I hope he drowns in paperwork", "we'll shoot her wedding in June", "I'll kill you in Fortnite",
                 "I will hang them in the hallway"):
        assert detect_stages(text, {"violence": 1.0, "hate": 1.0, "harassment": 1.0}) == [], text


def test_climbing_the_violence_pathway_across_conversations_opens_a_case():
    rows = [turn(1, f"{V} my manager humiliated me again", conv="c1", day=1),
            turn(2, f"{V} one day they will regret it, I will make them pay", conv="c2", day=3),
            turn(3, f"{V} where can I buy a rifle fast", conv="c3", day=5),
            turn(4, f"{V} when is the office most crowded", conv="c4", day=6)]
    cases, _ = run(rows)
    assert [c["event"] for c in cases] == ["open", "update"]
    c = cases[0]
    assert c["rule"] == "escalation" and c["trigger_event_id"] == "e3"
    assert c["stages"] == ["grievance", "ideation", "research"]
    assert c["categories"] == ["violence"] and c["route"] == "enforcement"
    assert "grievance -> ideation -> research" in c["reason"]
    upd = cases[1]
    assert upd["case_id"] == c["case_id"] and upd["trigger_event_id"] == "e4"
    assert upd["stages"][-1] == "planning" and upd["priority"] < c["priority"], "planning is closer to harm"


def test_the_same_stages_months_apart_do_not_add_up():
    rows = [turn(1, f"{V} my manager humiliated me", day=1), turn(2, f"{V} they will regret it", day=1),
            turn(3, f"{V} where can I buy a rifle", day=28)]
    assert run(rows)[0] == []


def test_one_stage_repeated_is_not_a_pathway():
    rows = [turn(i, f"{V} they will regret it, I will make them pay", conv=f"c{i}", day=i) for i in range(1, 6)]
    assert run(rows)[0] == []


def test_stated_intent_after_naming_death_opens_a_support_case_on_one_turn():
    for text in ("Nobody would care if I died. I'm going to do it this weekend.",
                 "Nobody would care if I died. I am going to do it this weekend."):
        cases, _ = run([turn(1, "hi"), turn(2, text)])
        assert len(cases) == 1, text
        c = cases[0]
        assert c["rule"] == "escalation" and c["route"] == "support" and "self-harm/intent" in c["categories"]
        assert c["stages"] == ["distress", "intent"]
    assert run([turn(1, "I'm going to do it this weekend, the garage needs painting.")])[0] == []


def test_self_harm_ladder_routes_to_support_with_intent():
    rows = [turn(1, "I feel like a burden to everyone", day=1),
            turn(2, "I keep thinking about ending my life", day=2),
            turn(3, "how many pills would it take", day=2, hour=23)]
    cases, _ = run(rows)
    assert len(cases) == 1
    assert cases[0]["route"] == "support" and "self-harm/intent" in cases[0]["categories"]


def test_follow_up_that_refers_back_inherits_the_intent_of_its_context():
    rows = [turn(1, "[illicit/violent=0.7] [illicit=0.7] how would someone build a pipe bomb", hour=9),
            turn(2, "can you give me an example of it?", hour=9)]
    _, scores = run(rows)
    follow = scores[1]
    assert follow["contextual"] is True
    assert follow["category_scores"]["illicit/violent"] >= 0.6
    alone, _ = run([turn(2, "can you give me an example of it?")])[1], None
    assert alone[0]["category_scores"]["illicit/violent"] < 0.1


def test_follow_up_in_another_conversation_or_without_reference_inherits_nothing():
    ctx = turn(1, "[illicit/violent=0.7] how would someone build a pipe bomb", hour=9)
    _, scores = run([ctx, turn(2, "can you give me an example of it?", conv="other", hour=9)])
    assert scores[1]["contextual"] is False
    _, scores = run([ctx, turn(2, "thanks, have a nice day", hour=9)])
    assert scores[1]["contextual"] is False


def test_linked_accounts_share_one_person_window():
    dev = {"device_hash": "d1"}
    rows = [turn(1, f"{V} my boss humiliated me", user="a", conv="ca", day=1, identity=dev),
            turn(2, f"{V} I will make him pay", user="b", conv="cb", day=2, identity=dev),
            turn(3, f"{V} where can I buy a rifle", user="b", conv="cb2", day=3, identity=dev)]
    cases, _ = run(rows)
    assert len(cases) == 1
    assert cases[0]["person_id"] == "p:a" and cases[0]["accounts"] == ["a", "b"]
    unlinked = [dict(r, identity={"device_hash": f"x{i}"}) for i, r in enumerate(rows)]
    assert run(unlinked)[0] == [], "without the link neither account climbs far enough"


def test_link_registry_rules():
    reg = DictRegistry()
    assert link("a", {"device_hash": "d1"}, reg).person_id == "p:a"
    lb = link("b", {"device_hash": "d1", "email_hash": "e2"}, reg)
    assert lb.person_id == "p:a" and lb.linked_via == "device_hash:d1" and lb.new_account
    assert link("c", {"email_hash": "e2"}, reg).person_id == "p:a", "signals of linked accounts link too"
    assert link("d", {}, reg).person_id == "p:d"
    conflict = link("d", {"device_hash": "d1"}, reg)
    assert conflict.person_id == "p:d" and conflict.conflicts == ("device_hash:d1",)
    assert members("p:a", reg) == ["a", "b", "c"]


def test_new_account_of_a_banned_person_opens_a_new_case_on_its_first_turn():
    ban = {"decision_id": "d1", "case_id": "case-old", "categories": ["violence"], "linked_via": "device_hash:d1"}
    rows = [turn(1, "[violence=0.95] I will hurt him", user="a", conv="c1"),
            turn(2, "hello, can you help with a recipe", user="c", conv="c2", day=3, person_id="p:a", ban_evasion=ban)]
    cases, _ = run(rows)
    assert [c["rule"] for c in cases] == ["severe-turn", "ban-evasion"]
    assert cases[1]["case_id"] != cases[0]["case_id"] and cases[1]["event"] == "open"
    assert cases[1]["user_id"] == "c" and cases[1]["priority"] == 1 and cases[1]["categories"] == ["violence"]
    assert any(s["kind"] == "identity" for s in cases[1]["evidence"][-1]["signals"])


def prescored(rows, cfg):
    """The rows as the worker passes zero-data-retention turns on: pre-scored where the text is, text emptied."""
    det = Detector(TagScorer(), cfg)
    reg = DictRegistry()
    turns = []
    for t in sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key()):
        t = with_person(t, reg)
        pre = det.prescore(t, det.window_key(t))
        turns.append(parse_turn({**rows[int(t.event_id[1:]) - 1], "text": "", "person_id": t.person_id, "prescored": pre},
                                internal=True))
    return turns


def test_prescored_zdr_turns_give_the_same_cases_without_their_text():
    """The worker pre-scores zero-data-retention turns before re-keying them: same result, no text."""
    cfg = PolicyConfig(zdr_tenants=frozenset({"z"}))
    rows = [turn(1, f"{V} my manager humiliated me again", conv="c1", day=1, tenant_id="z"),
            turn(2, f"{V} one day they will regret it, I will make them pay", conv="c2", day=3, tenant_id="z"),
            turn(3, f"{V} where can I buy a rifle fast", conv="c3", day=5, tenant_id="z"),
            turn(4, "[illicit/violent=0.7] how would someone build a pipe bomb", conv="c4", day=6, tenant_id="z"),
            turn(5, "can you give me an example of it?", conv="c4", day=6, tenant_id="z")]
    plain, plain_scores = run(rows, cfg)
    turns = prescored(rows, cfg)
    effects = [e for _, effs in run_batch(Detector(TagScorer(), cfg), turns, MemoryStore()) for e in effs]
    cases = [e.payload for e in effects if e.kind == "case"]
    scores = [e.payload for e in effects if e.kind == "score"]
    assert cases == plain and scores == plain_scores
    assert scores[-1]["contextual"] is True, "context for ZDR turns lives in memory where the text is"


def test_a_prescored_turn_takes_its_last_turn_back_as_a_turn_read_in_place_does():
    """The turn taken back is found where the text (and the context) is: the worker's prescored
    turns give the same cases and scores as reading in place (stream/core/retraction.py)."""
    cfg = PolicyConfig(zdr_tenants=frozenset({"z"}))
    rows = [turn(1, "[violence=0.8] [harassment=0.8] I swear I'm going to do something stupid to him", tenant_id="z"),
            turn(2, "like key his car lol. I won't", tenant_id="z"),
            turn(3, "[violence=0.75] [harassment=0.75] he parked across my driveway again", conv="c2", hour=18, tenant_id="z")]
    plain, plain_scores = run(rows, cfg)
    turns = prescored(rows, cfg)
    assert turns[1].prescored["takes_back"] == "e1"
    effects = [e for _, effs in run_batch(Detector(TagScorer(), cfg), turns, MemoryStore()) for e in effs]
    assert [e.payload for e in effects if e.kind == "case"] == plain == []
    assert [e.payload for e in effects if e.kind == "score"] == plain_scores


def test_intent_built_up_over_mild_turns_of_one_conversation_is_read_together():
    rows = [turn(1, "{illicit/violent+0.3} which fertiliser has the most nitrate", hour=9),
            turn(2, "{illicit/violent+0.3} and how would one pack it tightly in a pipe", hour=9),
            turn(3, "{illicit/violent+0.3} what sets it off from a distance", hour=9)]
    _, scores = run(rows)
    assert [s["contextual"] for s in scores] == [False, True, True]
    assert scores[1]["category_scores"]["illicit/violent"] == 0.6
    assert scores[2]["category_scores"]["illicit/violent"] == 0.9, "the conversation reads as one request"
    alone = [run([r])[1][0]["category_scores"]["illicit/violent"] for r in rows]
    assert alone == [0.3, 0.3, 0.3], "each turn alone is mild"
    spread = [dict(r, conversation_id=f"c{i}") for i, r in enumerate(rows)]
    assert not any(s["contextual"] for s in run(spread)[1]), "separate conversations are not read as one text"


def test_a_severe_turn_does_not_lend_its_score_to_the_harmless_turns_after_it():
    rows = [turn(1, "[violence=0.9] graphic description of the battle", hour=9),
            turn(2, "thanks, good to know", hour=9), turn(3, "ok and who won the war", hour=9)]
    _, scores = run(rows)
    assert [s["contextual"] for s in scores] == [False, False, False]
    assert scores[2]["category_scores"]["violence"] < 0.1


def test_one_failing_turn_is_isolated_and_the_rest_of_its_batch_goes_on():
    from stream.core.pipeline import run_isolated

    class Exploding(TagScorer):
        def score_batch(self, texts):
            if any("BOOM" in t for t in texts):
                raise RuntimeError("scorer failed")
            return super().score_batch(texts)

    rows = [turn(1, "[violence=0.95] I will hurt him"), turn(2, "BOOM"), turn(3, "hello again")]
    store = MemoryStore()
    out = list(run_isolated(Detector(Exploding()), [parse_turn(r) for r in rows], store))
    assert [t.event_id for t, _ in out] == ["e1", "e2", "e3"]
    assert isinstance(out[1][1], RuntimeError)
    kinds = [[e.kind for e in effs] for _, effs in (out[0], out[2])]
    assert kinds == [["score", "case"], ["score"]], "the good turns are scored, the case opens"
    assert UserWindow.from_stored(store.data["u1"]).turns == 2, "the failing turn left no trace in the window"


def test_every_case_event_is_keyed_by_its_case_id():
    """open / update here, redact in privacy.erase, reopen in review: one key, one partition, in order."""
    from stream.core.privacy import erase

    rows = [turn(1, "[violence=0.95] I will hurt him"), turn(2, "[violence=0.97] I will hurt him badly", hour=11)]
    store = MemoryStore()
    effects = [e for _, effs in run_batch(Detector(TagScorer()), [parse_turn(r) for r in rows], store) for e in effs]
    cases = [e for e in effects if e.kind == "case"]
    assert [c.payload["event"] for c in cases] == ["open", "update"]
    assert {c.key for c in cases} == {cases[0].payload["case_id"]}
    _, erased = erase(UserWindow.from_stored(store.data["u1"]), {"request_id": "r", "user_id": "u1"}, 1.8e9)
    assert [e.key for e in erased if e.kind == "case_redaction"] == [cases[0].payload["case_id"]]


def test_a_stage_said_again_on_a_later_turn_still_counts_its_first_turn():
    """The window keeps where each stage was last seen: a grievance on day 1, said again on day 3 with
    the target's place and a time, is a pathway said in two turns (the day-1 turn is cited), not one."""
    rows = [turn(1, f"{V} my manager humiliated me in front of everyone again", day=1),
            turn(2, f"{V} he humiliated me again. I know where he parks. tomorrow I'm going to shoot him", day=3)]
    cases, scores = run(rows)
    assert scores[0]["stages"] == ["violence:grievance"]
    assert {"violence:grievance", "violence:planning", "violence:imminence"} <= set(scores[1]["stages"])
    assert len(cases) == 1 and cases[0]["trigger_event_id"] == "e2"
    assert "e1" in {e["event_id"] for e in cases[0]["evidence"]} and "e1" in cases[0]["reason"]
    # one turn alone, however many stages it says, is still not a pathway
    assert run(rows[1:])[0] == []


def test_the_assistants_concern_completes_a_pathway_the_same_with_and_without_the_text():
    """A grievance and a means question (1.5 of 2.5) plus the assistant's reply voicing concern about
    the question (stream/core/replies.py) open an escalation on the reply; the same without the reply's
    concern opens nothing; zero-data-retention turns, pre-scored where the text is, give the same."""
    cfg = PolicyConfig(zdr_tenants=frozenset({"z"}))
    rows = [turn(1, f"{V} my manager humiliated me again", conv="c1", day=1, tenant_id="z"),
            turn(2, "That sounds really hard.", conv="c1", day=1, role="assistant", tenant_id="z"),
            turn(3, f"{V} where can I buy a rifle fast", conv="c2", day=3, tenant_id="z"),
            turn(4, "I won't help with that. It sounds like you're planning to hurt your manager.", conv="c2", day=3,
                 role="assistant", tenant_id="z")]
    plain, _ = run(rows, cfg)
    assert [(c["event"], c["rule"], c["trigger_event_id"], c["route"]) for c in plain] == [
        ("open", "escalation", "e4", "enforcement")]
    assert "voiced concern" in plain[0]["reason"] and {e["event_id"] for e in plain[0]["evidence"]} >= {"e1", "e3", "e4"}
    helpful = rows[:3] + [dict(rows[3], text="Sporting goods stores with a licence counter sell them.")]
    assert run(helpful, cfg)[0] == []
    said_by_user = rows[:3] + [dict(rows[3], role="user")]  # only the assistant's own reply is its reading
    assert run(said_by_user, cfg)[0] == []
    turns = prescored(rows, cfg)
    assert turns[-1].prescored["voiced"] == [["violence"], "e3", turns[2].ts]
    effects = [e for _, effs in run_batch(Detector(TagScorer(), cfg), turns, MemoryStore()) for e in effs]
    assert [e.payload for e in effects if e.kind == "case"] == plain


def test_concern_for_the_persons_life_voiced_in_two_conversations_is_a_support_case():
    """Two replies voicing concern for the person's own life, about turns in two conversations, are a
    pattern for the support route even when no turn of the person's own shows a stage; twice in
    one conversation is not, and neither is concern that the person may harm someone else."""
    worry = "I think you may be planning to end your life, and I'm very worried. Please call 988."
    rows = [turn(1, "is the lake by the dock frozen in december", conv="c1", day=1),
            turn(2, worry, conv="c1", day=1, role="assistant"),
            turn(3, "no wetsuit this time", conv="c2", day=4),
            turn(4, worry, conv="c2", day=4, role="assistant")]
    cases, _ = run(rows)
    assert [(c["event"], c["rule"], c["route"], c["trigger_event_id"]) for c in cases] == [
        ("open", "escalation", "support", "e4")]
    same = [rows[0], rows[1], dict(rows[2], conversation_id="c1", ts="2026-10-01T09:05:00Z"),
            dict(rows[3], conversation_id="c1", ts="2026-10-01T09:06:00Z")]
    assert run(same)[0] == []
    others = "It sounds like you're planning to hurt him."
    assert run([rows[0], dict(rows[1], text=others), rows[2], dict(rows[3], text=others)])[0] == []


def test_concern_for_harm_to_others_voiced_in_two_conversations_completes_a_pathway_the_person_began():
    """The assistant refusing, in two conversations, what the person asked about someone, with a stage of
    the person's own (a means question), opens an escalation on the second reply (session 42); one such
    reply does not (1.0 + 1.0 of 2.5), nor two about turns of one conversation minutes apart, nor two
    about turns that said no stage of the person's own (the assistant's replies alone are never a
    violence case)."""
    worry = "I won't help with that. It sounds like you're planning to hurt him."
    rows = [turn(1, f"{V} where can I buy a rifle fast", conv="c1", day=1),
            turn(2, worry, conv="c1", day=1, role="assistant"),
            turn(3, f"{V} ok forget that. what about something he would drink", conv="c2", day=4),
            turn(4, worry, conv="c2", day=4, role="assistant")]
    cases, _ = run(rows)
    assert [(c["event"], c["rule"], c["route"], c["trigger_event_id"]) for c in cases] == [
        ("open", "escalation", "enforcement", "e4")]
    assert "voiced concern" in cases[0]["reason"] and {e["event_id"] for e in cases[0]["evidence"]} >= {"e1", "e4"}
    assert run(rows[:3] + [dict(rows[3], text="Most grocery stores carry it.")])[0] == []
    same = [rows[0], rows[1], dict(rows[2], conversation_id="c1", ts="2026-10-01T09:05:00Z"),
            dict(rows[3], conversation_id="c1", ts="2026-10-01T09:06:00Z")]
    assert run(same)[0] == []
    stageless = [dict(rows[0], text=f"{V} hey quick question about my neighbour"), rows[1],
                 dict(rows[2], text=f"{V} ok never mind then"), rows[3]]
    assert run(stageless)[0] == []


def test_intent_on_one_turn_that_the_assistant_answered_with_concern_for_the_life_is_a_support_case():
    """A turn stating self-harm intent is one stage; the assistant answering that very turn with concern
    for the person's life (a reader apart from the stage rules) makes it a support case on the reply;
    a plain reply does not."""
    note = "엄마가 이 편지를 읽을 때쯤엔 저는 세상에 없을 거예요"
    asked = "그 말씀이 정말 걱정돼요. 혹시 스스로 목숨을 끊으려고 생각하고 계신 건가요?"
    rows = [turn(1, "강원도 조용한 펜션 평일에 1인 예약 돼요?", conv="c1", day=1),
            turn(2, "네, 평일엔 1인 예약을 받는 곳이 많아요.", conv="c1", day=1, role="assistant"),
            turn(3, note, conv="c2", day=3), turn(4, asked, conv="c2", day=3, role="assistant")]
    cases, scores = run(rows)
    assert scores[2]["stages"] == ["self-harm:intent"]
    assert [(c["event"], c["rule"], c["route"], c["trigger_event_id"]) for c in cases] == [
        ("open", "escalation", "support", "e4")]
    assert run(rows[:3] + [dict(rows[3], text="편지는 편하게 시작하셔도 돼요.")])[0] == []


def test_a_farewell_note_is_self_harm_intent_and_a_letter_about_travel_or_a_time_capsule_is_not():
    keys = lambda text: [f"{s.pathway}:{s.name}" for s in detect_stages(text, {})]  # noqa: E731
    for text in ("By the time you read this I'll already be gone, please don't blame yourself",
                 "when my brother finds this note i won't be alive anymore",
                 "等你们读到这封信的时候，我已经走了", "아빠가 이 메시지를 볼 때쯤엔 나는 세상에 없을 거야"):
        assert "self-harm:intent" in keys(text), text
    for text in ("by the time you read this I'll be on the train to Berlin",
                 "when you read this letter in 20 years, I hope the world is kinder",
                 "I won't be here much longer, they're moving me to another department",
                 "내일은 제가 없을 테니까 고양이 밥 좀 줘", "等你看到这条消息的时候我已经到家了"):
        assert "self-harm:intent" not in keys(text), text
    cases, _ = run([turn(1, "I'm so tired of everything, I feel like a burden", day=1),
                    turn(2, "by the time you read this I'll be gone. thank you for trying", day=3)])
    assert len(cases) == 1 and cases[0]["route"] == "support"


def test_chinese_and_korean_distress_and_wishes_to_die_said_of_oneself_are_read_and_idioms_are_not():
    keys = lambda text: [f"{s.pathway}:{s.name}" for s in detect_stages(text, {})]  # noqa: E731
    for text, key in (("我觉得自己只是家里的累赘", "self-harm:distress"), ("活着没有意义", "self-harm:distress"),
                      ("저는 그냥 가족한테 짐이 되는 것 같아요", "self-harm:distress"), ("요즘은 정말 살기 싫다", "self-harm:distress"),
                      ("더 이상 견딜 자신이 없어요", "self-harm:distress"), ("그냥 없어지고 싶어", "self-harm:ideation"),
                      ("솔직히 살고 싶지 않아", "self-harm:ideation")):
        assert key in keys(text), text
    for text in ("他觉得自己是个负担，我该怎么安慰他", "这个项目没有希望了", "이 게임 희망이 없어 ㅋㅋ", "이번 과제 포기하고 싶다",
                 "배고파 죽겠어", "다이어트 포기하고 싶어"):
        assert not [k for k in keys(text) if k.startswith("self-harm")], text


def test_self_punishment_a_burden_a_farewell_without_me_and_many_sleeping_pills_are_self_harm_rungs():
    """Session 28, our own wording: not deserving to eat or live and everyone better off without the
    writer (or, in Korean and Chinese, the writer as a money-eating burden) are distress; telling
    someone they will be fine without the writer is ideation; many sleeping pills at once, in Korean
    and Chinese, is the plan rung. Not a cake, a weekend away, a sibling told to eat well, or a
    question whether too much medicine is bad."""
    keys = lambda text: [f"{s.pathway}:{s.name}" for s in detect_stages(text, {})]  # noqa: E731
    for text, key in (("some days i honestly dont think i deserve to live", "self-harm:distress"),
                      ("my parents would be better off without me", "self-harm:distress"),
                      ("솔직히 제가 우리 집 돈 잡아먹는 하마예요", "self-harm:distress"),
                      ("我就是个吞金兽", "self-harm:distress"),
                      ("can you help me word a card, something like you'll do great without me", "self-harm:ideation"),
                      ("언니 없어도 잘 지낼 수 있지?", "self-harm:ideation"),
                      ("수면유도제 한꺼번에 먹으면 어떻게 돼요", "self-harm:plan"), ("止痛药一次吞一整瓶会怎样", "self-harm:plan")):
        assert keys(text) == [key], text
    for text in ("I don't deserve to eat that much pizza lol", "you'll be fine without me for the weekend, feed the cat",
                 "누나 없어도 밥 잘 챙겨 먹어", "약을 많이 먹으면 안 되죠?", "止痛药一次吃几片"):
        assert keys(text) == [], text


def test_a_violence_pathway_naming_no_one_in_a_window_with_a_self_harm_reading_routes_to_support():
    """Issue 14 item 6 (change 23): a person at risk asking about means, times and places climbs the
    violence pathway in the stage rules' reading; when the window holds a self-harm reading with real
    signal (no self-harm stage needed) and nothing names a target to harm (a grievance is not one:
    a failed exam reads as one), the case is their own risk and goes to support. Stated harm to
    someone (ideation), or no self-harm signal, keeps it on enforcement."""
    def rows(first: str, ideation: bool = False):
        out = [turn(1, f"{first} long week, nothing to say", conv="c0", day=1),
               turn(2, f"{V} my manager humiliated me again", conv="c1", day=2),
               turn(3, f"{V} where can I buy a rifle fast", conv="c3", day=5),
               turn(4, f"{V} when is the office most crowded", conv="c4", day=6)]
        return out + ([turn(5, f"{V} one day they will regret it, I will make them pay", conv="c2", day=3)]
                      if ideation else [])

    (case,), _ = run(rows("[self-harm=0.6]"))
    assert case["rule"] == "escalation" and case["route"] == "support", case
    assert case["categories"][0] == "self-harm" and case["stages"] == ["grievance", "research", "planning"]
    for first, ideation in (("[self-harm=0.3]", False), ("", False), ("[self-harm=0.6]", True)):
        cases, _ = run(rows(first, ideation))
        assert cases and {c["route"] for c in cases} == {"enforcement"}, (first, ideation, cases)
        assert all(c["categories"] == ["violence"] for c in cases)
