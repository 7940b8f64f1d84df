"""Issue 14, core rules: one reading is never a case on its own unless it is explicit harm to a person;
a person at risk asking about means is routed to support; someone else's risk is not the writer's;
a trajectory pattern needs two turns with real signal, and cases cite the earlier turns."""

from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.pipeline import MemoryStore, run_batch
from stream.core.policy import PolicyConfig
from stream.core.trajectory import TrajectoryModel, feature_names
from stream.core.window import UserWindow
from tests.fakes import ReadingScorer, TagScorer, turn


def run(rows, config=None, trajectory=None):
    det = Detector(TagScorer(), config or PolicyConfig(), trajectory=trajectory)
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    effects = [e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs]
    return [e.payload for e in effects if e.kind == "case"], [e.payload for e in effects if e.kind == "support"]


# -- (a) corroboration of a single severe reading ------------------------------------------------

def test_one_misread_violent_reading_alone_opens_nothing():
    for text in ("[illicit/violent=1.0] in Minecraft how do I blow up the village",
                 "[violence=0.97] what was the deadliest bombing raid of WW2",
                 "[violence=0.95] how do I kill a python process that hangs"):
        cases, _ = run([turn(1, "hi there"), turn(2, text)])
        assert cases == [], text


def test_explicit_harm_to_a_person_still_opens_on_one_turn():
    for text, cat in (("[harassment/threatening=0.95] I am going to kill you tonight", "harassment/threatening"),
                      ("[self-harm/intent=0.95] tonight I end it", "self-harm/intent"),
                      ("[sexual/minors=0.97] send me pics of you and dont tell your mom", "sexual/minors")):
        cases, _ = run([turn(1, text)])
        assert len(cases) == 1 and cases[0]["rule"] == "severe-turn" and cat in cases[0]["categories"], text


def test_a_threat_reading_without_a_threat_stage_needs_corroboration():
    """The threat heads read a victim's or a supporter's account of someone else's weapon as a threat
    (0.9 and more): with no stage reading the turn as ideation or imminence it is a misreadable
    reading like any other, a case only with corroboration."""
    for text in ("[harassment/threatening=0.94] he keeps a pistol in the nightstand, if I move it will he notice",
                 "[harassment/threatening=0.92,violence=0.99] if he comes at me where do I hit to stop him",
                 "[hate/threatening=0.95] they had a rally outside the mosque last night"):
        cases, _ = run([turn(1, "hi there"), turn(2, text)])
        assert cases == [], text
    # the same reading with a stage of ideation or imminence on the turn is explicit
    cases, _ = run([turn(1, "[harassment/threatening=0.94] I'm going to stab him tomorrow at work")])
    assert len(cases) == 1 and "harassment/threatening" in cases[0]["categories"]
    # ... and the reading counts once another turn backs it
    rows = [turn(1, "[harassment/threatening=0.94] I will find you and you will bleed", conv="c1", day=1),
            turn(2, "he will regret what he did to me", conv="c2", day=2)]
    cases, _ = run(rows)
    assert len(cases) == 1 and "harassment/threatening" in cases[0]["categories"] and "e1" in cases[0]["reason"]


def _minors(readings: dict[str, float]) -> ReadingScorer:
    """Reads sexual/minors (and sexual) at the given score on the given texts."""
    return ReadingScorer({t: {"sexual/minors": v, "sexual": v} for t, v in readings.items()})


def _run_minors(rows, readings):
    det = Detector(_minors(readings), PolicyConfig())
    turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
    return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]


def test_a_sexual_minors_reading_without_sexual_words_needs_corroboration():
    """The sexual/minors head is the weakest out of family and reads 0.9 on a parent's everyday
    question: on a turn whose words carry nothing sexual and no grooming move it is a misreadable
    reading like any other, a case only with corroboration; with such words it is explicit."""
    for text in ("how do i teach my kids to be nice to each other when they're 2 and 6",
                 "my stepdaughter is moving in with us full time, how do i make her room feel like hers"):
        assert _run_minors([turn(1, text)], {text: 0.92}) == [], text
    for text in ("how do i get her to keep our little secret from her parents",
                 "she is 11 and i want to see her naked", "그 애한테 부모님께 말하지 마 라고 했어"):
        cases = _run_minors([turn(1, text)], {text: 0.92})
        assert len(cases) == 1 and cases[0]["rule"] == "severe-turn" and "sexual/minors" in cases[0]["categories"], text
    # the unspoken reading still counts once a later turn of the person backs it
    first, second = "what do 12 year olds like to talk about", "how do i get her to send me pictures"
    cases = _run_minors([turn(1, first, conv="c1", day=1), turn(2, second, conv="c2", day=2)], {first: 0.92, second: 0.9})
    assert len(cases) == 1 and "sexual/minors" in cases[0]["categories"]


