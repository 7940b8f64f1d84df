"""Case policy: the tunable numbers and the pure rules deciding when a window warrants review.

Two ways in, as trust-and-safety reviewers expect: one severe turn is enough when it is explicit
harm to a person (a threat with intent, self-harm intent, sexual content involving minors); a
single high reading in a category classifiers often misread (a game, a novel, a history question
read as violent) needs corroboration first (a stage on the turn, or an earlier turn with real
signal in a related category). Several milder turns, possibly spread across conversations and
days, add up through the decayed window: how is decided by the trajectory model
(`stream/core/trajectory.py`) when the models directory has one, else by the fixed accumulation
threshold below; climbing a pathway's stages is a third way. Every rule that rests on more than
one turn cites the earlier turns it rests on (`Trigger.cites`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

from stream.core.confidence import cut_name
from stream.core.stages import BY_KEY, PATHWAY_CATEGORY, STAGES
from stream.core.trajectory import Reading
from stream.core.typecheck import check_types
from stream.core.window import Evidence, UserWindow
from stream.taxonomy import CATEGORIES, SUPPORT_CATEGORIES, THREAT_CATEGORIES

# How bad a category is when confirmed, 0..1 (drives severity, hence priority).
DEFAULT_WEIGHTS: dict[str, float] = {
    "sexual/minors": 1.0,
    "self-harm/intent": 0.95,
    "hate/threatening": 0.9,
    "self-harm/instructions": 0.9,
    "harassment/threatening": 0.85,
    "illicit/violent": 0.85,
    "violence/graphic": 0.7,
    "violence": 0.7,
    "self-harm": 0.7,
    "hate": 0.6,
    "illicit": 0.6,
    "harassment": 0.5,
    "sexual": 0.4,
}
# Categories that say harm is near (a threat, an intent, instructions): raise imminence.
IMMINENT = frozenset({"harassment/threatening", "hate/threatening", "illicit/violent", "self-harm/intent",
                      "self-harm/instructions", "sexual/minors"})
# What `short_pathways` may be: when a pathway short of its weight may open on its case's confidence.
SHORT_PATHWAYS = ("off", "confident", "corroborated", "about-a-person")
# Explicit harm to a person: one severe reading is enough. Every other category needs corroboration.
EXPLICIT = frozenset({"harassment/threatening", "hate/threatening", "self-harm/intent", "sexual/minors"})
# ... but a threat reading is explicit only on a turn that also reads as violent ideation or imminence
# (a stage): out of family the threat heads are among the weakest (AUPRC ~0.5), and they read 0.9
# on a victim's or a supporter's account of someone else's gun or violence ("he keeps a pistol in
# the nightstand, if I move it will he notice?", "police went to his house, he's alive"); and only
# on a turn whose words carry violence or a threat (`framing.THREAT_WORDS`, through `unsaid`):
# counter-speech ("She should resign") read 0.99 with the tagger's ideation.
THREATS = THREAT_CATEGORIES
THREAT_STAGES = frozenset({"violence:ideation", "violence:imminence"})
# Readings aimed at a person (hostility, threats, intent): repeated, they are a person's pattern even
# without a stage, where repeated requests misread as illicit or violent are not.
AT_A_PERSON = EXPLICIT | {"harassment", "hate"}
# Categories that corroborate each other (a grievance backs a violent reading; a sad turn a self-harm one).
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"harassment", "harassment/threatening", "hate", "hate/threatening", "illicit/violent", "violence",
               "violence/graphic"}),
    frozenset({"illicit", "illicit/violent"}),
    frozenset({"self-harm", "self-harm/intent", "self-harm/instructions"}),
    frozenset({"sexual", "sexual/minors"}),
)
# Harm to others: a case with any of these is never routed to support only.
HARM_TO_OTHERS = frozenset({"harassment/threatening", "hate/threatening", "illicit/violent", "violence", "violence/graphic",
                            "sexual/minors"})


def explicit(category: str, stages, unsaid=()) -> bool:
    """The reading is explicit harm to a person on a turn with these stages, unless the turn's words
    do not carry it (`unsaid`, `framing.unsaid`)."""
    return (category in EXPLICIT and category not in unsaid
            and (category not in THREATS or any(s in THREAT_STAGES for s in stages)))


@dataclass(frozen=True)
class PolicyConfig:
    half_life_hours: float = 72.0  # decay of accumulated risk
    min_contribution: float = 0.35  # a category score below this adds nothing to the window
    severe_score: float = 0.85  # one flagged turn at or above this opens a case...
    severe_min_weight: float = 0.6  # ...in a category at least this grave (one insult is not a case; a pattern is)
    accumulate_threshold: float = 1.4  # decayed risk at or above this (with >= 2 turns) opens a case
    min_evidence_turns: int = 2
    trajectory_model: bool = True  # use the models directory's trajectory.json when it has one (else: accumulation)
    trajectory_min_probability: float | None = None  # override the model's own threshold (0..1 exclusive)
    # The trajectory model's reading opens cases of its own ("trajectory" rule). Off by default: out of
    # family it found almost no one the other rules miss, and most of its cases on blind people were
    # benign (README, "How a case opens"). Off, it still reads every window, and the turn that tips its
    # pattern is kept as evidence for the other rules.
    trajectory_cases: bool = False
    # With `trajectory_cases`: a trajectory case opens only when its case confidence reaches this (a
    # number, or a share of benign people naming one of the confidence model's `cuts`, as
    # `min_confidence`); without a confidence model a gated trajectory case does not open. 0: ungated.
    # Change 39 (session 60, not kept) gated it at "5%": on batches 37-41 it found 3 more escalating
    # people for 1 more benign one (the rule asked found minus flagged up by 3), and fold B of the
    # escalation benchmark flagged two more generated fiction writers (3.33 -> 4.67 per 1,000).
    trajectory_confidence: float | str = 0.0
    evidence_limit: int = 16  # ring of evidence references kept per user
    hindsight_limit: int = 3  # turns kept to cite in hindsight (a later stage read without support, `UserWindow.hindsight`)
    excerpt_chars: int = 400  # evidence excerpts are redacted and cut to this
    recent_ids_limit: int = 64  # idempotency ring (8-byte hashes of event ids)
    conversations_limit: int = 16  # unused since windows stopped keeping conversation ids (kept: policy files set it)
    case_ttl_hours: float = 168.0  # an open case with no new evidence for this long is closed in state
    cooldown_minutes: float = 30.0  # min time between update events of one case (unless it worsens)
    retention_days: float = 30.0  # a window idle this long (event time) is gone
    stage_window_days: float = 21.0  # stages older than this no longer count towards escalation
    escalation_threshold: float = 2.5  # summed stage weights on one pathway that open a case
    min_stages: int = 2  # distinct stages needed (one stage alone is never a pattern)...
    min_stage_turns: int = 2  # ...said in at least this many turns (one misread turn is not a pathway; self-harm intent is)
    context_turns: int = 2  # N: preceding user turns kept (redacted) for context scoring and reviewers
    context_max_words: int = 16  # a follow-up this short, referring back, inherits its context
    context_gap_minutes: float = 120.0  # context only from the same conversation, this recent
    context_min_score: float = 0.4  # the context turn must itself have scored this high
    buildup_min_score: float = 0.2  # build-up: read the conversation together once a part scores this high...
    buildup_margin: float = 0.2  # ...and count it where together it scores this much above every part alone...
    buildup_turn_min_score: float = 0.2  # ...and the newest turn alone scores at least this in that category
    signal_score: float = 0.5  # a turn carries real signal at this score (or with a stage): corroboration, patterns
    stated_intent_score: float = 0.7  # self-harm intent read this high states it on one turn (escalation's exception)
    tagger_min_support: float = 0.05  # a learned stage needs this classifier score in its pathway's family (or a rule)
    third_party_cap: float = 0.3  # the most a reading of someone else's risk (or a re-read means question) keeps
    pattern_min_span_minutes: float = 30.0
    pattern_needs_person: bool = True  # a trajectory pattern includes a stage about a person or an explicit-harm reading  # a pattern's turns span this long, or more than one conversation
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    zdr_tenants: frozenset[str] = frozenset()  # tenants whose raw text is never persisted
    voiced_weight: float = 1.0  # an assistant's reply voicing concern on a pathway: a stage of that weight (stream/core/replies.py)
    farewell_weight: float = 1.25  # a farewell act (stream/core/farewell.py) on the self-harm pathway; two apart make a pattern
    # With a case confidence model (stream/core/confidence.py): an enforcement case whose confidence reads
    # below this does not open (0: every case opens); support cases have their own floor (0 by default:
    # crisis resources are not withheld on a guess). Ban evasion opens regardless. A number (0-1), or a
    # share of benign people as a string ("5%") naming one of the model file's `cuts` (the floor at which
    # that share of the written benign people were flagged out of batch), so the floor follows the model
    # when it is retrained (`confidence.confidence_floors`).
    min_confidence: float | str = 0.0
    min_confidence_support: float | str = 0.0
    # With a case confidence model and a heading reader (the model's main inputs are the person's two
    # highest heading readings, so without the reader it cannot read a person): a case of either route
    # whose confidence reads below this does not open (a later, stronger event may), ban evasion apart.
    # A veto of near-certain misreadings, one turn of hyperbole ("orgo final in 4 days and i genuinely want
    # to die", "i am going to murder him" over a sink of dishes) read by a rule as a pattern or a severe
    # turn. Off by default: change 44 (session 63, 0.01) held its figures on the batches that decided it
    # (benign flagged 27 -> 23 of 132, found unchanged) but failed the suite, whose worker tests' plain
    # one- and two-turn threats ("I will kill you ... I am going to shoot you tomorrow morning") the
    # heading reader, fitted on indirectly written people, reads 0.27 and lower: confidence 0.013 and
    # below (README, "Case confidence"). 0: off.
    implausible_confidence: float = 0.0
    # With a heading reader (stream/core/heading.py): an enforcement case opens only when one of the
    # person's turns within the retention period reads at least this as heading towards harm
    # (`held_back_by_heading` says what is never held back). Off by default: at 0.7 it held back far more
    # benign people's cases than escalating people's on the written people, but it lost escalating people
    # the reader was not written for (generator timelines built from public texts, zh / ko escalations of
    # the hand scenarios): README, "Where a person is heading".
    heading_floor: float = 0.0
    # With a heading reader: two of a person's turns, apart in time, that each read at least the reader's
    # `pattern_threshold` as heading towards harm open a case ("heading" rule; `heading.pattern`), on the
    # self-harm pathway (support) or the violence pathway by what the classifiers read in the window.
    # Off by default: on the escalation benchmark's generated people (everyday assistant requests, which
    # the reader was never shown) it flagged about 300 benign people in 1,000 (README, "Where a person is heading").
    heading_cases: bool = False
    # With a case confidence model: an escalation pathway with its distinct stages said in enough turns
    # (`min_stages`, `min_stage_turns`) but short of `escalation_threshold` opens when the case's
    # confidence reads at least `short_pathway_confidence` (a number, or a share of benign people naming
    # one of the confidence model's `cuts`, as `min_confidence`): "confident"; "corroborated" asks as
    # well that two of the person's kept heading readings, apart in time, both read at least the
    # reader's `pattern_threshold` (`heading.corroborates`; change 36); "about-a-person" asks as well
    # that one of the pathway's stages be about a person (not a request: research, planning; change 38);
    # "off": never. Without a confidence model a short pathway never opens. The case reason says the
    # pathway was short of its weight. Change 37 ("confident") found 8 more escalating people for 1 more
    # benign one on two fresh batches, but flagged 10.67 instead of 2.67 per 1,000 of the escalation
    # benchmark's generated benign people, every one of them on a pathway of two requests (research +
    # planning: everyday requests around one dark-sounding prompt), which the confidence model, fitted
    # on written people, misreads; change 36 ("corroborated") moved the batch that decided it by none;
    # change 38 ("about-a-person") found 2 more for none on the two batches that decided it (it needed 3),
    # kept fold A's generated benign people at 2.67 per 1,000 but took fold B's from 3.33 to 4.67, and
    # gave 19 instead of 14 of 399 written people at risk an enforcement case first. Off by default.
    # With a person reader (stream/core/person_reader.py, models/person_reader.json): a window it reads above
    # its cut (the score 2 % of the written benign people reach out of batch) opens a case ("person" rule)
    # when no other rule's does, on the violence pathway, and only where the harm reads as someone else's
    # (`person_trigger`). On by default since change 41b (session 61): on unread batches 45 -> 54 and 48 -> 61
    # of 80 escalating people found for 18 -> 18 and 22 -> 22 of 132 benign, the escalation benchmark's generated
    # people unchanged in both folds.
    # Change 40 (session 60, both pathways) gave people at risk enforcement cases and flagged the generator's
    # nurses: README, "A person reader".
    person_cases: bool = True
    # The person rule opens no case when the person's turns read at least this much, on their mean, as heading
    # towards themselves (the `self_direction` reading, over its weight), nor when the classifiers lean to
    # self-harm (`person_trigger`); 0: the classifiers' lean alone decides.
    person_self_direction: float = 0.35
    short_pathways: str = "off"
    short_pathway_confidence: float | str = "5%"
    # With a heading reader that reads direction (its `self` head): a case about to open or update on
    # the enforcement route (whichever rule opens it, the assistant's voiced concern included since change
    # 42) goes to the self-harm pathway (support) instead when the person's user turns
    # read, on their recent-weighted mean, at least this much as heading towards themselves, over a
    # weight of at least `self_direction_weight` turns (`towards_self` says what is never moved). 0: off.
    self_direction: float = 0.6
    self_direction_weight: float = 1.5

    def __post_init__(self) -> None:
        p = self.trajectory_min_probability
        if p is not None and not 0.0 < p < 1.0:
            raise ValueError(f"trajectory_min_probability must be between 0 and 1 (exclusive), got {p}")
        if not 0.0 <= self.heading_floor <= 1.0:
            raise ValueError(f"heading_floor must be between 0 and 1, got {self.heading_floor}")
        if self.short_pathways not in SHORT_PATHWAYS:
            raise ValueError(f"short_pathways must be one of {', '.join(SHORT_PATHWAYS)}, got {self.short_pathways!r}")
        for name in ("self_direction", "person_self_direction", "implausible_confidence"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.self_direction_weight < 0.0:
            raise ValueError(f"self_direction_weight must be at least 0, got {self.self_direction_weight}")
        for name in ("min_confidence", "min_confidence_support", "short_pathway_confidence", "trajectory_confidence"):
            value = getattr(self, name)
            if isinstance(value, str):
                if cut_name(value) is None:
                    raise ValueError(f"{name} must be a number between 0 and 1 or a whole percentage of benign "
                                     f"people like \"5%\", got {value!r}")
            elif not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")

    @property
    def version(self) -> str:
        """Content hash of every setting: cases, logs and metrics name the policy that produced them."""
        import hashlib

        import orjson

        raw = orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS, default=sorted)
        return "policy-" + hashlib.sha256(raw).hexdigest()[:12]

    @classmethod
    def from_mapping(cls, values: dict) -> "PolicyConfig":
        """Build from a config file mapping; unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown policy setting(s): {', '.join(sorted(unknown))}")
        check_types(cls, values)
        values = dict(values)
        if "zdr_tenants" in values:
            values["zdr_tenants"] = frozenset(values["zdr_tenants"])
        if "weights" in values:
            values["weights"] = {**DEFAULT_WEIGHTS, **values["weights"]}
        return cls(**values)


