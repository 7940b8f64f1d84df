"""Issue 14, out-of-family benign people: a person's evidence is each turn's own reading.

What a short follow-up inherits from its context is the context turn's reading again: it shows on
the score, but is never a second severe reading, a corroboration of the turn it came from, or
another peak. A stage or a build-up read only when the conversation is read together belongs to
the newest turn only when that turn takes part in it. A learned stage needs more support from the
classifiers than everyday requests get. A request stage backs no earlier severe reading."""

import numpy as np

from stream.core import context
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.tagger import LABELS, StageTagger
from tests.fakes import TagScorer, turn
from tests.test_core_tagger import WORDS, WordEmbedder, marker_detector, tagger


def run(rows, tag=None):
    det = Detector(TagScorer(), PolicyConfig(), tagger=(WordEmbedder(), tag) if tag is not None else None)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
    return {e.payload["event_id"]: e.payload for e in effects if e.kind == "score"}, [e.payload for e in effects if e.kind == "case"]


def test_a_follow_up_inherits_on_its_score_but_is_not_a_second_severe_reading():
    scene = turn(1, "[violence=0.95] [harassment/threatening=0.7] how should the final fight on the roof go")
    scores, cases = run([scene, turn(2, "ok thanks, that is it")])
    assert scores["e2"]["contextual"] and scores["e2"]["category_scores"]["violence"] == 0.95, "the score shows it"
    assert cases == [], "one misread reading, copied onto a follow-up, does not corroborate itself"
    # a follow-up with a reading of its own is a second reading
    _, cases = run([scene, turn(2, "[harassment/threatening=0.9] and then I'll do the same to him")])
    assert len(cases) == 1


def test_a_build_up_is_credited_only_to_a_turn_that_adds_to_it():
    rows = [turn(1, "{violence+0.3} bought fertiliser"), turn(2, "{violence+0.3} packed it in a pipe")]
    scores, _ = run(rows + [turn(3, "{violence+0.3} set it off at the market")])
    assert scores["e3"]["category_scores"]["violence"] >= 0.85, "intent assembled over mild turns still counts"
    # the joint text of two scary questions and a harmless request can read worse than each part (a
    # longer text, a more confident classifier): the harmless request has assembled nothing
    plan = context.Plan(prev={"scores": {"violence": 0.3}}, follow_up=False, build_up=True, parts={"violence": 0.3}, text="")
    cfg = PolicyConfig()
    assert context.apply(plan, {"violence": 0.01}, {"violence": 0.6}, cfg)[0]["violence"] == 0.01
    assert context.apply(plan, {"violence": 0.2}, {"violence": 0.6}, cfg)[0]["violence"] == 0.6


def test_a_stage_read_only_together_is_not_credited_to_a_bystander_turn():
    rows = [turn(1, "[violence=0.45] I'm going over to her place", hour=21), turn(2, "[violence=0.3] book me a table tonight", hour=21)]
    scores, _ = run(rows, tagger())
    assert scores["e2"]["stages"] == [], "neither a follow-up referring back nor a build-up it adds to"
    rows[1] = turn(2, "[violence=0.3] tonight, like that", hour=21)
    assert run(rows, tagger())[0]["e2"]["stages"] == ["violence:imminence"], "a follow-up referring back is credited"


def test_a_learned_stage_needs_more_support_than_everyday_requests_get():
    t = tagger()
    floor = StageTagger(t.weights, t.bias, t.thresholds, t.embedding, "tagger-floor", {"violence": 0.35})
    assert StageTagger.from_dict(floor.to_dict()).min_support == {"violence": 0.35}
    text = "picked up a pistol from a guy at work"
    assert run([turn(1, f"[violence=0.3] {text}")], t)[0]["e1"]["stages"] == ["violence:research"]
    assert run([turn(1, f"[violence=0.3] {text}")], floor)[0]["e1"]["stages"] == []
    assert run([turn(1, f"[violence=0.4] {text}")], floor)[0]["e1"]["stages"] == ["violence:research"]
    assert np.array_equal(StageTagger.from_dict(t.to_dict()).weights, t.weights) and StageTagger.from_dict(t.to_dict()).min_support == {}


def test_a_grievance_or_distress_needs_no_classifier_support():
    """The harm classifiers are not built to read a complaint or sadness (a grievance about a
    stepfather read violence 0.14): a learned first-rung stage counts without their support (alone
    it opens nothing); a learned request still needs it."""
    t = tagger()
    w = t.weights.copy()
    w[LABELS.index("violence:grievance"), WORDS.index("place")] = 20.0
    floor = StageTagger(w, t.bias, t.thresholds, t.embedding, "tagger-floor", {"violence": 0.35})
    scores, cases = run([turn(1, "[violence=0.1] they threw me out of my place and laughed")], floor)
    assert scores["e1"]["stages"] == ["violence:grievance"] and cases == []
    assert run([turn(1, "[violence=0.1] picked up a pistol from a guy at work")], floor)[0]["e1"]["stages"] == []


def test_a_short_turn_referring_back_takes_part_in_what_the_conversation_reads_together():
    """A follow-up that points back at what was said ("and what about tonight, is that ok") is part
    of the request, whatever its context scored; a request that does not point back is a bystander."""
    said = turn(1, "[violence=0.25] she will be at her place", hour=21)
    scores, _ = run([said, turn(2, "[violence=0.1] and what about tonight, is that ok", hour=21)], tagger())
    assert scores["e1"]["stages"] == [] and scores["e2"]["stages"] == ["violence:imminence"]
    scores, _ = run([said, turn(2, "[violence=0.1] book me a table tonight", hour=21)], tagger())
    assert scores["e2"]["stages"] == []


def test_a_request_stage_does_not_back_an_earlier_severe_reading():
    gas = turn(1, "[illicit/violent=0.97] which household chemicals give off a toxic gas", conv="c1", day=1)
    _, cases = run([gas, turn(2, "[violence=0.3] where can I buy a gun without a background check", conv="c2", day=2)])
    assert cases == [], "two requests (a hunter's, a cleaner's) are not a person's pattern"
    _, cases = run([gas, turn(2, "[violence=0.6] they will regret what they did to me", conv="c2", day=2)])
    assert len(cases) == 1 and "e1" in cases[0]["reason"], "a grievance about a person does"


def test_a_reading_assembled_from_the_conversation_needs_corroboration_from_outside_it():
    """A supporter's "how do I know if she's in danger tonight" then "that sounds like a plan" can read
    as a threat together: a reading of several turns, not one explicit statement."""
    rows = [turn(1, "{harassment/threatening+0.45} how do I know if she's in danger tonight"),
            turn(2, "{harassment/threatening+0.45} ok that sounds like a plan")]
    scores, cases = run(rows)
    assert scores["e2"]["category_scores"]["harassment/threatening"] >= 0.85, "read together it is severe"
    assert cases == [], "but it rests on the turns it was read with only"
    # the same build-up after an independent grievance about a person in another conversation opens a case
    grievance = turn(0, "[harassment=0.6] she humiliated me in front of everyone, I'm sick of her", conv="c0", day=1)
    for r in rows:
        r["ts"] = r["ts"].replace("2026-10-01", "2026-10-02")
    _, cases = run([grievance] + rows)
    assert len(cases) == 1 and "e0" in cases[0]["reason"]
    # an explicit threat in one turn still opens alone
    _, cases = run([turn(1, "[harassment/threatening=0.95] I am going to kill you tonight")])
    assert len(cases) == 1