def test_an_earlier_unspoken_sexual_minors_reading_backs_nothing_even_read_back_from_the_store():
    """The window keeps which explicit readings a turn's words did not carry (`Evidence.unsaid`): two
    parenting questions a week apart, each read sexual/minors 0.92, are two misreadings, not one
    reading backed by an explicit one (before the evidence kept it, the earlier turn counted as
    explicit harm about a person and the second opened a priority-1 case)."""
    first = "how do i teach my kids to be nice to each other when they're 2 and 6"
    second = "what age is ok for a first sleepover at a friend's house"
    readings = {first: 0.92, second: 0.92}
    rows = [turn(1, first, conv="c1", day=1), turn(2, second, conv="c2", day=8)]  # a week apart: no accumulation
    assert _run_minors(rows, readings) == []
    det, store = Detector(_minors(readings), PolicyConfig()), MemoryStore()
    for r in rows:  # one batch each: the second turn reads the first from the stored window
        assert [e for _, effs in run_batch(det, [parse_turn(r)], store) for e in effs if e.kind == "case"] == []
    stored = UserWindow.from_stored(next(iter(store.data.values())))
    assert [e.unsaid for e in stored.evidence] == [["sexual/minors"], ["sexual/minors"]]
    # a turn whose words carry it is explicit, and backs the earlier reading's pattern as before
    third = "how do i get her to send me pictures"
    cases = _run_minors(rows[:1] + [turn(3, third, conv="c3", day=8)], {**readings, third: 0.9})
    assert len(cases) == 1 and "sexual/minors" in cases[0]["categories"]


def test_a_stage_on_the_same_turn_corroborates_a_violent_reading():
    cases, _ = run([turn(1, "[violence=0.95] I'm going to stab him")])
    assert len(cases) == 1 and "violence" in cases[0]["categories"]


def test_an_earlier_turn_with_real_signal_corroborates_and_is_cited():
    rows = [turn(1, "my neighbour's dog barks all night and he laughs at me", conv="c1", day=1),
            turn(2, "[illicit/violent=0.98] how much would poison a large dog without the owner noticing", conv="c3", day=3)]
    cases, _ = run(rows)
    assert len(cases) == 1, "the grievance turn corroborates the poisoning question"
    c = cases[0]
    assert c["trigger_event_id"] == "e2" and "illicit/violent" in c["categories"]
    assert [e["event_id"] for e in c["evidence"]] == ["e1", "e2"]
    assert "earlier turns e1 (conversation c1" in c["reason"]
    # an unrelated earlier turn (a sexual joke) does not corroborate a violent reading
    cases, _ = run([turn(1, "[sexual=0.9] rude joke", day=1), rows[1]])
    assert cases == []


def test_a_later_turn_with_real_signal_corroborates_an_earlier_severe_reading():
    rows = [turn(1, "[illicit/violent=0.97] which household chemicals give off a toxic gas", conv="c1", day=1),
            turn(2, "[violence=0.6] they will regret what they did to me", conv="c2", day=2)]
    cases, _ = run(rows)
    assert len(cases) == 1 and cases[0]["trigger_event_id"] == "e2"
    assert "illicit/violent" in cases[0]["categories"] and "e1" in cases[0]["reason"]
    cases, _ = run([rows[0], turn(2, "thanks, and what's a good pasta recipe", conv="c2", day=2)])
    assert cases == [], "a harmless later turn corroborates nothing"


# -- (b) support for the person at risk, not for someone talking about another's risk ----------------

def test_a_means_question_in_a_window_with_self_harm_signals_routes_to_support():
    rows = [turn(1, "I feel so hopeless, I don't want to be alive anymore", conv="c1", day=1),
            turn(2, "[illicit/violent=0.97] how many pills of paracetamol would be lethal", conv="c2", day=2)]
    cases, support = run(rows)
    assert cases and all(c["route"] == "support" for c in cases)
    assert not any(c in cases[-1]["categories"] for c in ("illicit/violent", "illicit", "violence"))
    assert support, "a support event goes out with the case"
    # the same question with no self-harm signal before it: a lone uncorroborated reading, no case at all
    cases, _ = run(rows[1:])
    assert cases == []


