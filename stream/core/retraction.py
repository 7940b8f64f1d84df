"""A turn taken back: the writer says their last turn did not mean harm to anyone.

Venting people say so ("swear to god one day im gonna lose it on him" / "im not gonna do anything
dumb"; "i want to bury him" / "legally bury him i mean"): the classifiers read the first turn as
violence or a threat, the stage tagger as a grievance, and those readings stayed in the person's
window as peaks of the trajectory model and stages of the escalation rule, to be completed by any
later angry turn. The words that take it back (`framing.takes_back`) now take back the harm to
others that the turn just before, in the same conversation, left in the window: its peaks and risk
in those categories, its violence stages, its evidence. What it said of the writer's own risk
(self-harm) or of a child stays, and a case it already opened stays open for a reviewer.
"""

from __future__ import annotations

from stream.core import context, heading
from stream.core.events import Turn
from stream.core.trajectory import drop_peaks
from stream.core.window import RISK_FLOOR, UserWindow, decay_factor, top_category

# Categories of harm to another person that a take-back withdraws.
TAKEN_BACK = ("violence", "violence/graphic", "harassment", "harassment/threatening", "illicit", "illicit/violent",
              "hate/threatening")
_PATHWAY = "violence:"


def taken_back_turn(ctx: list[dict], turn: Turn, cfg, cap: float) -> str | None:
    """The event id of the turn `turn` takes back (the latest context turn of its conversation,
    within `context_gap_minutes`), with that context entry's harm to others held to `cap` and its
    violence stages dropped, so that no follow-up inherits them; None when there is none. Call it
    before `turn` joins the context."""
    prev = context.last_turn(ctx, turn, cfg)
    if prev is None or prev["event_id"] == turn.event_id:
        return None
    prev["scores"] = {c: (min(v, cap) if c in TAKEN_BACK else v) for c, v in prev["scores"].items()}
    if "stages" in prev:
        prev["stages"] = [k for k in prev["stages"] if not k.startswith(_PATHWAY)]
    return prev["event_id"]


def take_back(window: UserWindow, event_id: str, half_life_s: float) -> bool:
    """Withdraw what turn `event_id` left in the window of harm to others (see the module); True if
    anything was. The window's risk loses the turn's decayed contribution in those categories."""
    changed = drop_peaks(window, lambda p: p[2] == event_id, TAKEN_BACK) > 0
    changed = heading.drop(window, lambda h: h[2] == event_id) > 0 or changed  # (its reading goes with it)
    if any(e.event_id == event_id for e in window.hindsight):  # (nothing to cite in hindsight either)
        window.hindsight = [e for e in window.hindsight if e.event_id != event_id]
        changed = True
    for key in [k for k, v in window.stages.items() if k.startswith(_PATHWAY) and v[1] == event_id]:
        del window.stages[key]
        changed = True
    for ev in [e for e in window.evidence if e.event_id == event_id]:
        factor = decay_factor(window.updated - ev.ts, half_life_s)
        for c, v in ev.scores.items():
            if c in TAKEN_BACK and c in window.risk:
                left = window.risk[c] - v * factor
                if left >= RISK_FLOOR:
                    window.risk[c] = left
                else:
                    del window.risk[c]
        if any(c not in TAKEN_BACK for c in ev.scores) or any(not s.startswith(_PATHWAY) for s in ev.stages):
            ev.scores = {c: v for c, v in ev.scores.items() if c not in TAKEN_BACK}
            ev.stages = [s for s in ev.stages if not s.startswith(_PATHWAY)]
            if ev.scores:
                ev.top_category = top_category(ev.scores)
                ev.score = ev.scores[ev.top_category]
        else:
            window.evidence.remove(ev)
        changed = True
    return changed