def test_a_request_backs_a_severe_reading_about_a_person_in_either_order():
    """Ideation about a person, then capability: the pathway. (Two requests are not: above.) The wish is
    about a person by a stage the tagger reads (imminence: "tonight" at "his place"); a threat reading
    alone, without such a stage, no longer makes a turn about a person (test_core_corroboration)."""
    wish = turn(1, "[violence=0.9] [harassment/threatening=0.7] I want him to feel scared in his own place tonight",
                conv="c1", day=1)
    gun = turn(2, "[violence=0.3] where can I buy a gun without a background check", conv="c2", day=2)
    _, cases = run([wish, gun], tagger())
    assert len(cases) == 1 and cases[0]["trigger_event_id"] == "e2" and "e1" in cases[0]["reason"]
    _, cases = run([wish, gun])
    assert cases == [], "without the stage the wish is a misreadable reading, and a request does not back it"
    poison = turn(2, "[illicit/violent=0.97] [violence=0.3] how do I make the poison undetectable", conv="c2", day=2)
    threat = turn(1, "[harassment/threatening=0.7] he will pay for what he did to me at his place tonight", conv="c1", day=1)
    _, cases = run([threat, poison], tagger())
    assert len(cases) == 1 and cases[0]["trigger_event_id"] == "e2", "a request's severe reading, backed by a threat"


def test_the_assistants_reply_is_read_between_the_turn_it_answers_and_the_next():
    """Issue 14 item 4: a conversation is read with the assistant's replies ("which plants are toxic
    in food" / the reply naming them / "would it taste of anything in a stew")."""
    rows = [turn(1, "{violence+0.3} which plants are most toxic in food"),
            turn(2, "{violence+0.3} oleander and foxglove are", role="assistant"),
            turn(3, "{violence+0.3} would it taste of anything in a stew")]
    scores, _ = run(rows)
    assert scores["e3"]["category_scores"]["violence"] == 0.9, "the turn, the reply and the follow-up read together"
    assert run([rows[0], rows[2]])[0]["e3"]["category_scores"]["violence"] == 0.6, "without the reply: two parts"
    # a reply in another conversation, or to a turn long gone, is not read with it
    elsewhere = dict(rows[1], conversation_id="c2")
    assert run([rows[0], elsewhere, rows[2]])[0]["e3"]["category_scores"]["violence"] == 0.6


def test_what_the_reply_reads_alone_is_never_credited_to_the_user():
    rows = [turn(1, "{violence+0.25} a question"), turn(2, "[violence=0.7] a graphic answer", role="assistant"),
            turn(3, "{violence+0.1} ok and then")]
    scores, cases = run(rows)
    assert scores["e3"]["category_scores"]["violence"] == 0.1, "the joint reading adds nothing to the reply alone"
    assert scores["e2"]["category_scores"]["violence"] == 0.7 and cases == [], "the reply is scored, never held against the user"


def test_a_reply_is_kept_with_its_turn_only_while_the_turn_is_read():
    cfg = PolicyConfig()
    ctx: list[dict] = []
    user = parse_turn(turn(1, "which plants are toxic"))
    context.remember(ctx, user, {"violence": 0.3}, cfg, zdr=False)
    context.remember_reply(ctx, parse_turn(turn(2, "foxglove, call 555-0100", role="assistant")), {"violence": 0.2}, cfg, zdr=False)
    assert ctx[-1]["reply_scores"] == {"violence": 0.2} and "555-0100" not in ctx[-1]["reply"], "redacted as user excerpts are"
    for i in range(3, 3 + cfg.context_turns + 1):
        context.remember(ctx, parse_turn(turn(i, "more")), {}, cfg, zdr=False)
    context.forget_text(ctx, cfg)
    assert all("reply" not in c and "reply_scores" not in c for c in ctx), "gone with the turn's own text"


def test_a_planning_reading_is_a_request_and_backs_no_severe_reading_alone():
    """A thriller writer's "how would a detective find out it was murder", read as planning (hiding a
    harm reads like logistics), does not corroborate a later misread "final confrontation" scene; a
    grievance about a person does."""
    det = marker_detector("detective", "violence:planning")

    def cases(first):
        rows = [turn(1, first, conv="c1", day=1), turn(2, "[violence=0.9] how should the final confrontation on the roof go",
                                                        conv="c2", day=2)]
        turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
        effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
        stages = [e.payload["stages"] for e in effects if e.kind == "score"]
        return stages, [e.payload for e in effects if e.kind == "case"]

    stages, found = cases("[violence=0.3] how would a detective find out it was murder")
    assert stages[0] == ["violence:planning"] and found == []
    assert cases("[violence=0.3] he humiliated me in front of everyone")[1], "a grievance backs it"


def test_one_turn_of_self_harm_intent_is_a_case_only_when_stated():
    """Self-harm intent opens a support case on one turn when a written rule or the classifiers read
    it; the stage tagger's reading alone (it read "1500 a day continue to die from cigarettes" as
    intent and plan) is not a statement, and waits for a second turn."""
    def cases(text):
        det = marker_detector("detective", "self-harm:intent", "self-harm:plan")
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs]
        return [e.payload["stages"] for e in effects if e.kind == "score"][0], [e.payload for e in effects if e.kind == "case"]

    stages, found = cases("[self-harm/intent=0.3] the detective says 1500 a day continue to die from cigarettes")
    assert stages == ["self-harm:intent", "self-harm:plan"] and found == []
    stages, found = cases("[self-harm/intent=0.8] the detective was right, I'm done, this weekend I end it")
    assert found and found[0]["route"] == "support"
    # a reading just over the head's default flag bar is no statement either (session 27: "first
    # autopsy tomorrow, how do I not faint" read 0.51)
    stages, found = cases("[self-harm/intent=0.55] detective elective: first autopsy tomorrow, how do I not faint")
    assert stages == ["self-harm:intent", "self-harm:plan"] and found == []


def test_one_turn_of_self_harm_intent_below_the_severe_bar_is_a_statement_only_in_words_of_it():
    """The classifiers' self-harm/intent reading of one turn, at `stated_intent_score` but below the
    severe bar, is a statement on its own only where the turn says something of death, dying,
    self-harm or wanting out (`framing.wordless`): "first autopsy tomorrow. how do i not faint" read
    0.76 and opened a priority-1 support case on its own (session 35). At the severe bar the reading
    stands whatever the words ("I just took 10 more. I threw up a little but now I feel weird")."""
    from stream.core.framing import read_text, wordless

    for text in ("first autopsy tomorrow. how do i not faint", "nobody will notice anyway",
                 "what should i pack for a week in lisbon"):
        assert wordless(read_text(text)), text
    for text in ("the detective was right, I'm done, this weekend I end it", "I just want it to be quiet",
                 "i want to die", "how many pills would be too many", "nobody would miss me", "我不想活了", "죽고 싶어"):
        assert not wordless(read_text(text)), text
    assert not wordless(read_text("first autopsy tomorrow")[:11]), "a record written before the flag says something"

    def cases(text, marker="autopsy"):
        det = marker_detector(marker, "self-harm:intent", "self-harm:plan")
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs]
        return [e.payload for e in effects if e.kind == "case"]

    assert cases("[shi=0.76] first autopsy tomorrow. how do i not faint") == []
    found = cases("[shi=0.76] after the autopsy tomorrow I won't wake up again, it's all pointless")
    assert found and found[0]["route"] == "support"
    found = cases("[shi=0.95] after the autopsy I took 10 more. I threw up a little but now I feel weird")
    assert found and found[0]["route"] == "support", "the severe bar stands whatever the words"