@dataclass(frozen=True)
class Trigger:
    """Why a window warrants a case now."""

    rule: str  # "severe-turn" | "escalation" | "heading" | "person" | "trajectory" | "accumulated" | "ban-evasion"
    categories: list[str]
    pathway: str | None = None
    stages: tuple[str, ...] = ()  # stages seen on the pathway, in pathway order
    strength: float = 0.0  # escalation: summed stage weights / 4, capped at 1; trajectory: model probability
    stage_imminence: float = 0.0  # highest stage rank / pathway length
    score: float | None = None  # trajectory: the model's logit...
    threshold: float | None = None  # ...and the logit it had to reach
    cites: tuple[str, ...] = ()  # earlier turns (event ids) the case rests on besides the newest one
    short: bool = False  # escalation short of its threshold, opened on its case's confidence (`short_pathways`)


# Pathway -> (categories of its case, number of stages on it)
PATHWAYS = {p: ([cat], max(st.rank for st in STAGES if st.pathway == p)) for p, cat in PATHWAY_CATEGORY.items()}


# The assistant's reply voiced concern on a pathway about the user turn it answered (stream/core/replies.py):
# kept in the window's stage map under these keys, at that user turn. A stage of rank 0 (it moves no
# one along the pathway) and of weight `voiced_weight`: corroboration of the person's own stages,
# never a violence pathway alone (`min_stages`), and never a second turn (it sits on the turn it
# answered); concern voiced about two turns apart is a pattern (`_voiced_apart`).
VOICED = {p: f"{p}:voiced" for p in PATHWAY_CATEGORY}
# Concern voiced again, about another of the person's turns, counts again (the earlier turn is kept under
# this key). A person at risk: support is the route, and missing a person at risk costs more than a
# supportive review of someone who was not. Harm to others (session 42): the assistant refusing, in two
# conversations, what the person asked about someone ("안 티나는건 뭐가 있음" about a boss's coffee, then
# cleaner left in his tumbler) is a reader that saw the harm twice; it counts only where the person's
# own turns said a stage of the pathway too (`_voiced_pattern`): the assistant's replies alone are never
# a violence case.
VOICED_AGAIN = {"self-harm": "self-harm:voiced-again", "violence": "violence:voiced-again"}
# Where concern alone is the pattern: for a life, concern said again counts at any distance, and said
# apart needs nothing of the person's own; for harm to others only from another conversation (or as long
# apart), and with a stage of the person's own (`pathway_progress`, `_voiced_pattern`).
_VOICED_ALONE = frozenset({"self-harm"})
_VOICED_PATHWAY = {**{k: (p, "voiced") for p, k in VOICED.items()}, **{k: (p, "voiced again") for p, k in VOICED_AGAIN.items()}}

