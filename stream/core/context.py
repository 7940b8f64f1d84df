"""Context-aware scoring: a user turn is read with its conversation context as well as alone.

The assistant's reply to a turn is kept with it (`remember_reply`) and read between it and the
next turn ("what's toxic in food" / the reply naming plants / "would it taste of anything in a
stew"); it is the assistant's text, never a reading of the user's by itself: what the reply alone
scores counts among the parts a joint reading must clearly exceed.

Two readings, both through the same scorer: a short follow-up that refers back ("give me an
example of it") inherits what its context scored, capped by it (it inherits, not invents); and a
build-up, where the recent turns of the conversation read together score clearly above every one
of them alone (intent assembled over several mild turns), read for a turn that points back at them.

`plan` decides from the turn, its context and its own scores whether a joint reading is needed and
of which text; `apply` folds the joint scores in. (Planning a whole batch ahead to score its joint
readings in one call was measured: about 0.6 ms saved per reading, a few per cent of a replay,
within run-to-run noise; not worth a second pass over every batch.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stream.core.events import Turn
from stream.core.redaction import excerpt
from stream.core.window import push_bounded

# Words by which a follow-up points back at what was said before.
REFERS_BACK = re.compile(
    r"\b(?:it|that|this|those|these|them|more|example|examples|again|same|another|steps|details|specific|"
    r"exactly|how|what about|and then|continue|go on)\b|继续|这个|那个|详细|具体", re.I)


@dataclass(frozen=True, slots=True)
class Plan:
    prev: dict  # the context turn just before
    follow_up: bool
    build_up: bool
    parts: dict[str, float]  # per category, the highest score of the turn and its context alone
    text: str  # what to read jointly: the context turns it builds on or refers to, then the turn
    read_with: tuple[str, ...] = ()  # event ids of those context turns


def plan(ctx: list[dict], turn: Turn, scores: dict[str, float], cfg) -> Plan | None:
    """The joint reading this turn needs given its context (None: read alone is all there is).

    Only a turn that points back at what was said is read with it: a short turn (at most
    `context_max_words`) with a word like "it", "that", "how"; it may inherit (a follow-up) and takes
    part in the stages and the build-up read together (`apply` credits a build-up where the turn
    alone reads `buildup_turn_min_score`). A longer or self-contained turn is read alone: such
    build-up readings were half of the encoder time of the conversation read together (444 of 883
    readings on bench/bench_replay.py's mix, 464 of 728 on the five blind people sets) and changed a
    score 9 and 3 times; without them no blind person's outcome moved, and the out-of-family timeline
    benchmark kept its recall (94.3 %) with fewer benign people flagged (3.56 -> 3.22 per 1,000); in
    family 65.5 -> 64.7 % (session 24)."""
    if len(turn.text.split()) > cfg.context_max_words or not REFERS_BACK.search(turn.text):
        return None
    prior = [c for c in ctx[-cfg.context_turns:] if c["conversation_id"] == turn.conversation_id and "text" in c
             and 0 <= turn.ts - c["ts"] <= cfg.context_gap_minutes * 60 and c["event_id"] != turn.event_id]
    if not prior:
        return None
    prev = prior[-1]
    follow_up = max(prev["scores"].values(), default=0.0) >= cfg.context_min_score
    users = {c: max([scores.get(c, 0.0)] + [p["scores"].get(c, 0.0) for p in prior]) for c in scores}
    build_up = max(users.values(), default=0.0) >= cfg.buildup_min_score
    if not (follow_up or build_up):
        return None
    read_with = prior if build_up else [prev]
    # what the assistant's replies read alone is a part too: the joint reading must add to them as well
    parts = {c: max([v] + [p.get("reply_scores", {}).get(c, 0.0) for p in read_with]) for c, v in users.items()}
    said = [t for c in read_with for t in (c["text"], c.get("reply")) if t]
    return Plan(prev, follow_up, build_up, parts, "\n".join(said + [turn.text]), tuple(c["event_id"] for c in read_with))


def apply(p: Plan, scores: dict[str, float], joint: dict[str, float], cfg) -> tuple[dict[str, float], bool]:
    """Per-category max of the turn alone and what its joint reading lends it; (scores, changed)."""
    alone, scores = scores, dict(scores)
    changed = False
    for c, v in joint.items():
        cand = min(v, p.prev["scores"].get(c, 0.0)) if p.follow_up else 0.0
        # a build-up is credited to a turn that adds to it: one with some reading of its own in that
        # category ("thanks, that's all" after two scary questions assembles nothing)
        if p.build_up and v >= p.parts.get(c, 0.0) + cfg.buildup_margin and alone.get(c, 0.0) >= cfg.buildup_turn_min_score:
            cand = max(cand, v)
        if cand > scores.get(c, 0.0):
            scores[c], changed = cand, True
    return scores, changed


def remember(ctx: list[dict], turn: Turn, scores: dict[str, float], cfg, zdr: bool, stages: list[str] = ()) -> None:
    """Keep the turn in its person's context: a redacted excerpt (the full text, in memory only, for
    zero-data-retention tenants), its scores and its stages; N turns before the newest, and the newest."""
    text = turn.text if zdr else excerpt(turn.text, cfg.excerpt_chars)[0]
    entry = {"event_id": turn.event_id, "conversation_id": turn.conversation_id, "ts": turn.ts, "text": text,
             "scores": {c: round(v, 4) for c, v in scores.items() if v >= 0.1}}
    if stages:
        entry["stages"] = list(stages)
    push_bounded(ctx, entry, cfg.context_turns + 1)


def last_turn(ctx: list[dict], turn: Turn, cfg) -> dict | None:
    """The latest context turn, when it is of the turn's conversation and recent (within
    `context_gap_minutes`): what a reply answers, or what a short follow-up follows."""
    last = ctx[-1] if ctx else None
    if last is None or last["conversation_id"] != turn.conversation_id or not 0 <= turn.ts - last["ts"] <= cfg.context_gap_minutes * 60:
        return None
    return last


def answered(ctx: list[dict], turn: Turn, cfg) -> dict | None:
    """The user turn an assistant reply answers: the latest context turn (`last_turn`), still
    readable (its text kept)."""
    last = last_turn(ctx, turn, cfg)
    return last if last is not None and last.get("text") else None


def remember_reply(ctx: list[dict], turn: Turn, scores: dict[str, float], cfg, zdr: bool) -> None:
    """Keep an assistant reply with the user turn it answers (`answered`). The latest reply wins; a
    redacted excerpt as for the user's turns (the full text, in memory only, for zero-data-retention
    tenants)."""
    last = answered(ctx, turn, cfg)
    if last is None:
        return
    last["reply"] = turn.text if zdr else excerpt(turn.text, cfg.excerpt_chars)[0]
    last["reply_scores"] = {c: round(v, 4) for c, v in scores.items() if v >= 0.1}


def forget_text(ctx: list[dict], cfg) -> None:
    """Drop the excerpt of the context turns no later turn reads. A turn reads the last
    `context_turns` entries (`plan`), and its case shows those of its conversation; the oldest
    entry of the ring (`context_turns` + 1 long) is kept for its stages and ids only."""
    for c in ctx[: len(ctx) - len(ctx[-cfg.context_turns:])]:
        c.pop("text", None)
        c.pop("reply", None)
        c.pop("reply_scores", None)


def stages_seen(ctx: list[dict], turn: Turn) -> set[str]:
    """Stages the turn's conversation context already showed, turn by turn (a joint reading that
    only repeats them adds nothing new to this turn)."""
    return {k for c in ctx if c["conversation_id"] == turn.conversation_id and c["event_id"] != turn.event_id
            for k in c.get("stages", ())}