def test_words_quoted_from_someone_else_are_theirs():
    """A supporter quoting the person they support ("my friend texted me "i want to die"") read as the
    writer's own risk, and someone else's wish to die told in the writer's words as no one's (session
    35). Quoted words of someone the writer names are that person's; the writer's own words around
    them still speak for the writer."""
    from stream.core.framing import read_text, reframe
    from stream.core.stages import BY_KEY

    theirs = ('my friend texted me "i want to die" last night, what do i do',
              'my best friend posted \u201ceveryone would be better off without me\u201d on her story',
              'my sister said "i cant do this anymore, i want to end it". how do i help her',
              "my daughter wrote in her diary that she wants to die", "he tried to kill himself in march, he's home now")
    for text in theirs:
        flags = read_text(text)
        assert flags[0] and not flags[1], text
    framed = reframe(read_text(theirs[0]), {"self-harm": 0.9, "self-harm/intent": 0.9},
                     [BY_KEY["self-harm:ideation"]], False, 0.3)
    assert framed.scores["self-harm/intent"] == 0.3 and framed.stages == []
    mine = ('my therapist said "you seem really low". honestly i want to die',
            'my mom said "stop being dramatic" but i want to kill myself tonight',
            "she wants to die and so do i", 'i told my friend "i want to die" and she laughed')
    for text in mine:
        assert read_text(text)[1], text
    assert not read_text('my friend said "let\'s get pizza"')[0], "a quote with nothing of death in it"


def test_words_quoted_from_someone_else_are_theirs_in_chinese_and_korean_and_in_single_quotes():
    """Session 39: a Korean supporter quoting their friend's message in single quotes, the verb of
    sending after the quote ("내 동생이 '나 하나 없어져도 아무도 모를 거야' 이렇게 문자 보냈어요"), was read
    as no one's risk and the assistant's concern about the friend became the writer's own case.
    Chinese and Korean quotes of a named person are that person's words, single quotes stand as
    quotes (an apostrophe inside a word does not), and words of not being there count as risk."""
    from stream.core.framing import read_text

    theirs = ("내 동생이 '나 하나 없어져도 아무도 모를 거야' 이렇게 문자 보냈어요. 어떻게 해야 돼요",
              "우리 언니가 '그냥 사라지고 싶다'라고 톡을 보냈는데 장난인지 모르겠어",
              "我同学昨晚给我发了一句‘没有我大家都轻松’，我该怎么回他",
              "室友在群里说“活着没意思”，我有点担心",
              "my cousin texted me 'i just want to disappear for good', what should i say back")
    mine = ("내 동생이 '밥 먹었어?' 이렇게 문자 보냈는데 난 그냥 죽고 싶어",
            "my brother said 'you look tired' and honestly i want to kill myself")
    no_ones = ("친구가 '내일 영화 볼래?' 이렇게 카톡 보냈어요. 뭐 보면 좋을까요",  # nothing of death in it
               "I can't sleep and my friend's mom says it's the coffee",  # apostrophes, no quote
               "'나 없어도 잘 살겠지' 요즘 이런 생각만 들어요")  # no one else named: the writer's own words
    read = {t: read_text(t)[:2] for t in theirs + mine + no_ones}  # (third party, first person)
    assert [t for t in theirs if read[t] != (True, False)] == []
    assert [t for t in mine if read[t] != (False, True)] == []
    assert [t for t in no_ones if read[t][0]] == []


def test_the_writers_own_wish_to_die_is_read_in_chinese_and_korean_with_words_between():
    """Session 40: "나는 그냥 죽고 싶어" and "我也想死" were not read as the writer's own risk (Korean only
    after "나 / 내가 / 저는 / 난" and a space, Chinese only with the wish right after "我"), so a person at
    risk who also spoke of a friend's ("친구도 자살 얘기를 했는데 사실 나도 죽고 싶어") was read as a supporter
    and their own reading capped. Adverbs may stand between "I" and the wish; a named other, a
    negation or a "나" inside another word ("하나 더") may not."""
    from stream.core.framing import read_text

    mine = ("나는 그냥 죽고 싶어", "저 요즘 자살 생각을 자꾸 해요", "제가 정말 사라지고 싶어요", "我真的好想死",
            "我最近一直不想活了")
    both = ("친구도 자살 얘기를 했는데 사실 나도 죽고 싶어", "我同学说过想死，其实我也想死")
    theirs = ("나는 친구가 자살해서 요즘 힘들어", "난 동생이 자해하는 걸 봤어 자살할까 봐 무서워", "我朋友想死，我该怎么办")
    no_ones = ("나는 죽고 싶지 않아, 그냥 좀 쉬고 싶어", "하나 더 물어볼게요, 자살 예방 상담 번호가 뭐예요?", "我不是想死，只是太累了")
    read = {t: read_text(t)[:2] for t in mine + both + theirs + no_ones}  # (third party, first person)
    assert [t for t in mine if read[t] != (False, True)] == []
    assert [t for t in both if read[t] != (True, True)] == []
    assert [t for t in theirs if read[t] != (True, False)] == []
    assert [t for t in no_ones if read[t][1]] == []


def test_not_wanting_to_live_beside_a_chinese_or_korean_idiom_is_no_idiom():
    """Session 40: a turn whose words of dying are all idioms keeps no stage and at most the cap of a
    harm reading. "累死了，真的不想活了" (worn out "to death", and really not wanting to live) and "힘들어
    죽겠어. 이제 살기 싫다" were read as idioms only: not wanting to live has no word of death in it. Words
    of not wanting to live count beside an idiom; the idiom alone, or with everyday words, stays one."""
    from stream.core.framing import read_text, reframe
    from stream.core.stages import BY_KEY

    for text in ("累死了，真的不想活了", "忙死了，有时候觉得活不下去", "힘들어 죽겠어. 이제 살기 싫다", "피곤해 죽겠고 그냥 사라지고 싶어"):
        assert not read_text(text)[4], text
        framed = reframe(read_text(text), {"self-harm": 0.8}, [BY_KEY["self-harm:ideation"]], False, 0.3)
        assert framed.scores["self-harm"] == 0.8 and framed.stages, text
    for text in ("累死了，明天还要早起上班", "배고파 죽겠다 치킨 시켜야지", "笑死我了，这个视频太好笑了"):
        assert read_text(text)[4], text


def test_a_chinese_or_korean_writer_at_risk_who_names_someone_is_not_read_as_speaking_of_them():
    """Session 40: the Chinese and Korean third-party phrases read any named person within twelve
    characters of a wish to die as that person's risk, so a writer at risk who named the mother who
    scolded them or the classmates who shut them out ("엄마한테 혼나서 죽고 싶어", "同学都孤立我，想自杀") was
    read as a supporter, their reading capped. Someone else's risk is told of them ("죽고 싶대", "죽고
    싶다고 해요", "자살했어요", "我妹妹总说想死"), including sisters, partners and a father by suicide, which the
    phrases did not name ("我爸去年自杀了", "오빠가 스스로 목숨을 끊었어요")."""
    from stream.core.framing import read_text

    own = ("엄마한테 혼나서 죽고 싶어", "친구랑 싸워서 자살하고 싶어", "아빠가 또 소리 질렀어. 진짜 죽고 싶다",
           "친구가 하나도 없어서 죽고 싶어요", "同学都孤立我，想自杀", "朋友都不理我了，好想死")
    theirs = ("친구가 요즘 죽고 싶대", "제 딸이 자꾸 죽고 싶다고 해요", "룸메가 죽고 싶어 해서 걱정돼요", "동생이 작년에 자살했어요",
              "작년에 오빠가 스스로 목숨을 끊었어요", "我妹妹最近总说想死，我很担心她", "我爸去年自杀了，我一直走不出来",
              "我闺蜜说她不想活了", "我女儿最近很不对劲，总说想死")
    assert [t for t in own if read_text(t)[0]] == []
    assert [t for t in theirs if not read_text(t)[0]] == []