# A farewell act (stream/core/farewell.py: affairs put in order with finality, nothing said of death) is
# kept in the window's stage map under FAREWELL, and one at least `pattern_min_span_minutes` later (in
# practice another conversation) under FAREWELL_AGAIN: each a self-harm stage of rank `FAREWELL_RANK` and
# weight `farewell_weight`, so two apart make the pathway's pattern (2 x 1.25 = the escalation threshold)
# and one makes it with ideation and distress, or a plan. Never the violence pathway, never enforcement.
FAREWELL = "self-harm:farewell"
FAREWELL_AGAIN = "self-harm:farewell-again"
FAREWELL_RANK = 2
_FAREWELL_NAMES = {FAREWELL: "farewell", FAREWELL_AGAIN: "farewell again"}


def record_farewell(window: UserWindow, ts: float, event_id: str, cfg: PolicyConfig) -> None:
    """Keep a farewell act of the person's turn `event_id` in the window's stage map: the first within
    the stage window under FAREWELL, a later one apart from it under FAREWELL_AGAIN (the latest such)."""
    horizon = ts - cfg.stage_window_days * 86400
    first, again = window.stages.get(FAREWELL), window.stages.get(FAREWELL_AGAIN)
    if first is not None and first[0] < horizon:  # the first has aged out: the later one is the first now
        window.stages.pop(FAREWELL_AGAIN, None)
        first = again if again is not None and again[0] >= horizon else None
        if first is None:
            window.stages.pop(FAREWELL, None)
        else:
            window.stages[FAREWELL] = first
    if first is None:
        window.stages[FAREWELL] = [ts, event_id]
    elif ts - first[0] >= cfg.pattern_min_span_minutes * 60:
        window.stages[FAREWELL_AGAIN] = [ts, event_id]


