"""What the assistant's reply says about the turn it answers: concern voiced for someone's safety.

The assistant reads the whole conversation, and a modern assistant that refuses a request because
it fears for someone ("it sounds like you're planning to hurt him", "are you thinking of ending
your life?") has read the pattern the person's turns spread out. That reading is evidence about
the user turn it answers, on the pathway it names: harm to others (violence) or to the person
themselves (self-harm). It is corroboration (`policy.VOICED`): concern that the person may harm
someone takes part in a pathway only beside a stage the person's own turns showed; concern for
their own life voiced about two of their turns in separate conversations is a pattern for the
support route by itself (`policy._voiced_apart`).

An urgent plea to the person, not conditional ("Please don't go through with this. Call 988 right
now", "put the pills out of reach") is concern too: for someone else's life when the reply says
someone could die or get hurt, else for the person's own.

Read only on assistant turns, by written phrases in English, Chinese and Korean, and (session 29) by
the reply reader (stream/core/reply_reader.py) over the reply's embedding, whose reading counts only
beside a word of concern or refusal addressed to the user (`marks_concern`). A plain refusal
("I can't help with that request"), safety advice, a conditional offer of resources ("if you ever
have thoughts of ending your life, call ..."), words in quotes the assistant suggests the person
say to someone else, concern for someone else's life (a supporter's friend, a parent's child) and
concern for the user's safety from someone else ("are you safe at home?") are not concern about
the user and do not match.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stream.scoring.normalize import QUOTED

# Concern that the user may harm someone else: the user ("you") is the one who would act.
_HARM = (r"(?:hurt|harm|kill|poison|attack|injur|set(?:ting)? (?:a )?fire|burn|shoot|stab|ambush|confront|get(?:ting)? "
         r"back at|revenge|retaliat|wait(?:ing)? for (?:her|him|them)|follow(?:ing)? (?:her|him|them)|track(?:ing)? "
         r"(?:her|him|them)|stalk|do something to|make (?:her|him|them) pay|punish|"
         # finding someone who does not want to be found ("I won't help work out where she lives")
         r"(?:find|finding|work|working|figure|figuring) (?:out )?where (?:she|he|they) (?:lives?|works?|stays?|is staying)|"
         r"locat(?:e|ing) (?:her|him|them)|track(?:ing)? (?:her|him|them) down|dox\w*|(?:find|finding|get|getting) "
         r"(?:her|his|their) (?:home |new |current )?(?:address|location|house|flat|apartment))")
_TARGET = (r"(?:him|her|them|someone|somebody|anyone|anybody|people|others|another person|your (?:\w+ )?(?:boss|manager|ex|"
           r"wife|husband|partner|coworker|colleague|neighbou?r|landlord|classmates?|teacher|family|mother|father|mom|dad|"
           r"stepfather|stepmother|roommate|friend))")
_REFLEXIVE = re.compile(r"\b(?:hurt|harm|kill|injur|poison|cut|burn)\w* (?:herself|himself|themselves|themself|yourself|oneself|myself)\b")
_EN_OTHERS = re.compile("|".join((
    # "it sounds like you're planning to hurt him"
    rf"\b(?:sounds|seems|looks) (?:like|as if|as though) you(?:'re| are| may be| might be| could be| were)? (?:\w+ )?"
    rf"(?:thinking|planning|considering|wanting|going|preparing|intending|trying|hoping|ready)\b[^.?!]{{0,60}}\b{_HARM}",
    # "I'm worried you're planning to hurt her", "I'm concerned about where this is going"
    rf"\b(?:i'?m|i am)(?: \w+){{0,2}} (?:worried|concerned|alarmed|scared|afraid)\b[^.?!]{{0,20}}\byou\b[^.?!]{{0,50}}\b{_HARM}",
    r"\b(?:i'?m|i am)(?: \w+){0,2} (?:worried|concerned|alarmed) (?:about )?(?:where this is (?:going|heading)|what you(?:'re| are| might be| may be) (?:planning|intending))",
    # "I won't help you track her", "I'm not going to help you get back at him"
    rf"\b(?:won'?t|will not|can'?t|cannot|not going to|refuse to|unable to)(?: \w+)? help (?:you )?(?:with )?(?:\w+ ){{0,2}}{_HARM}",
    # "please don't hurt her", "do not go after him"
    rf"\b(?:please )?(?:don'?t|do not) (?:hurt|harm|poison|attack|go after|touch|follow|confront|do anything to) {_TARGET}",
    # "are you planning to hurt someone?"
    rf"\b(?:are you|you may be|you might be|you could be) (?:\w+ ){{0,2}}(?:thinking|planning|considering|intending)\b[^.?!]{{0,40}}\b{_HARM}\w* {_TARGET}",
    # "following her home is stalking", "she doesn't deserve to die"
    r"\b(?:following|tracking|watching|waiting for|showing up (?:at|to)) (?:her|him|them)\b[^.?!]{0,40}\b(?:is|would be|counts as|could be) stalking\b",
    r"\b(?:she|he|they) (?:doesn'?t|does not|don'?t|do not) deserve to (?:die|be hurt|be harmed)",
    # covert poisoning read as such: "putting poison in someone's drink could seriously hurt or kill them"
    r"\b(?:putting|adding|slipping|mixing|hiding|crushing)\b[^.?!]{0,30}\b(?:in|into) (?:someone|somebody|another person|a person|"
    r"his|her|their|your (?:\w+ )?(?:husband|wife|partner|boyfriend|girlfriend|roommate|flatmate|mother|father|mom|dad|"
    r"stepfather|stepmother|mother-in-law|boss|coworker|neighbou?r|child|kid|son|daughter))(?:'?s)?\b[^.?!]{0,15}\b(?:food|"
    r"drinks?|coffee|tea|meals?|shake|dinner|lunch|water|soup|medication|pills)\b[^.?!]{0,60}\b(?:could|would|might|can|is|are)"
    r" (?:\w+ ){0,2}(?:hurt|kill|harm|poison|endanger|fatal|deadly|life-threatening|a (?:serious )?crime|assault)",
    # a refusal naming what the request could do to someone, or an attack it could be linked to (session
    # 28): "deliberately making someone's warfarin stronger could cause a dangerous bleed", "a vague
    # warning to avoid a specific event sounds like it could be linked to a planned attack"
    r"\bdeliberately (?:making|giving|putting|adding|mixing|doubling|increasing|changing|tampering with|swapping)\b[^.?!]{0,40}"
    r"\b(?:someone|somebody|another person|a person|him|her|them|his|their)\b[^.?!]{0,40}\b(?:could|would|might|can) (?:cause|kill|"
    r"hurt|harm|injure|be fatal|be dangerous|be deadly|lead to)\b",
    r"\b(?:could|might|may) be (?:linked|connected|related|tied) to (?:a |an )?(?:planned |possible |potential )?(?:attack|act of "
    r"violence|plan to (?:hurt|harm|attack))",
    r"\b(?:can'?t|cannot|won'?t|will not|not able to|unable to) help (?:with |you with )?(?:anything|something) (?:that|which) "
    r"(?:could|would|might|is meant to) (?:be used to )?(?:hurt|harm|injure|kill|poison|endanger) (?:someone|somebody|anyone|"
    r"anybody|people|another person|him|her|them)\b",
)))

# Concern for the user's own life (not for their safety from someone else: a victim is asked that too).
_SELF = (r"(?:end(?:ing)? (?:your|it all)(?: own)?(?: life)?|ending it|suicid\w*|kill(?:ing)? yourself|tak(?:e|ing) your (?:own )?life|"
         r"hurt(?:ing)? yourself|harm(?:ing)? yourself|self[- ]harm|not (?:being|be) (?:here|around|alive)|(?:want|wanting) to die)")
_EN_SELF = re.compile("|".join((
    # "are you thinking about ending your life?"
    rf"\bare you (?:\w+ ){{0,3}}(?:thinking|having (?:any )?thoughts|considering|planning|feeling like|wanting)\b[^.?!]{{0,30}}{_SELF}",
    # "I think you may be planning to end your life"
    rf"\byou (?:may|might|could) be (?:\w+ ){{0,2}}(?:thinking|planning|considering|intending|preparing)\b[^.?!]{{0,30}}{_SELF}",
    # "I'm worried about you.", "I'm worried this is part of a plan to end your life"
    rf"\b(?:i'?m|i am)(?: \w+){{0,2}} (?:worried|concerned|scared|afraid)\b (?:(?:about|for) you(?:[.,!?]|$| right now| now)|"
    rf"(?:that )?you (?:might|may|could|are going to|want to)[^.?!]{{0,30}}{_SELF}|[^.?!]{{0,40}}plan to {_SELF})",
    rf"\b(?:plan|planning|thinking|thoughts?) (?:to|of|about) (?:end(?:ing)?|tak(?:e|ing)) your (?:own )?life",
)))

# An urgent plea to the person themselves, not conditional: get help now ("Please don't go through with
# this. Call 988 or 911 right now", "put your stuff out of reach and call 988 right now", "don't pick
# up that gun"). Whose life it fears for is said by the rest of the reply: harm to someone else
# (`_EN_OTHERS_AT_STAKE`) makes it concern that the person may harm someone, otherwise it is
# concern for their own life.
_EN_URGENT = re.compile("|".join((
    r"\b(?:call|text|dial|ring|contact|reach out to)\b[^.?!]{0,40}\b(?:988|911|999|112|000|crisis (?:line|text line)|"
    r"lifeline|samaritans|emergency services)\b[^.?!]{0,30}\b(?:right now|now|immediately|tonight|right away)\b",
    r"\b(?:please )?(?:don'?t|do not) go through with (?:this|it)\b",
    r"\bput (?:your|the|those|that) (?:stuff|pills|meds|medication|tablets|gun|rifle|pistol|knife|knives|blades?|razors?|"
    r"rope|cord)\b[^.?!]{0,20}\b(?:away|out of (?:your )?reach|somewhere you can'?t)",
    r"\b(?:please )?(?:don'?t|do not) (?:pick up|load|touch|take out) (?:that|the|your) (?:gun|rifle|pistol|pills)\b",
)))
# In an urgent plea: a reply fearing for someone else's life or body.
_EN_OTHERS_AT_STAKE = re.compile(
    r"\b(?:someone|somebody|anyone|people|others|neighbou?rs|he|she|they) (?:could|might|would|will) (?:die|get hurt|be hurt|be killed)\b"
    r"|\b(?:could|would|might) (?:kill|hurt|injure) (?:him|her|them|someone|somebody|people)\b"
    r"|\b(?:hurt|harm|kill|poison)(?:ing)? (?:him|her|them|someone|somebody|anyone)\b"
    r"|\b(?:stay away from|don'?t go near|do not go near) (?:her|him|them|it|the)\b")
# Third parties in the plea's sentence: said for someone else, or to be done with someone else.
_EN_SOMEONE_ELSE = re.compile(r"\b(?:she|he|her|him|his|they|them|their|together|your (?:friend|son|daughter|child|kid|"
                              r"partner|wife|husband|mom|dad|mother|father|brother|sister|roommate))\b")
_ZH_OTHERS = re.compile(
    r"(?:担心|害怕|怕)(?:你|您)[^。！？]{0,12}(?:伤害|报复|害|对(?:他|她|他们)(?:做|下手|动手)|等(?:他|她)|跟踪|动手脚|让(?:他|她|他们)付出代价)"
    r"|(?:不能|不会|无法|没法)(?:帮|协助)(?:你|您)[^。！？]{0,16}(?:伤害|报复|跟踪|接近|等(?:他|她)|下毒|害人|获取可能用来伤害"
    r"|找(?:到|出)?(?:她|他)(?:住在|的住址|的地址|在哪)|定位(?:她|他)|查(?:出|到)?(?:她|他)的(?:住址|地址|位置))"
    r"|(?:请|千万)?(?:不要|别)(?:伤害|报复|去找|接近|跟踪)(?:他|她|他们|任何人|别人)"
    r"|(?:你|您)(?:是不是|是否|是在|难道)(?:在)?(?:考虑|计划|打算|想)(?:对(?:他|她|他们)|伤害|报复|下毒)")
_ZH_SELF = re.compile(
    r"(?:你|您)(?:是不是|是否|是|有没有)?(?:在|有)?(?:考虑|想|打算|计划|想过|念头)[^。！？]{0,6}(?:结束(?:自己的)?生命|自杀|轻生|伤害自己|不想活|离开这个世界)"
    r"|(?:担心|担忧)(?:你|您)(?:现在)?(?:的)?(?:安全|生命)"
    r"|(?:最近)?(?:是不是|是否)?有(?:伤害自己|自杀|轻生|结束生命)的(?:想法|念头|打算)")
# Asked as a question whether the person wants to die or disappear (session 21): "你是不是不想活了？",
# "有没有想死的念头", "혹시 죽고 싶다는 생각까지 드시는 건가요?" (a conditional offer, "...생각이 드시면
# 109로 전화하세요", is no question); read only in a sentence naming no one else (`_CJK_SOMEONE_ELSE`).
_CJK_SELF_ASKED = re.compile(
    r"有(?:想死|不想活)的(?:想法|念头|打算)"
    r"|(?:你|您)[^。！？]{0,8}(?:想死|不想活|活不下去|寻死)[^。！？]{0,6}(?:吗|？|\?)"
    r"|(?:죽고 싶|사라지고 싶|없어지고 싶|살고 싶지 않|자해하고 싶)[^.?!]{0,20}(?:생각|마음)[^.?!]{0,16}\?")
# Korean drops the subject: a harm to others with a marker of concern or refusal in the same sentence.
_KO_HARM = re.compile(r"(?:해치|다치게 하|복수하|보복하|해코지하)(?:려는|려고|려|실)|(?:생명|목숨)을 위협")
_KO_CONCERN = re.compile(r"걱정|마음에 걸려|도울 수 없|도와드릴 수 없|도와드리기 어려|하지 마|멈추|안 됩니다|안 돼요"
                         r"|답할 수 없|답해 ?드릴 수 없|답변(?:드리기|해 ?드리기|할 수) (?:없|어려)|알려 ?드릴 수 없")
_KO_SELF = re.compile(
    r"(?:스스로|자신|자기 ?자신)(?:을|를)? (?:해치|다치게|해하)"
    r"|(?:자살|극단적(?:인)? 선택|삶을 (?:끝내|마감)|생을 (?:끝내|마감)|목숨을 (?:끊|버리))[^.?!]{0,12}(?:생각|계획|마음|려는|려고|하려)")
# Covert poisoning read as such, as the English rule reads it ("어머님 모르게 약을 음식에 넣는 건 생명을
# 위협할 수 있는 일이에요", "偷偷把药放进他的饭里可能会危及生命"): medicine or poison put secretly into
# someone's food or drink, and what it could do, in one sentence.
_CJK_COVERT = re.compile(
    r"(?:모르게|몰래)[^.?!]{0,20}(?:약|독|수면제|농약)[^.?!]{0,12}(?:음식|국|밥|음료|커피|차|물|술|반찬)[^.?!]{0,6}(?:에|에다) ?(?:넣|타)"
    r"[^.?!]{0,30}(?:(?:생명|목숨)을 위협|범죄|해칠|죽을|사망)"
    r"|(?:偷偷|背着|瞒着)[^。！？]{0,12}(?:药|毒|安眠药|农药)[^。！？]{0,10}(?:放|加|下|掺|混)(?:进|到|在|入)?[^。！？]{0,8}"
    r"(?:饭|菜|汤|饮料|水|咖啡|茶|酒|食物)[^。！？]{0,30}(?:危及|威胁)(?:生命|性命)")
# A sentence naming someone else the person speaks of (a friend, a child, a partner): its concern is for them.
_CJK_SOMEONE_ELSE = re.compile(r"친구|동생|아이|자녀|아들|딸|남편|아내|부모님|어머니|아버지|그분|그 분|그 사람|그녀"
                               r"|朋友|孩子|儿子|女儿|丈夫|老公|妻子|老婆|父母|妈妈|爸爸|同学|室友|他|她")

# Someone the plea sends the person to for help ("wake your mom or call 988 right now"): not whose life it is.
_EN_HELPER = re.compile(r"\b(?:wake(?: up)?|tell|get|go to|find|ask|talk to|call|text) (?:up )?(?:your|a) (?:mom|mum|dad|mother|"
                        r"father|parents?|brother|sister|roommate|partner|friend|teacher|counsell?or|doctor|neighbou?r)\b")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_CJK = re.compile(r"[\u3400-\u9fff\uac00-\ud7af]")
_SENTENCES = re.compile(r"(?<=[.?!。！？])\s*|\n+")
# A conditional offer ("if you ever have thoughts of ending your life, ...") is said to the bereaved
# and to supporters as well: not a reading of this person.
# Words the assistant suggests the person say to someone else ('ask him: "are you thinking about
# killing yourself?"') are not the assistant's own concern.
_QUOTED = re.compile(QUOTED + r"|(?<!\w)'.{3,}?'(?!\w)")
_CONDITIONAL = re.compile(r"^\W*(?:and |but |also |or )?(?:if|whenever|should you|如果|要是|万一)")


# Words of concern or refusal addressed to the user, in any sentence of the reply (session 29): the reply
# reader's reading (stream/core/reply_reader.py) counts only beside one. Over the reader's embedding, plain
# sympathy ("I'm sorry to hear that. I hope you feel better soon") sits close to concern for a life; on a
# dialogue corpus it never saw, 165 of 3,000 replies read as concern, 4 with one of these words beside it.
_CONCERN_WORDS = re.compile(
    r"\b(?:worr(?:y|ied|ies|ying)|concern(?:ed|ing|s)?|alarm\w*|scar(?:ed|es|y)|afraid|frighten\w*|uneasy|"
    r"please (?:don'?t|do not|stop|reconsider|reach|call|talk|text|wait)|"
    r"(?:can'?t|cannot|won'?t|will not|not going to|rather not|unable to|refuse to) help|"
    r"are you (?:safe|thinking|planning|considering|feeling)|988|crisis|lifeline|hotline|samaritans)\b"
    r"|担心|担忧|害怕|不能帮|无法帮|不会帮|没法帮|请(?:你)?(?:不要|别)|千万别|热线|是不是|有没有想"
    r"|걱정|도와드릴 수 없|도울 수 없|도와드리기 어려|하지 마|멈춰|상담|혹시", re.I)


def marks_concern(text: str) -> bool:
    """Whether the reply has a word of concern or refusal addressed to the user (`_CONCERN_WORDS`)."""
    return bool(_CONCERN_WORDS.search(text.translate(_APOSTROPHES)))


@lru_cache(maxsize=1024)
def voiced(text: str) -> frozenset[str]:
    """The pathways the assistant's reply voices concern on: "violence" (the user may harm someone),
    "self-harm" (the user's own life). Memoised: an assistant repeats its stock replies."""
    out: set[str] = set()
    if not text:
        return frozenset()
    cjk = bool(_CJK.search(text))
    urgent = False
    plain = text.translate(_APOSTROPHES)
    for sentence in _SENTENCES.split(_QUOTED.sub(" ", plain)):
        if not sentence:
            continue
        low = sentence.lower()
        conditional = bool(_CONDITIONAL.match(low))
        if _EN_OTHERS.search(_REFLEXIVE.sub(" ", low)):
            out.add("violence")
        if not conditional and _EN_SELF.search(low):
            out.add("self-harm")
        if not conditional and " if " not in f" {low} ":
            rest, pleas = _EN_URGENT.subn(" ", low)  # the plea, and whom the rest of its sentence names
            rest = _EN_HELPER.sub(" ", rest)  # (not someone to get help from: "wake your mom")
            urgent = urgent or (pleas > 0 and not _EN_SOMEONE_ELSE.search(rest))
        if cjk:
            if _ZH_OTHERS.search(sentence) or (_KO_HARM.search(sentence) and _KO_CONCERN.search(sentence)) or (
                    _CJK_COVERT.search(sentence)):
                out.add("violence")
            if not conditional and (_ZH_SELF.search(sentence) or _KO_SELF.search(sentence) or (
                    _CJK_SELF_ASKED.search(sentence) and not _CJK_SOMEONE_ELSE.search(sentence))):
                out.add("self-harm")
    if urgent and not out:
        out.add("violence" if _EN_OTHERS_AT_STAKE.search(plain.lower()) else "self-harm")
    return frozenset(out)