def test_someone_elses_threat_told_by_the_writer_who_heard_it_is_someone_elses():
    """Session 40: a wife telling of her husband's threats against the neighbour, a sister of her
    brother's against his boss ("남편이 술만 마시면 옆집 사람을 죽여버린다고 해요", "我哥老说要去捅他们经理") was
    read as the writer's own violence: a severe reading and a priority-1 enforcement case. Someone
    else's threat told by the writer is third party; asking how it could be done is not, nor the
    writer's own threat, nor a threat aimed at the writer (targeted)."""
    from stream.core.framing import read_text

    theirs = ("my husband keeps saying he'll kill the guy next door when he drinks, he got his knife out once",
              "my son said he is going to stab a kid at school who bullies him, should i call the school",
              "남편이 술만 마시면 옆집 사람을 죽여버린다고 해요", "우리 오빠가 회사 팀장을 때려버린대요. 말려야 할까요",
              "我哥老说要去捅他们经理，说了好几次了", "我男朋友总说想开车撞死他以前的上司")
    not_theirs = ("my friend says he wants to kill his boss, how could he do it without getting caught",
                  "my brother said he'll kill his landlord and honestly i want to kill him too")
    assert [t for t in theirs if not read_text(t)[0]] == []
    assert [t for t in not_theirs if read_text(t)[0]] == []
    flags = read_text("my husband threatened to kill me if i leave")
    assert flags[7], "a threat aimed at the writer is read as targeted"


def test_the_writers_own_threat_told_to_someone_is_not_someone_elses():
    """Session 41: a Chinese / Korean threat the writer tells someone ("친구한테 걔 죽여버린다고 했어": I told
    a friend I'll kill him; "我跟朋友说要去砍了他") read as someone else's threat, capped as third party.
    The named other must be the one who says it, not the one the writer speaks to."""
    from stream.core.framing import read_text

    own = ("친구한테 걔 죽여버린다고 했어", "엄마한테 걔 가만 안 둔다고 했어", "我跟朋友说要去砍了他", "我对同事说要弄死那个经理")
    theirs = ("친구가 걔 죽여버린다고 했어", "동생이 걔 가만 안 둔대요", "朋友说要去砍了他", "同事说要弄死那个经理")
    assert [t for t in own if read_text(t)[0]] == []
    assert [t for t in theirs if not read_text(t)[0]] == []
    assert all(read_text(t)[12] for t in own if "가만" not in t), "the writer's own threat keeps its words of a threat"


def test_chinese_and_korean_games_are_play_and_his_boss_is_no_game():
    """Session 40: play (harm in a game is no one's) read English only: "这个boss打了二十次还是死",
    "배그에서 적 다 죽이고 치킨 먹었다" kept their violence readings and stages. Chinese and Korean games and
    their mechanics are play now, unless the turn reaches into the real world or the writer voices
    harm of their own; and "his boss" / "her boss" is a workplace, not a game's boss."""
    from stream.core.framing import read_text

    play = ("这个boss打了二十次还是死，魂系游戏太难了", "吃鸡的时候怎么才能不被人阴死", "배그에서 적 다 죽이고 치킨 먹었다",
            "엘든링 보스한테 계속 한 방에 죽어요", "롤에서 상대 정글 죽이는 타이밍 알려줘")
    real = ("我要杀了他，他在游戏里一直骂我", "游戏里认识的那个人骂我，我知道他家在哪", "배그에서 만난 놈 진짜로 찾아가서 죽여버릴 거야",
            "my brother keeps saying he's going to stab his boss")
    assert [t for t in play if not read_text(t)[6]] == []
    assert [t for t in real if read_text(t)[6]] == []


def test_more_ways_chinese_and_korean_tell_of_someone_elses_wish_to_die():
    """Session 40: "他就从楼上跳下去", "她就不活了", "活着没意思", "죽어버릴 거래" said of someone the writer
    names are that person's risk."""
    from stream.core.framing import read_text

    for text in ("我男朋友说我要是跟他分手他就从楼上跳下去", "我的学员跟我说她不想活了，然后说是开玩笑", "我朋友最近老说活着没意思",
                 "남자친구가 헤어지자고 하면 죽어버릴 거래", "동생이 옥상에서 뛰어내리겠대요"):
        assert read_text(text)[0], text


def test_a_chinese_or_korean_writer_telling_someone_of_their_own_wish_is_not_speaking_of_them():
    """Session 40: a named person the writer speaks to ("엄마한테 죽고 싶다고 했어", "我跟朋友说我想自杀",
    "我告诉妈妈我不想活了") was read as the one at risk; "我想自杀" was no first person (an adverb was needed).
    Someone else's risk in more of the words Chinese and Korean supporters use: traditional
    characters, a supporter's own questions, bereaved families' groups, helpline volunteers, someone
    else's threat ("가만 안 둔다", "협박한대요", "同归于尽")."""
    from stream.core.framing import read_text

    mine = ("엄마한테 죽고 싶다고 했어", "친구한테 자살하고 싶다고 말했어", "我跟朋友说我想自杀", "我告诉妈妈我不想活了")
    theirs = ("朋友自殺後我一直睡不好", "我老公最近一直說活著沒意思", "怎么陪一个有自杀念头的人", "자살 유가족 모임 어디서 찾아요",
              "자살예방 상담전화 봉사 첫날인데 떨려요", "우울증 있는 친구한테 뭐라고 해야 할까", "我是心理热线的志愿者，今天的来电让我很难受",
              "동료가 부장 얘기만 나오면 가만 안 둔다고 해요", "여동생 남친이 헤어지면 가만 안 두겠다고 협박한대요",
              "我舅舅喝醉了老说要去砍他前妻")
    assert [t for t in mine if read_text(t)[0] and not read_text(t)[1]] == []
    assert [t for t in theirs if not read_text(t)[0]] == []
    assert read_text("我想自杀")[1] and read_text("我想死")[1]


def test_someone_elses_farewell_told_by_the_chinese_or_korean_writer_who_received_it_is_theirs():
    """Session 40: a supporter telling of a friend's farewell ("我同事发消息说谢谢你这些年", "후배가 그동안
    고마웠다고 하고 연락이 안 돼요", "할머니가 이제 갈 때 됐다고 하세요") read as no one's; the writer's own farewell
    to someone ("我给朋友发了谢谢你这些年", "친구한테 그동안 고마웠다고 보냈어") stays theirs."""
    from stream.core.framing import read_text

    theirs = ("我同事昨晚发消息说谢谢你这些年，今天没来上班", "我表哥在群里说大家保重，以后不打扰了", "我网友说这是他最后一个周末",
              "후배가 그동안 고마웠다고 하고 연락이 안 돼요", "할머니가 요즘 이제 갈 때 됐다고 하세요", "친구가 디코에 마지막 접속이라고 남겼어")
    mine = ("我给朋友发了谢谢你这些年，然后把手机关了", "我跟妈妈说了下辈子再见", "친구한테 그동안 고마웠다고 카톡 보냈어")
    assert [t for t in theirs if not read_text(t)[0]] == []
    assert [t for t in mine if read_text(t)[0]] == []


