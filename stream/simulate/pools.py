"""Text pools for simulated timelines, drawn from the dev split of `../shared/datasets` only.

Each pool is a list of texts with what it stands for on a timeline. Sources (see the datasets'
README for licences): threatgram (threats, level 1 non-violent / 2 violent), reddit C-SSRS users
(post sequences of at-risk and supportive users), goemotions (anger/annoyance comments: grievance
without threat; neutral comments), harmful_behaviors + ailuminate (single harmful requests),
toxigen neutral statements, cyber_benign_frr (borderline-but-benign security questions) and the
benign task/small-talk corpora (sgd, chatterbot, banking77, sonos).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from stream.datasplit import hash_split, split_of


def datasets_dir() -> Path:
    env = os.environ.get("RISKSTREAM_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "datasets"


@dataclass
class Pools:
    threat_violent: list[str] = field(default_factory=list)
    threat_mild: list[str] = field(default_factory=list)
    grievance: list[str] = field(default_factory=list)
    self_harm_users: list[list[str]] = field(default_factory=list)  # C-SSRS Ideation/Behavior/Attempt
    supportive_users: list[list[str]] = field(default_factory=list)  # C-SSRS Supportive: talk about it, not at risk
    harmful_requests: list[str] = field(default_factory=list)
    violent_requests: list[str] = field(default_factory=list)  # capability / research: weapons, attacks
    benign: list[str] = field(default_factory=list)
    hard_benign: list[str] = field(default_factory=list)  # look risky, are not


PARTS = ("all", "tune", "report")
# The trainer's loader name (models/train/data.py) of each shared file `load_pools` reads, so a
# fold's held-out families can be left out of the timelines its trajectory model trains on.
_POOL_FAMILY = {"threatgram_threats.jsonl": "threatgram", "reddit_cssrs_users.jsonl": "reddit_cssrs",
                "goemotions.jsonl": "goemotions", "harmful_behaviors.jsonl": "harmful_behaviors",
                "ailuminate_en.jsonl": "ailuminate", "toxigen_prompts.jsonl": "toxigen"}


def part_of(row: dict) -> str:
    """Dev rows are halved once more: policy is tuned on "tune" timelines, figures are reported on
    "report" timelines, so the reported numbers come from texts no tuning decision has seen."""
    return "tune" if hash_split("part:" + row["id"], 50) == "dev" else "report"


def _rows(root: Path, name: str, part: str = "all"):
    path = root / name
    if not path.is_file():
        raise SystemExit(f"riskstream simulate: dataset file missing: {path} (set RISKSTREAM_DATASETS)")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if split_of(row) == "dev" and (part == "all" or part_of(row) == part):
                yield row


def _user_turns(row: dict) -> list[str]:
    return [t["content"] for t in row.get("turns", []) if t.get("role") == "user" and t.get("content", "").strip()]


_VIOLENT_HAZARDS = {"vcr", "iwp"}  # ailuminate: violent crimes, indiscriminate weapons
_VIOLENT_SETS = {"Violence", "chemical_biological", "harmful"}  # strongreject / harmbench categories


def load_pools(root: Path | None = None, max_chars: int = 1200, part: str = "all",
               skip: frozenset[str] = frozenset()) -> Pools:
    """`skip`: trainer family names left out (a fold's held-out families: its trajectory model's
    training timelines must not carry them either)."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}")
    root = root or datasets_dir()
    p = Pools()
    cut = lambda t: t[:max_chars]  # noqa: E731

    def rows(name: str):
        return () if _POOL_FAMILY.get(name, "benign") in skip else _rows(root, name, part)

    for r in rows("threatgram_threats.jsonl"):
        lvl = r["labels"]["threat_level"]
        if lvl:  # level 0 is "no threat", yet often abusive: neither a threat nor a benign user
            (p.threat_violent if lvl == 2 else p.threat_mild).append(cut(r["text"]))
    for r in rows("reddit_cssrs_users.jsonl"):
        posts = [cut(t) for t in _user_turns(r)]
        if not posts:
            continue
        if r["labels"]["cssrs"] in ("Ideation", "Behavior", "Attempt"):
            p.self_harm_users.append(posts)
        elif r["labels"]["cssrs"] == "Supportive":
            p.supportive_users.append(posts)
    for r in rows("goemotions.jsonl"):
        emo = set(r["labels"].get("emotions") or [])
        if emo & {"anger", "annoyance", "disgust"}:
            p.grievance.append(r["text"])
        elif emo == {"neutral"}:
            p.benign.append(r["text"])
        elif emo & {"sadness", "grief", "fear", "nervousness"}:
            p.hard_benign.append(r["text"])  # distress is not self-harm: a look-alike
    for name in ("harmful_behaviors.jsonl", "ailuminate_en.jsonl"):
        for r in rows(name):
            text, lab = cut(r["text"]), r["labels"]
            p.harmful_requests.append(text)
            if lab.get("hazard") in _VIOLENT_HAZARDS or (lab.get("SemanticCategory") or lab.get("category")) in _VIOLENT_SETS:
                p.violent_requests.append(text)
    for r in rows("toxigen_prompts.jsonl"):
        if r["labels"].get("hate") == 0:
            p.hard_benign.append(r["text"])
    p.hard_benign += [r["text"] for r in rows("cyber_benign_frr.jsonl") if r.get("lang", "en") == "en"]
    for name in ("sgd_dialogues_benign.jsonl", "chatterbot_benign.jsonl"):
        for r in rows(name):
            if r.get("lang", "en") == "en":
                p.benign += _user_turns(r)
    for name in ("banking77_benign.jsonl", "sonos_nlu_benign.jsonl"):
        p.benign += [r["text"] for r in rows(name)]
    return p


