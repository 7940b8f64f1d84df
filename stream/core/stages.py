"""Escalation stages: where a turn sits on a threat-assessment pathway.

Violence follows the "pathway to violence" (Calhoun & Weston) and the TRAP-18 proximal warning
behaviours (Meloy): grievance -> ideation / fixation on a target -> research / capability
(weapons) -> planning / logistics -> imminence / leakage. Self-harm follows the C-SSRS ladder:
distress -> ideation -> intent -> plan / means.

Stage signals are written rules (phrase patterns over obfuscation-normalised text, English and
some Chinese), gated by the classifiers where a phrase alone is ambiguous: "gun" in a history
question is not capability research unless violence is in the air. Each stage alone is weak
evidence (most people who vent a grievance are harmless); the window records when each stage was
last seen, and the policy opens a case when a person climbs several stages within a period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stream.core.prefilter import Prefiltered
from stream.scoring.normalize import apostrophes_either, normalize_for_match


@dataclass(frozen=True)
class Stage:
    pathway: str  # "violence" | "self-harm"
    name: str
    rank: int  # position on the pathway (1 = earliest)
    weight: float  # contribution to the pathway score
    pattern: re.Pattern
    gate: tuple[tuple[str, float], ...] = ()  # any (category, min score) must hold besides the phrase
    # phrases that need no gate: Chinese and Korean ones, specific enough to stand alone, whose turns
    # the classifiers score far below the gates' English levels (a Korean poisoning question read
    # violence 0.006)
    ungated: re.Pattern | None = None


def _p(*phrases: str) -> re.Pattern:
    """Phrases are written with apostrophes ("can'?t"); matching text is normalised, where an
    apostrophe has become a space ("i can t go on"), so an apostrophe matches either."""
    return re.compile("|".join(f"(?:{apostrophes_either(p)})" for p in phrases))


_TARGET = r"(?:him|her|them|my (?:boss|manager|ex|wife|husband|teacher|coworkers?|colleagues?|neighbou?r|landlord|father|mother|classmates?)|that (?:guy|woman|man|bitch|bastard))"

# Calls for, and wishes of, violence against a target: the violent ideation that public threats and
# incitement voice ("hang the traitor", "he should be shot", "death to them", "I'll kill you").
# Written so that everyday and historical uses stay out: "hang them to dry", "execute the plan",
# "shoot you a message", "Saddam was hanged in 2006", "kill you at chess".
_PRON = r"(?:him|her|them|em|'em|these|those|y'?all)"
_VILE = (r"(?:\w+ ){0,3}(?:traitors?|treasonous|pos|scum\w*|bastards?|bitch(?:es)?|cunts?|pedo\w*|criminals?|politicians?|"
         r"murderers?|rapists?|terrorists?|commies|communists?|nazis?|fascists?|libs|liberals?|dems|democrats?|republicans?|"
         r"rinos?|judges?|senators?|governors?|president|cops|pigs|jews|muslims|immigrants|illegals|animals|vermin)")
_NOT_AN_OBJECT = r"(?! (?:all )?(?:up|out|on|in|to dry|around|onto|over|off|at)\b)"
_NOW = r"(?= *(?:$|for\b|high\b|publicly\b|from\b|till\b|until\b|now\b|already\b|asap\b|immediately\b|today\b|soon\b|too\b|and\b))"
# Games, sport and photography: "I'll kill you at chess", "we'll shoot her wedding", "shoot them a text".
_NOT_PLAY = (r"(?! (?:a|an|some)\b| (?:at|in|on) (?:chess|checkers|poker|scrabble|monopoly|the game|this game|game|games|"
             r"fortnite|minecraft|overwatch|halo|cod|league|smash|mario ?kart|tennis|golf|the finals?|the match|the race|court)\b"
             r"| (?:(?:his|her|their|your) )?(?:portraits?|weddings?|photos?|pictures?|headshots?|videos?|scenes?|films?|movies?)\b)")
_VIOLENT_CALL = (
    r"\b(?:hang|lynch|execute|behead|shoot|gas|firebomb|nuke)\s+(?:" + _PRON + r"(?: all)?\b" + _NOT_AN_OBJECT + _NOT_PLAY
    + r"|(?:the|this|that|these|those|all|every|all the|his|her) " + _VILE + r"\b)",
    r"\bhang (?:em|'em|them|him|her)(?: all)? high\b", r"\bhang (?:his|her|their) (?:ass|asses)\b",
    r"\b(?:should|must|needs? to|ought to|deserves? to|has to|have to|will|gonna|going to|hope (?:he|she|they)|wish (?:he|she|they))\s+"
    r"(?:all )?(?:have been |be |get |got )?(?:publicly |justly |summarily )?(?:(?:hanged|hung|lynched|executed|beheaded|strung up|put to death)"
    r"(?! (?:up|out|over|around|on the wall|in the)\b)|(?:hang|hangs|swing|dangle)" + _NOW + r")",
    r"\b(?:should|must|needs? to|ought to|deserves? to) (?:all )?(?:have been |be |get )(?:publicly )?shot\b(?! (?:at|down)\b)",
    r"\b(?:he|she|they|traitors?|pos) (?:hangs|swings)" + _NOW,
    r"\b(?:death|execution|firing squad|the gallows|the rope|the noose|a rope|a noose|the chair) (?:to|for) (?:" + _PRON
    + r"|all|every|the traitors?|traitors)\b",
    r"\bdeath to (?:all|them|the|every|those|these|him|her|[a-z]+s)\b",
    r"\b(?:want|like|love|wait|can'?t wait|hope) to see (?:him|her|them|em|'em|these|those|all|every)\b.{0,20}"
    r"\b(?:dead|hanged|hung|hang|swing|die|burn|executed|shot|in a body bag)\b(?! or alive)",
    r"\b(?:get|bring|grab|fetch) (?:the|a|some|out the) (?:rope|ropes|noose|gallows|guillotine|pitchforks)\b",
    r"\btall tree\b.{0,30}\bshort (?:piece of )?rope\b", r"\bswing from (?:a|the) (?:rope|tree|lamp ?post)\b",
    r"\b(?:bring back|time for) (?:public )?(?:hangings?|hanging in the street|the guillotine|the gallows|firing squads?)\b",
    r"\bbullets? (?:to|in|through|between) (?:the|his|her|their|your|ur) (?:head|brain|skull|face|eyes)\b",
    r"\bput (?:a )?bullets? in (?:him|her|them|his|her|their|your)\b",
    r"\bslow(?: and)? painful death\b", r"\bmost painful (?:death|execution)\b",
    r"\b(?:hope|wish|pray) (?:he|she|they|you|u|that (?:guy|bitch|bastard))(?: would| will| gets?)? "
    r"(?:dies|die|drowns(?! in)|gets? (?:shot|killed|hanged|hung|murdered)|rots? in hell|burns? alive|drops? dead)\b",
    r"\bwish (?:he|she|they|you|u) would (?:just )?(?:die|jump off|drop dead|get hit by)\b",
    r"\bpunch(?:ed)? (?:him|her|them|that \w+|the \w+|this \w+)\b.{0,30}\bin the (?:face|mouth|throat|teeth)\b",
    r"\b(?:beat|kick|knock) (?:the (?:shit|crap|hell|fuck|living daylights) )?out of (?:him|her|them|you|u|that)\b",
    r"\b(?:deserves?|needs?) (?:a |the )?(?:bullet|beating|noose|rope|firing squad|lynching|public hanging)\b",
    r"\bline (?:them|em|'em) (?:all )?up (?:against|and shoot)\b", r"\bkill (?:all|every one|everyone|each) of (?:them|those|these)\b",
    r"\b(?:they|he|she) (?:all )?(?:need|needs|deserve|deserves) to (?:die|hang|be shot|be hanged|be executed)\b",
    r"\b(?:blow|blew) (?:them|him|her|these \w+|those \w+) (?:all )?(?:up|the fuck up)\b",
    r"\bcut (?:their|his|her) (?:tongues?|throats?|heads?) (?:out|off)\b", r"\bshoot (?:to kill|on sight)\b",
    r"\b(?:six|6) feet under is where\b", r"\bwiped (?:off|from) (?:this|the) (?:earth|planet|face of the earth)\b",
    r"\bpay someone to (?:kill|hurt|beat|shoot)\b", r"\b(?:hung|hanged) (?:till|until|by the neck)\b",
    r"\b(?:hung|hanged|executed|shot) (?:publicly|in public|on live tv|on pay per view)\b",
    r"\b(?:watch|see) (?:the |all the |these |those )?(?:traitors?|them|him|her) (?:die|hang|burn|swing)\b",
    r"\bwhy (?:isn'?t|is|aren'?t|are) (?:he|she|they|that \w+) (?:not )?(?:dead|hanged|hung|executed) yet\b",
    r"\bkill (?:em|'em|them) al+\b", r"\bgallows for\b", r"\bput (?:\w+ ){1,3}in front of a firing squa",
    r"\b(?:i|we)(?:'ll| will|'m going to| am going to| are going to|'re going to|'re gonna| gonna) (?:personally )?"
    r"(?:kill|shoot|stab|firebomb|burn|murder|rape|strangle|behead|hurt|beat|attack|punch|choke) (?:you|u|ya|him|her|them|your|his|their)\b" + _NOT_PLAY,
)

# A gun at home within reach (session 41): "my dad keeps his rifle in the closet, the key is in his
# drawer", "where my stepdad hides the gun safe key", "the combination to the gun safe". Research on the
# violence pathway, and a means (`framing.MEANS`) that a person at risk's turn reads as a self-harm plan.
# Sleeping pills, painkillers and other drugs named in Korean (the self-harm plan's dose questions).
_KO_DRUGS = r"(?:수면제|졸피뎀|수면 ?유도제|진통제|타이레놀|신경 ?안정제|항우울제)"
# A school's rooms or a church in Korean (where the police would come to: planning).
_KO_SCHOOL = r"(?:학교|교실|급식실|강당|교회)"
GUN_WORDS = r"guns?|rifles?|shotguns?|pistols?|handguns?|firearms?"  # (an alternation: wrap it in a group)
WEAPON_KNOWN_WHERE = (r"\bi know where (?:my|his|her|the) (?:\w+ )?(?:keeps|hides|stores|leaves) (?:his|her|the|a|their) (?:\w+ )?"
                      rf"(?:{GUN_WORDS})\b")
WEAPON_AT_HOME = (
    WEAPON_KNOWN_WHERE,
    r"\b(?:keeps?|kept|stores?|stored|hides?|hid|locks?|locked|leaves?|left) (?:his|her|their|the|a|my|our) (?:loaded )?"
    rf"(?:{GUN_WORDS}|revolvers?)\b.{{0,50}}\b(?:keys?|code|combination|closet|drawer|"
    r"nightstand|under (?:the|his|her) (?:bed|mattress|seat)|unlocked|loaded)\b",
    r"\b(?:gun safe|gun cabinet|gun locker|gun case|rifle safe|trigger lock)s?\b.{0,20}\b(?:key|keys|code|combination|password|pin)\b",
    r"\b(?:key|keys|code|combination|pin) (?:to|for|of) (?:the |his |her |my \w+ s )?(?:gun safe|gun cabinet|gun locker|"
    r"rifle safe|trigger lock)s?\b")

STAGES: tuple[Stage, ...] = (
    # violence pathway
    Stage("violence", "grievance", 1, 0.5, _p(
        r"\bhumiliat", r"\blaugh(?:s|ed|ing)? at me\b", r"\btreat(?:ed|s)? me like\b", r"\bsick of (?:being|them|him|her)",
        r"\b(?:ruined|destroyed) my life\b", r"\bthey (?:all )?(?:hate|mock|bully|bullied) me\b", r"\bunfair(?:ly)? (?:fired|treated)",
        r"\bfired me\b", r"\bbetrayed me\b", r"\b(?:keeps|keep|kept) (?:ignoring|avoiding|blanking) (?:me|us|our)\b",
        r"\b(?:blocked|ghosted|dumped) me (?:on|after|everywhere|for)\b", r"\bnobody respects me\b", r"他们都看不起我", r"欺负我",
        r"\bcheat(?:ed|ing|s)? on me\b", r"\b(?:took|takes|stole|steals) (?:the )?credit for my\b", r"\bleft me for\b",
        r"\bwon'?t let me see (?:my|the|our) (?:kids|children|son|daughter)\b", r"\b(?:lied|lies|lying|spread\w* rumou?rs) about me\b",
        # someone who makes the writer's life hell (session 28): "honestly she makes every single day hell"
        r"\b(?:he|she|they|my (?:boss|manager|ex|wife|husband|mother[- ]in[- ]law|father[- ]in[- ]law|neighbou?r|landlord|roommate|"
        r"flatmate|coworker|sister|brother|mum|mom|dad|father|mother|stepdad|stepmom|teacher))(?: \w+){0,2} mak(?:es|ing|e|ed) "
        r"(?:my|every|each)(?: single)? (?:day|life|days|week|morning)s? (?:a )?(?:living )?(?:hell|misery|miserable|unbearable)\b",
        # cheated on, left or ruined, in Korean and Chinese (session 28)
        r"바람(?:을)? ?(?:피웠|피운|피우고|폈|핀|피고)", r"바람(?:이)? 났", r"(?:나|저)(?:랑|와|하고) 사귈 때부터 .{0,12}(?:만났|만나|사귀)",
        r"(?:나|저)(?:를|랑) (?:버리고|차고|두고) .{0,12}(?:만나|사귀|갔)", r"(?:내|제) (?:인생|삶)(?:을)? (?:망쳤|망친|망쳐|망가뜨)",
        r"(?:背着我|瞒着我).{0,6}(?:出轨|劈腿|找别人|和别人)", r"(?:她|他)(?:出轨|劈腿)了", r"(?:甩了我|把我甩了)",
        r"(?:毁了|毁掉了)我的(?:人生|生活|一切)",
        # someone who makes the writer's life hell, in Korean (session 41): "시어머니 때문에 10년째 지옥이야"
        r"(?:시어머니|시아버지|시댁|남편|아내|와이프|상사|팀장|부장|사장|그 ?인간|그 ?사람|걔|선배|룸메|새아빠|계모)(?:이|가|은|는)? ?"
        r"(?:때문에|덕분에) ?.{0,8}(?:지옥|생지옥)(?:이야|이다|같아|이에요|이었|을 살)")),
    Stage("violence", "ideation", 2, 1.0, _p(
        r"\b(?:make|made) (?:them|him|her|everyone) pay\b", r"\bwill (?:all )?regret\b", r"\bget (?:back at|revenge on|even with)\b",
        r"\brevenge\b", r"\b(?:get|gets|getting) what'?s coming to (?:him|her|them)\b", r"\bwant(?:s)? to (?:hurt|kill|destroy|punish) " + _TARGET + r"\b", r"\bthey (?:will|are going to) pay\b",
        r"\bdeserves? to (?:die|suffer)\b", r"\bthinking (?:about|of) (?:hurting|killing) ", r"报复", r"让他们付出代价",
        # they will regret it, in Chinese and Korean (session 41; "will regret" in English above)
        r"(?:他们|她们|他|她)(?:都|全都|一定|迟早|早晚|以后)?会后悔", r"让(?:他们|她们|他|她)(?:都)?后悔",
        r"(?:다|모두|전부)? ?후회하게 (?:될|만들|해 ?줄) ?거",
        # a call to frighten a group or a person (session 28): "someone needs to make them scared"
        r"\bmake (?:them|him|her|those people|these people|people like that) (?:scared|afraid|frightened|terrified)\b",
        # harm to someone justified (session 28): "is there any sense in which he'd have it coming"
        r"\b(?:he|she|they|him|her|them|that \w+)(?: d| would| will| ll| had| has| have| really| totally| kind of)* (?:have|has|had) it coming\b",
        *_VIOLENT_CALL)),
    Stage("violence", "research", 3, 1.0, _p(
        r"\b(?:buy|get|obtain|acquire)\b.{0,30}\b(?:gun|rifle|pistol|handgun|firearm|ammo|ammunition|ar-?15)\b",
        r"\b(?:gun|rifle|pistol|firearm)s?\b.{0,40}\b(?:without|no) (?:a )?(?:background check|paperwork|license|licence)",
        r"\b(?:make|build)\b.{0,20}\b(?:bomb|explosive|pipe bomb|molotov)",
        # making something go off (session 41): "how would someone make it go off on a timer"
        r"\bmake (?:it|this|that|one|something|them) (?:explode|detonate|blow up)\b",
        r"\b(?:go off|explode|detonate)s? (?:on|with) a (?:timer|remote|phone)\b", r"\bmost (?:lethal|deadly|poisonous|toxic)\b",
        r"\bhow (?:much|many) .{0,20}(?:to kill|lethal)", r"\bbody armou?r\b", r"买枪", r"制作炸弹",
        # a poison chosen not to be noticed
        r"\b(?:untraceable|undetectable|tasteless|odou?rless)\b.{0,20}\b(?:poisons?|toxins?|substances?|chemicals?|drugs?)\b",
        r"\b(?:poisons?|toxins?)\b.{0,30}\b(?:untraceable|undetectable|hard to detect|no one (?:would|could) (?:taste|detect))\b",
        # what a violent offence would cost the writer (session 28): "whats the difference in sentencing
        # between criminal damage and gbh"
        r"\b(?:sentenc\w*|jail time|prison time|how long (?:would|do|does|could) (?:you|i|someone|a person) (?:get|do|serve))\b"
        r".{0,40}\b(?:gbh|abh|grievous bodily|actual bodily|assault|manslaughter|murder|stabbing|wounding|arson)\b",
        # a person's whereabouts read from what they post (session 28): "can you tell where her story
        # photo was taken", "geolocate his selfie"
        r"\b(?:figure out|find out|work out|tell|pinpoint|find)\b.{0,20}\bwhere (?:her|his|their|my ex'?s) (?:\w+ )?(?:photo|picture|pic|selfie|"
        r"story|post|video)s? (?:was|were|is) (?:taken|from|shot)\b", r"\bgeolocat\w* (?:her|his|their|my ex'?s) (?:photo|picture|pic|selfie|post)",
        *WEAPON_AT_HOME),
        gate=(("violence", 0.02), ("illicit", 0.1), ("illicit/violent", 0.05)),
        # how much would be lethal, in Korean and Chinese (session 27)
        ungated=_p(r"얼마나 .{0,8}(?:먹으면|드시면|먹이면|마시면|복용하면|넣으면) .{0,6}(?:위험해지|치명적|죽|사망)",
                   r"(?:吃|喝|放|加)多少.{0,4}(?:会|能)?(?:致死|致命|死)",
                   # where someone is, read from the photos they post (session 28)
                   r"(?:사진|스토리|인스타|게시물|피드).{0,25}(?:장소|위치|어딘지|어디인지|어디서 찍|주소)(?:를|을)? ?(?:알아내|찾아내|알아낼|찾아낼|특정)",
                   r"(?:从|根据|通过)(?:她|他|对方)?的?(?:照片|朋友圈|微博|抖音|小红书|自拍).{0,12}(?:找到|查到|定位|查出|判断)(?:她|他)?"
                   r"(?:在哪|的位置|住在哪|的地址|在什么地方)")),
    Stage("violence", "planning", 4, 1.0, _p(
        r"\bwhen is (?:the|his|her) .{0,30}\b(?:most crowded|empty|busiest|alone)\b",
        # when a school, a place of worship or an event is fullest, how soon the police come (session 41):
        # "what time does the cafeteria get the most crowded", "how long does it take cops to respond to a school"
        r"\b(?:what time|when|which (?:period|lunch|time))\b.{0,20}\b(?:cafeteria|lunch ?room|canteen|hallways?|halls|assembly|"
        r"auditorium|school|campus|chapel|church|mosque|synagogue|temple|parade|festival|concert|rally|vigil|plaza)\b.{0,30}"
        r"\b(?:most crowded|most packed|fullest|busiest|(?:the )?most people|packed)\b",
        r"\b(?:the )?(?:council )?(?:chamber|cafeteria|lunch ?room|assembly|auditorium|chapel|church|mosque|synagogue|temple|"
        r"town hall|council meeting)\b.{0,20}\b(?:is|gets|will be) (?:always |usually |really |so )?(?:packed|crowded|full|busiest)\b",
        r"\bhow (?:long|quickly|fast|soon)\b.{0,25}\b(?:cops|police|officers?|security guards?|swat|sro|resource officers?)\b"
        r".{0,20}\b(?:respond|arrive|show up|get (?:there|to)|come)\b.{0,30}\b(?:school|campus|church|mosque|synagogue|temple|mall|"
        r"office|building|concert|festival|parade|shooting|attack|active shooter)\b",
        # whether a death or an injury would be looked into (session 28): "would a doctor even think twice if
        # an 84 yr old on warfarin had a bleed"
        r"\bwould (?:a |the |any )?(?:doctors?|coroners?|pathologists?|police|cops|hospital|paramedics?) (?:even )?(?:think twice|suspect|"
        r"question|look into|investigate|be suspicious|ask questions)\b.{0,60}\b(?:died|dies|die|death|dead|bleed\w*|overdos\w*|"
        r"fell|fall|accident\w*|poison\w*|double dose|heart attack)\b",
        r"\bhow many people (?:fit|can fit|stand|can stand|would be|gather)\b.{0,30}\b(?:in front of|near|around|by) (?:a|the) "
        r"(?:stage|entrance|gates?|barriers?|doors)\b",
        # where a crowd is thickest, a vehicle into a closed street, a barrier or a crowd (session 28)
        r"\bwhere (?:do|does|will|would|is|are) (?:the )?(?:crowds?|people|spectators) (?:get |be )?(?:the )?(?:thickest|densest|most packed|"
        r"most crowded|biggest|largest)\b",
        r"\b(?:drive|driving|drove|get|take|ram|steer)\b.{0,30}\b(?:into|through|past|onto) (?:a |the )?(?:closed (?:street|road|zone|area)|"
        r"barricades?|barriers?|bollards?|crowds?|parade|pedestrian (?:zone|street|area)|(?:street )?festival|market square)\b",
        r"\bwhere (?:he|she|they) (?:parks?|lives?|works?)\b",
        r"\b(?:his|her|their) (?:daily )?(?:schedule|routine)\b", r"\bsecurity (?:guards?|cameras?) (?:at|in)\b",
        r"\bwhat time does (?:he|she) (?:leave|arrive|get)\b", r"\bfloor ?plan of\b", r"\bi know where (?:he|she|they) (?:lives?|parks?)\b",
        r"\bi know (?:which|what) car is (?:his|hers|theirs)\b",
        # concealment of the harm from its target: "without the owner noticing", "so nobody finds out"
        r"\bwithout (?:the owner|the owners|him|her|them|anyone|anybody|someone|my \w+) (?:noticing|knowing|finding out|suspecting|tasting)\b",
        r"\bwithout (?:raising|arousing) (?:any )?(?:suspicion|red flags)\b",
        # covert administration: "slip something into her drink", "crushed up in his food"
        r"\b(?:slip|slipped|slipping|sneak|sneaked|snuck|crush|crushed|grind|ground|dissolve|dissolved|mix|mixed|spike|spiked)"
        r"(?: (?:it|them|that|this|something|some|pills?|powder|drops|a few|(?:the|some) \w+|up))*(?: up)? (?:in|into) "
        r"(?:his|her|their|someone'?s|somebody'?s|my \w+'?s|the \w+'?s) (?:drinks?|coffee|tea|food|meals?|water|wine|beer|"
        r"salad|lunch|dinner|breakfast|soup|smoothie|bottle|cup)\b",
        r"\b(?:look|looks|seem|seems) like an accident\b",
        r"\bso (?:that )?(?:nobody|no one|he|she|they) (?:notices|finds out|knows|suspects)\b",
        r"\b(?:wouldn'?t|won'?t|doesn'?t|can'?t) (?:show up|be detected) (?:in|on) (?:a |an )?(?:autopsy|blood test|tox\w* screen)\b",
        # hiding who was there (session 28): a car hired in someone else's name, a dashcam or the
        # cameras switched off or avoided
        r"\b(?:rent|rented|renting|hire|hired|book|booked)\b.{0,25}\b(?:under|in) (?:a )?(?:friend'?s|someone else'?s|somebody else'?s|"
        r"another person'?s|a fake|a different|my (?:friend|cousin|brother|sister)'?s) name\b",
        r"\b(?:turn|turns|turned|turning|switch|switched|shut|unplug|unplugged|disable|disabled|cover|covered) (?:off |out )?"
        r"(?:the |its |his |her |their |a )?(?:dash ?cams?|dashboard cameras?|security cameras?|cctv|doorbell cam\w*|ring camera)\b",
        r"\b(?:avoid|dodge|stay out of|get past|without being (?:seen|caught) (?:by|on)) (?:the |any )?(?:security )?(?:cameras|cctv)\b"),
        gate=(("violence", 0.02), ("harassment", 0.1)),
        # the same in Korean and Chinese (session 27): something slipped into food unnoticed, whether
        # what is put in would be noticed by its taste, an accident's look, an autopsy that finds nothing
        ungated=_p(r"(?:몰래|모르게) .{0,20}(?:음식|국|밥|죽|음료|음료수|커피|차|물|술|반찬)에 (?:넣|타)",
                   r"(?:넣|타)(?:으면|면|도) ?.{0,8}(?:맛|냄새)(?:으로|이|가)? ?(?:티 ?(?:안 ?)?(?:나|날)|알아채|눈치)",
                   r"(?:사고|자연사|병사)(?:처럼|로) 보이(?:게|도록)", r"부검(?:에서|에|하면)? ?.{0,6}(?:안 ?나오|안 ?걸리|검출 ?안|모르|(?:다 ?)?(?:나와|나오나|나오나요|걸려|걸리나|검출돼|검출되나))",
                   r"(?:偷偷|悄悄)(?:地)?.{0,12}(?:放|加|下|掺|混)(?:进|到|在|入).{0,6}(?:饭|菜|汤|饮料|水|咖啡|茶|酒|食物|粥)",
                   r"(?:放|加|混|掺|下)(?:在|到|进)?[^。！？]{0,6}(?:汤|饭|菜|饮料|水|咖啡|茶|酒|粥|奶|食物)里[^。！？]{0,6}"
                   r"(?:能|会|可以)?(?:吃|尝|喝|闻)(?:得)?出(?:来)?",
                   r"看起来像(?:是)?(?:意外|自然死亡|病死)", r"(?:尸检|验尸|法医)(?:也)?(?:查|验|检)(?:不出|不到)", r"神不知鬼不觉",
                   # a car hired in someone else's name, a dashcam or the cameras off or avoided, a long wait
                   # in a car (session 28)
                   r"(?:친구|다른 사람|남의|지인|가족|동생|형|누나|언니|오빠) ?(?:이름으로|명의로) .{0,8}(?:빌려|빌리|빌릴|렌트|대여)",
                   r"(?:블랙박스|블박|cctv|씨씨티비)(?:는|를|은|도)? ?.{0,6}(?:끄|꺼|끌|끈|떼|피하|피해|피할|안 ?찍히)",
                   r"차 ?안에서 .{0,10}(?:오래|몇 시간|계속|숨어서?) ?(?:기다릴|기다리|기다려|있을)",
                   r"(?:用|以)(?:朋友|别人|他人|亲戚|家人)的?(?:名字|名义|身份证)(?:去)?(?:租|借)",
                   r"(?:关掉|关闭|拔掉|遮住)(?:车上的|车里的)?(?:行车记录仪|监控)", r"(?:躲开|避开|绕开).{0,6}(?:监控|摄像头)",
                   r"(?:在)?车里(?:等|蹲|守)(?:很久|几个小时|一整晚|一晚上|到半夜)",
                   # when a school or a place of worship is fullest, how soon the police come to one (session 41)
                   r"(?:食堂|学校|教室|礼堂|操场|教堂|寺庙|清真寺)(?:里|的)?.{0,8}(?:几点|什么时候|哪个时间|哪节课).{0,6}人(?:最多|最密|最挤)",
                   r"警察.{0,10}(?:多久|多长时间|几分钟).{0,6}(?:能|会|才)?(?:到|赶到|赶来|过来).{0,4}(?:学校|教室|食堂|教堂|现场)",
                   r"(?:급식실|학교|교실|강당|운동장|체육관|교회|성당)(?:에|에서|은|는|이|가)? ?.{0,8}(?:몇 ?시|언제|몇 ?교시).{0,10}"
                   r"사람(?:이|들이)? ?(?:제일|가장|젤) ?많",
                   _KO_SCHOOL + r"(?:에|로|까지)? ?.{0,6}경찰(?:이)? ?.{0,10}(?:몇 ?분|얼마나|얼마 ?만에).{0,8}"
                   r"(?:와|오|도착|출동|걸려)",
                   r"경찰(?:이|은)? ?.{0,12}(?:몇 ?분|얼마나|얼마 ?만에).{0,12}(?:와|오|도착|출동|걸리|걸려).{0,20}" + _KO_SCHOOL,
                   # someone's routine alone, and when the guards are gone (session 41): "그 인간 매일 혼자 마지막에
                   # 나가", "他每天都是最后一个走", "보안 몇 시에 퇴근해?", "保安几点下班"
                   r"(?:그 ?인간|그 ?새끼|그 ?놈|걔|그 ?사람|그 ?여자|그 ?남자)(?:은|는|이|가)? ?(?:매일|항상|맨날|늘) ?"
                   r".{0,10}(?:혼자|마지막(?:에|으로)) ?.{0,6}(?:나가|퇴근|남아|있어|있더라|가더라)",
                   r"(?:他|她|那个人|那家伙)(?:每天|总是|经常|天天)(?:都)?(?:是)?(?:一个人|最后一个)(?:走|下班|离开|留)",
                   r"(?:보안|경비)(?:요원|원|직원|팀|실)?(?:은|는|이|가|들)? ?.{0,6}(?:몇 ?시|언제) ?.{0,6}(?:퇴근|교대|순찰|없|비)",
                   r"(?:保安|门卫|警卫)(?:一般)?.{0,4}(?:几点|什么时候).{0,4}(?:下班|换班|巡逻|不在|走)",
                   # whether someone's home or its street has cameras (session 41): "걔네 집 앞에 CCTV 있는지 어떻게 알아?",
                   # "她家楼下有没有监控"; not the writer's own ("우리 집 앞에 CCTV 설치하려는데")
                   r"(?:걔네 ?집|그 ?(?:여자|남자|인간|사람) ?집|전 ?(?:여친|남친|애인|남편|아내) ?집)(?:의|네)? ?(?:앞|입구|근처)?"
                   r"(?:에|에는)? ?(?:cctv|씨씨티비|감시 ?카메라|카메라)(?:가|이)? ?(?:있는지|있나|없는지|없나|몇 ?개|어디)",
                   r"(?:她家|他家|她住的|他住的|前女友家|前男友家)(?:小区|楼下|门口|附近)?(?:有没有|没有|有)(?:监控|摄像头)")),
    Stage("violence", "imminence", 5, 1.5, _p(
        r"\b(?:tomorrow|tonight|this (?:morning|afternoon|evening|weekend)|on monday|next week)\b.{0,60}\b(?:shoot|kill|stab|hurt|attack|bomb|do it)\b",
        r"\b(?:shoot|kill|stab|hurt|attack)\b.{0,60}\b(?:tomorrow|tonight|this (?:morning|afternoon|evening|weekend))\b",
        r"\byou(?:'ll| will) see (?:it )?on the news\b",
        # leakage (session 28): warning others away ("a post telling people to stay away from the park on
        # the 21st", "don't come to school tomorrow"), or settling it with someone "one way or another"
        r"\b(?:tell|telling|tells|warn|warning|warns|told) (?:people|everyone|everybody|them|folks|my (?:friends|family|mates|mum|mom|"
        r"sister|brother))\b.{0,20}\b(?:to )?(?:stay away from|not (?:to )?(?:go|come) (?:to|near)|keep away from)\b",
        r"\b(?:don'?t|do not) (?:come|go) (?:to|near) (?:school|class|work|the office|church|the mosque|the synagogue|the temple|"
        r"the (?:festival|parade|march|rally|match|game|concert|market))\b.{0,20}\b(?:tomorrow|tonight|on (?:monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday)|this (?:week|weekend)|next week)\b.{0,30}\b(?:seriously|trust me|i mean it|"
        r"i'?m serious|whatever you do|for your own good|you'?ll thank me|just don'?t)\b",
        r"\b(?:i'?ll|i will|i'?m going to|i'?m gonna|gonna) (?:see|get|deal with|sort|settle|handle|finish) (?:him|her|them)\b.{0,40}"
        r"\bone way or (?:another|the other)\b",
        # someone's occasion foretold as their last (session 28): "her birthday is the 14th, gonna be a nice
        # quiet last one"
        r"\b(?:her|his|their) (?:birthday|christmas|anniversary)\b.{0,40}\b(?:gonna be|going to be|will be|it'?ll be)\b.{0,20}"
        r"\blast one\b",
        # final arrangements for those in the writer's care (session 28): "tell him to take care of my
        # boy if anything happens"
        r"\b(?:take care of|look after|raise|care for) my (?:\w+ )?(?:boy|girl|son|daughter|kids?|children|cat|dog|pets?)\b.{0,40}"
        r"\bif (?:anything|something) (?:ever )?happens\b",
        r"\bif (?:anything|something) (?:ever )?happens(?: to me)?\b.{0,60}\b(?:take care of|look after|raise|care for) my\b",
        r"\bi(?: am|'?m) going to (?:shoot|kill|stab|attack)\b(?! (?:my ?self|me)\b)",
        r"\bit ends (?:tomorrow|tonight|today)\b", r"明天就动手",
        # leakage of a date: "they'll all see on friday what happens"
        r"\b(?:they|you|everyone|everybody|he|she)(?:'ll| will) (?:all )?(?:see|find out|learn)"
        r"(?: (?:tomorrow|tonight|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)))? "
        r"what (?:happens|i(?:'m| am) capable of|i(?:'ll| will)? do)\b"),
        gate=(("violence", 0.05), ("harassment/threatening", 0.05))),
    # self-harm ladder
    Stage("self-harm", "distress", 1, 0.5, _p(  # about oneself: "Dave is a worthless moron" is not distress
        r"\b(?:i'?m|i am|i feel|i felt|feel(?:ing)?|i'?ve been|makes me feel)\s+(?:so |completely |totally |really |utterly |just |such |like )?(?:a )?"
        r"(?:hopeless|worthless|useless|empty inside|a burden|burden)\b",
        r"\b(?:life|everything|my life|it all|living) (?:is|feels|seems) (?:so |completely |totally )?(?:pointless|hopeless|meaningless)\b",
        r"\bi'?m (?:just )?a burden\b", r"\bcan'?t (?:go on|take (?:it|this) anymore|cope)\b",
        r"\bnobody (?:cares|would (?:care|notice))\b", r"\bno reason to (?:live|go on)\b", r"\bcan'?t sleep\b.{0,40}\b(?:pointless|hopeless)",
        r"活着没意思", r"好累不想",
        # Chinese and Korean distress said of oneself (a burden, no point in living, can't hold on):
        # the zh / ko classifiers and the tagger's USE reader left such turns unread
        r"我(?:觉得|感觉)?(?:自己)?(?:就|只)?是.{0,6}(?:累赘|负担|多余的人)", r"活着(?:没|没有)(?:意义|意思)", r"活着(?:还)?有什么意(?:思|义)", r"(?:다|모든 ?게|전부|사는 ?것도) 의미(?:가)? ?없어", r"我撑不下去",
        r"(?:내가|제가|나는|저는|난|전) .{0,12}(?:짐이|짐만) ?(?:되는|된|될) (?:것 같|거 같)", r"살기 싫", r"사는 ?게 (?:의미가 없|무슨 의미|아무 의미)",
        r"(?:모든 걸|모든 것을|전부 다|인생|삶을|사는 걸) (?:포기하고 싶|내려놓고 싶)", r"(?:더는|더 이상) (?:버틸|견딜) (?:자신이|수가|힘이) 없",
        # not deserving to eat or to live, everyone better off without the writer, a money-eating burden
        # (session 28)
        r"\bi (?:just |really |honestly )?(?:don'?t|do not|dont) (?:feel like i |think i )?deserve to (?:eat|live|be here|exist|be alive|"
        r"be happy)\b(?! (?:this|that|the|a|an|it|dessert|cake|pizza|something|anything nice)\b)",
        r"\b(?:everyone|everybody|they|my (?:family|parents|kids|mum|mom|dad|wife|husband)|you all|you guys|you) (?:would|will|'?d) "
        r"(?:all )?be (?:better off|happier|fine) without me\b",
        r"(?:내가|제가|나는|저는|난|전) .{0,10}돈(?:만)? ?(?:먹는|잡아먹는) 하마", r"(?:내가|제가) 없(?:어지|으)면 .{0,10}(?:편할|행복할|나을)",
        r"我(?:就是|只是|是)?(?:个|一个)?(?:吞金兽|赔钱货)", r"我(?:不在|走)了.{0,8}(?:大家|家里|你们|他们)(?:都)?(?:会)?(?:更)?(?:轻松|好过|幸福)")),
    Stage("self-harm", "ideation", 2, 1.0, _p(
        r"\bwant(?:s)? to die\b", r"\b(?:end|ending|take|taking) my (?:own )?life\b", r"\bbetter off dead\b", r"\bkill(?:ing)? myself\b",
        r"\b(?:i|i'?m|i am|i feel|i've been|me|my)\b.{0,20}\bsuicid", r"\bdon'?t want to (?:be alive|live|wake up)\b", r"想死", r"自杀",
        # a farewell to someone in the writer's care or family, in a letter or a message (session 28):
        # "you'll be fine without me", "누나 없어도 잘할 수 있어"
        r"\byou(?:'ll| will) (?:be (?:fine|ok|okay|alright|better)|do (?:fine|great|better)|manage) without me\b"
        r"(?! (?:for|this|tonight|today|tomorrow|while|until|at|on|in)\b)",
        r"(?:누나|언니|형|오빠|엄마|아빠|나|내가) 없어도 (?:잘|괜찮|행복)", r"没有我(?:你们|你)?(?:也)?(?:会|能)?(?:过得)?(?:很好|好好的|更好)",
        r"자살하고 싶", r"살고 싶지 않", r"(?:그냥 )?(?:사라지고|없어지고) 싶")),
    Stage("self-harm", "intent", 3, 2.0, _p(  # with any other rung (even distress) a support case opens
        r"\bi(?:'m| am) going to (?:kill myself|end (?:it|my life))\b",
        # "do it", once death or suicide was named just before: "Nobody would care if I died. I'm going to do it."
        r"\b(?:die|died|dead|death|suicide|kill myself|end it all|end my life|nobody would (?:care|notice|miss me))\b"
        r".{0,80}\bi(?: am|'m| will|'ll) (?:going to |gonna )?do it\b", r"\bi(?:'ve| have) decided to (?:die|end)", r"\btonight (?:is|will be) the night\b",
        r"\bgoodbye (?:everyone|forever)\b", r"\bthis is my (?:last|final) (?:message|night|day)\b", r"\bwrote (?:a|my) (?:suicide )?note\b",
        r"我决定了.{0,6}(?:死|结束)",
        # final arrangements told as done (session 41): sudden calm with thanks for everything, no attachment
        # left, a pet entrusted and everything settled: "i finally feel calm. thank you for everything",
        # "我把猫送人了，这样就没有牵挂了", "고양이는 친구한테 맡겼어. 이제 정리 다 했어"
        r"\bi (?:finally )?feel (?:so )?(?:calm|at peace|peaceful)(?: now)?\b.{0,40}\bthank you for everything\b",
        r"(?:没有|没啥|再无|了无)牵挂了", r"后事(?:都)?(?:交代|安排)好了",
        r"(?:고양이|강아지|반려견|반려묘)(?:는|은|을|를|도)? ?.{0,10}(?:맡겼|맡기고|줬|보냈)[^?!]{0,20}(?:정리 ?(?:다 ?)?했|미련 ?없|이제 ?(?:됐|끝))",
        # a farewell note: "by the time you read this I'll be gone", "等你看到这封信的时候我已经不在了",
        # "이 편지를 읽을 때쯤엔 저는 이 세상에 없을 거예요" (the Korean classifier read such a letter 0.00)
        r"\b(?:by the time|when) (?:you|anyone|someone|they|you guys|y'?all|my \w+) (?:read|reads|see|sees|find|finds|get|gets) "
        r"(?:this|my (?:message|letter|note))\b.{0,40}?\b(?:i(?:'ll| will) (?:already )?(?:be )?(?:gone|dead|at peace|not be (?:here|alive|around)|"
        r"no longer be (?:here|alive|around))|i won'?t be (?:here|alive|around))",
        r"\bi won'?t be alive (?:anymore|much longer|for long|by (?:morning|tomorrow))\b",
        r"(?:等|当)你们?(?:看到|读到|收到)这.{0,8}(?:的时候|时).{0,6}我(?:已经)?(?:不在了|走了|离开了这个世界|死了)",
        r"(?:이거|이걸|이 글|이 편지|이 메시지|이 편지를|이 글을|이 메시지를) ?(?:읽을|볼|보실|읽으실) (?:때|때쯤|때쯤엔|때쯤이면|때면|즈음)"
        r".{0,20}(?:없을|세상에 없|떠났을|죽었을)")),
    Stage("self-harm", "plan", 4, 1.5, _p(
        r"\bhow many (?:pills|tablets)\b", r"\blethal dose\b", r"\b(?:overdose|od) on\b", r"\bpainless (?:way|method)s?\b",
        r"\b(?:bought|have|got) (?:the )?(?:pills|rope|razor|blades?)\b", r"\bhighest bridge\b", r"\bhow to hang\b",
        # many sleeping pills at once, in Korean and Chinese (session 28): "졸피뎀 많이 먹으면 어떻게 돼요" (any
        # mention of 安眠药 is read below already)
        _KO_DRUGS + r"[^.?!]{0,12}(?:많이|한꺼번에|한 번에|왕창|통째로|한 통) ?"
        r"(?:먹으면|삼키면|먹어도)", r"(?:安定片|止痛药|抗抑郁药)(?:一次|一下子)?(?:吃|吞)(?:很多|一把|一整瓶|一瓶|好多)",
        r"多少片.{0,4}致死", r"安眠药",
        _KO_DRUGS + r"[^.?!]{0,6}몇 ?(?:알|개|정)(?:을|이나)? ?(?:먹으면|삼키면) ?"
        r"(?:위험|죽|치명|큰일|안 ?깨)",
        # a pet or the writer's things handed on with no need of them left (session 41): "i gave my cat to
        # my neighbor today, she'll take better care of him"; not when the writer is moving or allergic
        r"^(?!.*\b(?:mov(?:e|ed|ing)|abroad|allerg\w*|deploy\w*|new job|new baby|landlord)\b).*?\b(?:gave|giving|given|rehomed) "
        r"(?:away )?(?:all )?my (?:cat|dog|pets?|kitten|puppy|things|stuff|belongings|guitar)\b.{0,60}\b(?:won'?t need|wont need|"
        r"better care of|no longer need)\b",
        # how high a bridge or a roof is, or from which floor a fall kills, in Korean and Chinese (session 41;
        # "highest bridge" above): "한강 다리 높이 몇 미터야?", "楼顶有多高，跳下去会怎样", "几楼跳下去会死"; not a
        # desk's legs (다리) nor a photo spot
        r"(?:한강 ?다리|[가-힣]{0,4}대교|옥상)(?:의|가|는|이)? ?(?:높이|몇 ?미터)", r"몇 ?층(?:에서|부터|이면) ?(?:떨어지면|뛰어내리면|떨어져야)",
        r"(?:桥|大桥|楼顶|天台)(?:有)?(?:多高|多少米).{0,10}(?:跳|摔|掉|够不够|够高|会死|能死)", r"(?:几楼|几层|多高)(?:跳下去|摔下去|掉下去|跳下来)(?:会|能|才)?(?:死|没命|致命)")),
)


BY_KEY: dict[str, Stage] = {f"{st.pathway}:{st.name}": st for st in STAGES}
# The category a pathway's signals are filed under (cases, trajectory attributions).
PATHWAY_CATEGORY: dict[str, str] = {"violence": "violence", "self-harm": "self-harm"}


# Per stage, its phrases searched behind the literal strings one of which every match contains
# (stream/core/prefilter.py): most turns hold none of most stages' and none of most phrases'.
_RULES: tuple[Prefiltered, ...] = tuple(Prefiltered.of(st.pattern) for st in STAGES)
_UNGATED: tuple[Prefiltered | None, ...] = tuple(st.ungated and Prefiltered.of(st.ungated) for st in STAGES)


def detect_stages(text: str, scores: dict[str, float]) -> list[Stage]:
    """Stages whose phrase matches and whose gate (if any) the classifier scores pass."""
    norm = normalize_for_match(text)
    if not norm:
        return []
    hits = []
    for st, rule, ungated in zip(STAGES, _RULES, _UNGATED):
        if ((not st.gate or any(scores.get(c, 0.0) >= m for c, m in st.gate)) and rule.found(norm)
                or ungated is not None and ungated.found(norm)):
            hits.append(st)
    return hits