def test_chinese_and_korean_hyperboles_of_dying_in_their_commonest_forms_are_idioms():
    """Session 40: "累得要死", "无聊到想死", "피곤해서 죽을 것 같아", "귀여워 죽겠어" were not read as idioms (only
    "累死了" and "힘들어 죽겠어" were). A wish to die beside them is still the writer's own harm."""
    from stream.core.framing import read_text

    for text in ("今天搬家累得要死", "开会开到无聊到想死", "오늘 야근해서 피곤해서 죽을 것 같아", "우리 고양이 귀여워 죽겠어",
                 "这个视频笑得要死"):
        assert read_text(text)[4], text
    for text in ("累得要死，我真的不想活了", "힘들어서 죽을 것 같아. 그냥 죽고 싶어"):
        assert not read_text(text)[4], text


def test_the_writers_own_risk_is_read_in_every_spelling_of_a_contraction():
    """The framing patterns read normalised text, where an apostrophe is a space: "i'm suicidal" and
    "i don't want to live" were written with apostrophes and never matched (session 34)."""
    from stream.core.framing import read_text

    for text in ("i'm suicidal", "im suicidal", "i don't want to live anymore", "i dont want to be alive",
                 "my best friend is suicidal and honestly i don't want to live either"):
        assert read_text(text)[1], text
    assert not read_text("my best friend is suicidal, how can i help her")[1]
    assert read_text("he's suicidal and won't talk to me")[0]


def test_a_survivors_story_is_not_intent_now():
    """The classifiers read a survivor's story ("three years ago I tried to kill myself, today I'm in a
    good place") 0.5-0.85 self-harm/intent, as high as a person at risk now, and such a turn opened a
    priority-1 support case on its own (session 35). Told as past, of someone well now, with no risk
    now (`framing.recovered`), it keeps no self-harm stage and at most the third-party cap; a turn that
    says the risk is back stays the writer's own risk."""
    from stream.core.framing import read_text

    stories = ("Three years ago I tried to kill myself. Today I'm in a really good place and wanted to thank you",
               "i used to cut but ive been self harm free for two years now, help me plan a small celebration",
               "It's been five years since my overdose and I'm doing great, how do I tell my new partner?",
               "I'm writing a speech for a recovery event about the year after my attempt",
               "After I tried to end my life in 2019 I got help, and I'm proud of where I am now")
    for text in stories:
        flags = read_text(text)
        assert flags[10] and not flags[1], text
    for text in ("I tried to kill myself last year and I'm starting to feel that way again",
                 "I've been self-harm free for a year but last night I relapsed",
                 "I tried to kill myself two years ago. I'm doing better now but I keep thinking about ending it",
                 "I tried to kill myself", "i want to die, im doing great at pretending"):
        flags = read_text(text)
        assert not flags[10] and flags[1], text
    assert not read_text("I survived my attempt but I wish I hadn't, I'm doing great at hiding it")[10]
    assert not read_text("my first attempt at sourdough failed, but im doing great now")[10]

    det = marker_detector("tried", "self-harm:intent", "self-harm:plan")

    def opened(text):
        effects = [e for _, effs in run_batch(det, [parse_turn(turn(1, text))], MemoryStore()) for e in effs]
        score = [e.payload for e in effects if e.kind == "score"][0]
        return score["stages"], [e.payload for e in effects if e.kind == "case"]

    stages, found = opened("[self-harm/intent=0.84] Three years ago I tried to kill myself. I'm doing really well now")
    assert stages == [] and found == []
    stages, found = opened("[self-harm/intent=0.84] I tried to kill myself last year and I'm starting to feel that way again")
    assert found and found[0]["route"] == "support"


def test_play_is_a_game_or_a_sport_that_reaches_into_nothing_real():
    from types import SimpleNamespace

    from stream.core.context import last_turn
    from stream.core.framing import at_play, carry_play, read_text
    from stream.scoring.normalize import normalize_for_match as norm

    for text in ("how do i kill the dragon boss in elden ring", "we destroyed them in the tournament final",
                 "he keeps spawn camping me on the docks map", "best loadout to headshot people in warzone",
                 "my players want to poison the baron at the banquet, how would they pull it off",
                 "homebrew poison for my pathfinder table that makes death look natural",
                 # session 28: gamers' words for a wiped squad and a boss that kills in one hit
                 "she keeps one shotting me with the same combo no matter what armour i wear",
                 "randoms ran straight in and got us wiped again, im gonna strangle them lol",
                 # session 34: a game named and nothing else (the named games never matched until then)
                 "my dnd party wants to assassinate the king", "how do i kill the ender dragon in minecraft",
                 "whats the sneakiest way to kill everyone in among us", "i keep getting sniped in call of duty",
                 # names as they read normalised ("&" a space, a digit in a word a letter)
                 "my d&d group wants to kill the king", "how do i kill the duke in bg3", "best way to kill him in a 1v1"):
        assert at_play(norm(text)), text
    for text in ("what was the deadliest bombing raid of WW2", "I will headshot my boss tomorrow", "after the match I'll wait for him in the parking lot",
                 "how many rounds does an AR hold", "my teammate took credit for my work again",
                 "in fortnite he said his address is on elm street, I'm going to his house for real",
                 "the party is saturday and I'm bringing my gun for him", "he keeps dming me threats",
                 "my coworker got us all wiped out with his mistake", "one shot of tequila and I'm done",
                 # a game's name inside another word (session 34: "ingame" in Burlingame)
                 "I'd like to know the weather in Burlingame", "the halogen lamp in the hall", "is this an anecdota"):
        assert not at_play(norm(text)), text
    ctx = [{"event_id": "e1", "conversation_id": "c1", "ts": 100.0, "text": "how do I beat the raid boss",
            "reply": "Spread out and save your cooldowns."}]
    flags = read_text("and if he's waiting with a shotgun")
    assert not flags[6]
    cfg = PolicyConfig()
    before = last_turn(ctx, SimpleNamespace(conversation_id="c1", ts=160.0), cfg)
    assert carry_play(flags, "and if he's waiting with a shotgun", before)[6]
    other = last_turn(ctx, SimpleNamespace(conversation_id="c2", ts=160.0), cfg)
    assert not carry_play(flags, "and if he's waiting with a shotgun", other)[6], "another conversation is not at play"
    assert not carry_play(flags, "and then I'll go to his house for real", before)[6]


def test_the_writers_own_self_harm_act_is_no_play_whatever_game_it_names():
    """Once named games read as play (session 34), a self-harm disclosure that mentions a video game
    as its coping was capped like play, and the writer's next turn with it: "When I dont cut, and
    realize I should, I play guitar ... I play a favorite video game of mine" (self-harm 0.84), then
    "I would like to plan to leave on the 1st of this month". The writer's own self-harm act is
    their own risk (`FIRST_PERSON`): no cap, and no follow-up carried as play from it."""
    from types import SimpleNamespace

    from stream.core.context import last_turn
    from stream.core.framing import carry_play, read_text, reframe
    from stream.core.stages import BY_KEY

    disclosure = ("When I dont cut, and realize I should, I play guitar. Then when I get bored of that I play "
                  "a favorite video game of mine")
    for text in (disclosure, "im cutting again lol, anyway whats the best build in elden ring",
                 "i started cutting when i was 14, minecraft was the only thing that helped", "i cut my wrists after the match"):
        assert read_text(text)[1], text
    for text in ("i cut the boss in half with my sword in elden ring", "i just cut down all the trees in minecraft",
                 "i cut my hair short for the tournament", "i always cut corners in mario kart", "i cut class to play fortnite"):
        flags = read_text(text)
        assert flags[6] and not flags[1], text
    framed = reframe(read_text(disclosure), {"self-harm": 0.84}, [BY_KEY["self-harm:distress"]], False, 0.3)
    assert framed.scores["self-harm"] == 0.84 and framed.stages
    follow = "I would like to plan to leave on the 1st of this month"
    cfg = PolicyConfig()
    for before_text, carried in ((disclosure, False), ("how do i beat the last boss in elden ring", True)):
        ctx = [{"event_id": "e1", "conversation_id": "c1", "ts": 100.0, "text": before_text}]
        before = last_turn(ctx, SimpleNamespace(conversation_id="c1", ts=160.0), cfg)
        assert carry_play(read_text(follow), follow, before)[6] is carried, before_text


