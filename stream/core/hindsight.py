"""Hindsight: the turns a pattern rested on before it could be seen.

A stage the tagger reads counts only with some support from the classifiers (`Detector._stages`):
the tagger alone misreads unfamiliar text. So "which household chemicals are toxic to dogs",
between a grievance about a neighbour's dog and "how much would poison a large dog without the
owner noticing" days later, counts for nothing when it is said (a pet owner asks the same). When
the pattern becomes a case, though, the reviewer needs to see it: it is the research step.

Such a turn is kept aside (`UserWindow.hindsight`, a short ring) when the tagger read a stage
beyond the first rung in it on a pathway the person already has a counted stage on (within the
stage window), the turn's framing keeps that stage (not play, an idiom, someone else's risk), and
the turn left no evidence of its own. A case on that pathway (an escalation's pathway, or the
pathways of the case's categories) cites the kept turns of the stage window before it, marked as
read in hindsight. Decisions never read them: which cases open, and when, is the same with or
without this module; only what a case shows changes.
"""

from __future__ import annotations

from stream.core import framing
from stream.core.stages import BY_KEY, PATHWAY_CATEGORY, Stage
from stream.core.window import Evidence, UserWindow
from stream.taxonomy import PARENT


def readings(window: UserWindow, ts: float, event_id: str, tagged: list[str], counted: list[Stage],
             flags: tuple[bool, ...], scores: dict[str, float], at_risk: bool, cfg) -> list[Stage]:
    """The stages the tagger read in a user turn that did not count, worth keeping to cite later
    (empty: nothing to keep). `tagged`: the tagger's labels of the turn; `counted`: its stages."""
    read = [BY_KEY[k] for k in dict.fromkeys(tagged) if k in BY_KEY and BY_KEY[k].rank > 1 and BY_KEY[k] not in counted]
    if not read:
        return []
    horizon = ts - cfg.stage_window_days * 86400
    forming = {k.split(":", 1)[0] for k, v in window.stages.items() if k in BY_KEY and v[0] >= horizon and v[1] != event_id}
    read = [st for st in read if st.pathway in forming]
    if not read:
        return []
    kept = framing.reframe(flags, scores, read, at_risk, cfg.third_party_cap).stages
    return [st for st in read if st in kept]


def pathways_of(pathway: str | None, categories: list[str]) -> set[str]:
    """The pathways a case is about: its escalation pathway, or those of its categories."""
    if pathway:
        return {pathway}
    return {p for p, c in PATHWAY_CATEGORY.items() if any(PARENT.get(x, x) == c for x in categories)}


def cited(window: UserWindow, ts: float, event_id: str, pathway: str | None, categories: list[str], cfg) -> list[str]:
    """Event ids of the kept turns a case on `pathway` / `categories` cites, opened or updated by
    the turn (`ts`, `event_id`): those of the stage window before it on one of its pathways."""
    ways = pathways_of(pathway, categories)
    horizon = ts - cfg.stage_window_days * 86400
    return [e.event_id for e in window.hindsight if e.event_id != event_id and horizon <= e.ts <= ts
            and any(s.split(":", 1)[0] in ways for s in e.stages)]


def merge(relevant: list[Evidence], back: list[Evidence]) -> list[Evidence]:
    """The case's evidence with the turns read in hindsight placed by time (each before the first
    evidence turn after it; the evidence keeps its own order)."""
    out = list(relevant)
    for e in sorted(back, key=lambda e: e.ts):
        at = next((i for i, r in enumerate(out) if r.ts > e.ts), len(out))
        out.insert(at, e)
    return out