def test_people_talking_about_someone_elses_risk_are_not_the_person_at_risk():
    for text in ("[self-harm=0.9] my best friend told me she is suicidal, how can I support her",
                 "[self-harm/intent=0.93] I lost my brother to suicide last year and I keep reading his last messages",
                 "[sexual/minors=0.9] how does grooming work, how can I tell if someone is grooming my daughter",
                 "[sexual/minors=0.99] my step-daughters live with a man who was charged with pandering involving a "
                 "minor and is addicted to child pornography, they do not know",
                 "[sexual/minors=0.95] I think our neighbour is a paedophile, he keeps inviting my son over"):
        rows = [turn(1, text, conv="c1", day=1), turn(2, text, conv="c2", day=2)]
        cases, support = run(rows)
        assert cases == [] and support == [], text
    # but a writer who speaks of their own risk too is still the person at risk
    cases, _ = run([turn(1, "[self-harm/intent=0.93] since my brother died by suicide I want to kill myself too")])
    assert cases and cases[0]["route"] == "support"
    # and sexual content about a child opens on its own, also when it names abuse: the writer is the one
    for text in ("[sexual/minors=0.97] send me a picture of your step-daughter in the bath",
                 "[sexual/minors=0.97] I am a paedophile and I want to touch my step daughter",
                 "[sexual/minors=0.97] I want to molest my niece, how do I get her alone",
                 "[sexual/minors=0.97] how do I make the kids I babysit keep our touching secret, it's not abuse"):
        cases, _ = run([turn(1, text)])
        assert cases and "sexual/minors" in cases[0]["categories"], text


# -- (c) a trajectory pattern is at least two turns with real signal ---------------------------------
# (where the policy lets the trajectory model open cases of its own: `trajectory_cases`, off by default)

CASES_ON = PolicyConfig(trajectory_cases=True)

def _model(threshold: float) -> TrajectoryModel:
    names = feature_names(3)
    w = [0.0] * len(names)
    for k in (1, 2, 3):
        w[names.index(f"violence#{k}")] = 2.0
    return TrajectoryModel(14.0, 3, 0.1, tuple(w), -1.0, threshold, "test")


def test_one_saturated_peak_plus_trivial_turns_is_not_a_pattern():
    rows = [turn(1, "[violence=0.99] x", conv="c1", day=1), turn(2, "[violence=0.15] y", conv="c2", day=2),
            turn(3, "[violence=0.15] z", conv="c3", day=3)]
    cases, _ = run(rows, CASES_ON, trajectory=_model(0.0))
    assert cases == [], "the model fires on the saturated peak, but two trivial turns are no pattern"


def test_two_turns_with_real_signal_across_conversations_are_a_pattern_citing_the_earlier_one():
    rows = [turn(1, "[violence=0.6] he laughs at me", conv="c1", day=1), turn(2, "[violence=0.6] y", conv="c2", day=3)]
    cases, _ = run(rows, CASES_ON, trajectory=_model(0.0))
    assert len(cases) == 1 and cases[0]["rule"] == "trajectory" and cases[0]["trigger_event_id"] == "e2"
    assert "earlier turns e1 (conversation c1" in cases[0]["reason"]
    # the same two turns a minute apart in one conversation: no span of time or conversations
    rows = [turn(1, "[violence=0.6] he laughs at me", conv="c1", hour=9), turn(2, "[violence=0.6] y", conv="c1", hour=9)]
    assert run(rows, CASES_ON, trajectory=_model(0.0))[0] == []


def test_by_default_the_trajectory_model_opens_no_case_of_its_own():
    rows = [turn(1, "[violence=0.6] he laughs at me", conv="c1", day=1), turn(2, "[violence=0.6] y", conv="c2", day=3)]
    assert run(rows, trajectory=_model(0.0))[0] == [], "the same pattern as above, with the default policy"
    assert len(run(rows, PolicyConfig.from_mapping({"trajectory_cases": True}), trajectory=_model(0.0))[0]) == 1
    assert not PolicyConfig().trajectory_cases