def pathway_progress(window: UserWindow, now: float, cfg: PolicyConfig,
                     at_own_risk: bool | None = None) -> dict[str, list[tuple[int, str, float]]]:
    """Per pathway, the (rank, stage, weight) seen within the stage window, ordered by rank. Violence
    stages of a person at risk count on the self-harm pathway (`at_own_risk`: `own_risk`, computed
    here unless the caller has it)."""
    horizon = now - cfg.stage_window_days * 86400
    out: dict[str, list[tuple[int, str, float]]] = {}
    for key, (ts, _event) in window.stages.items():
        if ts < horizon:
            continue
        st = BY_KEY.get(key)
        if st is not None:
            out.setdefault(st.pathway, []).append((st.rank, st.name, st.weight))
        elif key in _VOICED_PATHWAY:
            pathway, name = _VOICED_PATHWAY[key]
            if pathway in _VOICED_ALONE or name != "voiced again" or _voiced_apart(window, pathway, horizon, cfg):
                out.setdefault(pathway, []).append((0, name, cfg.voiced_weight))
        elif key in _FAREWELL_NAMES:
            out.setdefault("self-harm", []).append((FAREWELL_RANK, _FAREWELL_NAMES[key], cfg.farewell_weight))
    if at_own_risk is None:
        at_own_risk = own_risk(window, horizon)
    if "violence" in out and at_own_risk:
        mine = {name for _, name, _ in out.get("self-harm", ())}
        out.setdefault("self-harm", []).extend(s for s in out.pop("violence") if s[1] not in mine)
    return {p: sorted(v) for p, v in out.items()}


def own_risk(window: UserWindow, horizon: float) -> bool:
    """Whether the window's violence stages are a person at risk asking about means, times and places
    for themselves, as the assistant read them: it voiced concern for their life and never for anyone
    else's. The tagger reads "how do I make sure my daughter gets my dog tags" or "nobody has to deal
    with me after tomorrow morning" as planning and imminence; a person at risk is supported, not
    punished."""
    return _seen(window, VOICED["self-harm"], horizon) and not _seen(window, VOICED["violence"], horizon)


def names_no_one(window: UserWindow, names: tuple[str, ...], horizon: float, cfg: PolicyConfig) -> bool:
    """A climbed violence pathway that names no one (no ideation of harm to another, no concern voiced
    for anyone else) in a window that holds self-harm signals of the person's own turns (a self-harm
    stage, or a self-harm reading of at least `signal_score`): the person's own risk, routed to support
    (its stages still count as violence ones: this changes the route, not whether a case opens). A
    grievance does not name a target here (session 49, change 23): the tagger reads a failed exam, a
    lost business or a partner who left as one, and people at risk asking about a rooftop or their
    guns' new owner got an enforcement case. Narrower than `holds_self_harm` on purpose: farewell acts
    and the assistant's concern do not count here (session 51, blind people sets 6-18: counting the
    farewell acts sent two people who climbed towards a live show and a landlord's building, affairs
    put in order, to support; the assistant's concern moved no one, `own_risk` reads it)."""
    return (not ("ideation" in names or _seen(window, VOICED["violence"], horizon))
            and (any(_seen(window, k, horizon) for k in _SELF_HARM_STAGES) or any(
                e.ts >= horizon and any(strong(k, v, cfg) for k, v in e.scores.items() if k in SUPPORT_CATEGORIES)
                for e in window.evidence)))


def _voiced_apart(window: UserWindow, pathway: str, horizon: float, cfg: PolicyConfig) -> bool:
    """The assistant voiced concern on the pathway about two of the person's turns at least
    `pattern_min_span_minutes` apart (in practice, two conversations). For the person's own life a
    pattern for the support route however little their own turns said in words a reader knows ("no
    wetsuit this time. no float either" after a diagnosis, the assistant asking twice)."""
    a, b = window.stages.get(VOICED[pathway]), window.stages.get(VOICED_AGAIN[pathway])
    return (a is not None and b is not None and min(a[0], b[0]) >= horizon
            and abs(a[0] - b[0]) >= cfg.pattern_min_span_minutes * 60)


def _voiced_pattern(window: UserWindow, pathway: str, seen: list[tuple[int, str, float]], horizon: float,
                    cfg: PolicyConfig) -> bool:
    """Concern voiced apart (`_voiced_apart`) that makes the pathway's pattern: for the person's own
    life on its own; for harm to others only with a stage the person's own turns said (rank above 0)."""
    return (pathway in VOICED_AGAIN and _voiced_apart(window, pathway, horizon, cfg)
            and (pathway in _VOICED_ALONE or any(rank > 0 for rank, _, _ in seen)))


def _voiced_about(window: UserWindow, key: str, horizon: float) -> bool:
    """The assistant voiced concern for the person's own life about the very turn where stage `key`
    was last seen ("by the time mom reads this I won't be here" answered "are you thinking of ending
    your life?")."""
    v, st = window.stages.get(VOICED["self-harm"]), window.stages.get(key)
    return v is not None and st is not None and v[1] == st[1] and v[0] >= horizon


def _seen(window: UserWindow, key: str, horizon: float) -> bool:
    v = window.stages.get(key)
    return v is not None and v[0] >= horizon


_SELF_HARM_STAGES = tuple(f"{st.pathway}:{st.name}" for st in STAGES if st.pathway == "self-harm")


def escalation_on(window: UserWindow, pathways: set[str], now: float, cfg: PolicyConfig) -> Trigger | None:
    """The escalation rule alone, for a turn that moved `pathways` without a reading of its own (the
    assistant's reply voicing concern): no severe, trajectory or accumulation reading applies to it."""
    return _escalation(window, pathways, now, cfg)


def contributions(scores: dict[str, float], cfg: PolicyConfig) -> dict[str, float]:
    return {c: s for c, s in scores.items() if s >= cfg.min_contribution}


def related(a: str, b: str) -> bool:
    """Two categories of one family (a pathway's stages count as its category)."""
    a, b = PATHWAY_CATEGORY.get(a, a), PATHWAY_CATEGORY.get(b, b)
    return a == b or any(a in f and b in f for f in FAMILIES)


