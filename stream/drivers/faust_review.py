"""Review agents: reviewer decisions and appeals -> enforcement, audit, reopened cases, ban registry."""

from __future__ import annotations

import time

from stream.core.identity import members
from stream.core.review import on_appeal, on_decision
from stream.drivers.faust_app import Wiring


def register(w: Wiring) -> None:
    async def apply(effects, state_write) -> None:
        """Deliver the effects, then write the state (review state, ban registry): a crash in between
        replays the decision onto the old state instead of losing its enforcement."""
        registry = [eff for eff in effects if eff.kind == "registry"]
        await w.emit_all([eff for eff in effects if eff.kind != "registry"])  # raises: dead-lettered by each_valid
        for eff in registry:
            if eff.payload["value"] is None:
                w.registry.delete(eff.key)
            else:
                w.registry.put(eff.key, eff.payload["value"])
        state_write()

    async def decide(decision: dict) -> None:
        person = w.registry.get(f"account:{decision['user_id']}") or f"p:{decision['user_id']}"
        accounts = members(person, w.registry) or [decision["user_id"]]
        state, effects = on_decision(w.reviews.get(decision["case_id"]), decision, person, accounts, time.time())
        await apply(effects, lambda: w.reviews.__setitem__(decision["case_id"], state))

    async def appeal(appeal: dict) -> None:
        state, effects = on_appeal(w.reviews.get(appeal["case_id"]), appeal, time.time())
        await apply(effects, lambda: state is not None and w.reviews.__setitem__(appeal["case_id"], state))

    @w.app.agent(w.topics["review-decisions"], name="decisions")
    async def decisions(stream):
        await w.each_valid(stream, "review-decision", "decision_id", decide)

    @w.app.agent(w.topics["appeals"], name="appeals")
    async def appeals(stream):
        await w.each_valid(stream, "appeal", "appeal_id", appeal)