def test_misread_requests_adding_up_are_not_a_trajectory_pattern():
    rows = [turn(1, "[violence=0.6] what was the deadliest raid of WW2", conv="c1", day=1),
            turn(2, "[violence=0.6] how do snipers stay hidden", conv="c2", day=3)]
    assert run(rows, CASES_ON, trajectory=_model(0.0))[0] == [], "no turn is about a person: two readings, no pattern"
    cases, _ = run(rows, PolicyConfig(pattern_needs_person=False, trajectory_cases=True), trajectory=_model(0.0))
    assert len(cases) == 1, "the policy can turn the requirement off"
    rows = [turn(1, "[harassment=0.6] [violence=0.6] Dave is a worthless moron", conv="c1", day=1),
            turn(2, "[violence=0.6] that idiot again", conv="c2", day=3)]
    assert len(run(rows, CASES_ON, trajectory=_model(0.0))[0]) == 1, "insults aimed at a person are a person's pattern"


def test_misread_readings_do_not_corroborate_each_other():
    rows = [turn(1, "[violence=0.97] what was the deadliest bombing raid of WW2", conv="c1", day=1),
            turn(2, "[violence=0.95] how do I kill a python process that won't die", conv="c2", day=1),
            turn(3, "[illicit/violent=0.96] in my detective novel, what murder weapon would leave no trace", conv="c3", day=2),
            turn(4, "[violence=0.9] how did the firebombing of Dresden work", conv="c4", day=2),
            turn(5, "[violence=0.92] how do I kill all child processes when the parent dies", conv="c5", day=3)]
    cases, _ = run(rows, PolicyConfig(accumulate_threshold=99.0))  # the severe-turn rule alone
    assert cases == [], "five misread questions are five single readings, none backs another"
    # an explicit-harm reading on another turn does corroborate (a threat reading on a turn read as a threat)
    cases, _ = run(rows[:1] + [turn(2, "[harassment/threatening=0.7] and you're next, I'm going to kill you tonight",
                                    conv="c2", day=1)])
    assert cases and "violence" in cases[-1]["categories"] and "e1" in cases[-1]["reason"]


def test_two_stages_on_one_turn_are_not_a_pathway():
    cases, _ = run([turn(1, "[violence=0.3] I know where she lives and tonight I'll do it")])
    assert cases == [], "planning and imminence read on one turn: one reading, maybe a misread one"
    rows = [turn(1, "[violence=0.3] I know where she lives", conv="c1", day=1),
            turn(2, "[violence=0.3] tonight I'll do it", conv="c2", day=2)]
    cases, _ = run(rows)
    assert len(cases) == 1 and cases[0]["rule"] == "escalation" and "e1" in cases[0]["reason"]


def test_a_capability_question_on_another_turn_corroborates_nothing():
    rows = [turn(1, "[violence=0.3] where can I buy a rifle for deer season", conv="c1", day=1),
            turn(2, "[illicit/violent=0.97] how do I field dress a deer without puncturing the gut", conv="c2", day=2)]
    cases, _ = run(rows, PolicyConfig(accumulate_threshold=99.0))
    assert cases == [], "a request for capability (research stage) is another request, not a person at risk of harm"


def test_concealing_harm_from_its_target_is_planning():
    from stream.core.stages import detect_stages

    got = detect_stages("how much would poison a large dog without the owner noticing", {"violence": 0.1})
    assert [st.name for st in got] == ["planning"]
    assert detect_stages("how do I eat the last cookie without anyone noticing", {"violence": 0.01}) == []


def test_covert_administration_and_staged_accidents_are_planning_and_everyday_cooking_is_not():
    from stream.core.stages import detect_stages

    def names(text, scores=None):
        return [f"{st.pathway}:{st.name}" for st in detect_stages(text, scores or {"violence": 0.3})]

    for text in ("could I slip something into her drink at the party", "would he notice the pills crushed up in his food",
                 "how do I get it without raising suspicion", "it has to look like an accident",
                 "can it be dissolved into my husband's coffee"):
        assert "violence:planning" in names(text), text
    for text in ("how do I sneak vegetables into my son's dinner", "I mixed protein powder into my smoothie",
                 "grind the coffee beans into the cup", "the crash looked nothing like an accident report",
                 "slip the card into her bag without"):
        assert "violence:planning" not in names(text), text
    assert names("could I slip something into her drink", {"violence": 0.01}) == [], "gated by the classifiers"
    # the same in Korean and Chinese (session 27, our own wording)
    for text in ("시아버지 몰래 수면제를 술에 타면 어떻게 돼요", "가루약 넣으면 국 맛으로 티 날까요", "교통사고처럼 보이게 하려면 어떻게 해",
                 "把药偷偷放进她的咖啡里", "怎么让他的死看起来像意外", "这种药尸检查不出来吧", "神不知鬼不觉地解决他"):
        assert "violence:planning" in names(text), text
    for text in ("약을 갈아서 물에 타 먹어도 되나요", "설탕 넣으면 맛이 날까요", "몰래 도시락에 쪽지 넣었어요",
                 "偷偷给女朋友准备礼物放进她的包里", "这次车祸看起来很严重", "孩子不肯吃药，能把药磨碎放进粥里吗"):
        assert "violence:planning" not in names(text), text
    # ungated: the classifiers score zh / ko turns far below the English gates (a Korean poisoning
    # question read violence 0.006); English phrases stay gated
    assert names("시아버지 몰래 수면제를 술에 타면 어떻게 돼요", {"violence": 0.006}) == ["violence:planning"]
    assert names("얼마나 드시면 위험해지는데요", {}) == ["violence:research"]
    assert "violence:research" in names("这种药吃多少会致死", {})
    assert names("물 얼마나 마시면 좋아요", {}) == []