def support(scores: dict[str, float], pathway: str) -> float:
    """The classifiers' support for a pathway: the highest score in its category's family (for
    violence also illicit: weapons and poisons are asked about as illicit requests)."""
    cat = PATHWAY_CATEGORY.get(pathway, pathway)
    return max((v for c, v in scores.items() if related(c, cat) or (cat == "violence" and c == "illicit")), default=0.0)


# the means stage of each pathway: a question about how to do the harm, to someone else or oneself
_MEANS = {"self-harm:plan": "violence:research", "violence:research": "self-harm:plan"}


def means_pathway(keys: list[str], scores: dict[str, float], cfg: PolicyConfig) -> list[str]:
    """A turn's stage keys, a means stage moved to the other pathway where the classifiers say whose
    harm it is. A means question reads alike on both pathways ("how would you pack it so it goes
    off", "which pills would be too many"): it moves when the classifiers read the other pathway
    with real signal (`signal_score`) and its own at most half as much, and the turn shows no
    other stage of its own pathway ("haven't had the balls to pick up the gun or swallow the
    pills" after "I feel the same" stays the writer's own risk, whatever "gun" reads as)."""
    out = []
    for key in keys:
        other = _MEANS.get(key)
        pathway = key.split(":")[0]
        if other is not None and not any(k != key and k.split(":")[0] == pathway for k in keys):
            mine, theirs = support(scores, pathway), support(scores, other.split(":")[0])
            if theirs >= cfg.signal_score and mine <= 0.5 * theirs:
                key = other
        out.append(key)
    return out


def strong(category: str, score: float, cfg: PolicyConfig, bars: dict[str, float] | None = None) -> bool:
    """A reading with real signal: at least `signal_score`, and at least the classifiers' own flag
    threshold for that category (`bars`, the scorer's threshold map: a harassment reading of 0.6
    that the classifier itself does not flag is no evidence about a person)."""
    return score >= cfg.signal_score and score >= (bars or {}).get(category, 0.0)


def carries_signal(e: Evidence, categories, cfg: PolicyConfig, bars: dict[str, float] | None = None) -> bool:
    """The evidence turn carries real signal for any of `categories`: a stage on a related pathway,
    or a strong score (`strong`) in a related category."""
    return any(related(s.split(":")[0], c) for s in e.stages for c in categories) or any(
        strong(k, v, cfg, bars) and related(k, c) for k, v in e.scores.items() for c in categories)


def holds_self_harm(window: UserWindow, now: float, cfg: PolicyConfig, bars: dict[str, float] | None = None) -> bool:
    """The window holds self-harm signals about the writer: a self-harm stage or a self-harm reading
    with real signal within the stage window."""
    horizon = now - cfg.stage_window_days * 86400
    return any(k.startswith("self-harm:") and v[0] >= horizon for k, v in window.stages.items()) or any(
        e.ts >= horizon and carries_signal(e, ["self-harm"], cfg, bars) for e in window.evidence)


def corroborates(e: Evidence, categories, cfg: PolicyConfig, bars: dict[str, float] | None = None) -> bool:
    """The evidence turn backs a severe reading in `categories` from another turn: a stage about a
    person on a related pathway, or an explicit-harm reading (a threat, self-harm intent) at least
    `signal_score` in a related category. Another reading of the kind that gets misread (a second
    game question read as violent, a second over-cautious illicit reading) is not corroboration."""
    return any(related(s.split(":")[0], c) for s in e.stages if s.split(":")[1] not in _REQUEST_STAGES
               for c in categories) or any(
        strong(k, v, cfg, bars) and explicit(k, e.stages, e.unsaid) and related(k, c) for k, v in e.scores.items() for c in categories)


# Stages that are requests (capability, means, logistics): a gamer's, a hunter's or a crime writer's
# questions look like them, so alone they corroborate nothing; the stages about a person (a grievance,
# fixation on a target, a date, a state of mind) do. A request does back a severe reading about a
# person (ideation, then capability: the pathway), and a request's severe reading is backed by a turn
# about a person. Planning is a request too since session 17: its readings are mostly questions
# ("which entrance has no cameras", "would a test pick it up"), and once concealing a harm counted
# as planning the stage tagger read a thriller writer's "how would a detective find out it was
# murder" so, which then corroborated "how should the final confrontation on the roof go" (violence
# 0.85): out of family, fold A's benign people flagged per 1,000 went 8.7 -> 35-40 with it, 4.0 on
# seed 11 without. Planning still counts towards escalation (its weight) like research does.
_REQUEST_STAGES = frozenset({"research", "plan", "planning"})


def about_a_person(e: Evidence | None, cfg: PolicyConfig, bars: dict[str, float] | None = None) -> bool:
    """The turn is about a person: a stage about a person, or an explicit-harm reading with real signal."""
    return e is not None and (any(s.split(":")[1] not in _REQUEST_STAGES for s in e.stages)
                              or any(explicit(k, e.stages, e.unsaid) and strong(k, v, cfg, bars) for k, v in e.scores.items()))


def _requests(e: Evidence | None) -> set[str]:
    """Pathways of the turn's request stages."""
    return {s.split(":")[0] for s in (e.stages if e else ()) if s.split(":")[1] in _REQUEST_STAGES}


