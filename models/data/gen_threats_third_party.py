"""Generate threats_third_party.jsonl and threats_third_party_benign.jsonl (project-written).

Deterministic (seeded) template expansion; every template and slot value was written for
riskstream. Re-run with `python models/data/gen_threats_third_party.py` after editing.
Positive rows: first-person intent/plans to harm a specific third party or group
(violence + harassment/threatening; + hate/threatening when aimed at a protected group).
Negative rows: hard benign look-alikes (shoots, kill the process, sports, games, history,
third-person news, fiction requests, self-defence questions), all categories 0.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent
rnd = random.Random(20261121)

TARGETS = ["my manager", "my boss", "my ex", "my ex-wife", "my ex-boyfriend", "my teacher", "my neighbour",
           "my neighbor", "my coworkers", "my landlord", "my stepdad", "my supervisor", "him", "her", "them",
           "those people", "that guy from accounting", "the new hire", "my roommate", "my sister's husband",
           "the guy who fired me", "my professor", "the coach", "my brother-in-law", "the people next door",
           "the whole team", "my old boss", "the foreman", "that bitch at the front desk", "my ex's new boyfriend"]
PRON = {"him": "he", "her": "she", "them": "they"}
WHEN = ["tomorrow morning", "tonight", "on Monday", "after work", "this weekend", "when he walks in",
        "when she gets home", "at the staff meeting", "before the hearing", "on Friday", "next week",
        "as soon as I see them", "at lunch", "when the shift ends", "in the parking lot", "at the party on Saturday",
        "", "", ""]
WHERE = ["at the office", "in the parking garage", "at their house", "at school", "outside the gym",
         "in the break room", "at the bus stop", "at the warehouse", "", "", ""]
VERB = ["shoot", "stab", "hurt", "beat", "kill", "burn", "poison", "run over", "strangle", "beat the hell out of",
        "put a bullet in", "cut", "smash the skull of", "gut", "torch the car of", "break the legs of"]
WEAPON = ["with my dad's rifle", "with a kitchen knife", "with the shotgun in my closet", "with a bat",
          "with my car", "with the pistol I bought", "with rat poison in the coffee", "with a hammer",
          "with gasoline", "", "", "", ""]
VERB_WEAPON = {
    "shoot": ["with my dad's rifle", "with the shotgun in my closet", "with the pistol I bought", "", ""],
    "put a bullet in": ["", "", "with my dad's rifle"], "stab": ["with a kitchen knife", "", ""],
    "cut": ["with a kitchen knife", "", ""], "gut": ["with a kitchen knife", ""],
    "kill": ["with my dad's rifle", "with a kitchen knife", "with my car", "with a hammer", "", "", ""],
    "burn": ["with gasoline", ""], "torch the car of": ["with gasoline", ""],
    "poison": ["with rat poison in the coffee", "", ""], "run over": ["with my car", "", ""],
    "strangle": ["", ""], "smash the skull of": ["with a hammer", "with a bat", ""],
}
# The verification texts of the change that added this file must never be training rows.
HELD_OUT = {"I am going to shoot my manager tomorrow morning when he walks in.",
            "I want to hurt them so they finally understand.",
            "Write a message to jane.roe@example.com telling her I know where she lives at 12 Elm Street and "
            "that I will hurt her if she testifies."}
B_WHEN = ["later", "this afternoon", "after lunch", "on Friday", "next week", "tomorrow", "tonight", "on Monday",
          "before the meeting", "this weekend"]
COND = ["if he fires me", "if she testifies", "if they report me", "if he says one more word",
        "if she leaves me", "unless they pay me back", "if I don't get that promotion", "if he shows up again",
        "if they call the cops", ""]
INTRO = ["I am going to", "I'm going to", "I will", "I'm gonna", "I'm planning to", "I've decided to",
         "I want to", "Tomorrow I will", "I swear I'll", "I'm finally going to", "I fully intend to",
         "I have a plan to", "I'm about to", "I've made up my mind, I'll"]
INDIRECT = [  # {S}/{s} subject form, {o} object form, {pos} possessive; {has}/{is}/{was} agree with it
    "{S} won't walk out of that meeting alive.",
    "{S} will see what happens on Monday.",
    "{S}'ll see what happens {w}.",
    "I'll make sure {s} never testifies.",
    "{S} {has} no idea what's coming {w}.",
    "I already bought the gun, {s} {is} done {w}.",
    "Nobody will find {o} when I'm finished.",
    "{S} {is} going to pay for this with blood.",
    "I know where {s} lives and I'm coming for {o} {w}.",
    "I've been watching {pos} schedule, {w} is the day.",
    "The knife is in my bag. {S} gets it {w}.",
    "By next week {s} won't be breathing.",
    "I'll make {o} suffer the way I did, {w}.",
    "{S} {is} going to regret ever crossing me, I'll make sure of it with my own hands.",
    "When I'm done with {o} there won't be much left to bury.",
    "I'm loading the rifle now. {S} {is} first.",
    "I've written down where {s} parks. {W} I finish it.",
    "Let {o} try to testify, {s} won't make it to the courthouse.",
    "I'll be waiting for {o} {r} and I'm not coming to talk.",
    "Tell {o} to enjoy the weekend because it's the last one.",
    "I'm going to hurt {o} so {p} finally understand.",
    "{S} won't see Christmas, I promise you that.",
    "Mark my words, {s} {is} not leaving that office alive {w}.",
    "One more insult and {s} {is} dead, I'll do it myself.",
    "I'll wait for {o} {r} {w} and end this for good.",
]
REQUEST = [
    "Write a message to {e} telling {o} I know where {s} lives at {a} and that I will hurt {o} if {s} testifies.",
    "Draft a text to {e} saying I'm going to {v} {o} {w} if {s} doesn't drop the complaint.",
    "Help me word an email to {e} so {s} knows I will {v} {o} when I find {o}.",
    "Compose a note for {e}: I know {s} lives at {a} and I'm coming to {v} {o}.",
]
EMAILS = ["jane.roe@example.com", "m.keller@example.org", "tom.baker@example.net", "lisa.wong@example.com",
          "hr-director@example.com", "d.smith@example.org"]
ADDR = ["12 Elm Street", "48 Oak Avenue", "7 Birch Lane", "301 Harbor Road", "19 Mill Court"]
GROUPS = ["Muslims", "Jews", "immigrants", "gay people", "Black people", "Mexicans", "trans people", "Asians",
          "refugees", "Christians", "Sikhs", "Roma"]
GROUP_T = ["I am going to shoot every one of the {g} at that {pl} {w}.",
           "I'm going to burn down the {pl} with the {g} inside {w}.",
           "I will run my truck into the {g} at the {pl} {w}.",
           "I'm going to kill as many {g} as I can {w}.",
           "The {g} at the {pl} will see what happens {w}. I've got the guns ready.",
           "I want to hurt those {g} so they finally leave our town.",
           "I'm planning to poison the {g} at the {pl} food drive."]
PLACES = ["mosque", "synagogue", "community centre", "church", "shelter", "market", "pride parade", "temple"]
ZH_POS = ["我明天早上要去开枪打死我的经理。", "我要杀了我的老板，就在周一开会的时候。", "我会让她永远没法出庭作证。",
          "我已经买好刀了，今晚就去捅他。", "我要开车撞死我的前男友。", "我要在他的咖啡里下毒。",
          "我知道我邻居住哪，我明天去弄死他。", "等他下班我就去打断他的腿。", "我要一把火烧了他们家。",
          "我要杀了那些同事，一个都不放过。", "周一他们就知道会发生什么了，我会带枪去。", "我要狠狠地揍我的老师一顿，让他住院。",
          "如果她敢去作证，我就杀了她。", "我要去学校把那个老师捅死。", "我今晚就去把我前妻的车烧了，人也不放过。",
          "他别想活着走出那个会议室。", "我要去把我上司打个半死。", "我已经想好怎么毒死我的室友了。"]


ZH_WHO = ["我的经理", "我老板", "我前男友", "我前妻", "我的老师", "我邻居", "那几个同事", "他", "她", "他们", "我室友", "我的上司", "房东"]
ZH_WHEN = ["明天早上", "今晚", "周一", "下班以后", "这个周末", "开会的时候", "等他回家", ""]
ZH_ACT = ["要开枪打死", "要捅死", "要弄死", "要杀了", "要开车撞死", "要放火烧死", "要下毒害死", "要去砍死", "要往死里打"]
ZH_B = ["要给{w}拍照", "要请{w}吃饭", "要给{w}发邮件", "要和{w}好好谈谈", "要在比赛里打败{w}", "要给{w}送生日礼物", "要把报告发给{w}"]


def zh_rows():
    pos, neg = set(), set()
    while len(pos) < 60:
        who, when, act = rnd.choice(ZH_WHO), rnd.choice(ZH_WHEN), rnd.choice(ZH_ACT)
        if True:
            pos.add(f"我{when}{act}{who}{rnd.choice(['。', '，说到做到。', '，刀我已经准备好了。', '，谁也拦不住我。', '！'])}")
    while len(neg) < 60:
        who, when = rnd.choice(ZH_WHO), rnd.choice(ZH_WHEN)
        neg.add(f"我{when}" + rnd.choice(ZH_B).format(w=who) + rnd.choice(["。", "，有什么建议吗？", "！"]))
    return sorted(pos), sorted(neg)


def cap(s):
    return s[0].upper() + s[1:]


def clean(s):
    return " ".join(s.replace(" ,", ",").replace(" .", ".").split())


ZH_P, ZH_N = zh_rows()


def pos_rows():
    out = set()
    while len(out) < 230:
        t = rnd.choice(TARGETS)
        v = rnd.choice(VERB + ["shoot", "shoot", "stab", "hurt", "kill"])
        wp = rnd.choice(VERB_WEAPON.get(v, ["", "", "with a bat", "with a hammer"]))
        s = f"{rnd.choice(INTRO)} {v} {t} {wp} {rnd.choice(WHEN)} {rnd.choice(WHERE)} {rnd.choice(COND)}"
        s = clean(s) + rnd.choice([".", ".", "!", "", ". I mean it.", ". I'm not joking."])
        out.add(s)
    while len(out) < 270:  # extra direct shooting / stabbing threats
        t = rnd.choice(TARGETS)
        s = rnd.choice(["I am going to shoot {t} {w} {c}", "I'm going to shoot {t} {w} {r}", "I will shoot {t} {r} {w}",
                        "Tomorrow I'm going to shoot {t} {r}", "I'm bringing a gun {w} and I'm going to shoot {t}",
                        "I'm going to stab {t} {w} {r}", "I'm going to walk in {w} and shoot {t}"]).format(
            t=t, w=rnd.choice(WHEN), r=rnd.choice(WHERE), c=rnd.choice(COND))
        out.add(clean(s) + rnd.choice([".", ".", "!", ""]))
    while len(out) < 350:
        t = rnd.choice(TARGETS)
        plural = t in ("them", "those people", "the people next door") or t.endswith("coworkers")
        subj = {"him": "he", "her": "she", "them": "they"}.get(t, t)
        pos = {"him": "his", "her": "her", "them": "their"}.get(t, t + "'s")
        w = rnd.choice(WHEN) or "soon"
        s = rnd.choice(INDIRECT).format(S=cap(subj), s=subj, o=t, pos=pos, w=w, W=cap(w), r=rnd.choice(WHERE) or "outside",
                                        p="they" if plural else subj if subj in ("he", "she") else "they",
                                        has="have" if plural else "has", **{"is": "are" if plural else "is"})
        if plural:
            s = s.replace(" testifies", " testify").replace(" lives", " live").replace(" parks", " park").replace(" gets it", " get it")
        out.add(clean(s))
    while len(out) < 380:
        o, s_ = rnd.choice([("her", "she"), ("him", "he")])
        s = rnd.choice(REQUEST).format(e=rnd.choice(EMAILS), o=o, s=s_, a=rnd.choice(ADDR),
                                       v=rnd.choice(["hurt", "kill", "stab", "beat"]), w=rnd.choice(WHEN))
        out.add(clean(s))
    rows = [{"text": s, "labels": {"violence": 1, "harassment": 1, "harassment/threatening": 1,
                                   "self-harm": 0, "sexual": 0, "sexual/minors": 0}, "lang": "en"} for s in sorted(out)]
    grp = set()
    while len(grp) < 40:
        grp.add(clean(rnd.choice(GROUP_T).format(g=rnd.choice(GROUPS), pl=rnd.choice(PLACES), w=rnd.choice(WHEN) or "soon")))
    rows += [{"text": s, "labels": {"violence": 1, "harassment": 1, "harassment/threatening": 1, "hate": 1,
                                    "hate/threatening": 1, "self-harm": 0, "sexual": 0, "sexual/minors": 0},
              "lang": "en"} for s in sorted(grp)]
    rows += [{"text": s, "labels": {"violence": 1, "harassment": 1, "harassment/threatening": 1,
                                    "self-harm": 0, "sexual": 0, "sexual/minors": 0}, "lang": "zh"} for s in ZH_POS + ZH_P]
    return rows


B_TEMPL = [
    "I'm going to call {t} {w} and sort this out.",
    "I'm going to talk to {t} {w} when he walks in.",
    "I'm going to ask {t} for a raise {w}.",
    "I'm going to tell {t} how I feel {w}, wish me luck.",
    "I'm going to apologise to {t} {w}, I was out of line.",
    "I'm going to visit {t} {w}, it's been ages.",
    "I'm going to meet {t} {w} to sign the papers.",
    "I'm going to report {t} to HR {w} for the comments he made.",
    "I'm so done with {t}, I'm going to quit {w}.",
    "I'm going to ignore {t} {w} and just do my work.",
    "I'm going to pick up {t} from the airport {w}.",
    "I'm going to shoot {t} an email {w}.",
    "I'm going to shoot {t} a text {w} to confirm.",
    "We'll destroy them in the match on Monday.",
    "We'll destroy them at the tournament {w}, we've trained all month.",
    "They'll see what happens on Monday when the new rota comes out.",
    "I'm going to kill {t} with kindness {w}.",
    "{T} is going to kill me if I miss the deadline again.",
    "I'm going to hit {t} up {w} about the concert tickets.",
    "I'm going to beat {t} to the office {w}.",
    "I'm going to take {t} out for dinner {w}.",
    "I want to help them so they finally understand the maths homework.",
    "I want to show them the results so they finally understand.",
    "Write a message to {t} telling them I'll be late {w}.",
    "Write an email to the landlord telling him the heating is broken at 12 Elm Street.",
    "The photographer will shoot {t}'s headshots {w}.",
    "We're going to shoot the wedding video {r} {w}.",
    "Can you help me plan a photo shoot with {t} {w}?",
    "{T} is killing me with these deadlines.",
    "My boss is killing me with all this overtime, I need a holiday.",
    "I could murder a pizza right now.",
    "I could kill for a coffee {w}.",
    "We'll destroy them on Monday, our defence is way better than theirs.",
    "We're going to crush the other team {w}, the lads are ready.",
    "Our team is going to slaughter them in the final {w}.",
    "How do I kill the process that {t} left running on the server?",
    "Kill the lights {r} when you leave.",
    "Just kill the tab, the page is frozen.",
    "Execute the script {w} after the backup finishes.",
    "I'm going to execute the migration {w}.",
    "In the game I'm going to snipe the enemy boss from the tower {w}.",
    "How do I beat the final boss in Elden Ring?",
    "I'm going to shoot some hoops with {t} {w}.",
    "I'll shoot {t} an email {w} about the budget.",
    "I'm going to kill it at my presentation {w}.",
    "{T} is going to kill me when she sees the mess in the kitchen, haha.",
    "Police say a man shot his manager at a warehouse {r}, according to local news.",
    "The suspect allegedly stabbed a coworker before being arrested, the report said.",
    "Reporters covered the trial of the man who poisoned his neighbour in 1998.",
    "In the novel, the narrator plots to kill his boss, but the plan falls apart.",
    "Write a thriller scene where the villain threatens the detective in the parking garage.",
    "For my screenplay, the antagonist says 'you won't walk out of here alive' - is that line too cliché?",
    "Help me write a murder mystery where the butler poisons the host at dinner.",
    "What should I do if my ex threatens to hurt me?",
    "How can I protect myself if someone attacks me in a parking lot?",
    "My coworker said he would hurt me, how do I report it to HR?",
    "What are the warning signs that someone is planning workplace violence?",
    "Which self-defence class is good for beginners?",
    "Brutus and the senators stabbed Julius Caesar in 44 BC.",
    "Lee Harvey Oswald shot President Kennedy in Dallas in 1963.",
    "The Gunpowder Plot was a plan to blow up Parliament in 1605.",
    "I'm going to burn the old photos of {t} and move on, it's healthy.",
    "I'm going to burn a CD for {t} {w}.",
    "I need to poison the weeds in the garden {w}, which herbicide is safest?",
    "We're going to run over the slides one more time {w}.",
    "I'll run over to {t}'s place {w} to drop off the keys.",
    "I'm going to beat {t} at chess {w}.",
    "I'm going to hurt so much after leg day {w}.",
    "My feet hurt after standing {r} all day.",
    "I'm going to stab at the problem again {w}, maybe the parser is wrong.",
    "Take a stab at the crossword, it's easy today.",
    "{T} will see what happens on Monday when the new policy starts.",
    "I'll make sure {t} gets the documents before the hearing.",
    "I'll make sure she testifies truthfully, her lawyer is preparing her.",
    "The project won't survive that meeting, it's going to be cancelled.",
    "The chef is going to fire up the grill and butcher the lamb {w}.",
    "Can you help me write a birthday message to {t}?",
    "I'm going to surprise {t} with a cake {w}.",
    "I'm going to confront {t} calmly about the rent {w}.",
    "I'm so angry at {t} but I'm going to talk to HR instead of doing anything stupid.",
    "In Call of Duty I'm going to camp and shoot everyone who walks in.",
    "The hunters shot a deer in the woods {w}.",
    "She killed it on stage last night, the crowd loved her.",
    "Our lawyers are going to destroy their case in court on Monday.",
]
B_ZH = ["我明天早上要给经理拍证件照。", "老板的截止日期快把我逼疯了。", "帮我杀掉这个卡住的进程。", "周一我们一定要在比赛里打败他们！",
        "今晚我们要去拍婚纱照。", "我饿得能吃下一整个披萨。", "新闻报道说一名男子在仓库枪击了他的经理，已被逮捕。",
        "小说里的反派威胁要杀死侦探，这段怎么写更紧张？", "如果前任威胁要伤害我，我应该怎么办？", "游戏里这个boss怎么打？",
        "明天开会前把脚本执行一下。", "我要在周末把旧照片烧掉，重新开始。", "荆轲刺秦王是战国时期的历史事件。",
        "我明天要去给老师送花。", "下周我要去找房东好好谈谈房租。", "我今晚要把这个bug干掉。", "这部电影的枪战场面拍得很好。",
        "公司要裁掉整个团队，我很难过。"]


def benign_rows():
    out = set()
    while len(out) < 440:
        t = rnd.choice(TARGETS[:12] + ["my sister", "my friend", "the team", "my mum", "the client"])
        s = rnd.choice(B_TEMPL).format(T=cap(t), t=t, w=rnd.choice(B_WHEN), r=rnd.choice(WHERE) or "downtown")
        out.add(clean(s))
    rows = [{"text": s, "benign": True, "lang": "en"} for s in sorted(out)]
    rows += [{"text": s, "benign": True, "lang": "zh"} for s in B_ZH + ZH_N]
    return rows


def write(name, rows):
    rows = [r for r in rows if r["text"] not in HELD_OUT]
    rnd.shuffle(rows)
    with open(OUT / name, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(rows))


if __name__ == "__main__":
    write("threats_third_party.jsonl", pos_rows())
    write("threats_third_party_benign.jsonl", benign_rows())
