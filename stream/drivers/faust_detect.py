"""Detection agents: link accounts and re-key by person, then batch-score and step windows.

Turns of zero-data-retention tenants are scored in `link` and re-keyed without their text.

turns-by-person also carries control records (erase / purge, see `faust_privacy`), applied in
order between the turns of a batch, on the partition that holds the person's window.
"""

from __future__ import annotations

import time

import orjson

from stream.core.events import Rejection, Turn, parse_turn
from stream.core.identity import link
from stream.core.pipeline import run_batch
from stream.core.privacy import erase, purge
from stream.core.review import banned_key
from stream.core.window import UserWindow
from stream.drivers.faust_app import TableStore, Wiring, raw_value
from stream.drivers.faust_privacy import control_of, is_deleted


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
            if is_deleted(w, parsed.user_id, parsed.ts):
                continue  # older than its user's deletion request: never resurrect deleted data
            payload = orjson.loads(raw)
            if parsed.person_id is None:
                linked = link(parsed.user_id, parsed.identity, w.registry)
                payload["person_id"] = linked.person_id
                ban = w.registry.get(banned_key(linked.person_id)) if linked.new_account else None
                if ban:
                    payload["ban_evasion"] = {**ban, "linked_via": linked.linked_via}
            if parsed.tenant_id in w.detector.config.zdr_tenants:
                # zero data retention: score here, where the text is; only scores cross the topic
                payload["prescored"] = w.detector.prescore(parsed, payload["person_id"])
                payload["text"] = ""
            await w.topics["turns-by-person"].send(key=payload["person_id"].encode(), value=orjson.dumps(payload))

    async def run_turns(turns: list[Turn]) -> None:
        if turns:
            for turn, effects in run_batch(w.detector, turns, store):
                w.watermark = max(w.watermark, turn.ts)
                for eff in effects:
                    await w.emit_effect(eff)
            turns.clear()

    async def run_control(event, control: dict) -> None:
        key = control["person_id"]
        store.events[id(control)] = event
        stored = store.get(key, control)
        window = UserWindow.from_dict(stored) if stored else None
        if control["control"] == "erase":
            window, effects = erase(window, control["request"], time.time())
        else:
            window, effects = purge(window, key, control["now"], w.detector.config.retention_days)
            if not effects:
                return  # the person came back since the purge was scheduled
        if window is None:
            if stored is not None:
                store.delete(key, control)  # tombstone on the changelog
        else:
            store.put(key, window.to_dict(), control)
        for eff in effects:
            await w.emit_effect(eff)

    @w.app.agent(w.topics["turns-by-person"], name="detect")
    async def detect(stream):
        async for events in stream.take_events(w.settings.batch_size, within=w.settings.batch_within_s):
            turns: list[Turn] = []
            store.events.clear()
            for event in events:
                raw = raw_value(event)
                control = control_of(raw)
                if control is not None:
                    await run_turns(turns)  # keep arrival order around the control record
                    await run_control(event, control)
                    continue
                parsed = parse_turn(raw)
                if isinstance(parsed, Rejection):  # only if a producer writes here directly
                    await w.dead_letter(event, raw, parsed)
                    continue
                turns.append(parsed)
                store.events[id(parsed)] = event
            await run_turns(turns)
            store.events.clear()