def evaluate(window: UserWindow, turn_scores: dict[str, float], turn_flags: dict[str, bool],
             new_pathways: set[str], now: float, cfg: PolicyConfig, ban: dict | None = None,
             reading: Reading | None = None, event_id: str = "", ruled: set[str] | None = None,
             assembled: set[str] = frozenset(), read_with: tuple[str, ...] = (),
             bars: dict[str, float] | None = None, unsaid: frozenset[str] = frozenset(),
             wordless: bool = False, heading: tuple[str, float] | None = None,
             short_ok: bool = False) -> Trigger | None:
    """Decide from the updated window and the newest turn (`event_id`, already in the evidence ring)
    whether a case is warranted. `reading` is the trajectory model's view of the window (None when
    no model is loaded: the fixed accumulation threshold applies instead); it opens a case only where
    the policy says `trajectory_cases`. `ruled`: the pathways
    of the newest turn's stages that written rules found (default: all of them); only those
    corroborate a severe reading of the same turn, since the tagger reads the same embedding the
    classifier misread. `assembled`: the categories the newest turn reads severe only together with
    the context turns `read_with` (a build-up): not one statement, so even explicit harm needs
    corroboration there, and from turns outside that reading. `bars`: the classifiers' flag
    thresholds; a reading below its category's carries no real signal (`strong`). `unsaid`: explicit-harm
    categories whose explicitness the newest turn's words do not carry (`framing.unsaid`: a sexual/minors
    reading on a turn with nothing sexual in it): they need corroboration there too. `wordless`: the
    newest turn says nothing of death, dying or self-harm (`framing.wordless`): the classifiers'
    self-harm/intent reading of it is no statement on one turn (`_escalation`). `heading`: the earlier
    turn and the lower reading of a pattern of the heading reader the newest turn completes
    (`stream/core/heading.py` `pattern`), if any: a case where the policy says `heading_cases`.
    `short_ok`: an escalation short of its threshold may open (the policy's `short_pathways`, decided
    by the engine; the case's confidence then decides whether it does)."""
    if ban is not None:  # a new account of a banned person: reviewed on its first turn
        cats = [c for c in ban.get("categories") or [] if c in CATEGORIES] or ["harassment"]
        return Trigger("ban-evasion", cats, strength=1.0, stage_imminence=1.0)
    escalation = _escalation(window, new_pathways, now, cfg, new_pathways if ruled is None else ruled, wordless,
                             short_ok)
    severe = _severe(window, turn_scores, turn_flags, new_pathways, new_pathways if ruled is None else ruled, now, cfg,
                     event_id, assembled, read_with, bars, unsaid)
    if severe is not None:
        if escalation is not None:  # keep the pathway context for priority and the reason
            return Trigger("severe-turn", sorted(set(severe.categories) | set(escalation.categories), key=CATEGORIES.index),
                           escalation.pathway, escalation.stages, escalation.strength, escalation.stage_imminence,
                           cites=_merge(severe.cites, escalation.cites))
        return severe
    if escalation is not None:
        return escalation
    if heading is not None and cfg.heading_cases:
        return heading_trigger(window, turn_scores, heading)
    if reading is not None:
        return _trajectory(window, reading, now, cfg, event_id, bars) if cfg.trajectory_cases else None
    accumulated = [c for c in CATEGORIES
                   if window.risk.get(c, 0.0) >= cfg.accumulate_threshold
                   and _evidence_count(window.evidence, c) >= cfg.min_evidence_turns]
    if accumulated:
        return Trigger("accumulated", accumulated)
    return None


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for g in groups for i in g))


def _severe(window: UserWindow, scores: dict[str, float], flags: dict[str, bool], new_pathways: set[str],
            ruled: set[str], now: float, cfg: PolicyConfig, event_id: str, assembled: set[str] = frozenset(),
            read_with: tuple[str, ...] = (), bars: dict[str, float] | None = None,
            unsaid: frozenset[str] = frozenset()) -> Trigger | None:
    """One severe reading: a case when it is explicit harm, or corroborated by a stage on the turn or
    an earlier turn with real signal in a related category; a turn with real signal likewise
    corroborates an earlier severe reading that stood alone."""
    horizon = now - cfg.stage_window_days * 86400
    earlier = [e for e in window.evidence if e.event_id != event_id and e.ts >= horizon]
    mine = next((e for e in reversed(window.evidence) if e.event_id == event_id), None)
    my_stages = mine.stages if mine else ()
    severe = [c for c in CATEGORIES if flags.get(c) and scores.get(c, 0.0) >= cfg.severe_score
              and cfg.weights.get(c, 0.5) >= cfg.severe_min_weight]
    if severe:
        alone = [c for c in severe if explicit(c, my_stages, unsaid) and c not in assembled]
        backed = [c for c in severe if c not in alone and any(related(p, c) for p in ruled)]
        misread = [c for c in severe if c not in alone]
        person = about_a_person(mine, cfg, bars) and not (assembled and all(c in assembled for c in misread))
        backers = [e.event_id for e in earlier if (corroborates(e, misread, cfg, bars) or (
                       person and any(related(p, c) for p in _requests(e) for c in misread)))
                   and not (e.event_id in read_with and all(c in assembled for c in misread))]
        cats = alone + backed + ([c for c in severe if c not in alone + backed] if backers else [])
        if cats:  # cite the earlier turns of the pattern, the requests among them too
            cites = tuple(e.event_id for e in earlier if e.event_id in backers or carries_signal(e, cats, cfg, bars))
            return Trigger("severe-turn", sorted(cats, key=CATEGORIES.index), cites=cites[-4:])
    # backing for an earlier severe reading: the same as `corroborates` asks of an earlier turn (a
    # stage about a person, or an explicit-harm reading); a request stage backs a severe reading
    # about a person only
    # (a stage only the tagger read, with no classifier reading of real signal in its pathway behind
    # it, backs nothing: "how do i stop them coming back for good", said of rats and read as a
    # grievance at violence 0.16, backed the same person's "pretty sure one died inside the wall"
    # read violence 0.92 days before into a priority-1 case)
    about_person = {p for p in (s.split(":")[0] for s in my_stages if s.split(":")[1] not in _REQUEST_STAGES)
                    if p in ruled or support(scores, p) >= cfg.signal_score}
    now_strong = [c for c in EXPLICIT if explicit(c, my_stages, unsaid) and strong(c, scores.get(c, 0.0), cfg, bars)] + sorted(
        new_pathways & about_person)
    requests = sorted(new_pathways & _requests(mine))
    if not now_strong and not requests:
        return None
    for e in reversed(earlier):  # an earlier severe reading that stood alone, now backed by this turn
        backing = [c for c in now_strong if c not in assembled] if e.event_id in read_with else list(now_strong)
        if about_a_person(e, cfg, bars):
            backing += requests
        cats = [c for c, v in e.scores.items() if v >= cfg.severe_score and cfg.weights.get(c, 0.5) >= cfg.severe_min_weight
                and any(related(c, s) for s in backing)]
        if cats:
            return Trigger("severe-turn", sorted(cats, key=CATEGORIES.index), cites=(e.event_id,))
    return None


def opens_short(cfg: PolicyConfig, corroborated: Callable[[], bool]) -> bool:
    """Whether a pathway short of its weight may open on this turn (`short_pathways`; the engine asks only
    with a confidence model loaded, whose cut then decides): "confident" and "about-a-person" always
    ("about-a-person" then asks its stages in `_escalation`), "corroborated" when `corroborated()` says
    the heading reader backs it (`heading.corroborates`), "off" never."""
    return cfg.short_pathways in ("confident", "about-a-person") or (cfg.short_pathways == "corroborated" and corroborated())


