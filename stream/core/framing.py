"""Whose risk a turn is about: the writer's own, or someone else's.

Why: a person at risk asking about a method reads to a classifier like someone planning harm
(illicit, violent), and would get an enforcement case instead of support; a parent asking how
grooming works, or someone bereaved by suicide, reads like the person at risk. Both are about
framing, not about the words' harm, so the core re-reads the turn's scores before the window
keeps them:

* `third_party`: the turn talks about someone else's risk (a friend, a child, a loss) or asks how
  to protect or support someone, and says nothing about the writer's own self-harm. Its self-harm
  readings do not count for the writer (capped), its stages are dropped (a supporter's "how do I
  know if she's in danger tonight" read as planning and imminence is worry, not a plan), and its
  sexual/minors reading (a worried parent asking how grooming works, a step-parent telling of the
  man the children live with, convicted of child pornography) is capped likewise, and so are its
  violence, illicit and threat readings (the friend's rifle the police took, the sister's husband who
  choked her: that person's crisis, read 0.9+ as violence). A writer who voices harm of their own
  (`HARM_INTENT`: "my friend is suicidal because of him and I want to kill him") is no third party.
  A turn that only signs off to the assistant ("thanks, that's all I wanted, bye!") is read the same
  way (not the writer's own risk, whatever a reader makes of "bye"), unless the window already
  holds self-harm signals about the writer: then it may be a farewell, and stays as read.
* `idiom`: every word of killing or dying in the turn sits in an everyday figure of speech ("time
  to kill", "I'd kill for a coffee", "my feet are killing me"): no stage, and its harm readings
  capped like a third party's, unless the writer speaks of their own end in it too.
* `play`: the turn's violence is in a game or a sport (a game or its mechanics named, a match, a
  tournament), and the turn reaches into nothing real (someone's house, "in real life", after the
  match, a boss or an ex of the writer's): its readings are capped like an idiom's and it keeps no
  stage (until session 32 only its violence, illicit and threat readings and its violence stages); a
  short follow-up of a conversation at play ("and if he's camping the stairs with a shotgun") is
  play too.
* `targeted`: the writer is the one someone else threatens, follows or hurts, or asks how to keep
  safe from them ("my ex keeps showing up outside my work", "he said I'd regret it if I take the kids,
  is that a threat", "where do I put his pistol so he can't get to it", "if he comes at me where do
  you hit"), and voices no harm of their own to anyone (`HARM_INTENT`). The violence is feared from
  another: its violence, illicit and threat readings are capped like play's, and of its violence
  stages only a grievance stays (a victim's account read as research, planning or imminence is fear,
  not a plan; a grievance is the first rung of a real pattern too, whoever writes it).
* `recovered`: the writer tells of their own attempt or self-harm as past ("three years ago I tried
  to kill myself", "I used to cut", "since my overdose") and of being well now ("I'm doing really
  well now", "two years self-harm free", "a speech for a recovery event"), and voices no risk now
  (`NOW_RISK`: "again", "lately", "I relapsed", "I wish I hadn't survived", "I keep thinking about
  ending it"). A survivor's story is not a statement of intent: its self-harm readings are capped
  like a third party's and it keeps no self-harm stage (the classifiers read such stories 0.5-0.85
  self-harm/intent, as high as a person at risk now).
* `means_question`: a question about methods or means. When the window already holds self-harm
  signals about the writer (or this turn voices them), it reads as self-harm risk: the violent and
  illicit readings move to self-harm and the turn counts as the plan / means rung, so a case it
  opens is routed to support, never to enforcement.

Pure: phrase patterns over normalised text (English plus some Chinese and Korean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stream.core.prefilter import Prefiltered
from stream.core.stages import BY_KEY, GUN_WORDS, WEAPON_AT_HOME, WEAPON_KNOWN_WHERE, Stage
from stream.scoring.normalize import OPEN_QUOTES, QUOTED, apostrophes_either, normalize_for_match
from stream.taxonomy import THREAT_CATEGORIES

_OTHER = (r"(?:my|our|a|his|her|their) (?:best |close |teenage |little |older |younger )?(?:step ?|grand)?(?:friends?|mates?|buddy|sons?|daughters?|"
          r"kids?|child|children|teens?|teenager|brother|sister|sibling|mom|mum|mother|dad|father|parents?|husband|wife|"
          r"partner|boyfriend|girlfriend|students?|patients?|clients?|cousin|uncle|aunt|grandma|grandpa|roommate|"
          r"colleague|coworker|nephew|niece|player|team ?mate)")
# the same others named in Chinese and Korean (a friend, a child, a parent, a sibling, a partner, a
# colleague, a student or patient; a few in traditional characters)
_OTHER_ZH = ("朋友|儿子|女儿|孩子|妈妈|爸爸|同学|学生|我爸|我妈|我弟|我哥|我姐|我妹|父亲|母亲|妹妹|姐姐|哥哥|弟弟|闺蜜|老公|老婆|丈夫|妻子|"
             "男朋友|女朋友|室友|同事|病人|患者|邻居|学员|网友|表妹|表弟|表姐|表哥|舅舅|叔叔|姑姑|阿姨|发小|同桌|前夫|前妻|奶奶|爷爷|"
             "外婆|外公|嫂子|媽媽|兒子|女兒|閨蜜|學生|同學")
_OTHER_KO = ("친구|아들|딸|아이|엄마|아빠|학생|동생|언니|오빠|누나|형|남편|아내|와이프|남친|여친|애인|어머니|아버지|부모님|"
             "할머니|할아버지|동료|선배|후배|룸메|환자|제자|사촌|조카|자녀|베프|절친|시어머니|장모|내담자")
# A Korean wish ending that is the writer's own ("죽고 싶어", "자살하고 싶다", "죽고 싶어요"), not told of
# someone else ("죽고 싶대", "죽고 싶다고 해요", "죽고 싶어 해"): the word ends there.
_KO_OWN_END = r"(?:어요|어|다|네|음|습니다)(?![가-힣]| ?하| ?해)"
# A named other who is the subject, in Chinese (not one the writer speaks to: 跟 / 和 / 对 / 向 / 给 / 告诉
# before them, "我跟朋友说我想自杀"; and not across a clause closing on 我, "同学都孤立我，想自杀"), then up to 16
# characters; in Korean (not followed by 한테 / 에게 / 께: "엄마한테 죽고 싶다고 했어") (session 40).
_ZH_NOT_ADDRESSED = r"(?<!跟)(?<!和)(?<!对)(?<!向)(?<!给)(?<!告诉)"
_ZH_OTHER_SAYS = rf"{_ZH_NOT_ADDRESSED}(?:{_OTHER_ZH})(?:(?!我[^\s]{{0,3}}\s).){{0,16}}"
_KO_OTHER_SAYS = rf"(?:{_OTHER_KO})(?!한테|에게|께|더러|보고)"
_RISK = (r"(?:suicid\w*|self[- ]?harm\w*|cutting|kill (?:him|her|them)sel(?:f|ves)|overdos\w*|end (?:his|her|their) life|groom\w*|predator\w*|abus\w*|"
         r"molest\w*|pa?edophil\w*|child porn\w*|sex(?:ual)? offend\w*|pandering)")
THIRD_PARTY = re.compile(apostrophes_either("|".join([
    _OTHER + r"\b.{0,60}\b" + _RISK, _RISK + r"\b.{0,40}\b" + _OTHER + r"\b",
    r"\b(?:he|she|they)(?:'s| is| are|'re| has been| have been| was| were| seems?)? (?:\w+ )?(?:suicidal|self[- ]?harming|cutting (?:him|her|them)sel)",
    # someone else's wish to die, told by the writer (session 35): "she wrote in her diary that she wants to die"
    r"\b(?:he|she|they)(?: s| is| are| has| have| was| were| keeps?| kept)?(?: \w+){0,2} (?:want|wants|wanted|wanting|"
    r"is going|was going|planning|plans|planned|tried|tries|trying|threatened|threatening) to (?:die|kill (?:him|her|them)sel\w*|"
    r"end (?:it all|his life|her life|their life|their lives)|not (?:be )?(?:here|around|alive) anymore)\b",
    r"\blost (?:my|our|a) \w+(?: \w+)? to suicide\b", r"\b(?:died|death|dying) by suicide\b", r"\bbereave\w*",
    r"\bsuicide (?:loss|survivors?|prevention|hotline|rates?|statistics)\b", r"\b(?:took|take) (?:his|her|their) own life\b",
    r"\bhow (?:can|do|should|could) (?:i|we) (?:help|support|talk to|protect|tell if|know if|spot|recognise|recognize)\b",
    r"\b(?:warning )?signs (?:of|that) (?:grooming|suicid\w*|self[- ]?harm|abuse|someone)", r"\bwarning signs\b",
    r"\bafter (?:his|her|their) (?:suicide|death|overdose)\b",
    # someone else's risk in Chinese and Korean: a named other as the subject (`_ZH_OTHER_SAYS`,
    # `_KO_OTHER_SAYS`), then suicide, self-harm or a wish to die; in Korean not the writer's own wish
    # ending ("엄마한테 혼나서 죽고 싶어", "친구랑 싸워서 자살하고 싶어"): someone else's is told ("죽고 싶대",
    # "자살했어요") (session 40)
    _ZH_OTHER_SAYS + r"(?:自杀|自残|想死|轻生|不想活|活不下去|"
    r"割腕|跳楼|寻死|跳下去|不活了|活着没意思|寻短见|结束(?:自己的)?生命|自殺|輕生|活著沒意思)",
    r"有自杀念头的人|想自杀的人|想不开的人|自杀者(?:的)?亲友|自杀遗属|(?:心理)?热线的?志愿者|心理援助志愿者",
    # someone else's farewell, told by the writer who received it ("朋友凌晨给我发了句谢谢你这些年", "후배가
    # 새벽에 고마웠어요 선배 하고 카톡 보내고 연락이 안 돼", "할머니가 이제 갈 때 됐다면서 물건을 나눠주셔")
    _ZH_OTHER_SAYS + r"(?:谢谢(?:你|我)(?:这些年|这么多年|这几年)|"
    r"最后一个周末|再见了这个世界|下辈子再见|不用见到你们|交代后事|以后不打扰|大家保重|托付给我|买了很多炭|今晚就结束)",
    r"자살 ?유가족|유가족 (?:모임|자조)|자살 ?예방 (?:상담|센터|봉사|교육)|상담 ?전화 봉사|우울증 (?:있는|걸린|앓는) "
    rf"(?:{_OTHER_KO})",
    _KO_OTHER_SAYS + rf".{{0,20}}(?:그동안 고마웠|고마웠(?:어|다|어요)[^가-힣]|미안해 다들|마지막 접속|"
    r"다 끝낸다|끝내겠(?:대|다고)|갈 때 (?:가 )?됐|유서를? (?:썼|남기|쓰))",
    _KO_OTHER_SAYS + rf".{{0,12}}(?:(?:자살|자해)(?!하고 싶{_KO_OWN_END})|죽고 싶(?!{_KO_OWN_END})|목숨을 (?:끊|버리)|"
    r"스스로 목숨|극단적(?:인)? 선택|(?:죽어 ?버릴|죽을|뛰어내릴) 거(?:래|라고)|(?:죽어 ?버리|죽|뛰어내리)겠(?:대|다고)|뛰어내린(?:대|다고))"])))
# Someone else's threat to harm a third person, told by the writer who heard it ("my brother keeps saying
# he's going to stab his boss", "남편이 술만 먹으면 옆집 사람 죽여버린다고 해요", "我弟说要去砍他们公司老板"):
# a witness's or a worried family member's turn, not the writer's intent; read as third party
# (`read_text`) unless the turn asks how it could be done (`_ASKS_HOW`) (session 40).
REPORTED_THREAT = re.compile(apostrophes_either("|".join([
    _OTHER + r"\b(?: \w+){0,3} (?:says|said|keeps saying|kept saying|threatens|threatened|keeps threatening|told me|tells me|"
    r"yells|yelled|screams|screamed|texted|posted|swears|swore|wrote)\b.{0,40}\b(?:kill|stab|shoot|hurt|beat|burn|strangle|choke|"
    r"murder|smash|bash|blow up|run (?:him|her|them) over)",
    rf"{_ZH_NOT_ADDRESSED}(?:{_OTHER_ZH})[^\s]{{0,10}}(?:说|总说|老说|一直说|扬言|威胁|嚷嚷|发誓)[^\s]{{0,12}}(?:杀|砍|捅|打死|撞死|弄死|报复|炸死|烧死|放火|同归于尽)",
    _KO_OTHER_SAYS + r".{0,30}(?:죽여|죽이|찔러|찌르|때려|패 ?버|불 ?질러|불 ?지르|복수하)[가-힣]{0,6}(?:다고|라고|대요|대|래요|래)(?![가-힣])",
    _KO_OTHER_SAYS + r".{0,30}(?:가만 안 ?[둔두]|협박(?:한대|했|해요|하더|을 해))",
    # anyone but the writer (session 41): in Chinese someone unnamed ("有人", "一个男生", "那个人", "他") who
    # says it, the writer not in the plan (no 我 between: "他说要帮我杀了他"); in Korean the hearsay endings
    # (-ㄴ대 / -래: "다 죽인대", "찔러버린대요", "불 지른대") say by their grammar that someone else said it
    rf"{_ZH_NOT_ADDRESSED}(?:有人|有个[^\s，。我]{{0,6}}|一个[^\s，。我]{{0,6}}|那个[^\s，。我]{{0,4}}|这个[^\s，。我]{{0,4}}|他们?|她们?)"
    r"[^\s，。我]{0,10}(?:说|总说|老说|一直说|扬言|威胁|嚷嚷|发誓|放话)[^\s我]{0,12}"
    r"(?:杀|砍|捅|打死|撞死|弄死|报复|炸死|烧死|放火|同归于尽|炸(?:了|掉|毁))",
    r"(?:죽여 ?버린|죽인|찔러 ?버린|찌른|때려 ?버린|때린|팬|불 ?지른|불 ?질러 ?버린|쏴 ?버린|쏜|터뜨린|폭파한|복수한)"
    r"(?:대요|대|답니다|다더라|다던데)(?![가-힣])",
    r"(?:어떤 ?(?:애|사람|남자|여자|놈|학생|새끼)|누가|걔가|그 ?(?:사람|남자|여자|애|놈)[이가]).{0,30}"
    r"(?:죽여|죽이|찔러|찌르|때려|패 ?버|불 ?질러|불 ?지르|복수하)[가-힣]{0,6}(?:다고|라고)(?![가-힣])"])))
_ASKS_HOW = re.compile(r"\bhow (?:would|could|can|might|do|does|did|to)\b(?! (?:i|we) (?:help|stop|protect|keep|tell|report|talk|get|"
                       r"handle|deal|support|convince|calm|know))|\bwithout (?:getting caught|being caught|anyone (?:noticing|knowing)|"
                       r"leaving (?:a )?(?:trace|evidence))|怎么(?:下手|才能不被)|어떻게 (?:하면|해야) (?:안 ?들키|죽|해치)")
# The writer's own self-harm act ("when I dont cut", "im cutting again", "I relapsed", "i cut my wrists");
# not "i cut the boss in half", "cut down the trees", "cut my hair", "cut corners", "cut class".
_NOT_SELF_CUT = (r"the|a|an|it|them|him|her|off|back|down|out|up|in|through|into|open|some|any|your|our|their|this|that|"
                 r"these|those|trees?|wood|grass|hair|bangs|onions?|cards?|deals?|corners?|class|ties|costs?|carbs?|sugar|"
                 r"ahead|across|loose|short|school")
_OWN_SELF_HARM = (r"\b(?:i|im) (?:(?:don t|dont|didn t|didnt|do not|did not|still|just|always|never|used to|ve been|have been|"
                  r"m|am|was|started|start|keep|want to|wanna|feel like|haven t|havent|almost|nearly) )*"
                  r"(?:cut|cuts|cutting|self harm(?:ing|ed)?|burn(?:ing|ed)? myself|hurt(?:ing)? myself|relaps\w*)\b"
                  r"(?! (?:" + _NOT_SELF_CUT + r")\b)(?! my (?!(?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?|body)\b))")
# "나 / 내가 / 저는 / 난" as a word of its own ("하나 더" and "그나마" hold no "나"), then within ten characters
# death or suicide, no one else named between ("난 친구가 자살해서 힘들어" is about the friend).
_KO_OWN = rf"(?<![가-힣])(?:나|내가|저는|난) (?:(?!{_OTHER_KO}|그 ?사람|그녀|걔).){{0,10}}(?:죽고 싶|자살)"
# The writer's own wish to die in Chinese and Korean with the words a chat turn puts between "I" and
# the wish (session 40; in Chinese also none: "我想自杀"): "我也想死", "我真的好想死", "나는 그냥 죽고 싶어",
# "나도 죽고 싶다", "저 요즘 자살 생각을 많이 해요", "제가 사라지고 싶어요". Only adverbs may stand between, so
# "我朋友想死" and "나는 친구가 자살해서 힘들어" stay someone else's; "죽고 싶지 않아" is no wish.
_ZH_OWN_WISH = (r"我(?:真的|真|好|很|就|只|也|都|一直|总是|有时候|有时|经常|常常|老是|每天|现在|今天|最近|已经|是|特别|其实|还是|是不是){0,3}"
                r"(?:想死|要自杀|想自杀|不想活|活不下去|想结束(?:自己的)?生命|想消失|想去死)")
_KO_OWN_WISH = (r"(?<![가-힣])(?:나는|나도|난|나|내가|저는|저도|제가|저) (?:(?:그냥|진짜|정말|너무|요즘|이제|가끔|자꾸|계속|매일|솔직히|"
                r"차라리|좀|또|많이|혼자|오늘|지금|벌써|이미|사실|종종|매번|그만|다) ){0,3}"
                r"(?:죽고 싶(?!지 ?않)|죽어 ?버리고 싶|자살하고 싶|자살할|자살 ?생각|사라지고 싶|없어지고 싶|살고 싶지 않|살기 싫)")
FIRST_PERSON = re.compile(apostrophes_either("|".join([_OWN_SELF_HARM,
    r"\bi (?:want|wanna|am going|'?m going|m going|will|plan|have been thinking|keep thinking|think about|thought about|"
    r"don'?t want)\b.{0,30}\b(?:die|dead|alive|live|kill myself|end (?:it|my life|things)|suicide|hurt myself|cut myself)\b",
    r"\bkill(?:ing)? myself\b", r"\bmy (?:own )?life\b", r"\bmyself\b", r"\b(?:and|but) so (?:do|am|would|did) i\b", r"\bi(?:'?m| am) suicidal\b",
    _KO_OWN, _ZH_OWN_WISH, _KO_OWN_WISH])))
MEANS = re.compile("|".join([
    r"\bhow (?:many|much)\b.{0,40}\b(?:pills?|tablets?|mg|milligrams?|dose|paracetamol|tylenol|ibuprofen|insulin|"
    r"would it take|to (?:die|kill (?:a person|someone|me|myself|you)|overdose|be fatal|be lethal)|(?:is|be|would be) (?:lethal|fatal|deadly))",
    r"\b(?:lethal|fatal|deadly|toxic) (?:dose|amount|level|quantity)", r"\boverdos\w*", r"\bpainless (?:way|method|death)s?\b",
    r"\b(?:quick|quickest|fastest|easiest|easy|painless) (?:and painless )?(?:way|method)s? to (?:die|go|end it)\b",
    r"\bhow (?:long|high|far)\b.{0,40}\b(?:to die|fall|drop|bridge|building|lose consciousness|suffocat\w*|bleed out)",
    r"\bhighest (?:bridge|building|point|cliff)\b", r"\bhow (?:do you|to|would you|do i) (?:hang|suffocate|drown|slit|bleed)",
    r"\b(?:rope|noose|knot)\b.{0,30}\b(?:hold|weight|tie|strong enough)", r"\b(?:which|what) (?:pills?|medications?|meds|drugs?)\b.{0,40}\b(?:kill|die|lethal|fatal|overdose)",
    r"\bwhere (?:can|do|could) i (?:buy|get)\b.{0,30}\b(?:sleeping pills|barbiturates|nembutal|helium|charcoal|rope|a gun|pills)",
    r"多少片", r"致死", r"安眠药", r"치사량", r"몇 알", r"수면제", *WEAPON_AT_HOME]))

# The writer's own wish to be dead or gone in the words English speakers use (session 41): "i wish i was
# dead", "i just want to disappear", "i dont want to wake up", "everyone would be better off without me",
# "i have no reason to live"; said beside an abuser or a friend at risk it is still the writer's own
# risk (`read_text`: in the writer's own words, not inside a quote). Not a wish to get away ("disappear to a
# cabin", "vanish off social media") nor one told as past ("i used to think my family would be better off
# without me").
OWN_WISH = re.compile(
    r"\bi (?:just |really |honestly |sometimes |often |kinda |kind of )?wish (?:that )?i (?:was|were|d been|had been) "
    r"(?:dead|gone|never born|not (?:alive|here|born|around))\b"
    r"|\bi (?:just |really |honestly |sometimes |often )?wish i (?:wasn t|wasnt|weren t|werent|was not|were not) "
    r"(?:alive|here|born|around)\b"
    r"|\bi (?:just |really |honestly |sometimes |often )?(?:want|wanna|wish i could) (?:to )?(?:just )?(?:disappear|vanish|"
    r"stop existing|not exist)\b(?! (?:to|into|for|off|on|in|at|under|behind|with|somewhere|abroad|online)\b)"
    r"(?! from (?!(?:this world|existence|the earth|the face of the earth|everyone|everything|my life)\b))"
    r"|\bi (?:don t|dont|do not) want to (?:wake up|be here anymore|exist|be alive|live anymore|keep living|go on)\b"
    r"|\b(?:sleep|go to sleep|fall asleep) and never wake up\b"
    r"|(?<!used to think )(?<!used to feel )(?<!i thought )(?<!used to believe )"
    r"\b(?:everyone|everybody|they|the world|my family|people) (?:would be|d be|is|are) better off without me\b"
    r"|\bi (?:have|ve got|got|see) no reason to (?:live|keep living|keep going|go on|stay alive)\b")

# The writer's own attempt or self-harm, told as past (`recovered`).
PAST_OWN = re.compile("|".join([
    r"\bi (?:tried|attempted) (?:to )?(?:kill myself|end (?:my (?:own )?life|it all|things)|die|take my (?:own )?life|"
    r"commit suicide|overdose)\b",
    r"\bmy (?:suicide |first |second |third |last )?attempts?\b(?! (?:at|to|of|on|in)\b)",
    r"\b(?:survived|lived through) (?:a |my |two |three )?(?:suicide )?attempts?\b",
    r"\bi used to (?:cut|self harm|hurt myself|burn myself)\b", r"\bsince (?:my|the) (?:overdose|attempt)\b",
    r"\bwhen i was (?:suicidal|cutting|self harming)\b"]))
# Well now, in the writer's words (`recovered`).
WELL_NOW = re.compile("|".join([
    r"\b(?:i m|im|i am) (?:doing )?(?:really |so |much |a lot |pretty |very )?(?:well|good|great|better|happy|healthy|stable)"
    r"(?: now| these days| nowadays| today)\b",
    r"\b(?:now|today|these days|nowadays) (?:i m|im|i am) (?:doing )?(?:really |so |much |a lot |pretty |very )?"
    r"(?:well|good|great|better|happy|healthy|stable)\b",
    r"\b(?:i m|im|i am) (?:doing )?(?:really |so |much |pretty |very )?(?:well|great)\b",
    r"\bin a (?:really |much |very |so )?(?:good|better|great|healthy|safe) place\b",
    r"\b(?:years?|months?) (?:clean|sober|self harm free|cut free)\b", r"\b(?:self harm|cutting|relapse) free\b",
    r"\bin recovery\b", r"\brecovery (?:event|story|talk|speech|group|journey|meeting|community)\b",
    r"\bproud of (?:where i am|how far i (?:ve|have) come|my recovery)\b",
    r"\b(?:grateful|glad|thankful) (?:i m|im|i am|to be) (?:still )?(?:alive|here)\b"]))
# Risk now, which a survivor's story does not frame away (`recovered`).
NOW_RISK = re.compile("|".join([
    r"\bagain\b", r"\blately\b", r"\brelaps\w*", r"\banymore\b", r"\bbut now\b", r"\byesterday\b", r"\btonight\b",
    r"\blast (?:night|week)\b", r"\bthis (?:morning|week|weekend)\b",
    r"\b(?:starting|started|beginning|begun) to (?:feel|think|want|slip)\b", r"\bfeel (?:that|the same) way\b",
    r"\bwish i (?:had|d|hadn t|hadnt|had not|didn t|didnt|did not|never)\b",
    r"\b(?:want|wanna|going|plan\w*|thinking about|think about|keep thinking|thought about)(?: to)? (?:die|try|do it|end it|"
    r"ending it|kill myself|killing myself|cut|cutting|hurt myself)\b",
    r"\bback to (?:square one|where i was|cutting|the dark)\b", r"\bstill (?:want|think|feel)\b"]))


def recovered(norm: str) -> bool:
    """The (normalised) turn tells of the writer's own attempt or self-harm as past and of being well
    now, with no risk now (the `recovered` framing)."""
    return bool(PAST_OWN.search(norm)) and bool(WELL_NOW.search(norm)) and not NOW_RISK.search(norm)


_CHILD = r"(?:child\w*|kids?|minors?|girls?|boys?|(?:step ?|grand)?(?:sons?|daughters?)|nieces?|nephews?|students?|pupils?)"
# A child, said of someone not the writer's own ("a 12 year old", "a kid", "this teenager").
_YOUNG = r"(?:\d{1,2} (?:year|yr)s? old|child|kid|minor|(?:pre ?)?teen(?:ager)?|little (?:girl|boy)|school ?(?:girl|boy))"
# The writer asking how to get a child they do not name as their own ("a 12 year old", "a kid", not "my
# daughter") to make a grooming move toward them: send them images, keep "our" secret, say nothing about
# "us", meet them, be alone with them. A learned reader took "how do i convince a 12 year old to send
# me photos and not tell her parents" for a worried parent (third party, its reading capped).
# A parent's "how do i get my kids to keep the party secret" and a safeguarding "how do i get a 5 year
# old to tell me if someone asks them to keep a secret" are not this (the move must be what the child
# is asked to do).
_MOVE = (r"(?:send (?:me|him|us)\b.{0,15}\b(?:pics?|pictures?|photos?|videos?|selfies?|nudes?)|keep (?:our|us|me)\b.{0,25}\bsecret|"
         r"keep (?:it|this|that) (?:a secret )?between us|(?:tell|say|mention)\b.{0,30}\babout (?:us|me|our|what we)|"
         r"meet (?:me|up with me)\b(?! halfway)|(?:be|stay) alone with me|come (?:over )?to my (?:house|place|car|room|apartment)|"
         r"delete (?:our|my) (?:chats?|messages?|texts?))")
_GROOMER = (r"\b(?:how (?:do|can|could|would|should) i|i (?:want|wanna|need|m going|am going|will|d like)(?: to)?|help me|"
            r"(?:best|easiest|quickest) way to|ways? to|tips (?:to|for|on)) "
            r"(?:get|convince|make|persuade|trick|talk|encourage|manipulate|pressure)(?:ing)? "
            r"(?:a|an|this|that) (?:\w+ ){0,3}?" + _YOUNG + r"\b"
            r"(?:(?! to | not to | never to ).){0,30}? (?:to (?:not |never )?|(?:not|never) to )" + _MOVE)
_I_WOULD = (r"\bi (?:(?:want|wanna|would like|d like|am going|m going|will|keep wanting|dream about|fantasi[sz]e about)"
            r" (?:to )?)?")
# A parent's everyday verbs (filming a recital, a goodnight kiss, a child who sleeps in their bed).
_PARENT_VERBS = r"(?:kiss\w*|film\w*|photograph\w*|sleep(?:ing)? with)"
_NUDITY = r"\b(?:naked|nude|nudes|undress\w*|in the (?:bath|bathtub|shower)|changing|underwear|panties|private parts|privates)\b"
# The writer as the one who harms a child: never someone else's risk, whoever else the turn names.
OFFENDER = re.compile(apostrophes_either("|".join([
    _GROOMER,
    r"\bi(?: m| am| was|'m)? (?:a |an )?(?:pa?edophile|predator|child molester|sex offender)\b",
    _I_WOULD + r"(?:molest\w*|fondl\w*|rape|raping|undress\w*|have sex with|groom\w*)\b.{0,50}\b" + _CHILD + r"\b",
    # touching with the child as its object ("I want to touch my step daughter"; not "touch up the
    # photos of my kids", not "touching base with my son's teacher")
    _I_WOULD + r"touch(?:ing|ed)? (?:(?:my|a|an|the|this|that|her|his|their|your) )?(?:little |young |step ?)?" + _CHILD + r"\b",
    # a parent's everyday verbs only beside nudity, in either order
    _I_WOULD + _PARENT_VERBS + r"\b.{0,50}\b" + _CHILD + r"\b.{0,40}" + _NUDITY,
    _I_WOULD + _PARENT_VERBS + r"\b.{0,40}" + _NUDITY + r".{0,40}\b" + _CHILD + r"\b",
    # ... or of a child not the writer's own ("sleep with a 14 year old")
    _I_WOULD + r"(?:kiss\w*|sleep(?:ing)? with) (?:a|an|this|that|some) (?:\w+ ){0,2}?" + _YOUNG + r"\b"])))

# The writer's grooming move toward a child named before as "her / him / them" (session 41): "how do i
# convince her to send pics and keep it our secret", "how do i get her to trust me more than her
# parents", days after "theres a 12 year old girl in my online game who always talks to me". Alone
# it names no child, so it raises nothing; it only keeps the turn from being read, or carried, as
# someone else's risk (`read_text`'s fourteenth flag, `carry_third_party`).
GROOMING_MOVE = re.compile(apostrophes_either(
    r"\b(?:how (?:do|can|could|would|should) i|i (?:want|wanna|need|m going|am going|will)(?: to)?|help me) "
    r"(?:get|convince|make|persuade|trick|talk|encourage|manipulate|pressure)(?:ing)? (?:her|him|them)\b.{0,40}"
    r"\b(?:send (?:me |us )?(?:\w+ )?(?:pics?|pictures?|photos?|nudes?|selfies?|videos?)|(?:our|a) (?:little )?secret|"
    r"keep (?:it|this|that) (?:between us|secret)|trust me more than (?:her|his|their) (?:parents|mom|mum|dad|family)|"
    r"(?:not|never) (?:to )?tell (?:her|his|their) (?:parents|mom|mum|dad))"))


# Words that carry something sexual, or a grooming move (images asked of someone, touching, secrecy
# from parents): what makes a sexual/minors reading explicit harm on one turn (`policy.explicit`). The
# sexual/minors head is the weakest out of family (AUPRC 0.17) and reads 0.92 on a parent's "how do i
# teach my kids to be nice to each other when they're 2 and 6"; without such words the reading needs
# corroboration like any other (a stage, another turn), as a threat reading needs a threat stage.
SEXUAL_WORDS = Prefiltered.of(re.compile("|".join([
    r"\b(?:sex|sexual\w*|sexy|sext\w*|nudes?|naked|nudity|porn\w*|erotic\w*|horny|arous\w*|orgasm\w*|masturbat\w*)\b",
    r"\b(?:genital\w*|penis|vagina\w*|boobs?|pussy|private parts|privates|underwear|panties|lingerie)\b",
    r"\b(?:undress\w*|stripping|make out|making out|hook(?:ing)? up with|turned on|sleep(?:ing|s)? with(?! (?:my|our) (?:\w+ ){0,3}?(?:baby|babies|toddlers?|kids?|sons?|daughters?|child\w*|old))|fondl\w*|molest\w*|"
    r"rap(?:e|ed|ing)|grop\w*|groom\w*|pa?edophil\w*)\b",
    r"\btouch(?:es|ed|ing)? (?:her|him|them|you|me)\b",
    r"\b(?:send|sent|show)(?: me)?(?: a| some| your| her| his)? (?:pics?|pictures?|photos?|videos?|selfies?)\b",
    r"\b(?:pics?|pictures?|photos?|videos?) of (?:her|him|them|you|your body)\b", r"\b(?:webcam|on cam)\b",
    r"\b(?:don t|dont|do not|not|never|won t) tell (?:your |her |his |their )?(?:mom|mum|dad|parents?|mother|father|anyone|teachers?)\b",
    r"\bwithout (?:her|his|their|your) (?:mom|mum|dad|parents?|mother|father) (?:knowing|finding out|noticing)\b",
    r"\bour (?:little )?secret\b", r"\bkeep (?:it|this|that|our \w+) (?:a )?secret\b",
    r"性(?:行为|交|侵|骚扰|感|爱|器|关系)|裸|色情|黄片|做爱|猥亵|强奸|私处|胸部|内衣|脱衣|摸(?:她|他|你|我)|我们的秘密|别告诉|不要告诉|瞒着|发.{0,4}(?:照片|视频)",
    r"성관계|섹스|성적(?:인|으로)|야한|야동|음란|나체|알몸|몸(?:을|을 좀)? 만지|속옷|성기|우리(?:만의|끼리) 비밀|말하지 ?마|알리지 ?마|(?:사진|영상).{0,4}보내",
]) + "|" + OFFENDER.pattern))


# Words of death, dying or self-harm, or of wanting out, in any form (`read_text`'s twelfth flag,
# `wordless`): a self-harm/intent reading on a turn with none of them is not the writer's statement
# ("first autopsy tomorrow. how do i not faint", read 0.76).
SELF_HARM_WORDS = re.compile(
    r"\b(?:die|dies|died|dying|dead|death|suicid\w*|kill\w*|end (?:it|it all|things|my life|everything|this)|overdos\w*|"
    r"pills?|tablets?|meds|cut\w*|hurt\w*|harm\w*|gone|goodbye|bye|jump\w*|bridge|rope|noose|hang\w*|wake up|alive|"
    r"live|living|life|lives|done|over|pointless|burden|disappear\w*|no reason|give up|giving up|tired of|can t|cannot|"
    r"nothing left|worthless|hopeless|last|quiet|sleep|pain|bleed\w*|blood|razor\w*|blade\w*|gun|drown\w*|fall|high|"
    r"rest|peace|away|anymore|without me|miss me|better off|letter|note|sorry)\b"
    r"|死|自杀|自残|轻生|活|结束|跳|割|药|遗书|再见|죽|자살|자해|살기|살고|끝내|끝낼|뛰어내|약|유서|안녕")


# Words that carry violence or a threat (`read_text`'s thirteenth flag): what makes a threat reading
# explicit harm on one turn (`policy.explicit`). The threat heads are among the weakest out of family
# (AUPRC ~0.5) and, with the stage tagger's ideation, read counter-speech ("Our HOA president called the
# cops on a Black teenager for 'loitering' outside his own house. She should resign": harassment 0.99)
# as a threat; without such words the reading needs corroboration like any other (a written rule on its
# pathway, another turn), as a sexual/minors reading without sexual words does. The list is wide on
# purpose: an implicit threat ("you'll regret it", "I know where you live", "watch your back") is one.
THREAT_WORDS = Prefiltered.of(re.compile("|".join([
    r"\b(?:kill\w*|murder\w*|die|dies|died|dying|dead|death|shoot\w*|shot|stab\w*|hurt\w*|harm\w*|beat\w*|punch\w*|"
    r"hit|hits|hitting|kick\w*|slap\w*|chok\w*|strangl\w*|attack\w*|assault\w*|bleed\w*|blood\w*|bury|buried|burn\w*|"
    r"torch\w*|bomb\w*|explo\w*|destroy\w*|wreck\w*|smash\w*|crush\w*|break (?:his|her|their|your|you)|snap\w*|slit\w*|"
    r"slash\w*|cut (?:him|her|them|you)|rap(?:e|ed|ing)|poison\w*|drown\w*|run (?:him|her|them|you) over|maim\w*|"
    r"tortur\w*|execut\w*|lynch\w*|massacre\w*|violen\w*|fight\w*|jump (?:him|her|them|you)|beat (?:him|her|them|you) up|"
    r"mess (?:him|her|them|you) up|f\w* (?:him|her|them|you) up|wipe (?:them|you|him|her|\w+) out|exterminat\w*|eliminat\w*|"
    r"gas (?:them|the)|hang\w*|string (?:him|her|them) up)\b",
    r"\b(?:guns?|rifles?|pistols?|shotguns?|ammo|bullets?|knife|knives|blades?|machetes?|bats?|crowbar|hammer|axe|weapons?|"
    r"acid|gasoline|lighter|explosives?|grenades?)\b",
    r"\b(?:pay for|make (?:him|her|them|you|u) pay|regret|sorry|watch (?:your|his|her|their) back|coming for|come for|"
    r"(?:know|found out|find out) where (?:you|u|he|she|they) (?:live|lives|work|works|park|parks|sleep|sleeps|go|goes)|"
    r"find (?:you|u|him|her|them)|wait(?:ing)? for (?:you|u|him|her|them)|get (?:you|u|him|her|them) back|get even|revenge|"
    r"teach (?:him|her|them|you) a lesson|deal with (?:him|her|them|you)|take (?:him|her|them|you) out|end (?:him|her|them|you|this|it)|"
    r"finish (?:him|her|them|you)|put (?:him|her|them|you) (?:down|in the ground|in the hospital|in a hospital)|"
    r"suffer\w*|threat\w*|(?:won t|will not|wont) (?:see|live|make it)|last (?:day|breath|time you)|no one will find|"
    r"disappear\w*|gone for good|(?:he|she|they|you) (?:ll|will) be sorry)\b",
    # a call for someone's arrest, prosecution or imprisonment: the threat sources label such chants
    # threats ("LOCK HER UP!", "Prosecute this traitor"), and a reviewer should see them
    r"\b(?:jail\w*|prison\w*|lock (?:him|her|them|you|u|\w+) up|locked up|arrest\w*|prosecut\w*|incarcerat\w*|"
    r"behind bars|firing squad|electric chair|death penalty|gallows)\b",
    # Chinese and Korean: words, not single characters (打 is in 打电话, 烧 in 发烧, 패 in 실패)
    r"杀|弄死|打死|打残|打断|打(?:他|她|你|他们|她们)|揍|砍|捅|炸死|炸掉|炸了|炸弹|下毒|毒死|毒药|烧死|放火|枪|刀子|菜刀|"
    r"流血|见血|报复|威胁|后悔|弄残|收拾(?:他|她|你|他们|她们)|灭口|干掉|去死|死定|要(?:他|她|你)的命|让(?:他|她|你)死",
    r"죽여|죽이|죽일|죽인|죽었|죽어라|죽을래|뒤져|뒤질|패버|패 ?줄|패고 ?싶|때리|때릴|때려|찌르|찌를|찔러|칼|총|폭탄|"
    r"불 ?지르|불을 지르|복수|가만 ?안 ?(?:두|둬|둘)|후회|피를 ?(?:보|볼)|목을 ?(?:조르|졸라|졸라버)|없애 ?버리|없애 ?버릴|해치|"
    r"손봐|각오해",
])))


def unsaid(flags: tuple[bool, ...]) -> frozenset[str]:
    """The explicit-harm categories whose explicitness the turn's words do not carry: sexual/minors
    without `SEXUAL_WORDS` (`read_text`'s tenth flag), the threat categories without `THREAT_WORDS`
    (its thirteenth): a reading in them needs corroboration. Flags of a record written before a flag
    existed carry none of it."""
    out = set()
    if len(flags) > 9 and not flags[9]:
        out.add("sexual/minors")
    if len(flags) > 12 and not flags[12]:
        out |= THREAT_CATEGORIES
    return frozenset(out)


def wordless(flags: tuple[bool, ...]) -> bool:
    """The turn says nothing of death, dying, self-harm or wanting out (`SELF_HARM_WORDS`, `read_text`'s
    twelfth flag): a self-harm/intent reading below the severe bar is then not a statement on its own.
    Flags of a record written before that flag existed say something."""
    return len(flags) > 11 and not flags[11]


# Signing off to the assistant at the end of a task ("thanks, that's all I wanted, bye!"): every
# everyday conversation ends so, and the stage tagger read it as a farewell to life. Short turns only,
# and none with a word of the writer's own end in it ("goodbye everyone, I won't be around after tonight").
SIGN_OFF = re.compile("|".join([
    r"\bthat(?: s| is)? (?:all|everything)\b", r"\bthat(?: s| is)? it for (?:now|today)\b", r"\bnothing (?:else|more)\b",
    r"\b(?:don t|do not|dont) need (?:anything|any more|anymore|more|you|any (?:more |further )?help)\b",
    r"\b(?:no|nope|i m fine|i m good|i m all set)(?: for now)?,? (?:thanks|thank you)\b",
    r"\b(?:thanks|thank you|thx|great|perfect|wonderful|lovely|awesome|sounds (?:really )?(?:good|great))\b.{0,40}"
    r"\b(?:bye|goodbye|good bye|have a (?:good|great|nice|lovely) \w+)\b"]))
_OWN_END = re.compile(r"\b(?:won t|will not|wont|not) be (?:around|here|alive)\b|\blast (?:message|time|goodbye|words|day|night)\b|"
                      r"\bforever\b|\bfor good\b|\b(?:kill|die|dying|dead|death|suicid\w*|end (?:it|my life|things|everything))\b|"
                      r"\b(?:miss me|without me|better off|see me again|done with (?:everything|it all|life)|giving up|"
                      r"(?:thanks|thank you) for everything|made my peace|take care of (?:my|yourself|everyone)|"
                      r"can t (?:do this|go on|take))\b")
SIGN_OFF_MAX_WORDS = 20


def signs_off(norm: str) -> bool:
    """The (normalised) turn closes a task conversation with the assistant, and nothing more."""
    return len(norm.split()) <= SIGN_OFF_MAX_WORDS and bool(SIGN_OFF.search(norm)) and not _OWN_END.search(norm)


# Everyday hyperbole with a word of killing or dying in it ("I have a lot of time to kill today",
# "I'd kill for a coffee", "my feet are killing me", "I'm dying to see it", "my mum will kill me when
# she sees my grades", "累死了", "배고파 죽겠어"): the stage tagger read "time to kill" as self-harm
# intent and the classifiers read "I could murder a curry" as violent. A turn whose every such word
# sits inside an idiom (`IDIOM`; no other word of harm left, `_HARM_WORD`) is not about harm.
IDIOM = re.compile("|".join([
    r"\b(?:some|of|much|little|spare|extra|free|few|have|got|had|with|\d+|two|three|four|five|an|a|the) "
    r"(?:time|hours?|minutes?|hour|day|afternoon|morning|evening)\b.{0,15}\bto kill\b(?! (?:him|her|them|you|u|y all|"
    r"everyone|everybody|people|someone|somebody|all|my|his|their|the|a|an|those|these|that|this|it)\b)",
    r"\bkill(?:s|ing|ed)? (?:some |the |a little |a bit of |an? |(?:a )?few |half an )?(?:time|hours?|minutes|an hour|day)\b",
    r"\b(?:i d|i would|i could|would|could) (?:kill|murder|die) (?:for )?(?:a|an|some|another|the|for)\b",
    r"\bto die for\b", r"\bdying (?:to|for) (?:see|know|try|go|meet|get|hear|read|watch|visit|have|find|tell|a|an|some|the)\b",
    r"\b(?:is|are|s|re|was|were|been|keeps?|kept) (?:slowly |literally |absolutely |really |just )?killing (?:me|us|my \w+)\b",
    r"\b(?:kill|kills|killed|killing|slay|slayed|slaying) it\b",
    r"\bdead (?:tired|on my feet|beat|serious|easy|certain|sure|quiet|end|ringer|heat|last|center|centre|set on)\b",
    r"\b(?:nearly |almost |literally |just )?died (?:laughing|of (?:laughter|embarrassment|shame|boredom|cringe))\b",
    r"\b(?:going to|gonna|will|would|ll|d) (?:literally |actually |absolutely |totally )?kill me (?:if|when|for|once|after)\b",
    r"\bkill two birds\b", r"\bdressed to kill\b", r"\bknock (?:em|them|him|her) dead\b", r"\bbreak a leg\b",
    # the gym: "give me a killer workout", "destroy my legs today", "i think im dying after that leg day"
    r"\bkiller (?:workout|leg day|session|class|routine|circuit|hiit|abs|arms|legs|playlist|deal|app|idea|view|song|track)\b",
    r"\b(?:destroy|kill|smash|murder|wreck|torch|annihilate|obliterate)(?:ed|s|ing)? my (?:legs|abs|arms|glutes|quads|"
    r"hamstrings|calves|shoulders|core|back|chest|lungs)\b",
    r"\b(?:i m|im|i am|i think im|i think i m) (?:literally |actually |so )?dying (?:after|from|because of) (?:that |this |the |my |a |"
    r"yesterday s |today s )?(?:leg day|workout|run|class|hike|session|spin class|cardio|training|gym|squats|doms|burpees)\b",
    # litigation: "legally bury him i mean. sue him into the ground"
    r"\bsue (?:him|her|them|you|the \w+) into the ground\b", r"\blegally (?:bury|destroy|crush|ruin|kill|end)\b",
    r"\b(?:bury|destroy|crush|ruin|kill) (?:him|her|them) (?:legally|in court)\b",
    r"\bkill (?:the|those|these|that|this) (?:lights?|music|engine|noise|vibe|mood)\b",
    r"(?:累|笑|热|冷|饿|困|忙|气|烦|吓|疼|痛|无聊)死(?:了|我了|人了)?", r"要了我的命",
    r"(?:배고파|졸려|힘들어|피곤해|더워|추워|웃겨|심심해|아파|귀찮아|미치겠고|바빠)\s?죽겠",
    # "累得要死", "无聊到想死", "피곤해서 죽을 것 같아", "귀여워 죽겠어" (session 40): the same hyperboles in the
    # forms chat uses most
    r"(?:累|饿|困|烦|热|冷|忙|笑|气|疼|痛|无聊|吵|冻|渴|难受|尴尬)得要死", r"(?:无聊|尴尬|丢人|累|困|饿)到想死",
    r"(?:배고파|졸려|힘들어|피곤해|더워|추워|웃겨|심심해|아파|귀찮아|바빠|귀여워|좋아|보고 싶어|궁금해|짜증나|답답해|설레|부러워)"
    r"(?:서)?\s?죽(?:겠|을 것 같|는 줄)",
]))
_HARM_WORD = re.compile(r"\b(?:kill\w*|die|dies|died|dying|dead|death|murder\w*|shoot\w*|shot|stab\w*|hurt\w*|suicid\w*|"
                        r"bomb\w*|poison\w*|guns?|knife|knives|weapons?|blood|end (?:it|my life|things))\b|杀|死|毒|炸|죽|자살|살인|독"
                        # not wanting to live, in Chinese and Korean words without "death" in them (session 40):
                        # "累死了，真的不想活了" is no idiom's; "힘들어 죽겠어, 살기 싫다" neither
                        r"|不想活|活不下去|轻生|自残|자해|살기 싫|살고 싶지 않|사라지고 싶|없어지고 싶")


# The writer takes the harm back ("I dont mean hurt the dog, good lord", "like key it lol. I won't",
# "im not gonna do anything dumb"): venting people say so, and the classifiers read such a turn as
# violence 0.8. Its harm words are then only words, as an idiom's are (`read_text`), unless the same
# turn voices harm of the writer's own (`HARM_INTENT`).
RETRACTED = re.compile("|".join([
    r"\bi (?:don t|do not|didn t|did not|dont|didnt) mean (?:to |that i (?:would|will|d) )?(?:literally |actually |physically |"
    r"like )?(?:hurt|kill|harm|shoot|stab|poison|attack|it literally|that literally|physically|violence|violently)\b",
    r"\bnot literally\b", r"\bjust venting\b",
    r"\b(?:i m|i am|im) not (?:gonna|going to|actually going to|really going to) (?:do anything|actually do anything|hurt|touch|"
    r"harm|kill)\b(?!.{0,30}\b(?:yet|until|unless|if|till|before|but)\b)",
    r"\bi (?:won t|will not|would never|d never|wouldn t|would not|wont)(?: actually| really| ever)? (?:do anything|"
    r"hurt|touch|harm|kill|actually do)\b(?!.{0,30}\b(?:yet|until|unless|if|till|before|but)\b)",
    r"\b(?:lol|lmao|haha) i (?:won t|wont)(?! (?:\w+ )?(?:stop|let|forget|forgive|rest|miss|quit))"]))

# The writer says the risk they spoke of as someone else's is their own ("its me ok", "the friend
# is me", "there is no friend", "其实是我", "사실 저예요"): asking for a friend is how many people first
# tell of their own self-harm. Not a greeting ("hi it's me again").
DISCLOSED = re.compile("|".join([
    r"(?<!\bhi )(?<!\bhey )(?<!\bhello )(?<!\byo )\b(?:it s|its|it is|it was)(?: been)?(?: actually| really| just| always)?"
    r"(?: about)? me\b(?! again)(?! here)(?! back)(?! speaking)(?! from)(?! who)(?! vs)(?! versus)",
    r"\b(?:the|my|this|that) friend (?:is|was) (?:actually |really |just )?me\b", r"\bthere (?:is|s|was) no friend\b",
    r"\bi (?:m|am|was) the friend\b", r"\b(?:asking|talking|asked) (?:about|for) myself\b", r"\bnot (?:my|a) friend (?:it s |its )?me\b",
    r"其实是我", r"说的是我自己", r"(?:那个)?朋友就是我",
    r"(?:사실|실은|그냥) ?(?:저|나|제 ?얘기|내 ?얘기)(?:예요|에요|야|입니다|이에요)", r"친구가 아니라 (?:저|나|제가|내가)"]))

# The long alternations, searched phrase by phrase behind their literals (stream/core/prefilter.py): about
# 50 us a turn less than searching each whole, on the realistic mix.
_THIRD_PARTY, _FIRST_PERSON, _MEANS, _IDIOM, _DISCLOSED, _RETRACTED, _REPORTED_THREAT, _OWN_WISH, _OFFENDER, _GROOMING_MOVE = map(
    Prefiltered.of, (THIRD_PARTY, FIRST_PERSON, MEANS, IDIOM, DISCLOSED, RETRACTED, REPORTED_THREAT, OWN_WISH, OFFENDER,
                     GROOMING_MOVE))


# "legally bury him i mean": the writer says what their last turn meant, in words that are only idiom.
_MEANT = re.compile(r"\b(?:i mean|i meant|i just mean|i just meant|meaning)\b")


# Sentences of the raw text (matching-level normalisation drops the full stops), and a sentence
# that opens with a condition or a deferral ("I won't hurt him. Unless he calls the cops").
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？])\s*|\n+")
_CONDITION_FIRST = re.compile(r"^\W*(?:yet|until|unless|if|till|before|but)\b", re.I)


@lru_cache(maxsize=1024)
def retracts(text: str, norm: str) -> bool:
    """`RETRACTED` in the turn (`norm`: its normalised text), or in one of its sentences when the
    next one opens with no condition: the phrase's guard against "I won't hurt him, but..." reads
    on past a full stop otherwise ("im not gonna do anything dumb. i just want out but i need the
    money"). Memoised: a user turn is asked whether it takes back its last one (`takes_back`), then
    read (`read_text`), both asking this of the same text."""
    if _RETRACTED.found(norm):
        return True
    if not _SENTENCE_END.search(text):
        return False
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return any(_RETRACTED.found(normalize_for_match(p)) and not (i + 1 < len(parts) and _CONDITION_FIRST.match(parts[i + 1]))
               for i, p in enumerate(parts[:-1]))


def takes_back(text: str) -> bool:
    """The writer takes back the harm their last turn read as ("I dont mean hurt the dog", "like key
    it lol. I won't", "legally bury him i mean"), voicing no harm of their own in the same turn."""
    norm = normalize_for_match(text)
    if _HARM_INTENT.found(norm):
        return False
    return retracts(text, norm) or bool(_MEANT.search(norm)) and only_idioms(norm)


def only_idioms(norm: str) -> bool:
    """The (normalised) turn's words of killing or dying are all idioms."""
    return _IDIOM.found(norm) and not _HARM_WORD.search(IDIOM.sub(" ", norm))


# Play: the turn's harm is in a game or a sport ("how do I kill the big one first without the small one
# jumping me", "my cousin keeps sniping me from the clock tower on the docks map every round", "we
# destroyed them in the tournament"): a game or a game's mechanics named, or a match, a tournament,
# an opponent. Not when the turn reaches into the real world (`_REAL`): "in real life", someone's
# house or address, after the match, outside the arena.
PLAY = re.compile("|".join([
    r"\b(?:elden ring|dark souls|bloodborne|sekiro|call of duty|warzone|fortnite|minecraft|skyrim|halo|valorant|"
    r"apex legends|overwatch|league of legends|dota|csgo|cs ?2|counter ?strike|pubg|gta|zelda|roblox|tarkov|destiny 2|"
    r"diablo|world of warcraft|rainbow six|battlefield|baldur s gate|bg3|bge|hollow knight|pokemon|mario kart|smash bros|"
    r"street fighter|tekken|mortal kombat|among us|dead by daylight|fifa|madden|nba 2k|chess|checkers|dnd|d d|d n d|"
    r"dungeons and dragons|video ?games?|the game|this game|in ?game|ingame|multiplayer|co ?op|speedrun\w*)\b",
    r"\b(?:boss(?:es)?(?: fight| battle)?|raid (?:boss|team|group|leader)|respawn\w*|loadouts?|pvp|pve|dlc|npcs?|mobs|spawn\w*|headshots?|"
    r"hitbox\w*|aggro|quests?|ranked|matchmaking|squadmates?|clan|guild|dps|healer|xp|lvl|"
    r"level \d+|k ?d ratio|ivi|noobs?|gg|nerf\w*|strength build|dex build|\w+ map|(?:every|each|last|next|first|final) round|"
    r"tournaments?|rematch|scrimmage|playoffs?|sparring|referee|goalie|quarterback|"
    r"checkmate|my (?:main|build|character))\b",
    # a squad wiped, a boss one-shotting the player (session 28; not "my teammate": a colleague is one too)
    r"\b(?:got (?:us |me |the (?:team|squad|party) )?wiped|wiped (?:us|the (?:team|squad|party|lobby))|one ?shot(?:s|ting|ted)? "
    r"(?:me|us))\b",
    # tabletop role-playing: "running 5e saturday, my players want to assassinate the duke" ("5e" and "d20"
    # fold to letters; "the party" and "dming" say nothing of a game)
    r"\b(?:pathfinder|ttrpgs?|tabletop|dungeon ?master|session zero|homebrew(?:ed)? (?:monsters?|poisons?|items?|spells?|"
    r"rules?|campaign|setting|villain)|my players|rpg (?:campaign|session|group))\b",
]))
# Games in Chinese and Korean (session 40): a game named, its modes and mechanics ("boss" glued to a CJK
# word). Play only where the writer voices no harm of their own (`HARM_INTENT`): "我要杀了他，他在游戏里骂我"
# is a threat born in a game, "이번엔 진짜 죽여버린다 ㅋㅋ 폴 콤보 연습법" a match.
_PLAY_CJK = re.compile("|".join([
    r"游戏里|游戏中|这游戏|这个游戏|手游里|副本|吃鸡|王者荣耀|英雄联盟|原神|我的世界|绝地求生|和平精英|段位|排位赛|上分|开黑|团战|"
    r"狼人杀|剧本杀|魂系|"
    r"(?<=[\u4e00-\u9fff\uac00-\ud7a3])boss|boss(?=[\u4e00-\u9fff\uac00-\ud7a3])|"
    r"게임에서|게임 속|이 게임|마피아 ?게임|미스터리 게임|배그|배틀그라운드|오버워치|발로란트|마인크래프트|메이플|던파|서든어택|"
    r"롤에서|랭겜|솔랭|솔킬|한타|리스폰|레이드|보스전|"
    r"보스 패턴|보스한테|철권|엘든링|디아4|디아블로",
]))
_REAL = re.compile(r"\b(?:irl|in real life|real life|for real|real world|(?:his|her|their) (?:house|home|place|car|address|"
                   r"work|school)|where (?:he|she|they) lives?|after (?:the )?(?:game|match|practice|tournament)|"
                   r"outside (?:the )?(?:stadium|arena|gym|school|club)|parking lot|car park|my (?:boss|manager|ex|wife|husband|"
                   r"teacher|coworker|co worker|colleague|neighbou?r|landlord|stepfather|stepmother|supervisor))\b"
                   # the same in Chinese and Korean (session 40): in real life, offline, his / her home, going to find them
                   r"|现实中|现实里|现实生活|线下|他家|她家|住址|实际上去|실제로|현실에서|오프라인|찾아가|집 앞|집 주소|사는 곳")
_BOSS_AT_WORK = re.compile(r"\b(?:my|our|the|his|her|their|your) (?:boss|manager)\b(?! (?:fight|battle|level|room|stage))")


# Pests: rats in the shed, wasps under the deck, a mouse that died inside the wall. Their poisons,
# traps and deaths are no person's harm, as long as the turn aims no harm at a person or a pet (the
# neighbour's dog poisoned "without the owner noticing" is harm to someone) and puts nothing in food
# or drink ("theres rat poison in the shed. would it taste of anything in a shake": "rat poison" names
# a poison, not a pest).
PESTS = re.compile(r"\b(?:rats|mice|mouse|roach(?:es)?|cockroach(?:es)?|wasps?|hornets?|yellow ?jackets?|bed ?bugs?|termites?|"
                   r"moles|gophers?|voles?|fire ants|ants|fleas|ticks|slugs|snails|aphids|moths|silverfish|pests?|vermin|"
                   r"rodents?|infestation|infested|exterminators?|pest control|mouse ?traps?|rat ?traps?|snap ?traps?|glue ?traps?|"
                   r"rat (?:droppings|problem|infestation)|a rat (?:in|under|inside|behind|got))\b")
_PET_OR_PERSON_HARMED = re.compile(
    r"\b(?:kill|poison|hurt|harm|drown|shoot|put down|get rid of|sicken|feed)\w* (?:the |a |my |his |her |their |that |this |our |"
    r"those |these |next door s |the neighbou?r s |neighbou?r s )?(?:\w+ )?(?:dogs?|cats?|pupp(?:y|ies)|kittens?|pets?|horses?|"
    r"neighbou?rs?|him|her|them|husband|wife|boyfriend|girlfriend|kids?|child(?:ren)?|baby|son|daughter|mom|dad|boss|"
    r"coworkers?|roommates?|flatmates?|someone|somebody|people|person)\b|\bowners?\b|\bwithout (?:anyone|him|her|them) (?:noticing|knowing)\b"
    # a poison that would go into food or drink, or not be tasted: whose, the turn need not say
    r"|\b(?:taste|tastes|tasteless|tasted|flavou?r|undetect\w*|in (?:a|his|her|their|my|the|your) (?:\w+ )?(?:drink|shake|coffee|tea|"
    r"food|meal|dinner|lunch|breakfast|soup|smoothie|juice|beer|wine|water|bottle|cup|mug|plate|sandwich))\b")


# searched behind their factors (`Prefiltered`): most turns hold none of their words
_REAL_PF, _PLAY_CJK_PF = Prefiltered.of(_REAL), Prefiltered.of(_PLAY_CJK)


@lru_cache(maxsize=1024)
def at_play(norm: str) -> bool:
    """The (normalised) turn is about a game or a sport, or about pests (`PESTS`), and reaches into
    nothing real: no person's or pet's harm. Memoised: the next short follow-up reads its turn
    before (as kept, most often the same text) again (`carry_play`)."""
    if _REAL_PF.found(norm):
        return False
    return bool(PLAY.search(_BOSS_AT_WORK.sub(" ", norm))) or (_PLAY_CJK_PF.found(norm) and not _HARM_INTENT.found(norm)) or (
        bool(PESTS.search(norm)) and not _PET_OR_PERSON_HARMED.search(norm))


@lru_cache(maxsize=1024)
def _at_play_not_own_risk(norm: str) -> bool:
    """Memoised: every short follow-up reads the turn before it (and the reply to it) again."""
    return at_play(norm) and not _FIRST_PERSON.found(norm)


def carry_play(flags: tuple[bool, ...], text: str, before: dict | None, max_words: int = 16) -> tuple[bool, ...]:
    """A short turn (at most `max_words`) that reaches into nothing real, right after a turn of its
    conversation at play (`before`: `context.last_turn`, whose text or the assistant's reply to it
    reads as a game or a sport, and not as the writer's own risk: `FIRST_PERSON`), is play too ("and
    if he's holding the stairs with a shotgun")."""
    if (len(flags) > 6 and not flags[6] and before is not None and len(text.split()) <= max_words
            and not _REAL_PF.found(normalize_for_match(text))
            and any(t and _at_play_not_own_risk(normalize_for_match(t)) for t in (before.get("text"), before.get("reply")))):
        return tuple(flags[:6]) + (True,) + tuple(flags[7:])
    return tuple(flags)


# The writer as the target of someone else's harm (`targeted`). Classifiers read a victim's account
# ("he's parked across from my apartment again", "my ex threatened me with his gun") as violence and
# threats at 0.9+, and the stage tagger read research, planning and imminence into it; the person
# is the one at risk. `_AGENT` does `_DOES_HARM` to `_AT_ME`, or the writer asks how to keep safe.
_AGENT = (r"(?:he|she|they|someone|somebody|my ex(?: (?:husband|wife|boyfriend|girlfriend|partner))?|"
          r"my (?:husband|wife|partner|boyfriend|girlfriend|bf|gf|step ?(?:dad|father|mom|mother)|dad|father|brother|"
          r"landlord|neighbou?r|roommate|coworker|co worker|boss)|(?:a|this|some|that|the) (?:guy|man|woman|person|stranger|"
          r"coworker|co worker|customer|client))")
_AT_ME = r"(?:me|us|my (?:kids?|children|son|daughter|family|baby|mom|mum|mother|sister)|my (?:place|house|home|apartment|flat|work|job|door|car|school))"
_DOES_HARM = (r"(?:hit|hits|hitting|beat|beats|beating|beaten|chok\w*|strangl\w*|threaten\w*|stalk\w*|follow\w*|hurt|hurts|"
              r"hurting|abus\w*|attack\w*|punch\w*|slap\w*|kick\w*|grabb?\w*|push\w*|shov\w*|harass\w*|rap(?:e|ed|es|ing)|"
              r"corner\w*|trap\w*|track\w*|scar(?:e|ed|es|ing)|terrori[sz]\w*|show(?:s|ed|ing)? up (?:at|outside|near)|"
              r"turn(?:s|ed|ing)? up (?:at|outside|near)|park(?:s|ed|ing)? (?:outside|across from|across the street from|near)|"
              r"wait(?:s|ed|ing)? (?:outside|for) |us(?:e|es|ed|ing) (?:it|that|them|a \w+|the \w+|his \w+|her \w+) (?:on|against) )")
TARGETED = re.compile("|".join([
    r"\b" + _AGENT + r"\b(?: \w+){0,6} " + _DOES_HARM + r"\b(?: \w+){0,3}? ?" + _AT_ME + r"\b",
    r"\b(?:protect|defend) (?:myself|us|my (?:kids?|children|son|daughter|family|baby|self))\b", r"\bself defen[cs]e\b",
    r"\bkeep (?:myself|us|my (?:kids?|children|son|daughter|family|baby)) safe\b",
    r"\b(?:get|file|filed|filing|apply|applied|applying|request|requested|ask|asked|have)(?: for)? (?:a |an |the |my )?"
    r"(?:temporary )?(?:restraining|protective|protection|no contact) order\b(?! against (?:me|us)\b)", r"\border of protection\b",
    r"\b(?:domestic (?:violence|abuse)|safety plan|(?:women s|dv|abuse) (?:shelter|hotline)|abusive (?:relationship|husband|wife|partner|ex))\b",
    r"\bif (?:he|she|they|someone|somebody|my ex|a guy|the guy) (?:comes? at|attacks?|breaks? in|tries to (?:hurt|grab|hit|get in)|grabs?|follows?)\b",
    r"\b(?:some)?where (?:he|she|they) (?:can t|cannot|can not|won t|couldn t) (?:get|find|reach|use)\b",
    r"\bis (?:that|this|it) (?:a )?(?:threat|stalking|harassment|abuse|assault)\b",
    r"\b(?:i m|i am|i feel|i was|we re|we are) (?:so |really |very )?(?:scared|afraid|terrified|frightened) (?:of|that) (?:him|her|them|he|she|they|my)\b",
    # the same in Korean and Chinese (session 32): a partner, a parent or "he" who hits, pushes, chokes,
    # threatens or follows the writer; domestic violence, a shelter, a protection order
    r"(?:남편|남친|남자 ?친구|전 ?남편|전 ?남친|애인|아빠|아버지|새아빠|의붓아버지|시아버지|오빠|형|그 ?사람|그 ?남자|그놈|걔|아내|와이프|여친|"
    r"여자 ?친구|전 ?여친|엄마|어머니)(?:이|가|은|는|도)? .{0,40}(?:저|나|제|내|우리|애들|아이|아들|딸)(?:를|을|한테|에게|의)? ?.{0,12}"
    r"(?:때려|때렸|때리|밀쳐|밀쳤|밀치|졸랐|조르|졸라|조여|협박|위협|스토킹|따라다|쫓아|폭행|던졌|던지|감금|가둬|가뒀)",
    r"가정 ?폭력|(?:피해자|여성) ?쉼터|접근 ?금지|(?:피해자 )?보호 ?명령|(?:보복|해코지)(?:할까|당할까|하면 ?어떡)",
    r"(?:老公|丈夫|男朋友|男友|前夫|前男友|爸爸|父亲|继父|他|她|那个人|那个男的|老婆|妻子|女朋友|前女友)(?:.{0,12})"
    r"(?:打我|打了我|打孩子|掐我|掐住我|掐着我|推我|推倒我|威胁我|威胁要|跟踪我|骚扰我|对我动手|把我关|锁在)",
    r"家暴|家庭暴力|庇护所|人身安全保护令|保护令|限制令|怕(?:他|她)(?:报复|打我|找到我|找上门)"]))
# The writer's own harm to another (revenge, a threat, a wish): never a victim's account alone.
HARM_INTENT = re.compile("|".join([
    r"\bi(?: ll| will| m going to| m gonna| am going to| want to| wanna| d like to| m about to| m gunna| could| should| shall)"
    r"(?: \w+){0,2} (?:kill|hurt|shoot|stab|beat|end|destroy|punish|hit|choke|strangle|poison|burn|bury|ruin|break|cut|smash|"
    r"get back at|get even with)\b",
    r"\bmake (?:him|her|them|you) (?:pay|suffer|regret)\b", r"\b(?:he|she|they|you) (?:ll|will|is going to|s going to|are going to) "
    r"(?:pay|regret|suffer|be sorry)\b", r"\brevenge\b", r"\bteach (?:him|her|them) a lesson\b",
    r"\b(?:want|wish|hope) (?:him|her|them) (?:dead|gone|to die|to suffer)\b",
    # Korean and Chinese (session 32): the writer's own wish or plan to kill, avenge, make them pay or
    # regret; not someone else's threat quoted ("죽여버리겠대", "他说...就弄死我")
    r"(?:죽여 ?버리고 ?싶|죽이고 ?싶|죽여 ?버리겠|죽여 ?버릴 ?거|복수하고 ?싶|복수할 ?거|복수하겠|가만 ?안 ?둘 ?거|"
    r"후회하게 만들 ?거|후회하게 해 ?줄 ?거|대가를 치르게 하겠)(?!대|다고|다며|래|라고|냐)",
    r"(?:我|我们)(?:要|会|想|得|一定要|一定会|非要)?(?:去)?(?:杀了|弄死|宰了|报复|复仇)|我(?:饶不了|不会放过)(?:他|她|他们)|"
    r"(?:我|我们)(?:要|会|一定要)让(?:他|她|他们)(?:付出代价|后悔)"]))


# Someone else's weapon, told by the person worried about it (session 27): "my ex drinks a lot and keeps
# a loaded handgun in his truck", "he has a rifle in the garage"; not when the turn tells how to get at
# it (session 41: "my dad keeps his rifle in the closet, the key is in his drawer" is access, not worry).
OTHERS_WEAPON = re.compile(
    r"\b" + _AGENT + r"(?: \w+){0,4} (?:keeps|has|had|carries|owns|bought|got) (?:a |an |his |her |their |two |several |a few )?"
    r"(?:loaded |legal |new )?(?:guns?|handguns?|rifles?|shotguns?|pistols?|firearms?|weapons?)\b")
_WEAPON_ACCESS = re.compile(
    rf"\b(?:{GUN_WORDS}|revolvers?|gun safe|gun cabinet)\b.{{0,60}}\b(?:the key|keys? (?:is|are)|"
    r"code|combination|unlocked|i know where|i ve seen where|i know how to (?:load|use|shoot))\b|" + WEAPON_KNOWN_WHERE)
_TARGETED, _HARM_INTENT, _OTHERS_WEAPON = Prefiltered.of(TARGETED), Prefiltered.of(HARM_INTENT), Prefiltered.of(OTHERS_WEAPON)


def targeted(norm: str, own_harm: bool | None = None) -> bool:
    """The (normalised) turn tells of someone else's harm aimed at the writer, or asks how to keep
    safe from it (`TARGETED`), or of someone else's weapon without how to get at it (`OTHERS_WEAPON`),
    and voices no harm of the writer's own to anyone (`own_harm`: whether `HARM_INTENT` matches, when
    the caller has already searched it)."""
    if own_harm is None:
        own_harm = _HARM_INTENT.found(norm)
    return not own_harm and (_TARGETED.found(norm) or _OTHERS_WEAPON.found(norm) and not _WEAPON_ACCESS.search(norm))


_SELF_HARM = ("self-harm", "self-harm/intent", "self-harm/instructions")
_ABOUT_ANOTHER = _SELF_HARM + ("sexual/minors",)
_MISREAD_AS_HARM = ("illicit", "illicit/violent", "violence", "violence/graphic")
# an idiom's or a game's words of harm (`reframe`): no one's harm, in any category they get misread in
_NO_ONES_CAPPED = _SELF_HARM + _MISREAD_AS_HARM + ("harassment", "harassment/threatening")
_TARGETED_CAPPED = _MISREAD_AS_HARM + ("harassment/threatening", "harassment", "hate/threatening")
_THIRD_CAPPED = _ABOUT_ANOTHER + _TARGETED_CAPPED


# Speaks of another person ("she's going to see someone tomorrow"): a supporter's later turns about
# the person they support (`carry_third_party`).
# (chat's apostrophe-less "hes", "shes", "theyre" too: normalisation keeps them as one word)
_ANOTHER = re.compile(r"\b(?:she|he|they|her|him|his|hers|them|their|hes|shes|theyre|theyll|theyve)\b")
# How long a third-party turn frames the same person's later turns about someone else.
SUPPORTING_DAYS = 14.0
SUPPORTING_KEY = "third_party"  # its entry in the window's stage map: [last ts, event id]


TOLD_KEY = "third_party_told"  # the window's stage map: the person's last turn telling in words of someone else's risk


def told_of_another(flags: tuple[bool, ...]) -> bool:
    """The turn's own words tell of someone else's risk and not of the writer's (`read_text`'s `told`).
    Flags of a record written before this flag existed count as not told."""
    return len(flags) > 14 and bool(flags[14]) and not flags[1]


def supporting(stages: dict, ts: float, key: str = SUPPORTING_KEY) -> bool:
    """The person spoke of someone else's risk within `SUPPORTING_DAYS` before `ts` (the window's
    stage map keeps their last such turn under `SUPPORTING_KEY`; under `TOLD_KEY`, their last one
    telling of it in words)."""
    since = stages.get(key)
    return since is not None and 0 <= ts - since[0] <= SUPPORTING_DAYS * 86400


# Words the writer quotes from someone else (my friend texted me "i want to die", my sister said:
# "i cant do this anymore", 친구가 카톡으로 '...' 이렇게 보냈어요, 朋友发给我“……”): said by that person, not
# the writer (`_quoted_by_other`). In Chinese and Korean the verb of saying or sending may follow the
# quote, so the named person and the verb are looked for anywhere near each other (session 39).
_SAID_BY = re.compile(r"\b" + _OTHER + r"\b(?: \w+){0,4} (?:said|says|texted|texts|messaged|messages|wrote|writes|posted|"
                      r"posts|sent|sends|told me|tells me|tweeted|keeps saying|kept saying|just said)\b"
                      rf"|(?:{_OTHER_KO}).{{0,60}}"
                      r"(?:보냈|보내왔|말했|말하더|그러더|그랬|썼|올렸|카톡|문자|메시지|라고)"
                      rf"|(?:{_OTHER_ZH}).{{0,40}}"
                      r"(?:说|发|写|留言|告诉我)")
# Anyone but the writer saying, sending or posting words in English (session 41): "my 9 year old said",
# "a girl in my class posted", "someone in my discord said", "he texted me"; the word before the verb
# (past a few adverbs) is its speaker; "i" / "we" are the writer ("so i texted him '...'"), and "you" the
# one the writer talks to (an assistant quoting the user back: "you said 'just not wake up'").
_SAYS = re.compile(r"\b(\w+)(?: (?:just|then|also|literally|always|once|even|finally|suddenly|actually|randomly|"
                   r"kept|keeps|would|will|had|has|have|d|ll|ve|s))* (?:said|says|say|texted|messaged|wrote|"
                   r"writes|posted|sent|sends|told me|tells me|tweeted|commented|replied|screamed|yelled|whispered|"
                   r"kept saying|keeps saying|dmed|dm d)\b")
_WRITER = frozenset("i we im ive id ill us me you u ya and or but so".split())


def _said_by_other(norm: str) -> bool:
    """Someone the writer names, or anyone but the writer, says or sends words (`_SAID_BY`, `_SAYS`)."""
    return bool(_SAID_BY.search(norm)) or any(m.group(1) not in _WRITER for m in _SAYS.finditer(norm))


# double or corner quotes, or single quotes standing as quotes: not an apostrophe inside a Latin word
# ("don't", "friend's"); a Korean particle may follow the closing one ('...'라고)
_QUOTED_SPAN = re.compile(QUOTED + r"|(?<![A-Za-z0-9])['\u2018][^'\u2019\n]{3,}?['\u2019](?![A-Za-z0-9])")
_QUOTE_MARKS = OPEN_QUOTES + "'\u2018"
# Chinese / Korean words of not being there, in a quote: "나 없어도 다들 잘 살겠지", "没有我你们会更好"
_QUOTED_GONE = re.compile(r"없어도|없이|(?:사라|없어)[지져질진]|살겠|살기 싫|没有我|消失|不在了|活着没意思")


def _own_wish(text: str, norm: str) -> bool:
    """The writer's own wish to be dead or gone (`OWN_WISH`) in words not quoted from anyone ("my 9 year
    old said 'i wish i was dead'" is the child's)."""
    if any(q in text for q in _QUOTE_MARKS):
        norm = normalize_for_match(_QUOTED_SPAN.sub(" ", text))
    return _OWN_WISH.found(norm)


def _quoted_by_other(text: str, norm: str) -> tuple[str | None, bool]:
    """(the text without the quoted words, whether they speak of death or self-harm), where the turn
    quotes someone else it names; (None, False) otherwise."""
    if not any(q in text for q in _QUOTE_MARKS) or not _said_by_other(norm):
        return None, False
    quotes = _QUOTED_SPAN.findall(text)
    if not quotes:
        return None, False
    return _QUOTED_SPAN.sub(" ", text), any(SELF_HARM_WORDS.search(n) or _QUOTED_GONE.search(n)
                                            for n in map(normalize_for_match, quotes))


def read_text(text: str, third_read: bool = False) -> tuple[bool, ...]:
    """(third party, first person, means question, sign-off, idiom, of another, play, targeted, disclosed,
    sexual words, recovered, words of self-harm, words of a threat, offender, told): what the words say about whose
    risk it is, whether their harm is only a figure of speech or past (`recovered`: then not first
    person), and whether they carry something sexual (`SEXUAL_WORDS`), of death and self-harm
    (`SELF_HARM_WORDS`) or of violence and threats (`THREAT_WORDS`).
    A disclosure (`DISCLOSED`) is first person too. `third_read`: another
    reader (the stage tagger) read the turn as about someone else's risk; the writer who harms a
    child (`OFFENDER`, or who makes a grooming move toward "her / him", `GROOMING_MOVE`: `offender`) is
    never that, whoever read it. `told`: the words themselves tell of someone else's risk (third party
    without the tagger's reading: "my son took his own life", "she says she wants to die"), which is
    what frames a person's farewell acts as someone else's (`told_of_another`). Computed where the
    text is (zero-data-retention turns carry only these flags on)."""
    norm = normalize_for_match(text)
    own_text, quoted_risk = _quoted_by_other(text, norm)
    whole = norm
    if own_text is None:
        own_text = text
    else:  # the writer's own words: what the quoted person said is theirs
        norm = normalize_for_match(own_text)
    own_harm = _HARM_INTENT.found(norm)
    disclosed = _DISCLOSED.found(norm)
    reported = _REPORTED_THREAT.found(norm) and not _ASKS_HOW.search(norm)
    offender = _OFFENDER.found(norm) or _GROOMING_MOVE.found(norm)
    told = (_THIRD_PARTY.found(whole) or quoted_risk or reported) and not offender and not own_harm and not disclosed
    third = told or (third_read and not offender and not own_harm and not disclosed)
    words_only = only_idioms(norm) or (not own_harm and retracts(own_text, norm))
    past = not disclosed and recovered(norm)
    first = disclosed or (not past and (_FIRST_PERSON.found(norm) or _own_wish(own_text, norm)))
    return (third, first, _MEANS.found(norm), signs_off(norm), words_only,
            bool(_ANOTHER.search(norm)), at_play(norm), targeted(norm, own_harm), disclosed, SEXUAL_WORDS.found(norm),
            past, bool(SELF_HARM_WORDS.search(norm)), THREAT_WORDS.found(norm), offender, told)


def carry_third_party(flags: tuple[bool, ...], supporting: bool, ruled: bool) -> tuple[bool, ...]:
    """A person who spoke of someone else's risk (`supporting`: a third-party turn of theirs within
    `SUPPORTING_DAYS`) and now speaks of another person again, saying nothing of their own risk and
    matching no written stage rule (`ruled`), is still talking about that person: "my best friend has
    a plan to end her life", days later "ok I called the helpline with her, she's going to see someone
    tomorrow" (which the tagger read as planning and imminence); not the writer's own grooming move
    (`offender`: "how do i convince her to send pics", after a turn a reader took for a worried
    adult's). Flags of a record written before this flag existed are kept as they are."""
    if (supporting and not ruled and len(flags) > 5 and flags[5] and not flags[1] and not flags[0]
            and not (len(flags) > 13 and flags[13])):
        return (True,) + tuple(flags[1:])
    return tuple(flags)


@dataclass(frozen=True, slots=True)
class Framing:
    scores: dict[str, float]
    stages: list[Stage]


def _capped(scores: dict[str, float], categories: tuple[str, ...], cap: float) -> dict[str, float]:
    """The scores with those of `categories` held to at most `cap`."""
    return {c: (min(v, cap) if c in categories else v) for c, v in scores.items()}


def reframe(flags: tuple[bool, ...], scores: dict[str, float], stages: list[Stage], at_risk: bool,
            cap: float) -> Framing:
    """Re-read a user turn's scores and stages by whose risk it is about (`flags` from `read_text`;
    fewer of them from a record written before sign-offs or idioms were read). `at_risk`: the
    window already holds self-harm signals about the writer (then a sign-off may be a farewell, and
    stays as read); `cap`: the most a reading that is not the writer's own risk keeps. A turn whose
    harm is only idiom keeps no stage and at most `cap` of a harm reading, unless it is the writer's
    own risk in words too (`first`)."""
    third, first, means = flags[:3]
    sign_off = len(flags) > 3 and bool(flags[3])
    # an idiom, or play (harm in a game or a sport, since session 32 in every category): no one's harm
    if not first and (len(flags) > 4 and flags[4] or len(flags) > 6 and flags[6]):
        return Framing(_capped(scores, _NO_ONES_CAPPED, cap), [])
    if len(flags) > 7 and flags[7]:  # targeted: the writer fears another's violence (own self-harm stays)
        return Framing(_capped(scores, _TARGETED_CAPPED, cap),
                       [st for st in stages if st.pathway != "violence" or st.name == "grievance"])
    if (third or (sign_off and not at_risk)) and not first:
        return Framing(_capped(scores, _THIRD_CAPPED if third else _ABOUT_ANOTHER, cap), [])
    if len(flags) > 10 and flags[10] and not first:  # recovered: a survivor's story, not intent now
        return Framing(_capped(scores, _SELF_HARM, cap), [st for st in stages if st.pathway != "self-harm"])
    own_risk = at_risk or first or any(st.pathway == "self-harm" and st.name in ("ideation", "intent") for st in stages)
    # a means of the writer's own risk: its violence research and the planning a reader sees in it ("i know
    # where the key is") are the self-harm plan, and a threat read into it ("my dad keeps a pistol", read
    # harassment/threatening 0.91) a misreading; a grievance, a wish to harm or a time may be someone else's
    if own_risk and means and not any(st.pathway == "violence" and st.name not in ("research", "planning") for st in stages):
        out = dict(scores)
        moved = max(out.get(c, 0.0) for c in _MISREAD_AS_HARM + _SELF_HARM)
        for c in _MISREAD_AS_HARM + ("harassment", "harassment/threatening"):
            out[c] = min(out.get(c, 0.0), cap)
        out["self-harm"] = max(out.get("self-harm", 0.0), moved)
        kept = [st for st in stages if st.pathway != "violence"]
        plan = BY_KEY["self-harm:plan"]
        return Framing(out, kept + ([plan] if plan not in kept else []))
    return Framing(scores, stages)
