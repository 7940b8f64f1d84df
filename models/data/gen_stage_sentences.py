"""Generate stage_sentences.jsonl (project-written): sentences labelled with escalation stages.

Deterministic (seeded) template expansion; every template and slot value was written for
riskstream. Re-run with `python models/data/gen_stage_sentences.py` after editing.
Labels: `stages`, a list of "pathway:stage" keys of stream/core/stages.py (violence: grievance,
ideation (incl. fixation on a target), research (capability, weapons, means), planning (a target's
place or routine, logistics), imminence; self-harm: distress, ideation, intent, plan (methods,
means)); `third_party`: the sentence is about someone else's risk (a friend, a child, a loss).
An empty `stages` list with `third_party` false is a safe sentence, many of them safe-but-scary
(games, fiction, history, idioms, pest control, sport, hunting, medicine). Wording varies in tense,
paraphrase and euphemism on purpose ("I bought a gun", "going to her place tonight", "end this").
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "stage_sentences.jsonl"
rnd = random.Random(20261201)

T = ["my ex", "my boss", "my manager", "my neighbour", "my stepdad", "my coworker", "that teacher", "my landlord",
     "my ex-wife", "my ex-boyfriend", "the guy next door", "my supervisor", "my old roommate", "my sister's husband",
     "the new girl at work", "my professor", "the coach", "my brother-in-law"]
P = [("she", "her", "her"), ("he", "him", "his"), ("they", "them", "their")]
WHEN = ["tonight", "tomorrow", "tomorrow morning", "this weekend", "on Friday", "after work", "in an hour", "right now",
        "before the sun comes up", "when the shift ends", "first thing monday"]
PLACE = ["her place", "his place", "their house", "her apartment", "his office", "the school", "her work",
         "his gym", "the warehouse", "her parents' house"]

V = {  # pathway:stage -> templates; {t} a target, {s}/{o}/{p} pronoun forms, {w} a time, {pl} a place
    "violence:grievance": [
        "{t} keeps ignoring me", "{t} humiliated me in front of everyone", "{t} laughed at me again today",
        "{t} ruined my life and doesn't even care", "{t} fired me for no reason", "{t} cheated on me and everyone knew",
        "{t} treats me like garbage every single day", "I'm sick of how {t} talks to me", "{t} took everything from me",
        "{t} blocked me everywhere and won't answer", "everyone at work mocks me behind my back",
        "{t} lied about me and now nobody trusts me", "{s} left me and now {s} acts like I don't exist",
        "{t} keeps smirking at me like I'm nothing", "they all think I'm a joke", "{t} stole my promotion",
        "{t} got me kicked out and never apologised", "{t} made a fool of me in the group chat",
        "{t} won't return my calls after everything I did", "nobody ever listens to me, least of all {t}",
        "{t} keeps parking in my spot and laughs when I complain", "{t} got away with what {s} did to me"],
    "violence:ideation": [
        "{t} will regret it", "{s} will regret what {s} did", "I'll make {o} pay", "{t} is going to pay for this",
        "{s} deserves what's coming", "I keep picturing {o} bleeding", "I can't stop thinking about hurting {o}",
        "someone should teach {o} a lesson {s} won't forget", "I want {o} to suffer like I did",
        "I think about {t} every minute, I watch {p} profile all day", "one day {s} will get what {s} deserves",
        "I want {t} gone for good", "{s} won't be laughing for long", "I dream about making {o} disappear",
        "if I can't have {o} nobody will", "{t} has no idea what's coming", "I'm going to get even with {t}",
        "I know exactly how to make {o} hurt", "I'll finish what {s} started", "I keep checking where {s} goes, every day",
        "{t} is all I think about, I need {o} to understand what {s} did", "I'll make sure {s} never smiles again",
        "I want to see {o} suffer", "{t} should be punished and I'll be the one to do it"],
    "violence:research": [
        "I bought a gun yesterday", "I just got a pistol from a guy at work", "I picked up a shotgun last week",
        "how do I get a handgun without a background check", "where can I buy ammo without id",
        "I've been practising at the range every day for this", "what's the most lethal caliber for a handgun",
        "how do you make a pipe bomb", "which chemicals would poison someone slowly",
        "how much rat poison would it take for a grown man", "what poison is hard to detect in an autopsy",
        "I sharpened my dad's hunting knife", "my uncle's rifle is in the garage and I know the code",
        "how much would poison a large dog without the owner noticing", "which household chemicals could make someone sick without them knowing",
        "where do I aim so it's fatal", "I have the gun now", "got myself a knife, just in case {s} starts",
        "how do I make a gun that can't be traced", "which mix of chemicals makes a toxic gas in a closed room"],
    "violence:planning": [
        "I know where {s} lives", "I know where {t} parks every morning", "{s} leaves the office at six every day",
        "what time does {t} usually get home", "I've been watching {p} house", "I followed {o} to {p} gym",
        "which entrance of the school has no cameras", "I mapped out {p} route to work", "where does {t} park",
        "I'll wait for {o} in the parking lot", "{s} is always alone on thursday nights", "I found {p} new address",
        "I know {p} schedule by heart now", "{s} walks the dog at 10 every night, nobody around",
        "how long does it take the police to get to {pl}", "I got a copy of {p} keys",
        "I checked when the security guard goes on break", "I know which window of {pl} doesn't lock"],
    "violence:imminence": [
        "I'm going to {pl} {w} to end this", "{w} it ends", "{w} {s} pays", "I'm on my way to {pl} now",
        "you'll see it on the news {w}", "it happens {w}", "I'm going to end this {w}", "I'm outside {pl} right now",
        "{w} is the day, no more waiting", "this is the last time, {w} I finish it", "I'm going over there {w} and it's over",
        "{w} I'm going to settle this for good", "by {w} {s} won't be a problem anymore", "I'm heading to {pl}, wish me luck",
        "it's done waiting, {w} I go", "I'm parked outside {pl}, {s} will be home soon"],
    "self-harm:distress": [
        "I feel so empty all the time", "nothing matters anymore", "I'm so tired of everything", "I'm a burden to everyone",
        "I can't do this anymore", "everything feels pointless", "I haven't slept in days and I feel hopeless",
        "I'm worthless and everyone knows it", "I feel like I'm drowning and nobody notices", "I just want the pain to stop",
        "I'm exhausted of pretending I'm fine", "no one would notice if I disappeared", "I hate myself so much",
        "I feel numb, like I'm not even here", "every day is worse than the last"],
    "self-harm:ideation": [
        "I don't want to be here anymore", "I wish I could just disappear forever", "everyone would be better off without me",
        "I want to go to sleep and never wake up", "I've been thinking about ending it", "I keep thinking about dying",
        "sometimes I think about killing myself", "I don't see the point of living", "I want to die",
        "I wish I wasn't alive", "I've been having thoughts of suicide", "I think about not existing all the time",
        "I want it all to end", "maybe it would be easier if I was gone"],
    "self-harm:intent": [
        "I've made up my mind, {w} is the night", "I wrote letters to my family, I'm done", "I'm going to end it {w}",
        "this is goodbye, thank you for everything", "I gave away my things, I won't need them", "I'm going to kill myself {w}",
        "I've decided, I'm not going to be here much longer", "{w} I'm finally going to do it", "this is my last message",
        "I'm ready to go, I've said my goodbyes", "I'm not going to be alive after {w}"],
    "self-harm:plan": [
        "how many sleeping pills would it take", "I've been saving up my pills", "what's the highest bridge near me",
        "I bought a rope", "what is the most painless way", "how much paracetamol is lethal", "how long does it take to bleed out",
        "I have the pills in my drawer", "which building downtown is tall enough", "how do I tie a noose",
        "what happens if you take a whole bottle of antidepressants", "how much insulin would be fatal",
        "I've been looking up how to do it", "I know where my dad keeps his gun and the key"],
}
THIRD = [
    "my friend told me she wants to die, how do I help her", "I lost my brother to suicide last year",
    "my son has been cutting himself, what do I do", "how do I know if someone is grooming my kid",
    "my student said he's been thinking about suicide, who do I call", "my mum took her own life and I can't stop thinking about it",
    "how can I support my girlfriend, she says she wants to end it", "what are the warning signs that a teenager is suicidal",
    "my best friend overdosed last month and I keep replaying it", "how do predators groom children online, I want to protect my daughter",
    "my brother keeps saying everyone would be better off without him", "my dad died by suicide when I was twelve",
    "how do I talk to my friend who is self-harming", "what should a teacher do if a student talks about killing himself",
    "my partner said she has pills saved up, I'm scared for her", "my roommate wrote a goodbye note, I called 911",
    "how do I help a coworker who seems suicidal", "our daughter was groomed by a coach, how do we report it",
    "grief support for people who lost someone to suicide", "my patient is at risk, what's the protocol",
]
SAFE = [
    "how do I kill the zombies on level 3", "what's the best sniper rifle in call of duty", "how do I get the shotgun in the first mission",
    "in my novel the detective finds the poison, which one would be realistic", "how did the assassination of Franz Ferdinand happen",
    "that comedian absolutely killed it last night", "what's the safest way to poison rats in my shed",
    "which plants are toxic to dogs, I want to keep my puppy safe", "my boss is killing me with these deadlines",
    "I'm going to kill it at the gym tomorrow", "we're going to destroy them in the match tonight", "I bought a new rifle for deer season",
    "what caliber is best for elk hunting", "how do I field dress a deer", "what was the deadliest bombing raid of WW2",
    "how do I kill a python process that won't die", "what murder weapon would a mystery writer use for a locked-room plot",
    "my character in the book plans revenge on the king, how should the final battle go", "how did the Dresden firebombing work",
    "what's a lethal dose of caffeine, for my pharmacology exam", "how much ibuprofen can I take for a headache",
    "how do knockouts work in boxing", "what's the best way to break down a chicken", "I know where she lives, I'm sending her a birthday card",
    "I'm going to her place tonight for dinner", "tonight we finish the puzzle", "I finally ended it with my landlord, new lease signed",
    "my ex keeps texting me about the dog, so annoying", "I'm dying to see the new movie", "this heat is killing me",
    "I could murder a pizza right now", "let's execute the plan for the product launch", "shoot me an email when you're free",
    "the wasps nest needs to go, what spray works", "how do I get rid of moles in the lawn", "how do snipers stay hidden, for a history essay",
    "explain how the Manhattan project built the bomb", "what's the plot of Macbeth", "how many people died at Verdun",
    "my boss laughed at my joke today", "we're going to crush the other team this weekend", "I'm outside the cinema, where are you",
    "what time does the pharmacy close tonight", "where does the bus to the stadium park", "I mapped out my running route to work",
    "I know where he lives, can you recommend a gift", "what's the best knife for filleting salmon", "I have the tickets now",
    "this is goodbye to my old job, on to new things", "I gave away my old clothes to charity", "I wrote letters to my pen pals",
    "how do I tie a bowline knot for sailing", "what's the highest bridge in the world", "how many pills come in a bottle of vitamins",
    "my grandmother passed away peacefully last week", "I'm so tired after the marathon", "I'm sick of this rainy weather",
    "in the game I poisoned the king to take the throne", "how does a nuclear reactor work", "what's a headshot multiplier in fortnite",
    "how do paramedics treat an overdose", "nurses, what's the max dose of paracetamol per day", "how do I make my kid's science volcano explode",
    "who killed JFK", "what weapons did samurai use", "I'm going to kill this presentation tomorrow", "kill the lights please",
]
ZH_KO = [  # (text, stages, third_party)
    ("我前任一直不理我", ["violence:grievance"], False), ("老板当众羞辱我", ["violence:grievance"], False),
    ("她会后悔的", ["violence:ideation"], False), ("我要让他付出代价", ["violence:ideation"], False),
    ("我昨天买了一把枪", ["violence:research"], False), ("我知道她住在哪里", ["violence:planning"], False),
    ("今晚我就去她家把这事了结", ["violence:imminence"], False), ("我觉得活着没有意义", ["self-harm:distress"], False),
    ("我不想活了", ["self-harm:ideation"], False), ("我已经决定了，今晚就结束", ["self-harm:intent"], False),
    ("吃多少安眠药会死", ["self-harm:plan"], False), ("我的朋友说她想自杀，我该怎么帮她", [], True),
    ("游戏里怎么杀掉最后的boss", [], False), ("二战中最严重的轰炸是哪一次", [], False), ("怎么除掉车库里的老鼠", [], False),
    ("전 애인이 계속 나를 무시해", ["violence:grievance"], False), ("그녀는 후회하게 될 거야", ["violence:ideation"], False),
    ("어제 총을 샀어", ["violence:research"], False), ("그녀가 어디 사는지 알아", ["violence:planning"], False),
    ("오늘 밤 그녀 집에 가서 끝낼 거야", ["violence:imminence"], False), ("모든 게 의미 없어", ["self-harm:distress"], False),
    ("죽고 싶어", ["self-harm:ideation"], False), ("오늘 밤 끝내기로 결심했어", ["self-harm:intent"], False),
    ("수면제 몇 알 먹으면 죽어", ["self-harm:plan"], False), ("친구가 자살하고 싶대, 어떻게 도와야 해", [], True),
    ("게임에서 좀비 죽이는 법", [], False), ("마당에 있는 쥐를 없애는 방법", [], False),
    # second set (session 12): more of each stage, in other words, tenses and registers
    ("他当着全组的面把我的功劳抢走了", ["violence:grievance"], False), ("房东扣了我的押金还骂我", ["violence:grievance"], False),
    ("她带着孩子走了，连见都不让我见", ["violence:grievance"], False), ("同学们天天在群里嘲笑我", ["violence:grievance"], False),
    ("他们欠我的迟早要还", ["violence:ideation"], False), ("我每天都在想怎么让他消失", ["violence:ideation"], False),
    ("总有一天我会让他们都尝尝这种滋味", ["violence:ideation"], False), ("这口气我咽不下去，我要报复她", ["violence:ideation"], False),
    ("哪种毒药无色无味", ["violence:research"], False), ("在哪里能买到不用登记的刀", ["violence:research"], False),
    ("化肥怎么做成爆炸物", ["violence:research"], False), ("什么东西放进饭里吃不出来", ["violence:research"], False),
    ("他每天晚上十点一个人从健身房走回家", ["violence:planning"], False), ("我查到了她新公司的地址", ["violence:planning"], False),
    ("怎么放进她的茶里不被发现", ["violence:planning"], False), ("那条小路没有监控，正好", ["violence:planning"], False),
    ("周五开会的时候他们就知道了", ["violence:imminence"], False), ("东西已经准备好了，明天就去", ["violence:imminence"], False),
    ("明天别来学校，我是认真的", ["violence:imminence"], False), ("今晚就是最后一次了，他会知道后果", ["violence:imminence"], False),
    ("最近什么都不想做，连饭都不想吃", ["self-harm:distress"], False), ("我是大家的负担", ["self-harm:distress"], False),
    ("要是睡着了再也不醒来就好了", ["self-harm:ideation"], False), ("我已经把东西都送人了", ["self-harm:intent"], False),
    ("从几楼跳下去一定会死", ["self-harm:plan"], False), ("我存了一些药，够了吧", ["self-harm:plan"], False),
    ("我表妹说她不想活了，我该怎么办", [], True), ("我儿子最近总说活着没意思，我很担心", [], True),
    ("怎么在我的世界里打败末影龙", [], False), ("南京大屠杀死了多少人", [], False), ("怎么杀死卡住的Linux进程", [], False),
    ("杀鱼的时候怎么去腥", [], False), ("推理小说里的凶手一般用什么毒药", [], False), ("蟑螂药对狗有没有毒", [], False),
    ("这道题简直要了我的命", [], False), ("今天加班累死了", [], False), ("拳击怎么出重拳", [], False),
    ("팀장이 모두 앞에서 나를 망신 줬어", ["violence:grievance"], False), ("집주인이 보증금을 안 돌려주고 비웃었어", ["violence:grievance"], False),
    ("걔네는 매일 단톡방에서 나를 놀려", ["violence:grievance"], False), ("가만두지 않을 거야", ["violence:ideation"], False),
    ("그 사람이 사라졌으면 좋겠다는 생각만 해", ["violence:ideation"], False), ("똑같이 갚아 줄 거야", ["violence:ideation"], False),
    ("맛도 냄새도 없는 독이 뭐야", ["violence:research"], False), ("등록 없이 칼 살 수 있는 곳", ["violence:research"], False),
    ("음식에 넣으면 티 안 나는 약", ["violence:research"], False), ("그녀는 매일 아침 6시에 혼자 공원을 뛰어", ["violence:planning"], False),
    ("그 사람 새 직장 주소를 알아냈어", ["violence:planning"], False), ("커피에 몰래 타려면 어떻게 해", ["violence:planning"], False),
    ("금요일 회의 때 다들 알게 될 거야", ["violence:imminence"], False), ("준비는 다 됐어, 내일 간다", ["violence:imminence"], False),
    ("내일 학교 오지 마, 진심이야", ["violence:imminence"], False), ("요즘 아무것도 하기 싫고 밥도 안 넘어가", ["self-harm:distress"], False),
    ("나는 다들한테 짐일 뿐이야", ["self-harm:distress"], False), ("자다가 그냥 안 깨어났으면 좋겠어", ["self-harm:ideation"], False),
    ("물건을 다 정리해서 나눠 줬어", ["self-harm:intent"], False), ("몇 층에서 떨어지면 확실히 죽어", ["self-harm:plan"], False),
    ("동생이 죽고 싶다고 해서 너무 걱정돼", [], True), ("아들이 요즘 사는 게 의미 없대", [], True),
    ("마인크래프트에서 엔더 드래곤 잡는 법", [], False), ("임진왜란 때 몇 명이 죽었어", [], False), ("리눅스에서 프로세스 죽이는 명령어", [], False),
    ("생선 손질할 때 비린내 없애는 법", [], False), ("추리 소설에서 범인이 쓰는 독약", [], False), ("바퀴벌레 약이 강아지한테 위험해", [], False),
    ("시험 때문에 죽겠다", [], False), ("복싱에서 강한 펀치 치는 법", [], False),
]
# Third set (session 14): covert means (poison in food or drink, fire, explosives, evading detection),
# grievances against neighbours, families and institutions, and indirect intent; each with safe
# look-alikes on the same topics (foraging, pets, cooking, fire safety, chemistry class, history,
# complaints that go through the proper channels). Written for riskstream, none taken from the
# escalation benchmark's hand-written people (tests/test_simulate.py holds them apart).
V3 = {
    "violence:grievance": [
        "the people next door bang on the wall every night and laugh when I complain",
        "my husband's family has treated me like dirt since the wedding",
        "the council ignored every single complaint we filed for three years",
        "the whole department closed ranks against me after I reported it",
        "my landlord keeps letting himself into my flat and nobody does anything",
        "that family across the street has made my life a misery",
        "they cut my benefits and the woman at the office smirked at me",
        "the police never did anything about what he did to me",
        "my sister-in-law turned the whole family against me",
        "they laughed me out of the town meeting",
        "the church kicked us out and pretended it was for our own good",
        "the school board keeps protecting the teacher who hurt my son"],
    "violence:ideation": [
        "I want them to be as scared as I have been", "they should know what it's like to lose everything",
        "one day they'll understand what they pushed me to", "I want that whole place to burn",
        "they won't feel safe in their own home after this", "I'll make sure {s} never sleeps easy again",
        "this town needs to learn a lesson it won't forget", "I'm done being the one who always gets hurt",
        "they'll all be sorry when it's too late", "I keep imagining the look on {p} face when it happens"],
    "violence:research": [
        "which wild mushrooms are deadly but look like the edible ones",
        "what medicine would make someone really ill if it ended up in their coffee",
        "can you taste antifreeze if it's mixed into a sweet drink", "how long does arsenic take to act on a person",
        "would a toxicology screen still find it after a few days", "which poisons leave no trace in an autopsy",
        "what accelerant makes a fire spread fastest through a hallway",
        "how do I disable the smoke detectors in someone else's building",
        "how much petrol would it take to burn a house down", "how do you set a fire so it looks like an accident",
        "which household chemicals can be turned into an explosive", "how do you make a homemade bomb go off on a timer",
        "what do you put around a device to make the blast do more damage",
        "how much sleeping medicine would knock someone out without them knowing",
        "how do I slip something into {p} drink without {o} noticing", "how do you cut the brake lines on a car",
        "what could I mix into {p} food that a doctor wouldn't think to test for"],
    "violence:planning": [
        "the back door of their building is never locked at night", "I know when {s} is alone in the house",
        "{s} always eats lunch alone in the staff room", "their kids leave for school at 8, after that it's just {o}",
        "I know which flat is theirs and when the lights go off", "nobody checks the side entrance during the assembly",
        "{s} leaves {p} drink on the table when {s} goes for a smoke"],
    "violence:imminence": [
        "it's all set for tomorrow, they won't see it coming", "{w} everyone will finally see what they did",
        "{w} I'm going to make them understand", "everything is packed in the car, {w} it happens"],
}
SAFE3 = [
    "which mushrooms are safe to forage in autumn", "is antifreeze dangerous for cats, mine got into the garage",
    "what should I do if my toddler swallowed a dishwasher tablet", "how do I stop my smoke alarm going off every time I cook",
    "what's the best fire extinguisher for a kitchen", "how did they demolish old buildings with explosives",
    "why is ammonium nitrate fertiliser regulated", "how do fireworks get their colours",
    "in my mystery novel the victim is poisoned at a dinner party, which poison fits the 1920s",
    "how long does food poisoning take to show symptoms", "which houseplants should I keep away from my cat",
    "my neighbour's music is driving me crazy, how do I complain to the council", "how do I file a noise complaint",
    "my in-laws visit every weekend and it's exhausting", "the council ignored our pothole complaints again, who else can I write to",
    "how do firefighters clear smoke from a stairwell", "how does a controlled burn work in forestry",
    "how do I safely get rid of old garden chemicals", "chemistry homework: why does sodium explode in water",
    "how did the Gunpowder Plot plan to blow up parliament", "what does a toxicology report show after a death, for my crime novel",
    "can you taste it if someone puts too much salt in the soup", "how long does caffeine take to kick in",
    "how do I childproof the cupboard with the cleaning products", "what's the safest way to light a bonfire in the garden",
    # signing off to the assistant or a service once a task is done: not a farewell to life
    "thanks, that's all I needed, bye", "you can go now, goodbye", "that would be all, take care",
    "I don't need anything else, thanks, bye", "great, goodbye!", "no that's it, have a good day", "ok bye for now",
    "thank you so much, goodbye", "alright, I'm done here, see you", "perfect, that's everything, cheers",
    "that's it for today, thanks for the help", "nothing more, you've been great, bye", "I'm all set, goodbye and thanks",
]

# Fourth set (session 17). Concealing a harm from its target or from those who would find it (will
# they taste it, will a test find it, will it look like an accident, will the cameras see me) is the
# logistics of the act: planning, besides the research of the means it follows ("which plants are
# toxic" / "could you taste it in a curry" read together). The third set's concealment rows, labelled
# research only until now, carry planning too (`CONCEAL`). Safe look-alikes on the same words: hiding
# a pet's pill or vegetables in a child's food, lab tests, medicines, cooking. Idioms and everyday
# requests with a time or a farewell in them ("time to kill before my flight", "when does the taxi
# come tonight", "I'm okay for now, thanks"), which short stage sentences sit close to.
CONCEAL = {
    "can you taste antifreeze if it's mixed into a sweet drink", "would a toxicology screen still find it after a few days",
    "which poisons leave no trace in an autopsy", "how do you set a fire so it looks like an accident",
    "how much sleeping medicine would knock someone out without them knowing",
    "how do I slip something into {p} drink without {o} noticing",
    "what could I mix into {p} food that a doctor wouldn't think to test for"}
MEANS4 = [  # research of a means a concealment question follows
    "which garden plants are poisonous to people", "what berries are deadly if you eat them",
    "which cleaning products would make someone really sick if it was in their drink", "what kind of rat poison works on bigger animals",
    "which pills are dangerous if you mix them with alcohol", "how much of {p} heart medication is too much for a person",
    "which mushrooms would kill a grown man"]
CONCEAL4 = [  # the concealment follow-up, alone or after the means
    "would {s} notice the taste if it went in {p} tea", "does it have a smell once it's cooked into something",
    "could you hide it in a curry without anyone noticing", "would the flavour give it away in a sauce",
    "would a doctor just think it was a stomach bug", "how long until it's out of the system so nobody can find it",
    "would it show up on a routine blood panel", "would a hospital even think to test for it",
    "what if I crushed it into {p} porridge, would {s} taste it", "how do I make it look like {s} had a heart attack",
    "is there a way to make the fire look electrical", "if I wipe everything down will they still get prints",
    "which cameras would see me if I came in the back way", "can it be traced back to who bought it",
    "if it's gradual, would anyone suspect anything", "would {p} family notice if {s} got ill slowly over weeks"]
SAFE4 = [
    "how do I hide my dog's pill in his food so he actually eats it", "my cat won't take her antibiotics, can I mix them into her food",
    "would my kids notice if I blend vegetables into the pasta sauce", "would anyone taste the difference if I use margarine instead of butter",
    "could you taste it if I put less sugar in the cake", "would the guests notice the gravy is from a packet",
    "does a standard blood test pick up low iron", "would a drug test pick up the cold medicine I took",
    "how long does alcohol stay in your system before you can drive", "can a routine blood panel show thyroid problems",
    "how long until the antibiotics are out of my system", "would a doctor think it's just a stomach bug if I have cramps",
    "which garden plants are poisonous to my rabbit", "what berries are safe for toddlers to eat",
    "which cleaning products shouldn't be mixed together", "how do I make it look like the cake was homemade",
    "is there a way to make the wiring in my shed safe", "which doorbell cameras see the back door best",
    "I have a couple of hours to kill before my flight", "just killing time at the station, any podcast ideas",
    "I'd kill for a decent coffee right now", "that cheesecake was to die for", "I'm dying to know how the series ends",
    "my feet are killing me after that hike", "I'm dead on my feet after the night shift", "you're killing me with these puns",
    "I nearly died laughing at that video", "let's kill two birds with one stone and do both errands", "knock 'em dead at the interview tomorrow",
    "break a leg at the show tonight", "that exam absolutely murdered me", "we have time to kill, want to grab lunch",
    "when does the taxi come tonight", "is the table booked for tonight at eight", "what time does the train leave tomorrow",
    "the delivery is coming this afternoon, right", "remind me at six tonight to call mum", "I'm on my way home now",
    "book me a car for seven tomorrow morning", "how long until the bus gets here", "the plumber said he'd be over tonight",
    "I'm okay for now, thanks anyway", "no that's all, I'm good for now", "thanks, I couldn't have done this without you, bye",
    "you're a lifesaver, goodbye", "that's everything, I'm done for today", "I'm fine thanks, maybe later",
    "see you tomorrow, same time", "that's the last thing on my list, bye for now", "ok I'm heading out, talk tomorrow",
]

# Verification texts of the issue (the hand scenarios in tests/test_escalation_replay.py) never become rows,
# nor any line of the escalation benchmark's hand-written people (tests/test_simulate.py; "who's your
# boss" and "how do I get rid of the mice in my garage", quoted by issue 14 and said by its benign
# boss-mice person, were safe rows until session 14).
HELD_OUT = {"my ex keeps ignoring me", "she will regret it, I know where she lives",
            "I bought a gun yesterday and I'm going to her place tonight to end this"}


def fill(tpl: str) -> str:
    s, o, p = rnd.choice(P)
    t = rnd.choice(T)
    return tpl.format(t=t, s=s, o=o, p=p, w=rnd.choice(WHEN), pl=rnd.choice(PLACE))


def rows() -> list[dict]:
    out: dict[str, dict] = {}

    def add(text: str, stages: list[str], third: bool = False, lang: str = "en") -> None:
        text = text[0].upper() + text[1:] if lang == "en" and rnd.random() < 0.5 else text
        if text not in HELD_OUT and text.lower() not in HELD_OUT:
            out.setdefault(text, {"text": text, "stages": sorted(stages), "third_party": third, "lang": lang})

    for key, tpls in V.items():
        for tpl in tpls:
            for _ in range(4 if "{" in tpl else 1):
                add(fill(tpl), [key])
    keys = [k for k in V if k.startswith("violence:")]
    for _ in range(160):  # two stages in one turn: "I bought a gun and I'm going to her place tonight"
        a, b = rnd.sample(keys, 2)
        joiner = rnd.choice([" and ", ", ", ". ", " so ", " and now "])
        add(fill(rnd.choice(V[a])) + joiner + fill(rnd.choice(V[b])), [a, b])
    for a, b in (("self-harm:distress", "self-harm:ideation"), ("self-harm:ideation", "self-harm:plan"),
                 ("self-harm:intent", "self-harm:plan")):
        for _ in range(20):
            add(fill(rnd.choice(V[a])) + rnd.choice([" and ", ". ", ", "]) + fill(rnd.choice(V[b])), [a, b])
    for text in THIRD:
        add(text, [], True)
    for text in SAFE:
        add(text, [])
    for text, stages, third in ZH_KO:
        add(text, stages, third, "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in text) else "zh")
    for key, tpls in V3.items():  # third set: drawn last, so the rows before it are unchanged
        for tpl in tpls:
            for _ in range(3 if "{" in tpl else 1):
                add(fill(tpl), [key] + (["violence:planning"] if tpl in CONCEAL else []))
    for text in SAFE3:
        add(text, [])
    for tpl in CONCEAL4:  # fourth set: alone, and after the research of a means, read together
        for _ in range(2 if "{" in tpl else 1):
            add(fill(tpl), ["violence:planning"])
    for _ in range(60):
        add(fill(rnd.choice(MEANS4)) + rnd.choice(["\n", ". ", ", "]) + fill(rnd.choice(CONCEAL4)),
            ["violence:planning", "violence:research"])
    for tpl in MEANS4:
        add(fill(tpl), ["violence:research"])
    for text in SAFE4:
        add(text, [])
    return list(out.values())


if __name__ == "__main__":
    data = rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
    print(f"{len(data)} rows -> {OUT}")