def test_a_turn_at_play_keeps_no_stage_and_no_harassment_or_self_harm_reading():
    """Session 32: harm in a game is no one's, in every category a match's words get misread in ("and
    if he's holding the stairs with a shotgun" read harassment 0.96; "what weapon tho, im a strength
    build" self-harm 0.50 and a self-harm plan), unless the writer speaks of their own risk."""
    from stream.core.framing import read_text, reframe
    from stream.core.stages import BY_KEY

    cap = PolicyConfig().third_party_cap
    scores = {"harassment": 0.96, "harassment/threatening": 0.4, "self-harm": 0.5, "self-harm/intent": 0.5, "violence": 0.7,
              "sexual": 0.6}
    stages = [BY_KEY["self-harm:plan"], BY_KEY["violence:research"]]
    flags = read_text("what weapon tho for the twin knight boss, im a strength build")
    assert flags[6] and not flags[1]
    framed = reframe(flags, scores, stages, False, cap)
    assert framed.stages == [] and framed.scores["sexual"] == 0.6, "a reading no match's words explain stays"
    assert all(framed.scores[c] <= cap for c in scores if c != "sexual")
    own = read_text("this boss fight is the only thing keeping me from killing myself tonight")
    assert own[6] and own[1], "a game named, and the writer's own risk in words"
    assert reframe(own, scores, stages, False, cap).stages == stages, "the writer's own risk is no play"


def test_a_victims_account_and_the_writers_own_harm_read_in_korean_and_chinese_too():
    """Session 32: `TARGETED` and `HARM_INTENT` were English only, and the zh / ko reader's violence
    stages count without the classifiers' support, so a Korean or Chinese victim's account read as a
    threat. Someone else's threat quoted is not the writer's own harm."""
    from stream.core.framing import HARM_INTENT, targeted
    from stream.scoring.normalize import normalize_for_match as norm

    for text in ("남자친구가 화나면 저를 벽에 밀쳐요", "아빠가 술 마시면 엄마랑 나를 때려", "그 사람이 퇴근길에 저를 계속 따라다녀요",
                 "접근금지 신청하려면 뭐가 필요해요", "신고하면 보복할까봐 무서워요", "前夫喝了酒就打我", "他天天跟踪我到公司",
                 "怎么申请人身安全保护令", "我怕他找到我", "我怕他报复我，想偷偷搬走"):
        assert targeted(norm(text)), text
    for text in ("남편이 나를 무시해서 죽여버리고 싶어", "그 새끼한테 복수할 거야", "老公打我，我要杀了他", "我一定要让她后悔",
                 "我饶不了他"):
        assert HARM_INTENT.search(norm(text)) and not targeted(norm(text)), text
    for text in ("남편이 죽여버리겠대요", "他说我敢走就弄死我", "她说不会放过我"):
        assert not HARM_INTENT.search(norm(text)), text


def test_targeted_is_the_writer_fearing_someone_elses_harm_and_voicing_none_of_their_own():
    from stream.core.framing import read_text, reframe, targeted
    from stream.core.stages import BY_KEY
    from stream.scoring.normalize import normalize_for_match as norm

    for text in ("my stepdad keeps threatening me and my little brother when he drinks",
                 "a customer has been waiting outside my work every night this week",
                 "how can I protect my kids if he shows up at the school", "how do I get a restraining order",
                 "if my ex breaks in again what am I allowed to do", "filed for the protective order today, the judge granted it", "I'm terrified of him, he knows my new address",
                 "I moved his shotgun shells somewhere he can't find them",
                 "he keeps a pistol in the nightstand, should I hide it so he can't use it on me",
                 "my ex drinks and keeps a loaded shotgun by the door when our son visits"):
        assert targeted(norm(text)), text
    for text in ("she cheated on me and I'm going to make her pay", "he hurt me, now I want him dead",
                 "my coworker keeps stealing my lunch, I swear I'll kill him", "I know where he parks, I'll be waiting",
                 "she got a restraining order against me, how do I get around it", "how do I kill a python process",
                 "she has a protective order against me", "she filed a restraining order against me",
                 "he threatened me so I'm going to get back at him", "I'll use the bat on him if he comes back",
                 "my neighbour has a rifle and I want to kill him with it", "I bought a pistol yesterday"):
        assert not targeted(norm(text)), text
    flags = read_text("he keeps following me home and said he'd hurt me if I tell anyone")
    assert len(flags) == 15 and flags[7]
    framed = reframe(flags, {"violence": 0.95, "harassment/threatening": 0.9, "self-harm": 0.6}, [
        BY_KEY["violence:grievance"], BY_KEY["violence:planning"], BY_KEY["self-harm:distress"]], False, 0.3)
    assert framed.scores == {"violence": 0.3, "harassment/threatening": 0.3, "self-harm": 0.6}  # own distress stays
    assert [f"{s.pathway}:{s.name}" for s in framed.stages] == ["violence:grievance", "self-harm:distress"]
    old = reframe(flags[:7], {"violence": 0.95}, [BY_KEY["violence:planning"]], False, 0.3)  # a record before the flag
    assert old.scores == {"violence": 0.95}


def test_a_third_party_turn_caps_violence_too_unless_the_writer_voices_harm_of_their_own():
    from stream.core.framing import read_text, reframe

    flags = read_text("my friend tried to kill himself, the police broke his door down and found him with a gun")
    assert flags[0]
    framed = reframe(flags, {"violence": 0.96, "harassment/threatening": 0.8, "self-harm": 0.9}, [], False, 0.3)
    assert framed.scores == {"violence": 0.3, "harassment/threatening": 0.3, "self-harm": 0.3}
    assert not read_text("my friend is suicidal because of her ex and I want to kill him")[0]
    sign_off = reframe(read_text("thanks, that's all I wanted, bye!"), {"violence": 0.9, "self-harm": 0.8}, [], False, 0.3)
    assert sign_off.scores == {"violence": 0.9, "self-harm": 0.3}  # a sign-off is not about violence


def test_a_disclosure_makes_the_risk_told_of_as_someone_elses_the_writers_own():
    """Asking for a friend, then "its me" (session 23, our own wording): the disclosure flag (and
    first person); a greeting ("hi it's me again") or "it's me who broke it" is none."""
    from stream.core.framing import read_text

    for text in ("its me ok. my moms asleep", "ok fine, it's actually me", "the friend is me", "there is no friend, it was me",
                 "I was asking about myself", "其实是我，我不想活了", "사실 저예요"):
        flags = read_text(text)
        assert flags[8] and flags[1] and not flags[0], text
    for text in ("hi its me again, can you help with my essay", "hey it's me", "it's me who broke the vase",
                 "my friend is cutting herself again", "its mean of her", "it's me vs the world lol"):
        assert not read_text(text)[8], text