def _escalation(window: UserWindow, new_pathways: set[str], now: float, cfg: PolicyConfig,
                ruled: set[str] = frozenset(), wordless: bool = False, short_ok: bool = False) -> Trigger | None:
    """A pathway climbed: enough distinct stages, enough weight, and the newest turn moved on it.
    `ruled`: the pathways written rules found on the newest turn; `wordless`: it says nothing of death,
    dying or self-harm; `short_ok`: a pathway short of its weight may open (the trigger says so)."""
    best = None
    horizon = now - cfg.stage_window_days * 86400
    # a person at risk's violence stages count on the self-harm pathway (`own_risk`)
    moved = own_risk(window, horizon)
    progress = pathway_progress(window, now, cfg, moved)
    if moved and "violence" in new_pathways:
        new_pathways = set(new_pathways) | {"self-harm"}
    for pathway, seen in progress.items():
        total = sum(w for _, _, w in seen)
        if _voiced_pattern(window, pathway, seen, horizon, cfg):
            total = max(total, cfg.escalation_threshold)
        short = total < cfg.escalation_threshold
        if pathway not in new_pathways or len(seen) < cfg.min_stages or (short and not short_ok):
            continue
        if short and cfg.short_pathways == "about-a-person" and all(name in _REQUEST_STAGES for _, name, _ in seen):
            continue  # requests alone (research, planning): a gamer's or a writer's questions look like them
        # the turns that said the pathway's stages: where each was last seen, and the earlier turns of
        # the evidence ring that said one (a grievance on day 1, said again with a plan on day 3, is two)
        said = {pathway, "violence"} if moved and pathway == "self-harm" else {pathway}
        staged = sorted([(ts, ev) for key, (ts, ev) in window.stages.items()
                         if key.split(":")[0] in said and ts >= horizon]
                        + [(e.ts, e.event_id) for e in window.evidence
                           if e.ts >= horizon and any(s.split(":")[0] in said for s in e.stages)])
        turns = {ev for _, ev in staged}
        names = {name for _, name, _ in seen}
        if len(turns) < cfg.min_stage_turns and not (pathway == "self-harm" and "intent" in names and (
                pathway in ruled or _voiced_about(window, "self-harm:intent", horizon)
                or (not wordless and any(e.event_id in turns and e.scores.get("self-harm/intent", 0.0)
                                         >= cfg.stated_intent_score for e in window.evidence)))):
            # stated self-harm intent is explicit on one turn (and goes to support, not enforcement) when a
            # written rule or the classifiers read it so in a turn that says something of death, dying or
            # self-harm (not `wordless`: "first autopsy tomorrow. how do i not faint" read 0.76 in session 35;
            # `stated_intent_score`: the head's flag bar is a
            # default 0.5, its positives too few to set one, and "first autopsy tomorrow, how do I not
            # faint" read 0.51), or the assistant answered that very turn with
            # concern for the person's life (a reader apart from the embedding the tagger reads): the
            # stage tagger's reading alone ("Meanwhile, 1500 a day continue to die from cigarettes" read
            # as intent and plan at self-harm/intent 0.30; a booking chat's "I don't need the tickets
            # now, thanks") is not a statement
            continue
        cats, length = PATHWAYS[pathway]
        names = tuple(name for _, name, _ in seen)
        if pathway == "self-harm" and ({"intent", "plan"} & set(names)):
            cats = cats + ["self-harm/intent"]
        label = pathway
        if pathway == "violence" and names_no_one(window, names, horizon, cfg):
            label, cats = "self-harm", ["self-harm"] + (["self-harm/intent"] if {"planning", "imminence"} & set(names) else [])
        elif pathway == "violence" and "imminence" in names:  # a climbed pathway that is now imminent is a threat
            cats = ["harassment/threatening"] + cats
        cites = tuple(dict.fromkeys(ev for _, ev in staged))
        trig = Trigger("escalation", list(cats), label, names, min(1.0, total / 4.0), max(r for r, _, _ in seen) / length,
                       cites=cites, short=short)
        if best is None or (not trig.short, trig.strength) > (not best.short, best.strength):
            best = trig
    return best


def _trajectory(window: UserWindow, reading: Reading, now: float, cfg: PolicyConfig, event_id: str = "",
                bars: dict[str, float] | None = None) -> Trigger | None:
    """The model's score crossed its threshold on a pattern: at least `min_evidence_turns` turns that
    each carry real signal in the categories that drove it (a score >= `signal_score`, or a stage),
    spread over more than one conversation or at least `pattern_min_span_minutes`, and (unless
    `pattern_needs_person` is off) at least one turn about a person: a stage of grievance, ideation,
    planning, imminence, distress, ..., or a reading aimed at a person (`AT_A_PERSON`). One saturated peak plus trivial
    turns is not a pattern (a severe turn is the severe-turn rule's business), nor are misread
    requests adding up."""
    if not reading.fires or not reading.categories:
        return None
    horizon = now - cfg.stage_window_days * 86400
    convs = {e.event_id: e.conversation_id for e in window.evidence}
    pattern = {p[2]: p[1] for c in reading.categories for p in window.peaks.get(c, []) if strong(c, p[0], cfg, bars)}
    pattern.update({e.event_id: e.ts for e in window.evidence if e.ts >= horizon and e.stages
                    and carries_signal(e, reading.categories, cfg, bars)})
    if len(pattern) < cfg.min_evidence_turns:
        return None
    if cfg.pattern_needs_person and not any(e.ts >= horizon and (corroborates(e, reading.categories, cfg, bars) or any(
            strong(k, v, cfg, bars) and k in AT_A_PERSON and k not in e.unsaid for k, v in e.scores.items()))
            for e in window.evidence):
        return None  # misread requests adding up (two over-cautious illicit readings) are not a person's pattern
    span = max(pattern.values()) - min(pattern.values())
    if len({convs[i] for i in pattern if i in convs}) < 2 and span < cfg.pattern_min_span_minutes * 60:
        return None
    cites = tuple(i for i in sorted(pattern, key=pattern.get) if i != event_id)
    return Trigger("trajectory", reading.categories, strength=round(reading.probability, 4),
                   score=reading.logit, threshold=reading.threshold, cites=cites[-6:])


_SELF = ("self-harm", "self-harm/intent", "self-harm/instructions")
_OTHERS = ("violence", "violence/graphic", "harassment", "harassment/threatening", "illicit/violent")


def leaning_pathway(window: UserWindow, turn_scores: dict[str, float]) -> str:
    """The self-harm pathway when what the classifiers read in the window and the newest turn leans towards
    self-harm, else the violence pathway: a reader that says someone is heading towards harm does not say
    whose; the classifiers' topic does."""
    lean = sum(window.risk.get(c, 0.0) + turn_scores.get(c, 0.0) for c in _SELF) - sum(
        window.risk.get(c, 0.0) + turn_scores.get(c, 0.0) for c in _OTHERS)
    return "self-harm" if lean > 0 else "violence"


