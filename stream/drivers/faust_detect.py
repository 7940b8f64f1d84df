"""Detection agents: link accounts, detect a turn where it is read when its partition is its
person's home, else re-key it by person; batch-score and step windows.

One hop for most turns (issue 16): a turn read on its person's home partition (`home.py`: an
account that is its person's first, keyed by user id) is detected by `link` itself; only the others
(linked accounts homed elsewhere, persons the platform names) cross turns-by-person to `detect`.
Both agents step windows of the same table, so a person's turns can reach either: one lock keeps
each batch's read-step-deliver-write of windows whole (the core is CPU-bound in one thread anyway).
Re-keyed turns of zero-data-retention tenants are scored in `link` and cross without their text.

turns-by-person also carries control records (erase / purge, see `faust_privacy`), applied in
order between the turns of a batch, on the partition that holds the person's window.

Every record is handled in isolation: a record that fails, whatever the reason, is dead-lettered
with that reason and the rest of its batch goes on (nothing lost, nothing crashes the agent); it is
acked only once its dead letter is on the broker. A batch that fails outside any one record's
handling is not acked at all, and read again (`batching`).
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson

from stream.core.deadletter import processing_error
from stream.core.events import Rejection, Turn, parse_turn, person_payload, person_turn
from stream.core.identity import link
from stream.core.pipeline import run_isolated
from stream.core.privacy import erase, purge
from stream.core.review import banned_key
from stream.core.window import UserWindow
from stream.drivers.batching import Batch
from stream.drivers.faust_app import TableStore, Wiring, raw_value
from stream.drivers.faust_privacy import LEGACY_COPY, control_of, is_deleted
from stream.drivers.home import home_partition
from stream.drivers.pending import PendingRegistry, PendingWindows
from stream.ops.metrics import core_timed

log = logging.getLogger("riskstream.detect")


def register(w: Wiring) -> None:
    limits, partitions = w.settings.limits, w.settings.partitions
    here, rekeyed = TableStore(w.windows), TableStore(w.windows)  # windows of `link`'s and `detect`'s turns
    serial = asyncio.Lock()

    def is_home(event, home: int) -> bool:
        """Is the partition the turn was read on its person's home partition `home`? (the table's
        partition is then the turn's own: the source topic must have the table's partition count)"""
        msg = event.message
        return (not w.settings.rekey_every_turn and msg.partition == home
                and w.app.consumer.topic_partitions(msg.topic) == partitions)

    async def link_one(batch: Batch, event, raw: bytes, registry: PendingRegistry, sent: list, local: list[Turn]) -> None:
        parsed = parse_turn(raw, limits, time.time())
        if isinstance(parsed, Rejection):
            await w.dead_letter(batch, event, raw, parsed)
            return
        if is_deleted(w, parsed.user_id, parsed.ts):
            return  # older than its user's deletion request: never resurrect deleted data
        person_id, ban = parsed.person_id, None
        registry.event = event
        if person_id is None:
            linked = link(parsed.user_id, parsed.identity, registry)
            person_id = linked.person_id
            ban = registry.get(banned_key(linked.person_id)) if linked.new_account else None
        ban_evasion = {**ban, "linked_via": linked.linked_via} if ban else None
        home = home_partition(person_id, partitions)
        if is_home(event, home):  # detected here: one hop
            turn = person_turn(parsed, person_id, ban_evasion)
            here.events[id(turn)] = event
            local.append(turn)
            return
        payload = person_payload(parsed, person_id)  # public fields only: nothing forged travels on
        if ban_evasion:
            payload["ban_evasion"] = ban_evasion
        if parsed.tenant_id in w.detector.config.zdr_tenants:
            # zero data retention: score here, where the text is; only scores cross the topic
            payload["prescored"] = w.detector.prescore(parsed, person_id)
            payload["text"] = ""
        sent.append((event, raw, await w.topics["turns-by-person"].send(
            key=person_id.encode(), value=orjson.dumps(payload), partition=home)))

    @w.app.agent(w.topics["turns"], name="link")
    async def link_accounts(stream):
        await w.each_batch(stream, link_batch, here.events.clear)

    async def link_batch(batch: Batch) -> None:
        registry, sent, local = PendingRegistry(w.registry), [], []
        for event in batch:
            raw = raw_value(event)
            try:
                await link_one(batch, event, raw, registry, sent, local)
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the agent
                await w.dead_letter(batch, event, raw, processing_error(exc, *_ids(raw)))
        # new links are written only once the re-keyed turns are on the broker and the turns
        # detected here are done: a crash before that relinks the redelivered turns as new
        # accounts (ban evasion is still seen)
        for (event, raw, _), error in zip(sent, await w.delivered([f for _, _, f in sent])):
            if error is not None:
                await w.dead_letter(batch, event, raw, processing_error(error, *_ids(raw)))
        await run_turns(batch, here, local)
        registry.flush()

    async def run_turns(batch: Batch, store: TableStore, turns: list[Turn]) -> None:
        """Step the turns' windows in memory, deliver every effect, then write the windows."""
        if not turns:
            return
        async with serial:
            windows, sent = PendingWindows(store), []
            for turn, effects in core_timed(run_isolated(w.detector, turns, windows)):
                if isinstance(effects, Exception):
                    log.warning("turn %s dead-lettered: %s", turn.event_id, type(effects).__name__)
                    event = store.events[id(turn)]
                    await w.dead_letter(batch, event, raw_value(event),
                                        processing_error(effects, turn.event_id, turn.tenant_id))
                    continue
                # the purge clock follows event time, but never beyond the wall clock
                w.watermark = max(w.watermark, min(turn.ts, time.time()))
                for eff in effects:
                    sent.append((turn, await w.emit_effect(eff)))
            failed = {}
            for (turn, _), error in zip(sent, await w.delivered([f for _, f in sent])):
                if error is not None and id(turn) not in failed:
                    failed[id(turn)] = turn
                    event = store.events[id(turn)]
                    await w.dead_letter(batch, event, raw_value(event), processing_error(error, turn.event_id, turn.tenant_id))
            # a window whose effects did not all reach the broker keeps its old state (the turn is dead-lettered)
            windows.discard({w.detector.window_key(t) for t in failed.values()})
            windows.flush()
        turns.clear()

    async def run_control(event, control: dict) -> None:
        key, store = control["person_id"], rekeyed
        store.events[id(control)] = event
        async with serial:
            stored = store.get(key, control)
            if stored is None and control.get("copy") == LEGACY_COPY:
                return  # no window written here by an earlier version: the home partition's record does the work
            window = UserWindow.from_stored(stored) if stored else None
            if control["control"] == "erase":
                window, effects = erase(window, control["request"], time.time())
            else:
                window, effects = purge(window, key, control["now"], w.detector.config.retention_days)
                if not effects:
                    return  # the person came back since the purge was scheduled
            # effects first (a crash in between repeats the erase or purge, which is idempotent)
            await w.emit_all(effects)  # raises: dead-lettered by the caller, the window left as it was
            if window is None:
                if stored is not None:
                    store.delete(key, control)  # tombstone on the changelog
            else:
                store.put(key, window.to_stored(), control)  # supersedes the old value on the changelog
            if stored is not None:
                store.compact(control)  # and on local disk, now

    async def read_event(batch: Batch, event, raw: bytes, turns: list[Turn]) -> None:
        control = control_of(event, raw)
        if control is not None:
            await run_turns(batch, rekeyed, turns)  # keep arrival order around the control record
            await run_control(event, control)
            return
        parsed = parse_turn(raw, limits, internal=True)
        if isinstance(parsed, Rejection):  # only if something other than `link` writes here
            await w.dead_letter(batch, event, raw, parsed)
            return
        turns.append(parsed)
        rekeyed.events[id(parsed)] = event

    @w.app.agent(w.topics["turns-by-person"], name="detect")
    async def detect(stream):
        await w.each_batch(stream, detect_batch, rekeyed.events.clear)

    async def detect_batch(batch: Batch) -> None:
        turns: list[Turn] = []
        for event in batch:
            raw = raw_value(event)
            try:
                await read_event(batch, event, raw, turns)
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the batch
                await w.dead_letter(batch, event, raw, processing_error(exc, *_ids(raw)))
        await run_turns(batch, rekeyed, turns)


def _ids(raw: bytes) -> tuple[str | None, str | None]:
    """event_id and tenant_id of a record, if it is JSON that has them (else None: withheld under ZDR)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(value, dict):
        return None, None
    return tuple(v if isinstance(v, str) else None for v in (value.get("event_id"), value.get("tenant_id")))