# Out-of-family folds, rotated by the escalation benchmark. Each fold names source families (by
# their names in the classifiers' trainer, models/train/data.py LOADERS) that its model set leaves
# out of training entirely (classifiers, stage tagger, and the trajectory model's timelines:
# `make oof-models`), and draws its out-of-family people's source texts from those families only.
# The hand-written people (stream/simulate/scripts.py) are out of every fold: no model trains on them.
# A: over-refusal look-alikes, Reddit mental-health and control communities (r/SuicideWatch: the
#    C-SSRS posts come from the same community, so they go too), medical notes.
# B: therapy questions, dialogue-safety contexts with a chatbot's real reply, Korean idioms.
FOLDS: dict[str, tuple[str, ...]] = {
    "A": ("reddit_mh", "reddit_cssrs", "orbench", "coconot", "mtsamples"),
    "B": ("counsel_chat", "diasafety", "k_overrefusal"),
}
OUT_OF_FAMILY_SOURCES = FOLDS["A"]  # the first fold (kept for callers of the single-fold version)
OUT_OF_FAMILY = tuple(f for fold in FOLDS.values() for f in fold) + ("handwritten",)
_OOF_BENIGN_SUBS = {"guns", "teaching", "legaladvice", "divorce", "personalfinance", "ukpolitics", "ptsd"}
_OOF_DISTRESS_SUBS = {"depression", "lonely", "ForeverAlone"}
# Therapy questions about one's own risk are not benign look-alikes: the rest are (relationships,
# anger, family conflict, trauma, domestic violence survivors...).
_COUNSEL_AT_RISK = {"depression", "self-harm", "eating-disorders", "substance-abuse", "addiction"}


def load_out_of_family(root: Path | None = None, max_chars: int = 600, part: str = "all", fold: str = "A") -> Pools:
    """Pools from one fold's families (`FOLDS`), which that fold's model set never trained on.
    A: safe-but-scary turns (OR-Bench-Hard prompts, CoCoNot contrast requests, gun-owner / teacher /
    legal / divorce posts, medical notes) and at-risk people (a distress post, then r/SuicideWatch
    posts). B: therapy questions on relationships, anger, trauma, family (not one's own risk),
    dialogue-safety user turns with the chatbot's real reply, Korean violent-sounding idioms.
    Benign padding stays the task corpora (harmless requests: which family they come from does
    not flatter)."""
    if fold not in FOLDS:
        raise ValueError(f"fold must be one of {', '.join(FOLDS)}")
    root = root or datasets_dir()
    p = Pools()
    cut = lambda t: t[:max_chars]  # noqa: E731

    def rows(name: str):
        return _rows(root, name, part)

    for name in ("sgd_dialogues_benign.jsonl", "chatterbot_benign.jsonl"):
        for r in rows(name):
            if r.get("lang", "en") == "en":
                p.benign += _user_turns(r)
    if fold == "B":
        p.hard_benign += [cut(r["text"]) for r in rows("counsel_chat_questions.jsonl")
                          if not set(r["labels"].get("topics") or []) & _COUNSEL_AT_RISK]
        # the user's turn and the chatbot's reply, as said. DiaSafety's label is the reply's: a "Risk
        # Ignorance" context is a user disclosing risk ("I'm going to kill myself in a week"), never a
        # benign look-alike however safe the reply (taken as benign until session 14: those people were
        # counted as benign people flagged when riskstream routed them to support)
        for r in rows("diasafety.jsonl"):
            if r["labels"].get("label") == "Safe" and r["labels"].get("category") == "Unauthorized Expertise":
                said = [(t["role"], cut(t["content"])) for t in r.get("turns", []) if t.get("content", "").strip()]
                if said and said[0][0] == "user":
                    p.hard_benign.append([s[1] if s[0] == "user" else s for s in said])
        p.hard_benign += [r["text"] for r in rows("k_overrefusal_ko.jsonl")
                          if r["labels"].get("set") == "k_idioms" and r["labels"].get("label") == "safe"]
        return p
    p.hard_benign += [r["text"] for r in rows("orbench_hard_en_ko.jsonl")
                      if r.get("lang") == "en" and not r["labels"].get("machine_translated")]
    p.hard_benign += [r["text"] for r in rows("coconot_en.jsonl") if r["labels"].get("should_comply") is True]
    p.hard_benign += [cut(r["text"]) for r in rows("mtsamples_medical.jsonl")]
    distress, suicidal = [], []
    for r in rows("reddit_mh_subreddits.jsonl"):
        sub = r["labels"].get("subreddit")
        if sub in _OOF_BENIGN_SUBS:
            p.hard_benign.append(cut(r["text"]))
        elif sub in _OOF_DISTRESS_SUBS:
            distress.append(cut(r["text"]))
        elif sub == "suicidewatch":
            suicidal.append(cut(r["text"]))
    for i in range(0, len(suicidal) - 1, 2):  # a person: one distress post, then two SuicideWatch posts
        p.self_harm_users.append([distress[i // 2 % len(distress)]] + suicidal[i:i + 2] if distress else suicidal[i:i + 2])
    return p