def heading_trigger(window: UserWindow, turn_scores: dict[str, float], found: tuple[str, float]) -> Trigger:
    """The case of a heading pattern (`heading.pattern`: the other turn, the lower reading), on the
    pathway the classifiers lean to (`leaning_pathway`)."""
    pathway = leaning_pathway(window, turn_scores)
    other, strength = found
    return Trigger("heading", list(PATHWAYS[pathway][0]), pathway, strength=round(strength, 4), cites=(other,))


def person_trigger(window: UserWindow, turn_scores: dict[str, float], score: float, event_id: str, now: float,
                   cfg: PolicyConfig, lean: tuple[float, float] = (0.0, 0.0)) -> Trigger | None:
    """The case of a window the person reader reads at its cut (`score`, stream/core/person_reader.py), on the
    violence pathway, citing the window's recent evidence turns; None when the harm may be the person's own: the
    classifiers lean to self-harm (`leaning_pathway`), or the person's turns read, on their mean, at least
    `cfg.person_self_direction` as heading towards themselves (`lean`: `heading.direction`, over at least
    `cfg.self_direction_weight` turns). The reader does not say whose harm it reads; read through models that never
    saw their words, a nurse's overdose questions lean to self-harm as a person at risk's do, and the rules (with
    their support route) keep that side."""
    if leaning_pathway(window, turn_scores) != "violence" or reads_towards_self(lean, cfg.person_self_direction, cfg):
        return None
    horizon = now - cfg.stage_window_days * 86400
    cites = tuple(e.event_id for e in window.evidence if e.ts >= horizon and e.event_id != event_id)
    return Trigger("person", list(PATHWAYS["violence"][0]), "violence", strength=round(score, 4), cites=cites[-6:])


# Categories whose enforcement cases the heading reader may hold back: the pathways its training people
# walked (violence towards another person, self-harm) and what their turns read as on the way
# (grievance, weapons and poisons); not hate or sexual content, which it was never shown.
HEADING_READS = frozenset({"harassment", "harassment/threatening", "illicit", "illicit/violent", "violence",
                           "violence/graphic", "self-harm", "self-harm/intent", "self-harm/instructions"})


def reads_towards_self(lean: tuple[float, float], threshold: float, cfg: PolicyConfig) -> bool:
    """Whether a person's turns read, on their mean (`lean`: `heading.direction`, the mean and its weight), at least
    `threshold` as heading towards themselves, over at least `cfg.self_direction_weight` turns (0: never)."""
    mean, weight = lean
    return threshold > 0.0 and weight >= cfg.self_direction_weight and mean >= threshold


def towards_self(trigger: Trigger, evidence: Evidence, lean: tuple[float, float], cfg: PolicyConfig) -> bool:
    """Whether a case's trigger goes to the self-harm pathway because the person reads as heading towards
    themselves (`lean`: the mean of their turns' readings and its weight, `heading.direction`): a trigger
    on the enforcement route, in categories the heading reader was trained on (`HEADING_READS`), of a person
    whose mean reads at least `cfg.self_direction` over `cfg.self_direction_weight`. Never moved: ban
    evasion, and a turn of explicit harm to a person (a threat with intent: issue 14 item 6 is about
    questions of methods and means, not threats)."""
    if not reads_towards_self(lean, cfg.self_direction, cfg):
        return False
    if trigger.rule == "ban-evasion" or route(trigger.categories) != "enforcement" or not set(trigger.categories) <= HEADING_READS:
        return False
    return not any(explicit(c, evidence.stages, evidence.unsaid) for c in trigger.categories if c in evidence.scores)


def on_own_risk(trigger: Trigger) -> Trigger:
    """The trigger on the self-harm pathway: its categories the pathway's (support route), the rest kept."""
    return replace(trigger, categories=list(PATHWAYS["self-harm"][0]), pathway="self-harm")


def held_back_by_heading(trigger: Trigger, case, evidence: Evidence, peak: float, cfg: PolicyConfig) -> bool:
    """Whether a case about to open waits for a turn that reads as heading towards harm: an
    enforcement case in categories the reader reads (`HEADING_READS`), of a person none of whose turns
    within the retention period reads `cfg.heading_floor` (their highest reading: `peak`). Never held
    back: support cases (crisis resources are not withheld on a guess), ban evasion, and a severe turn
    of explicit harm to a person (a threat with intent, sexual content involving minors: issue 14 lets
    those open on one reading)."""
    if cfg.heading_floor <= 0.0 or case.route != "enforcement" or trigger.rule == "ban-evasion":
        return False
    if not set(case.categories) <= HEADING_READS:
        return False
    if trigger.rule == "severe-turn" and any(explicit(c, evidence.stages, evidence.unsaid)
                                             for c in case.categories if c in evidence.scores):
        return False
    return peak < cfg.heading_floor


def _evidence_count(evidence: list[Evidence], category: str) -> int:
    return sum(1 for e in evidence if category in e.scores)


def severity(categories: list[str], window: UserWindow, cfg: PolicyConfig, stage_strength: float = 0.0) -> float:
    """0..1: the worst category's weight times how strongly the evidence (or the pathway) supports it."""
    best = 0.0
    for c in categories:
        peak = max((e.scores.get(c, 0.0) for e in window.evidence), default=0.0)
        strength = max(peak, stage_strength, min(1.0, window.risk.get(c, 0.0) / (2 * cfg.accumulate_threshold)))
        best = max(best, cfg.weights.get(c, 0.5) * strength)
    return round(min(1.0, best), 4)


def imminence(categories: list[str], stage_imminence: float = 0.0) -> float:
    """1.0 for threats/intent/instructions; otherwise how far along its pathway the person is."""
    return 1.0 if any(c in IMMINENT for c in categories) else max(0.5, stage_imminence)


def priority(sev: float, imm: float) -> int:
    """1 (most urgent) .. 4, from severity x imminence."""
    p = sev * (0.5 + 0.5 * imm)
    return 1 if p >= 0.75 else 2 if p >= 0.5 else 3 if p >= 0.3 else 4


def route(categories: list[str]) -> str:
    """Self-harm without harm to others goes to support (crisis resources), never enforcement."""
    if any(c in SUPPORT_CATEGORIES for c in categories) and not any(c in HARM_TO_OTHERS for c in categories):
        return "support"
    return "enforcement"