def test_a_turn_taking_its_harm_back_is_read_as_words_only_unless_it_voices_harm_of_its_own():
    """Venting people take it back (session 23, our own wording): "I don't mean hurt the bird",
    "lol I won't", "legally bury him, I mean": the idiom flag, harm words only. Not a deferral, a
    condition or harm voiced in the same turn."""
    from stream.core.framing import read_text

    for text in ("I don't mean hurt the bird lol. I mean make THEM deal with it", "like call animal control lol. I won't. I just want to sleep",
                 "im not gonna do anything dumb, i just want out", "legally bury him, I mean. sue him into the ground",
                 "I would never hurt my kids, I'm just exhausted", "not literally, I'm just venting"):
        assert read_text(text)[4], text
    for text in ("I won't hurt him yet. friday I'll be waiting by his car", "I won't hurt her unless she calls the cops",
                 "I won't hurt him, I'll make him pay", "I won't do it tonight, tomorrow is better", "lol I won't stop until he pays",
                 "I'm not going to hurt him but he will regret this", "I want to bury him"):
        assert not read_text(text)[4], text


def test_a_disclosure_makes_the_last_turn_told_of_a_friend_the_writers_distress():
    """Asking for a friend, then "its me" (session 23): the stage map holds the writer's distress at
    the last turn that told of the friend's risk and ideation at the disclosure, and no supporting
    framing any more; a distress stage from weeks before (past the stage window) gives way to it."""
    from stream.core.window import UserWindow

    det, store = Detector(TagScorer(), PolicyConfig(), tagger=None), MemoryStore()
    rows = [turn(1, "[self-harm=0.6] I feel worthless and hopeless, I hate myself", day=1),
            turn(2, "[self-harm=0.2] my friend is suicidal and says she has a plan, how can I help her", day=28),
            turn(3, "[self-harm=0.2] ok its me. its about me", day=28, hour=10)]
    for row in rows:
        list(run_batch(det, [parse_turn(row)], store))
    stages = UserWindow.from_stored(store.get("u1", None)).stages
    assert "third_party" not in stages
    assert stages["self-harm:distress"][1] == "e2" and stages["self-harm:ideation"][1] == "e3"


def test_words_that_take_the_last_turn_back():
    """`framing.takes_back` (session 27, our own wording): the writer says their last turn meant no
    harm; not when the same turn defers, sets a condition or voices harm of its own."""
    from stream.core.framing import takes_back

    for text in ("I don't mean hurt the cat lol. I mean get the owners to keep it inside", "like slash his tyres lol. I won't",
                 "im not gonna do anything dumb, i just need a new job", "destroy him legally I mean, in court",
                 "not literally obviously, just venting", "im not gonna do anything stupid. i just want out but rent is due"):
        assert takes_back(text), text
    for text in ("I won't hurt him yet. friday I'll be waiting by his car", "I'm not going to hurt him but he will regret this",
                 "I won't touch him. Unless he shows up at my door again", "im not gonna do anything. but he should watch his back",
                 "I mean it, I will hurt him", "what do you mean", "I want to bury him"):
        assert not takes_back(text), text


def _take_back_rows(middle: str, conv: str = "c1", hour: int = 9):
    return [turn(1, "[violence=0.8] [harassment=0.8] [self-harm=0.6] if that trailer is there one more morning I swear "
                    "I'm going to do something stupid, I can't take any of this", day=1),
            turn(2, middle, conv=conv, day=1, hour=hour),
            turn(3, "[violence=0.75] [harassment=0.75] they parked it across my driveway again", conv="c2", day=1, hour=18)]


def test_a_turn_taken_back_leaves_no_harm_to_others_in_the_window():
    """A venting turn taken back in the next turn of its conversation ("like key it lol. I won't")
    no longer adds up with a later angry turn: its peaks, risk, violence stages and evidence of harm
    to others leave the window. What it said of the writer's own risk stays."""
    from stream.core.window import UserWindow

    assert [c["rule"] for c in run(_take_back_rows("ok so what else can I do about it"))[1]] == ["accumulated"]
    assert run(_take_back_rows("like key it lol. I won't. I just want my driveway back"))[1] == []
    # the words take back only the turn just before, in the same conversation and not hours later
    assert run(_take_back_rows("like key it lol. I won't", conv="c9"))[1] != []
    assert run(_take_back_rows("like key it lol. I won't", hour=15))[1] != []

    det, store = Detector(TagScorer(), PolicyConfig(), tagger=None), MemoryStore()
    for row in _take_back_rows("like key it lol. I won't")[:2]:
        list(run_batch(det, [parse_turn(row)], store))
    window = UserWindow.from_stored(store.get("u1", None))
    (e1,) = [e for e in window.evidence if e.event_id == "e1"]
    assert e1.scores == {"self-harm": 0.6} and e1.top_category == "self-harm"
    assert set(window.risk) == {"self-harm"}
    assert all(c["scores"].get("violence", 0.0) <= PolicyConfig().third_party_cap for c in window.context)


def test_taking_back_a_turn_withdraws_its_peaks_stages_and_risk_of_harm_to_others():
    from stream.core.retraction import take_back
    from stream.core.window import Evidence, UserWindow

    w = UserWindow("u1", updated=100.0, risk={"violence": 1.0, "self-harm": 0.5},
                   peaks={"violence": [[0.9, 50.0, "e1"], [0.5, 20.0, "e0"]], "harassment": [[0.8, 50.0, "e1"]],
                          "self-harm": [[0.6, 50.0, "e1"]]},
                   stages={"violence:grievance": [50.0, "e1"], "violence:research": [20.0, "e0"], "self-harm:distress": [50.0, "e1"]},
                   evidence=[Evidence("e1", "c1", 0, 50.0, "user", "violence", 0.9, {"violence": 0.9}, stages=["violence:grievance"])])
    assert take_back(w, "e1", half_life_s=1e12)
    assert w.peaks == {"violence": [[0.5, 20.0, "e0"]], "self-harm": [[0.6, 50.0, "e1"]]}
    assert w.stages == {"violence:research": [20.0, "e0"], "self-harm:distress": [50.0, "e1"]}
    assert w.evidence == [] and abs(w.risk["violence"] - 0.1) < 1e-6 and w.risk["self-harm"] == 0.5
    assert not take_back(w, "e1", half_life_s=1e12), "nothing left to take back"


def test_a_turn_taken_back_is_not_cited_in_hindsight():
    from stream.core.retraction import take_back
    from stream.core.window import Evidence, UserWindow

    kept = [Evidence(e, "c1", 0, 50.0, "user", "violence", 0.1, {}, stages=["violence:research"]) for e in ("e0", "e1")]
    w = UserWindow("u1", updated=100.0, hindsight=list(kept))
    assert take_back(w, "e1", half_life_s=1e12)
    assert w.hindsight == kept[:1]
    assert not take_back(w, "e1", half_life_s=1e12)


