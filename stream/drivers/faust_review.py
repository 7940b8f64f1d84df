"""Review agents: reviewer decisions and appeals -> enforcement, audit, reopened cases, ban registry."""

from __future__ import annotations

import time

from stream.core.identity import members
from stream.core.review import on_appeal, on_decision
from stream.drivers.faust_app import Wiring


def register(w: Wiring) -> None:
    async def apply(effects) -> None:
        for eff in effects:
            if eff.kind == "registry":
                if eff.payload["value"] is None:
                    w.registry.delete(eff.key)
                else:
                    w.registry.put(eff.key, eff.payload["value"])
            else:
                await w.emit_effect(eff)

    async def decide(decision: dict) -> None:
        person = w.registry.get(f"account:{decision['user_id']}") or f"p:{decision['user_id']}"
        accounts = members(person, w.registry) or [decision["user_id"]]
        state, effects = on_decision(w.reviews.get(decision["case_id"]), decision, person, accounts, time.time())
        w.reviews[decision["case_id"]] = state
        await apply(effects)

    async def appeal(appeal: dict) -> None:
        state, effects = on_appeal(w.reviews.get(appeal["case_id"]), appeal, time.time())
        if state is not None:
            w.reviews[appeal["case_id"]] = state
        await apply(effects)

    @w.app.agent(w.topics["review-decisions"], name="decisions")
    async def decisions(stream):
        await w.each_valid(stream, "review-decision", "decision_id", decide)

    @w.app.agent(w.topics["appeals"], name="appeals")
    async def appeals(stream):
        await w.each_valid(stream, "appeal", "appeal_id", appeal)
