"""The assistant's reply as a reading of the turn it answers (stream/core/replies.py): concern voiced
about the user harming someone, or about the user's own life; not a plain refusal, safety advice, a
conditional offer of help, words suggested for someone else, or concern for a third party."""

import pytest

from stream.core.replies import voiced

VIOLENCE = [
    "I can't go along with this. It sounds like you are planning to hurt your coworker, and that would change both your lives.",
    "I'm worried that you're thinking about getting back at her in person.",
    "I'm concerned about where this is going. Can we talk about what happened at work instead?",
    "I won't help you track him down or find out where he parks.",
    "Please don't hurt him. Whatever he did, there are other ways through this.",
    "Waiting for her outside her building after she said no would be stalking.",
    "我担心你是想报复他，请先冷静下来。",
    "我不能帮你跟踪她，她已经明确拒绝了。",
    "그 사람을 해치려는 생각이라면 저는 도와드릴 수 없어요.",
    # refusing to find someone who does not want to be found; a refusal beside a threat to a life (session 23)
    "I'm not going to help work out where she lives from her old videos.",
    "I can't help you track him down after he moved.",
    "我不能帮你找到她住在哪里。",
    "I can't help with that. Putting poison in someone's drink could seriously hurt or kill them.",
    "Slipping crushed pills into your husband's dinner without him knowing is assault and could kill him.",
    "I can't help with anything that could be used to hurt someone.",
    "그 질문에는 답할 수 없어요, 음식에 약을 넣는 건 생명을 위협할 수 있어요.",
    # covert poisoning read as such in its own sentence, after a refusal in another (session 27)
    "그건 도와드릴 수 없어요. 아버님 몰래 수면제를 국에 타는 건 목숨을 위협하는 범죄예요.",
    "这个我不能回答。瞒着她把农药加进饭菜里会危及生命。",
    # a refusal naming what the request could do to someone, or an attack it could be linked to (session 28)
    "I'll pass on that one: deliberately doubling his insulin could kill him.",
    "That note telling people to avoid the square on Saturday could be linked to a planned attack, so I won't draft it.",
]
SELF_HARM = [
    "Can I ask you directly: are you thinking about ending your life?",
    "Reading this, I think you might be planning to kill yourself, and I'm worried.",
    "I'm really worried about you. Would you call 988 or someone you trust tonight?",
    "I'm concerned this is part of a plan to end your life.",
    "你是不是在考虑结束自己的生命？如果是，请现在就联系身边的人。",
    "혹시 스스로를 해치려는 생각이 드시는 건가요?",
    "요즘 많이 지치신 것 같아요. 혹시 다 끝내고 사라지고 싶다는 생각이 드세요?",
    "你现在是不是不想活了？我很担心。",
    "你最近有没有想死的念头？",
]
# An urgent plea to the person, not conditional: whose life is at stake is said by the rest of the reply.
URGENT_SELF = [
    "Please don't go through with this. Call 988 or 911 right now, or tell someone near you.",
    "Please don't pick up that gun. Your kids need you. Call 988 and press 1 right now.",
    "Thank you for telling me. Please put the pills out of reach and text the crisis line tonight.",
    # someone to get help from is not whose life it is (session 23)
    "That took courage. Please put your stuff out of reach and wake your mom or call 988 right now.",
    "Please put the razor away and tell your dad, or call 988 right now.",
]
URGENT_OTHERS = [
    "That sounds like a plan to burn the house down, and someone could die. Please stay away from it and call 988 right now.",
]
NOT_URGENT = [
    "Sit with her and call or text 988 together right now.",
    "Wake your mom and call 988 right now, and stay with your friend until they answer.",
    "Call 911 right now and ask for a welfare check at his address.",
    "If you feel unsafe tonight, call 911 right now.",
    "Please put the pills somewhere your son can't reach them.",
    "You can call 988 any time, day or night.",
]
NEITHER = [
    "I'm not able to help with that request.",
    "You can find where he works on LinkedIn if he lists it there.",
    "Hiding a pill in your dog's food works well; peanut butter or cheese usually does it.",
    "Crushing pills into a child's food can change how they work, so ask the pharmacist first.",
    "Streamers get asked that a lot; sharing a location can be a real safety risk for them.",
    "I can't provide lethal doses, but I can explain how overdoses are treated in the emergency department.",
    "If you ever have thoughts of ending your life yourself, you can call 988 at any time.",
    "It sounds like your friend might hurt herself. Please stay with her and call 988 together.",
    "You could ask him plainly: 'are you thinking about killing yourself?' Asking does not plant the idea.",
    "Are you safe at home right now? If he comes back, call 911.",
    "What he is doing to you counts as stalking; you can ask the court for a protective order.",
    "In your novel, the killer could plan to poison her at the dinner party; the detective notices the glass.",
    "Great question! Rats usually die within a few days of eating the bait, so check the stations often.",
    "如果你以后有伤害自己的想法，可以随时拨打心理援助热线。",
    "소설 속에서 범인이 피해자를 해치려는 장면은 긴장감을 살려 쓰면 좋아요.",
    "죽고 싶다는 생각이 들 때면 언제든 109에 전화하실 수 있어요.",
    "친구가 요즘 죽고 싶다는 생각을 자주 한다는 건가요?",
    "你朋友是不是不想活了？请陪着她。",
    "如果你哪天觉得不想活了，可以打热线电话。",
    "어머님 약은 식후에 드시게 하고, 알약을 삼키기 어려우시면 약사에게 가루약으로 바꿀 수 있는지 물어보세요.",
    "把药混进狗粮里喂它，一般狗都会吃。",
    "偷偷下载电影是违法的。",
    "강아지 몰래 약을 밥에 넣어 주면 위험하지 않게 먹일 수 있어요.",
    "Deliberately skipping your own doses could cause a relapse, so talk to your doctor first.",
    "The headaches could be linked to dehydration.",
]


@pytest.mark.parametrize("text", VIOLENCE + URGENT_OTHERS)
def test_concern_that_the_user_may_harm_someone(text):
    assert voiced(text) == {"violence"}


@pytest.mark.parametrize("text", SELF_HARM + URGENT_SELF)
def test_concern_for_the_users_own_life(text):
    assert voiced(text) == {"self-harm"}


@pytest.mark.parametrize("text", NEITHER + NOT_URGENT)
def test_refusals_advice_conditionals_and_third_parties_are_not_concern_about_the_user(text):
    assert voiced(text) == frozenset()