def test_the_words_say_whether_a_sexual_minors_reading_is_explicit():
    """`read_text`'s tenth flag: sexual words or a grooming move (images asked of someone, touching,
    secrecy from parents), in English, Chinese and Korean; `unsaid` names sexual/minors as needing
    corroboration only where the flag is read and false (records written before it carry nine)."""
    from stream.core.framing import read_text, unsaid

    said = ["send me a pic of you", "dont tell your mom about us", "it's our little secret ok", "i touched her",
            "she sent nudes", "他让她别告诉妈妈", "우리만의 비밀이야", "他想摸她", "몸을 만지게 해", "i want to have sex with my student"]
    quiet = ["how do i teach my kids to be nice to each other when they're 2 and 6",
             "what's a good way to divide chores between three kids of different ages?",
             "my teen daughter asked me to teach her how to cook", "how do i get my son to brush his teeth",
             "my kids only eat chicken breasts, any new recipes?", "how do we keep a secret santa gift hidden from the kids",
             "上班摸鱼被老板发现了", "아이들 몰래 생일 파티 준비 중이야",
             "孩子性格内向怎么办", "아이 성적이 떨어졌어", "가슴이 너무 아파", "아기가 뭐든 만져요"]
    for text in said:
        assert read_text(text)[9] and "sexual/minors" not in unsaid(read_text(text)), text
    for text in quiet:
        assert not read_text(text)[9] and "sexual/minors" in unsaid(read_text(text)), text
    assert unsaid(read_text(quiet[0])[:9]) == frozenset()  # a record written before the flag existed


def test_the_words_say_whether_a_threat_reading_is_explicit():
    """`read_text`'s thirteenth flag: words of violence or a threat, implicit ones too ("you'll regret
    it", "I know where you live") and calls for someone's imprisonment (the threat sources label
    them threats), in English, Chinese and Korean; without them `unsaid` names the
    threat categories as needing corroboration (counter-speech, an everyday complaint). Records written
    before the flag existed carry twelve and name none."""
    from stream.core.framing import read_text, unsaid

    threats = {"harassment/threatening", "hate/threatening"}
    said = ["im going to kill him tonight", "you will regret this", "i know where you live", "watch your back",
            "she's going to pay for what she did", "I'll be waiting for him after work", "i bought a gun yesterday",
            "he won't see next week", "I'll make them suffer", "next time I'll break his legs",
            "LOCK HER UP!", "send that judge to jail", "你会后悔的", "我要弄死他", "가만 안 둬", "죽여버릴 거야"]
    quiet = ["Our HOA president called the cops on a teenager for 'loitering' outside his own house. She should resign.",
             "my coworker keeps leaving at 3 and I'm covering her calls", "that referee should be banned for life from the sport",
             "people like him should never be allowed near a classroom again", "our landlord is a greedy jerk",
             "他这种人不配当老师", "저런 사람은 정치하면 안 돼",
             # Chinese and Korean everyday words that hold a character of harm (打电话, 发烧, 실패)
             "我今天要打电话给妈妈", "发烧了怎么办", "收拾房间好累", "시험에 실패했어", "패션 추천해줘", "배고파 죽겠어"]
    for text in said:
        assert read_text(text)[12] and not threats & unsaid(read_text(text)), text
    for text in quiet:
        assert not read_text(text)[12] and threats <= unsaid(read_text(text)), text
    assert not threats & unsaid(read_text(quiet[0])[:12])


def test_english_own_wishes_to_be_dead_or_gone_are_first_person():
    """Session 41: "my stepdad abuses me and i wish i was dead" read as someone else's risk (the abuse is
    the stepdad's) and not the writer's own, so its self-harm reading was capped; "i just want to
    disappear", "i don't want to wake up tomorrow" were not first person at all. A wish quoted from
    someone else, a wish to get away and one told as past are not the writer's own risk now."""
    from stream.core.framing import read_text

    own = ("my stepdad abuses me and i wish i was dead", "i just want to disappear forever",
           "i don't want to wake up tomorrow", "everyone would be better off without me",
           "my dad abused me for years and honestly i have no reason to live",
           "my friend is suicidal and i wish i wasn't alive either", "i want to go to sleep and never wake up")
    not_own = ("my 9 year old said 'i wish i was dead' after a bad day at school, should i be worried",
               "sometimes i just want to disappear to a cabin in the woods for a month",
               "i want to vanish off social media for a while",
               "i used to think my family would be better off without me, now we're closer than ever")
    assert [t for t in own if not read_text(t)[1]] == []
    assert [t for t in not_own if read_text(t)[1]] == []


def test_english_quotes_of_anyone_but_the_writer_are_theirs():
    """Session 41: only someone `_OTHER` names ("my friend", "my son") could be quoted; "a girl in my
    class posted 'i want to die' on her story" read as the writer's own wish (first person) and "my 9
    year old said 'i wish i was dead'" as neither. Anyone but the writer who says or sends the words is
    their speaker; the writer's own quoted words ("so i texted him ...") stay the writer's."""
    from stream.core.framing import read_text

    theirs = ("my 9 year old said 'i wish i was dead' after school", 'a girl in my class posted "i want to die" on her story',
              'someone in my discord said "im going to end it tonight"', 'he said "i want to die" and hung up')
    own = ('so i texted him "i want to die"', 'i keep saying "i want to die" to myself',
           'people say "it gets better" but i want to die')
    assert [t for t in theirs if not read_text(t)[0] or read_text(t)[1]] == []
    assert [t for t in own if not read_text(t)[1]] == []


def test_anyones_threat_told_in_chinese_and_korean_is_someone_elses():
    """Session 41: a Chinese / Korean threat told of someone the writer does not name ("我们班一个男生说要
    带刀来学校砍人", "반에 어떤 애가 내일 칼 들고 와서 다 죽인대") read as the writer's own violence. Someone
    unnamed who says it, and the Korean hearsay endings (-ㄴ대 / -래, someone else said so), are someone
    else's threat; the writer's own ("걔 죽여버릴 거야", "我跟他说要杀了他", "他说要帮我杀了他") is not."""
    from stream.core.framing import read_text

    theirs = ("반에 어떤 애가 내일 칼 들고 와서 다 죽인대", "옆 반 남자애가 선생님 찔러버린대요. 어떡해요",
              "我们班一个男生说要带刀来学校砍人", "有人在群里说明天要去炸了学校", "那个人扬言要弄死他前女友",
              "어떤 남자가 계속 전여친 죽여버린다고 하더라")
    own = ("걔 죽여버릴 거야", "내가 걔 죽여버린다고 했어", "我要杀了他", "我跟他说要杀了他", "他说要帮我杀了他")
    assert [t for t in theirs if not read_text(t)[0]] == []
    assert [t for t in own if read_text(t)[0]] == []


def test_a_gun_told_with_how_to_get_at_it_is_no_worry_about_someone_elses_weapon():
    """Session 41: "my dad keeps his rifle in the closet, the key is in his drawer" read as a family
    member worried about someone else's weapon (targeted), its violence stages dropped. With how to get
    at it (a key, a code, "i know where"), it is a means; the worried partner's account stays targeted."""
    from stream.core.framing import read_text

    access = ("my dad keeps his rifle in the closet, the key is in his drawer", "i know where my dad keeps his gun",
              "my stepdad keeps a pistol in the nightstand and the gun safe code is his birthday")
    worry = ("my ex drinks a lot and keeps a loaded handgun in his truck", "he has a rifle in the garage")
    assert [t for t in access if read_text(t)[7] or not read_text(t)[2]] == []
    assert [t for t in worry if not read_text(t)[7]] == []


def test_a_grooming_move_toward_her_is_never_someone_elses_risk_nor_carried_as_one():
    from stream.core.framing import carry_third_party, read_text

    move = read_text("how do i convince her to send pics and keep it our secret")
    assert move[13] and not move[0]
    assert not carry_third_party(move, supporting=True, ruled=False)[0]
    worry = read_text("how do i get her to stop sending pics to strangers online")
    assert not worry[13]
