"""Detection agents: link accounts and re-key by person, then batch-score and step windows."""

from __future__ import annotations

import orjson

from stream.core.events import Rejection, Turn, parse_turn
from stream.core.identity import link
from stream.core.pipeline import run_batch
from stream.core.review import banned_key
from stream.drivers.faust_app import TableStore, Wiring, raw_value


def register(w: Wiring) -> None:
    store = TableStore(w.windows)

    @w.app.agent(w.topics["turns"], name="link")
    async def link_accounts(stream):
        async for event in stream.events():
            raw = raw_value(event)
            parsed = parse_turn(raw)
            if isinstance(parsed, Rejection):
                await w.dead_letter(event, raw, parsed)
                continue
            payload = orjson.loads(raw)
            if parsed.person_id is None:
                linked = link(parsed.user_id, parsed.identity, w.registry)
                payload["person_id"] = linked.person_id
                ban = w.registry.get(banned_key(linked.person_id)) if linked.new_account else None
                if ban:
                    payload["ban_evasion"] = {**ban, "linked_via": linked.linked_via}
            await w.topics["turns-by-person"].send(key=payload["person_id"].encode(), value=orjson.dumps(payload))

    @w.app.agent(w.topics["turns-by-person"], name="detect")
    async def detect(stream):
        async for events in stream.take_events(w.settings.batch_size, within=w.settings.batch_within_s):
            turns: list[Turn] = []
            store.events.clear()
            for event in events:
                raw = raw_value(event)
                parsed = parse_turn(raw)
                if isinstance(parsed, Rejection):  # only if a producer writes here directly
                    await w.dead_letter(event, raw, parsed)
                    continue
                turns.append(parsed)
                store.events[id(parsed)] = event
            if not turns:
                continue
            for _turn, effects in run_batch(w.detector, turns, store):
                for eff in effects:
                    await w.emit_effect(eff)
            store.events.clear()