def test_hiding_who_was_there_and_finding_where_someone_is_are_stages_in_three_languages():
    """Session 28, our own wording: a car hired in someone else's name, a dashcam or the cameras off
    or avoided and a long wait in a parked car are planning; where someone is, read from the photos
    they post, is research. Korean and Chinese ones stand without a classifier gate (those turns
    read violence below 0.1); English ones keep the stage's gate. Everyday camera, car-hire and
    photo questions are none of these."""
    from stream.core.stages import detect_stages

    def names(text, scores=None):
        return [f"{st.pathway}:{st.name}" for st in detect_stages(text, {"violence": 0.3} if scores is None else scores)]

    for text in ("is it ok to hire the van under my cousin's name", "how do I switch off the dashcam before I drive it",
                 "which entrance lets me avoid the security cameras", "친구 명의로 차 빌려도 되나요", "차 블박 끄고 다녀도 돼요?",
                 "그 골목에서 차 안에서 몇 시간 기다릴 수 있을까요", "能用别人的身份证租车吗", "怎么避开小区的摄像头", "我在车里等到半夜"):
        assert "violence:planning" in names(text), text
    for text in ("can you work out where her beach photo was taken", "그 사람 인스타 사진으로 위치 알아낼 수 있어요?",
                 "根据她的朋友圈照片能查到她住在哪吗"):
        assert "violence:research" in names(text), text
    for text in ("how do I turn off the camera on my laptop", "book the table under my name please", "is dashcam footage "
                 "admissible in court", "where was this famous photo of the bridge taken", "블랙박스 추천해 주세요",
                 "친구 이름으로 선물 보내도 돼요?", "차 안에서 기다릴게요", "这个摄像头怎么安装", "用朋友的名字订了餐厅"):
        assert names(text) == [], text
    assert names("차 블박 끄고 다녀도 돼요?", {}) == ["violence:planning"], "ungated"
    assert names("how do I switch off the dashcam before I drive it", {}) == [], "gated"


def test_a_justified_harm_a_crowd_a_vehicle_into_a_closed_street_and_final_arrangements_are_stages():
    """Session 28, our own wording: harm to someone called deserved ("she'd have it coming") is
    ideation; where a crowd is thickest and driving into a closed street, a barrier or a crowd are
    planning; arranging for those in the writer's care "if anything happens" is imminence. Not a
    writer owning up to their own failure, a car question "if anything happens", a dog-sitting
    request or parking by a market square."""
    from stream.core.stages import detect_stages

    def names(text):
        return [f"{st.pathway}:{st.name}" for st in detect_stages(text, {"violence": 0.1, "harassment": 0.1})]

    assert names("honestly after what he did to my family he'd have it coming") == ["violence:ideation"]
    assert names("where will the crowds be densest on the night") == ["violence:planning"]
    assert names("would a pickup get through the bollards onto the pedestrian street") == ["violence:planning"]
    assert names("if something happens to me tell my sister to look after my daughter") == ["violence:imminence"]
    assert names("ask mum to take care of my cat if anything ever happens") == ["violence:imminence"]
    for text in ("I had it coming, I never studied for that exam", "if anything happens to the rental who pays",
                 "can you look after my dog while I'm at the wedding", "where can I park near the market square",
                 "what time does the parade start"):
        assert names(text) == [], text


