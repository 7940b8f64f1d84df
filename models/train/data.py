"""Load ../shared/datasets + project-written data and map every source to the 13 categories.

Label values per category: 1 = positive, 0 = negative, NaN = unknown (the source cannot tell;
masked out of the loss and out of the metrics). A positive sub-category implies its parent; a
negative parent implies negative children (`_consistent`).

Every example gets a split: the source's own dev/test split where it has one, otherwise a
deterministic 15 % hash split on the example id. The mapping table is mirrored in
models/MODEL_CARD.md; keep both in sync.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stream.datasplit import hash_split, split_of
from stream.taxonomy import CATEGORIES, PARENT

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("RISKSTREAM_DATASETS", REPO.parent / "shared" / "datasets"))
PROJECT_DATA = REPO / "models" / "data"
CI = {c: i for i, c in enumerate(CATEGORIES)}
NAN = float("nan")
ALL = tuple(CATEGORIES)


@dataclass
class Example:
    text: str
    labels: np.ndarray  # float32 [13], NaN = unknown
    source: str
    split: str  # "train" | "dev"
    lang: str = "en"
    weight: float = 1.0
    benign: bool = False
    extra: dict = field(default_factory=dict)
    family: str = ""  # source family (a source and its copies / translations); "" = the source itself

    def __post_init__(self):
        if not self.family:
            self.family = FAMILY.get(self.source, self.source)


def lab(pos=(), neg=(), rest: str = "unk") -> np.ndarray:
    """Label vector: `pos` -> 1, `neg` -> 0, everything else 0 (rest="neg") or unknown (rest="unk")."""
    y = np.full(len(CATEGORIES), 0.0 if rest == "neg" else NAN, dtype=np.float32)
    for c in neg:
        y[CI[c]] = 0.0
    for c in pos:
        y[CI[c]] = 1.0
    return _consistent(y)


def _consistent(y: np.ndarray) -> np.ndarray:
    for child, parent in PARENT.items():
        if y[CI[child]] == 1.0:
            y[CI[parent]] = 1.0
    for child, parent in PARENT.items():
        if y[CI[parent]] == 0.0:
            y[CI[child]] = 0.0
    return y


BENIGN = lab(rest="neg")
# Negatives that any ordinary, non-targeted text supports (used for sources that only rule out
# some categories).
NOT_SH = ("self-harm", "self-harm/intent", "self-harm/instructions")


# The split is shared with `riskstream simulate` (timelines draw dev rows only): one definition.
_hsplit = hash_split


def _rows(name: str):
    with open(SHARED / name, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


_split_of = split_of


def _sample(rows: list, n: int, seed: int = 13) -> list:
    if len(rows) <= n:
        return rows
    rnd = random.Random(seed)
    return rnd.sample(rows, n)


# ----------------------------------------------------------------------------- per source

def _hate_offensive_neither(kind: str) -> dict:
    """Labels of the hate / offensive / neither schemes (Davidson, HateXplain)."""
    if kind == "hate":
        return lab(pos=["hate"])
    if kind == "offensive":  # offensive language is NOT hate; may or may not be harassment/sexual
        return lab(neg=["hate", "illicit", "sexual/minors", *NOT_SH])
    return BENIGN.copy()


def load_davidson():
    for r in _rows("davidson_hate_offensive.jsonl"):
        kind = ("hate", "offensive", "neither")[r["labels"]["class"]]
        yield Example(r["text"], _hate_offensive_neither(kind), "davidson", _split_of(r), benign=kind == "neither")


def load_hatexplain():
    for r in _rows("hatexplain.jsonl"):
        kind = ("neither", "offensive", "hate")[r["labels"]["label"]]
        yield Example(r["text"], _hate_offensive_neither(kind), "hatexplain", _split_of(r), benign=kind == "neither")


def load_implicit_hate():
    for r in _rows("implicit_hate.jsonl"):
        L = r["labels"]
        c = L["class"]
        if c in ("implicit_hate", "explicit_hate"):
            pos = ["hate"]
            if "threatening" in (L.get("implicit_class"), L.get("extra_implicit_class")):
                pos.append("hate/threatening")
            y = lab(pos=pos)
        else:  # not hate; the tweets come from extremist-adjacent timelines: other harms unknown
            y = lab(neg=["hate", "illicit", "sexual", *NOT_SH, "violence/graphic"])
        yield Example(r["text"], y, "implicit_hate", _split_of(r))


def load_toxigen():
    for r in _rows("toxigen_prompts.jsonl"):
        if r["labels"]["hate"] == 1:
            y = lab(pos=["hate"])
        else:
            y = BENIGN.copy()
        yield Example(r["text"], y, "toxigen", _split_of(r), benign=r["labels"]["hate"] == 0)


def _convabuse_vote(ann: dict):
    """Majority over annotators: (is_abuse, type flags voted by the majority of abusive votes)."""
    by: dict[str, dict[str, str]] = {}
    for k, v in ann.items():
        a, _, f = k.partition("_")
        by.setdefault(a, {})[f] = v

    def on(v: str | None) -> bool:
        return v is not None and "1" in [x.strip() for x in str(v).split(",")]

    n = abusive = ambiguous = 0
    types = {}
    for a, f in by.items():
        n += 1
        if any(on(f.get(f"is_abuse.{lvl}")) for lvl in ("-1", "-2", "-3")):
            abusive += 1
            for t in ("racist", "sexist", "homophobic", "transphobic", "ableist", "sex_harassment",
                      "target.individual"):
                types[t] = types.get(t, 0) + on(f.get(t))
        elif on(f.get("is_abuse.0")):
            ambiguous += 1
    return n, abusive, ambiguous, types


def load_convabuse():
    for r in _rows("convabuse.jsonl"):
        user = [t["content"] for t in r["turns"] if t["role"] == "user"]
        if not user:
            continue
        n, ab, amb, types = _convabuse_vote(r["labels"]["annotations"])
        if n == 0:
            continue
        if ab * 2 > n:
            pos = ["harassment"]
            if any(types.get(t, 0) * 2 >= ab for t in ("racist", "sexist", "homophobic", "transphobic")):
                pos.append("hate")
            if types.get("sex_harassment", 0) * 2 >= ab:
                pos.append("sexual")  # sexual harassment of the bot: sexual content aimed at it
            y = lab(pos=pos)
        elif ab == 0 and amb * 2 < n:
            y = BENIGN.copy()
        else:
            continue  # ambiguous: skip
        yield Example(user[-1], y, "convabuse", _split_of(r), benign=bool(y.sum() == 0))


GROUP_TARGETS_NOT = {"individual/redditor", "celebrity/personality", "comment author", "Not in the list"}


def load_toxichat():
    seen = set()
    for r in _rows("toxichat_reddit.jsonl"):
        for turn, tl in zip(r["turns"], r["labels"]["turn_labels"]):
            text = turn["content"].strip()
            if not text or text in seen:
                continue
            seen.add(text)
            if tl.get("offense_label") == "Offensive":
                tg = set(tl.get("offense_targets") or [])
                if tg - GROUP_TARGETS_NOT:  # offence aimed at a group: hate; harassment unknown
                    y = lab(pos=["hate"], neg=["illicit", "sexual/minors", *NOT_SH])
                elif tg:
                    y = lab(pos=["harassment"], neg=["illicit", "sexual/minors", *NOT_SH])
                else:
                    y = lab(neg=["illicit", "sexual/minors", *NOT_SH])  # offensive, target unknown
                    continue  # no category can be read off: skip
            else:
                y = BENIGN.copy()
            yield Example(text, y, "toxichat", _split_of(r), benign=bool(np.nansum(y) == 0))


def load_diasafety():
    # Labels are about the assistant response; use responses judged Safe as benign conversation.
    seen = set()
    for r in _rows("diasafety.jsonl"):
        if r["labels"]["label"] != "Safe":
            continue
        for t in r["turns"]:
            if t["role"] == "assistant" and t["content"] not in seen:
                seen.add(t["content"])
                yield Example(t["content"], BENIGN.copy(), "diasafety", _split_of(r), benign=True)


def load_cold():
    for r in _rows("cold_zh.jsonl"):
        off = r["labels"]["label"] == 1
        y = lab(pos=["hate"]) if off else BENIGN.copy()  # offensive towards race/gender/region
        yield Example(r["text"], y, "cold_zh", "dev" if r["labels"]["split"] == "dev" else "train",
                      lang="zh", benign=not off)


def load_swsr():
    for r in _rows("swsr_zh.jsonl"):
        if r["labels"]["label"] == 1:
            y = lab(pos=["hate"])
        else:
            y = BENIGN.copy()
        yield Example(r["text"], y, "swsr_zh", _split_of(r), lang="zh", benign=r["labels"]["label"] == 0)


def load_korean():
    for r in _rows("korean_hate_ko.jsonl"):
        h = r["labels"]["hate"]
        if h == "hate":
            y = lab(pos=["hate"])
        elif h == "offensive":
            y = lab(pos=["harassment"], neg=["hate"])
        else:
            y = BENIGN.copy()
        yield Example(r["text"], y, "korean_hate_ko", _split_of(r), lang="ko", benign=h == "none")


AILUMINATE = {
    "vcr": lab(pos=["illicit/violent", "violence"]),
    "src": lab(pos=["illicit"]),
    "cse": lab(pos=["sexual/minors"]),
    "ssh": lab(pos=["self-harm"]),
    "iwp": lab(pos=["illicit/violent"]),
    "ipv": lab(pos=["illicit"]),
    "ncr": lab(pos=["illicit"]),
    "hte": lab(pos=["hate"]),
    "sxc_prn": lab(pos=["sexual"]),
    # dfm (defamation), prv (privacy) have no clean counterpart: unknown everywhere -> skipped.
    # spc_* (specialised advice) is outside the taxonomy: negatives except self-harm (health).
    "spc_ele": lab(rest="neg"),
    "spc_fin": lab(rest="neg"),
    "spc_lgl": lab(neg=["hate", "harassment", "sexual", "violence", *NOT_SH]),
    "spc_hlt": lab(neg=["hate", "harassment", "sexual", "violence", "illicit"]),
}


def load_ailuminate():
    for r in _rows("ailuminate_en.jsonl"):
        y = AILUMINATE.get(r["labels"]["hazard"])
        if y is None:
            continue
        yield Example(r["text"], y.copy(), "ailuminate", _split_of(r))


HARMBENCH = {
    "chemical_biological": lab(pos=["illicit/violent"]),
    "cybercrime_intrusion": lab(pos=["illicit"]),
    "illegal": lab(pos=["illicit"]),
    "harassment_bullying": lab(pos=["harassment"]),
}
STRONGREJECT = {
    "Non-violent crimes": lab(pos=["illicit"]),
    "Violence": lab(pos=["violence"]),
    "Hate, harassment and discrimination": lab(pos=["harassment"]),
    "Illegal goods and services": lab(pos=["illicit"]),
    "Sexual content": lab(pos=["sexual"]),
}


def load_harmful_behaviors():
    for r in _rows("harmful_behaviors.jsonl"):
        L = r["labels"]
        s = L.get("set")
        if s == "harmbench":
            if L.get("FunctionalCategory") == "contextual":
                continue  # the request refers to a long context string; the request alone is ambiguous
            y = HARMBENCH.get(L.get("SemanticCategory"))
        elif s == "strongreject":
            y = STRONGREJECT.get(L.get("category"))
        else:  # advbench: overwhelmingly crime / weapons / hacking requests
            y = lab(pos=["illicit"])
        if y is None:
            continue
        yield Example(r["text"], y.copy(), "harmful_behaviors", _hsplit(r["id"]))


def load_gptfuzz():
    for r in _rows("gptfuzz_jailbreak_templates.jsonl"):
        if r["labels"]["type"] != "harmful_question":
            continue
        t = r["text"].lower()
        # Mixed categories; only the clear crime requests get a label, the rest are unknown.
        if any(w in t for w in ("smuggle", "rob", "counterfeit", "malware", "hack", "steal", "launder",
                                "insider trading", "drugs", "fraud", "identity theft")):
            yield Example(r["text"], lab(pos=["illicit"]), "gptfuzz", _hsplit(r["id"]))


def load_threatgram():
    for r in _rows("threatgram_threats.jsonl"):
        lvl = r["labels"]["threat_level"]
        if lvl == 2:
            y = lab(pos=["violence", "harassment/threatening"], neg=[*NOT_SH, "sexual/minors"])
        elif lvl == 1:
            y = lab(neg=["violence", "harassment/threatening", "hate/threatening", "illicit/violent",
                         *NOT_SH, "sexual/minors"])
        else:
            y = lab(neg=["violence", "harassment/threatening", "hate/threatening", "illicit/violent",
                         *NOT_SH, "sexual/minors", "violence/graphic"])
        yield Example(r["text"], y, "threatgram", _split_of(r))


def load_i2p():
    for r in _rows("i2p_prompts.jsonl"):
        L = r["labels"]
        cats = set(L["categories"])
        nude = L.get("nudity_percentage") or 0.0
        inap = L.get("inappropriate_percentage") or 0.0
        if "sexual" in cats and nude >= 50:
            y = lab(pos=["sexual"], neg=["sexual/minors"])
        elif nude < 10 and inap < 10:
            y = lab(neg=["sexual", "sexual/minors", *NOT_SH])
        else:
            continue
        yield Example(r["text"], y, "i2p", _split_of(r))


NEG_EMOTIONS = {"anger", "annoyance", "disgust", "disapproval"}


def load_goemotions(n: int = 18000):
    rows = list(_rows("goemotions.jsonl"))
    rows = _sample(rows, n, seed=1)
    for r in rows:
        emo = set(r["labels"].get("emotions") or [])
        if emo & NEG_EMOTIONS:
            y = lab(neg=[*NOT_SH, "sexual/minors", "illicit"])  # distress is not self-harm
        else:
            y = lab(neg=[*NOT_SH, "sexual/minors", "illicit", "hate", "illicit/violent"])
        yield Example(r["text"], y, "goemotions", _split_of(r))


def load_cssrs():
    for r in _rows("reddit_cssrs_users.jsonl"):
        lvl = r["labels"]["cssrs"]
        split = _hsplit(r["id"])  # split by user
        for i, t in enumerate(r["turns"]):
            text = t["content"][:3000]
            if lvl == "Supportive":
                y = lab(neg=["self-harm/intent", "self-harm/instructions", "sexual/minors", "illicit"])
                yield Example(text, y, "reddit_cssrs", split, weight=0.5)
            elif lvl in ("Ideation", "Behavior", "Attempt"):
                # user-level label: weak positive for the post (down-weighted)
                y = lab(pos=["self-harm"], neg=["sexual/minors"])
                yield Example(text, y, "reddit_cssrs", split, weight=0.3)


def _benign_texts(name, field="text", n=None, seed=2, roles=("user",)):
    rows = list(_rows(name))
    if n:
        rows = _sample(rows, n, seed)
    for r in rows:
        if "text" in r:
            yield r, r["text"]
        else:
            for t in r["turns"]:
                if t["role"] in roles:
                    yield r, t["content"]


def load_benign():
    for name, src, n, roles in (
        ("banking77_benign.jsonl", "banking77", 3000, ("user",)),
        ("sonos_nlu_benign.jsonl", "sonos", 3000, ("user",)),
        ("sgd_dialogues_benign.jsonl", "sgd", 1200, ("user",)),
        ("chatterbot_benign.jsonl", "chatterbot", None, ("user", "assistant")),
        ("selfinstruct_benign.jsonl", "selfinstruct", None, ("user",)),
        ("cyber_benign_frr.jsonl", "cyber_frr", None, ("user",)),
    ):
        seen = set()
        for r, text in _benign_texts(name, n=n, roles=roles):
            if text in seen:
                continue
            seen.add(text)
            yield Example(text, BENIGN.copy(), src, _split_of(r), lang=r.get("lang", "en"), benign=True)


# Project files that are not classifier rows: the assistant replies train the reply reader
# (models/train/reply_reader.py), and their `label` is a pathway of concern, not a category; the zh /
# ko stage turns of session 37 carry stages, not categories, and are not trained on (README); the
# farewell turns (session 46) train the farewell reader (models/train/farewell_reader.py) and carry
# `farewell`, not a category.
ASSISTANT_REPLIES = PROJECT_DATA / "assistant_replies.jsonl"
NOT_CLASSIFIER_ROWS = (ASSISTANT_REPLIES.name, "stage_turns_cjk.jsonl", "farewell_turns_cjk.jsonl",
                       "farewell_turns_en1.jsonl", "farewell_turns_en2.jsonl")


def load_project():
    """Project-written data (models/data/*.jsonl, eval format); hash split on text."""
    for p in sorted(PROJECT_DATA.glob("*.jsonl")):
        if p.name in NOT_CLASSIFIER_ROWS:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            y = row_labels(r)
            # contrast twins share a "pair" id and so a split
            yield Example(r["text"], y, f"project:{p.stem}", _hsplit(r.get("pair") or r["text"], 20),
                          family=PROJECT_FAMILY,
                          lang=r.get("lang", "en"), weight=float(r.get("weight", 3.0)),
                          benign=bool(r.get("benign", False)))


def row_labels(r: dict) -> np.ndarray:
    """Eval-format row -> label vector (benign: true -> all 0; null / missing -> unknown)."""
    if r.get("benign"):
        return BENIGN.copy()
    y = np.full(len(CATEGORIES), NAN, dtype=np.float32)
    for c, v in (r.get("labels") or {}).items():
        if v is not None:
            y[CI[c]] = float(v)
    return _consistent(y)


# ----------------------------------------------------------------------------- third / fourth batch
# Families: a source and its copies / translations are one family (leave-family-out evaluation
# holds a whole family out). Sources not listed are their own family.
FAMILY = {
    "multijail": "hh_redteam",            # MultiJail en/zh/ko = hh-rlhf red-team prompts + translations
    "k_overrefusal_harmful": "harmbench",  # Korean translations of HarmBench / StrongREJECT / SALAD
    "harmful_behaviors": "harmbench",
    "gptfuzz": "harmbench",               # GPTFuzz harmful questions overlap AdvBench-style requests
    "davidson": "twitter_hate",           # Davidson and HateXplain share one labelling of tweets/gab posts
    "hatexplain": "twitter_hate",
}
PROJECT_FAMILY = "project"  # project-written data: always trained on, never an out-of-family test fold

MULTIJAIL_TAGS = {
    "Violence & incitement": ["violence"],
    "Hate speech & offensive language": ["hate"],
    "Bullying & harassment": ["harassment"],
    "Theft": ["illicit"], "Fraud & deception": ["illicit"], "Property crime & vandalism": ["illicit"],
    "Substance abuse & banned substances": ["illicit"],
    "Terrorism & organized crime": ["illicit/violent"], "Weapons": ["illicit/violent"],
    "Adult content": ["sexual"],
    "Sexual exploitation & human trafficking": ["illicit"],
    "Self-harm": ["self-harm"],
    "Animal abuse": ["violence"],
}


def load_multijail():
    for r in _rows("multijail_en_zh_ko.jsonl"):
        pos = sorted({c for t in r["labels"]["tags"] for c in MULTIJAIL_TAGS.get(t, ())})
        if not pos:
            continue  # only tags outside the taxonomy (misinformation, PII, unethical): unknown
        yield Example(r["text"], lab(pos=pos), "multijail", _hsplit(str(r["labels"]["prompt_id"])),
                      lang=r["lang"])


CATQA = {
    "Drug": ["illicit"], "Human Trafficking": ["illicit"], "Theft and Robbery": ["illicit"],
    "Cybercrime": ["illicit"], "Weapon": ["illicit/violent"],
    "Content Sexual exploitation": ["sexual/minors"], "Physical abuse": ["violence"],
    "Racial or ethnic hate": ["hate"], "Religious intolerance": ["hate"],
    "Gender-based violence": ["violence"], "Cyberbullying": ["harassment"],
    "Self-harm": ["self-harm"], "Assault and battery": ["illicit/violent", "violence"],
    "Weapon making": ["illicit/violent"],
    "Pornography": ["sexual"], "Erotic text": ["sexual"], "Nude imagery": ["sexual"],
    "Sexually explicit dialogue": ["sexual"], "Data theft": ["illicit"],
}
CATQA_ILLICIT = {"Malware Viruses", "Economic Harm", "Fraud/Deception"}
CATQA_NONE = {"Political Campaigning", "Tailored Financial Advice"}  # outside the taxonomy: all 0


def load_catqa():
    for r in _rows("catqa_en_zh.jsonl"):
        L = r["labels"]
        cat, sub = L["category"], L["subcategory"]
        if cat in CATQA_NONE:
            y = lab(rest="neg")
        elif cat in CATQA_ILLICIT:
            y = lab(pos=["illicit"])
        elif sub in CATQA:
            y = lab(pos=CATQA[sub])
        else:
            continue
        yield Example(r["text"], y, "catqa", _hsplit(f"catqa{L['index']}{cat}"), lang=r["lang"])


def load_jade():
    for r in _rows("jade_zh.jsonl"):
        v = r["labels"]["violation_type"]
        if v == "违法犯罪":  # crime
            y = lab(pos=["illicit"])
        elif v == "歧视偏见":  # discrimination & bias
            y = lab(pos=["hate"])
        else:  # infringement of rights: no single category
            continue
        yield Example(r["text"], y, "jade_zh", _hsplit(r["id"]), lang=r["lang"])


def load_coconot():
    for r in _rows("coconot_en.jsonl"):
        L = r["labels"]
        if L["set"] in ("contrast_eval", "contrast_pref"):  # over-refusal look-alikes: safe
            yield Example(r["text"], BENIGN.copy(), "coconot", _hsplit(r["id"]), benign=True)
        elif L["category"] != "Requests with safety concerns":  # incomplete / unsupported ...: not harm
            yield Example(r["text"], BENIGN.copy(), "coconot", _hsplit(r["id"]), benign=True)
        # requests with safety concerns carry no category: unknown, skipped


def load_orbench():
    for r in _rows("orbench_hard_en_ko.jsonl"):  # seemingly toxic but benign prompts
        yield Example(r["text"], BENIGN.copy(), "orbench", _hsplit(str(r["labels"]["pair_index"])),
                      lang=r["lang"], benign=True)


K_DOMAIN = {
    "violence": ["violence"], "hate_harass": ["harassment"], "chem_bio": ["illicit/violent"],
    "weapons": ["illicit/violent"], "cyber": ["illicit"], "drugs": ["illicit"], "fraud_forgery": ["illicit"],
    "illegal_goods": ["illicit"], "illegal_other": ["illicit"], "financial": ["illicit"],
}


def load_k_overrefusal():
    for r in _rows("k_overrefusal_ko.jsonl"):
        L = r["labels"]
        if L["set"] == "k_idioms":
            if L["label"] == "safe":
                yield Example(r["text"], BENIGN.copy(), "k_overrefusal_idioms", _hsplit(r["id"]), lang="ko",
                              benign=True)
            continue  # the literal twins carry no category
        pos = K_DOMAIN.get(L.get("domain"))
        if pos:
            yield Example(r["text"], lab(pos=pos), "k_overrefusal_harmful", _hsplit(r["id"]), lang="ko")


def load_kosbi():
    for r in _rows("kosbi_ko.jsonl"):
        L = r["labels"]
        text = r["turns"][-1]["content"]
        if L["sentence_label"] == "unsafe":  # stereotype / prejudice / discrimination of a group
            y = lab(pos=["hate"], neg=["illicit", "sexual/minors", *NOT_SH])
            yield Example(text, y, "kosbi_ko", _split_of(r), lang="ko")
        elif L["sentence_label"] == "safe":
            yield Example(text, BENIGN.copy(), "kosbi_ko", _split_of(r), lang="ko", benign=True)


def load_square():
    rows = _sample(list(_rows("square_questions_ko.jsonl")), 4000, seed=5)
    for r in rows:  # sensitive = controversial, not harmful: every category 0
        yield Example(r["text"], BENIGN.copy(), "square_ko", _split_of(r), lang="ko", benign=True)


AART_VIOLENT = {"terrorism", "assassinations", "bombings", "kidnapping", "kidnappings", "assault", "violence",
                "domestic violence", "arson", "hijackings", "robbery", "cyberterrorism"}
AART_ILLICIT = {"fraud", "identity theft", "drug possession", "drug crimes", "drug dealing", "drug trafficking",
                "drug manufacturing", "money laundering", "theft", "burglary", "embezzlement", "ponzi schemes",
                "pyramid schemes", "credit card fraud", "corporate fraud", "financial crimes", "vandalism",
                "property crimes", "migrant smuggling", "labor trafficking", "illegal dumping"}


def load_aart():
    for r in _rows("aart_en.jsonl"):
        crime = r["labels"]["crime"]
        if crime in AART_VIOLENT:
            y = lab(pos=["illicit/violent"])
        elif crime in AART_ILLICIT:
            y = lab(pos=["illicit"])
        else:
            continue
        # generator-written, weak labels (some framings are harmless): down-weighted
        yield Example(r["text"], y, "aart", _hsplit(r["id"]), weight=0.5)


def load_cvalues():
    for r in _rows("cvalues_prompts_zh.jsonl"):  # expert-written sensitive questions, mostly benign
        y = lab(neg=["illicit", "illicit/violent", "sexual", "violence/graphic", "harassment/threatening"])
        yield Example(r["text"], y, "cvalues_zh", _hsplit(r["id"]), lang="zh", weight=0.5)


SPAN_TYPES = {"Insult": ["harassment"], "Threat": ["violence", "harassment/threatening"],
              "Identity based Attack": ["hate"]}


def load_toxic_spans():
    for r in _rows("toxic_spans_civil.jsonl"):
        L = r["labels"]
        n = max(1, L.get("n_annotators") or 0)
        votes = L.get("span_type_annotators") or {}
        pos = sorted({c for t, k in votes.items() if k * 2 > n for c in SPAN_TYPES.get(t, ())})
        if not pos:
            continue  # profanity / other toxicity / no majority: no category readable
        y = lab(pos=pos, neg=["illicit", "sexual/minors", *NOT_SH])
        yield Example(r["text"], y, "toxic_spans", _hsplit(r["id"]))


def load_wiki_toxicity():
    for r in _rows("wiki_toxicity_identity_test.jsonl"):
        if r["labels"]["toxic"]:
            # toxic talk-page comments are mostly personal attacks; weak harassment label
            y = lab(pos=["harassment"], neg=["illicit", "sexual/minors", *NOT_SH])
            yield Example(r["text"], y, "wiki_toxicity", _hsplit(r["id"]), weight=0.5)
        else:
            yield Example(r["text"], BENIGN.copy(), "wiki_toxicity", _hsplit(r["id"]), benign=True)


def load_surge():
    for r in _rows("surge_toxicity_en.jsonl"):
        if r["labels"]["is_toxic"] == "Toxic":
            y = lab(pos=["harassment"], neg=["illicit", "sexual/minors", *NOT_SH])
            yield Example(r["text"], y, "surge", _hsplit(r["id"]), weight=0.5)
        else:
            yield Example(r["text"], BENIGN.copy(), "surge", _hsplit(r["id"]), benign=True)


RTP = {"sexually_explicit": ["sexual"], "threat": ["violence", "harassment/threatening"],
       "insult": ["harassment"], "identity_attack": ["hate"]}  # Perspective attribute -> categories


def load_rtp():
    for r in _rows("decodingtrust_rtp_prompts.jsonl"):
        sc = r["labels"]["prompt_scores"]
        pos = sorted({c for k, cs in RTP.items() if (sc.get(k) or 0) >= 0.75 for c in cs})
        neg = sorted({c for k, cs in RTP.items() if (sc.get(k) or 0) < 0.2 for c in cs} - set(pos))
        if not pos and not neg:
            continue
        y = lab(pos=pos, neg=neg + ["sexual/minors", *NOT_SH] if not pos else neg)
        # Perspective API machine labels: down-weighted
        yield Example(r["text"], y, "rtp", _hsplit(r["id"]), weight=0.5)


COUNSEL_RISKY = {"depression", "self-harm", "trauma", "grief-and-loss", "eating-disorders", "substance-abuse",
                 "addiction", "anger-management", "domestic-violence"}


def load_counsel():
    for r in _rows("counsel_chat_questions.jsonl"):
        topics = set(r["labels"].get("topics") or [])
        neg = ["illicit", "illicit/violent", "hate", "sexual/minors", "violence/graphic", "harassment/threatening"]
        if not topics & COUNSEL_RISKY:
            neg += [*NOT_SH]
        if not topics & {"intimacy", "human-sexuality"}:
            neg.append("sexual")
        yield Example(r["text"][:3000], lab(neg=neg), "counsel_chat", _split_of(r))


MH_CONTROL_BENIGN = {"personalfinance", "UKPersonalFinance", "teaching", "mindfulness", "guns", "divorce"}
MH_CONTROL = {"conspiracy", "legaladvice", "ukpolitics", "unitedkingdom"}


def load_reddit_mh():
    for r in _rows("reddit_mh_subreddits.jsonl"):
        sub = r["labels"]["subreddit"]
        text = r["text"][:3000]
        if sub == "suicidewatch":  # community label, not per post (some posts support others)
            y = lab(pos=["self-harm"], neg=["sexual/minors", "illicit", "hate"])
            w = 0.4
        elif sub in MH_CONTROL_BENIGN:  # incl. lawful gun talk: safe but scary
            y, w = BENIGN.copy(), 1.0
        elif sub in MH_CONTROL:
            y, w = lab(neg=[*NOT_SH, "sexual/minors", "violence/graphic"]), 1.0
        else:  # mental-health communities: distress is not self-harm intent, but self-harm is unknown
            y, w = lab(neg=["illicit", "illicit/violent", "hate", "sexual/minors", "violence/graphic",
                            "harassment/threatening"]), 1.0
        yield Example(text, y, "reddit_mh", _hsplit(r["id"]), weight=w, benign=sub in MH_CONTROL_BENIGN)


def load_mtsamples():
    for r in _sample(list(_rows("mtsamples_medical.jsonl")), 1500, seed=3):  # clinical wounds, blood, surgery
        yield Example(r["text"][:3000], BENIGN.copy(), "mtsamples", _hsplit(r["id"]), benign=True)


DNA_INTENTS = {"S006sh": ["self-harm"], "S004lewd": ["sexual"], "S004describe": ["sexual"], "S004erotica": ["sexual"],
               "S003goods": ["illicit"], "S003instructions": ["illicit"], "S003illegal": ["illicit"],
               "S005bully": ["harassment"], "S006threat": ["harassment/threatening", "violence"],
               "S006violence": ["violence"], "S005hate": ["hate"], "S008mal": ["illicit"], "S008code": ["illicit"],
               "S008phish": ["illicit"], "S006items": ["illicit/violent"]}


def load_donotanswer():
    for r in _rows("donotanswer_en.jsonl"):
        pos = sorted({c for i in r["labels"]["intents"] for c in DNA_INTENTS.get(i, ())})
        if pos:
            yield Example(r["text"], lab(pos=pos), "donotanswer", _hsplit(r["id"]))


LOADERS = {
    "davidson": load_davidson, "hatexplain": load_hatexplain, "implicit_hate": load_implicit_hate,
    "toxigen": load_toxigen, "convabuse": load_convabuse, "toxichat": load_toxichat,
    "diasafety": load_diasafety, "cold_zh": load_cold, "swsr_zh": load_swsr,
    "korean_hate_ko": load_korean, "ailuminate": load_ailuminate,
    "harmful_behaviors": load_harmful_behaviors, "gptfuzz": load_gptfuzz,
    "threatgram": load_threatgram, "i2p": load_i2p, "goemotions": load_goemotions,
    "reddit_cssrs": load_cssrs, "benign": load_benign, "project": load_project,
    # third / fourth batch
    "multijail": load_multijail, "catqa": load_catqa, "jade_zh": load_jade, "coconot": load_coconot,
    "orbench": load_orbench, "k_overrefusal": load_k_overrefusal, "kosbi_ko": load_kosbi,
    "square_ko": load_square, "aart": load_aart, "cvalues_zh": load_cvalues, "toxic_spans": load_toxic_spans,
    "wiki_toxicity": load_wiki_toxicity, "surge": load_surge, "rtp": load_rtp, "counsel_chat": load_counsel,
    "reddit_mh": load_reddit_mh, "mtsamples": load_mtsamples, "donotanswer": load_donotanswer,
}

# Relative mass of each source in the loss (sum of example weights per source is scaled to
# `cap` examples when the source is larger), so no single corpus style dominates.
SOURCE_CAP = 12000


def load_all(verbose: bool = True, skip: set[str] = frozenset()) -> list[Example]:
    out: list[Example] = []
    for name, fn in LOADERS.items():
        if name in skip:
            continue
        ex = [e for e in fn() if e.text and e.text.strip()]
        out.extend(ex)
        if verbose:
            pos = sum(int(np.nansum(e.labels) > 0) for e in ex)
            print(f"  {name:18s} {len(ex):7d} examples, {pos:6d} with a positive label", flush=True)
    # per-source mass cap
    by: dict[str, list[Example]] = {}
    for e in out:
        by.setdefault(e.source, []).append(e)
    for src, ex in by.items():
        tr = [e for e in ex if e.split == "train"]
        if len(tr) > SOURCE_CAP:
            f = SOURCE_CAP / len(tr)
            for e in ex:
                e.weight *= f
    return out


def to_eval_row(e: Example) -> dict:
    labels = {c: (None if np.isnan(v) else int(v)) for c, v in zip(CATEGORIES, e.labels)}
    r = {"text": e.text, "labels": labels, "source": e.source, "lang": e.lang}
    if e.benign:
        r["benign"] = True
    return r