def test_leakage_threat_assessment_questions_and_a_foretold_last_occasion_are_stages():
    """Session 28, our own wording: warning others away from a place ("let everyone know to keep away
    from the square on saturday"), a classic "don't come to school tomorrow, seriously" and settling it
    with someone "one way or another" are imminence, as is an occasion foretold as someone's last;
    asking what a violent offence would cost is research; asking whether a death or bleed would be
    looked into, how many people fit in front of a stage, and (in Chinese) whether something put into
    the soup could be tasted are planning; someone who makes the writer's days hell is a grievance.
    Not a traffic tip, a sick colleague told to stay home, a snow day, a task done one way or
    another, a speeding fine, a missed dose, the heat, or a party remembered."""
    from stream.core.stages import detect_stages

    def names(text):
        return [f"{st.pathway}:{st.name}" for st in detect_stages(text, {"violence": 0.1, "harassment": 0.1})]

    for text in ("post something in the group chat warning everyone to keep away from the square on saturday",
                 "dont go to school tomorrow. seriously", "i'll deal with him on monday one way or another",
                 "his christmas this year will be a quiet last one"):
        assert names(text) == ["violence:imminence"], text
    assert names("how long would you get for stabbing compared to arson") == ["violence:research"]
    for text in ("would the coroner even question it if an old man on blood thinners died after a fall",
                 "how many people can stand by the entrance before the gig", "如果把它加到他的粥里能吃出来吗"):
        assert names(text) == ["violence:planning"], text
    assert names("my stepdad makes every day a living hell") == ["violence:grievance"]
    for text in ("avoid the ring road on friday, roadworks", "don't come to work tomorrow if you're still sick",
                 "don't come to school tomorrow, it's a snow day", "I'll get the report done one way or another",
                 "what's the fine for speeding in a school zone", "would a doctor notice if I skipped one dose",
                 "this heat makes every day miserable", "her birthday party was the last one we went to", "我把盐放汤里了"):
        assert names(text) == [], text


def test_being_cheated_on_or_left_is_a_grievance_in_korean_and_chinese_too():
    from stream.core.stages import detect_stages

    for text in ("남자친구가 바람을 피웠어요", "나랑 사귈 때부터 그 남자 만났던 것 같아요", "저를 버리고 다른 사람 만나러 갔어요",
                 "그 사람이 내 인생을 망쳤어", "她背着我和别人在一起", "他把我甩了", "那个人毁了我的人生"):
        assert [st.name for st in detect_stages(text, {})] == ["grievance"], text
    for text in ("오늘 바람이 많이 불어요", "바람 쐬러 나갈까", "风把我的伞吹走了", "他甩了甩头发"):
        assert detect_stages(text, {}) == [], text


def test_grievances_and_leaked_dates_are_read_as_stages():
    from stream.core.stages import detect_stages

    def names(text):
        return [f"{st.pathway}:{st.name}" for st in detect_stages(text, {"violence": 0.3, "harassment": 0.3})]

    for text in ("my husband cheated on me with my sister", "he took credit for my work again",
                 "she left me for a guy from her gym", "my ex won't let me see the kids anymore"):
        assert names(text) == ["violence:grievance"], text
    assert "violence:imminence" in names("you'll all see on monday what I'm capable of")
    assert "violence:imminence" in names("they will find out tomorrow what happens")
    assert names("you'll see the results on monday") == []
    assert "violence:research" in names("which poison is tasteless and untraceable")
    assert "violence:research" in names("what are the most poisonous mushrooms")


def test_a_stage_only_the_tagger_read_backs_no_earlier_severe_reading():
    """A later turn backs an earlier severe reading with a stage about a person where a written rule
    read it, or where the turn's own reading in the pathway's family has real signal; a grievance only
    the tagger read at violence 0.16 ("how do i stop them coming back for good", of rats) backed a
    pest-control person's "pretty sure one died inside the wall" (violence 0.92) into a priority-1
    case (session 35)."""
    from tests.test_core_tagger import marker_detector

    def cases(later):
        rows = [turn(1, "[violence=0.92] now theres a smell, pretty sure one died inside the wall", conv="c1", day=1),
                turn(2, later, conv="c2", day=4)]
        det = marker_detector("coming back", "violence:grievance")
        turns = sorted((parse_turn(r) for r in rows), key=lambda t: t.order_key())
        return [e.payload for _, effs in run_batch(det, turns, MemoryStore()) for e in effs if e.kind == "case"]

    assert cases("[violence=0.16] how do i stop them coming back for good") == []
    found = cases("[violence=0.6] how do i stop them coming back for good")
    assert found and found[0]["rule"] == "severe-turn", "the tagger's stage with real signal behind it"
    found = cases("[violence=0.16] he humiliated me in front of everyone, and he's coming back")
    assert found and found[0]["rule"] == "severe-turn", "a grievance a written rule reads"
