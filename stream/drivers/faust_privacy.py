"""Privacy agents: deletion requests and retention purges, applied where each window lives.

A request arrives keyed by user; the agent erases the account from the identity registry, marks
it deleted (so re-delivered old turns cannot resurrect it) and sends an `erase` control record
keyed by the person to turns-by-person, at the partition that holds the person's window (`home.py`). A timer
does the same with `purge` records for windows idle beyond retention (by event time).
"""

from __future__ import annotations

import logging

import orjson

from stream.core.identity import members
from stream.core.timeutil import parse_rfc3339
from stream.core.window_codec import updated_of
from stream.drivers.faust_app import Wiring
from stream.drivers.home import home_partition, legacy_partition

log = logging.getLogger("riskstream.worker")

def deleted_key(user_id: str) -> str:
    return f"deleted:{user_id}"


def register(w: Wiring) -> None:
    reg = w.registry

    async def delete_user(req: dict) -> None:
        user = req["user_id"]
        person = reg.get(f"account:{user}") or f"p:{user}"
        accounts = members(person, reg) if req.get("include_person") else [user]
        ts = parse_rfc3339(req["ts"])
        for account in accounts or [user]:
            reg.put(deleted_key(account), ts)
            reg.delete(f"account:{account}")
        remaining = [m for m in members(person, reg) if m not in accounts]
        if remaining:
            reg.put(f"members:{person}", "\n".join(remaining))
        else:
            reg.delete(f"members:{person}")
        await send_control(w, {"control": "erase", "person_id": person, "request": req, "accounts": accounts})

    @w.app.agent(w.topics["privacy-requests"], name="privacy")
    async def privacy(stream):
        await w.each_valid(stream, "privacy-request", "request_id", delete_user)

    @w.app.timer(interval=w.settings.purge_interval_s)
    async def purge_expired():
        horizon = w.watermark - w.detector.config.retention_days * 86400
        if w.watermark <= 0:
            return
        for key, value in list(w.windows.items()):
            if value and updated_of(value) < horizon:
                try:
                    await send_control(w, {"control": "purge", "person_id": key, "now": w.watermark})
                except Exception as exc:  # noqa: BLE001 - the window is still there: the next round sends it again
                    log.warning("purge of an expired window not sent (%r): retried next round", exc)


def is_deleted(w: Wiring, user_id: str, ts: float) -> bool:
    """A turn from before its user's deletion request must not bring the user back."""
    deleted_at = w.registry.get(deleted_key(user_id))
    return deleted_at is not None and ts <= float(deleted_at)


# Control records share turns-by-person with the person's turns (so they apply in order between
# them) and are marked by this header, which only the worker sets: never by what a payload says.
CONTROL_HEADER = "riskstream-control"
LEGACY_COPY = "legacy"  # a control record's `copy`: the one sent where an earlier version kept the window


async def send_control(w: Wiring, control: dict) -> None:
    """To the person's home partition; and, when it differs, to where an earlier version kept the
    person's window (`home.legacy_partition`), marked as that copy: applied there only if a window is
    there, so deletion reaches a window written before homes too. Raises when a record does not
    reach the broker (a deletion request is then dead-lettered, to be sent again, not acked as done)."""
    person, n = control["person_id"], w.settings.partitions
    home, legacy = home_partition(person, n), legacy_partition(person, n)
    sent = [await w.topics["turns-by-person"].send(key=person.encode(), value=orjson.dumps(record), partition=partition,
                                                    headers={CONTROL_HEADER: control["control"].encode()})
            for partition, record in [(home, control)]
            + ([(legacy, {**control, "copy": LEGACY_COPY})] if legacy != home else [])]
    await w.all_delivered(sent)  # the request is done only when its records are on the broker


def control_of(event, raw: bytes) -> dict | None:
    """The control record (erase / purge) of a turns-by-person event, or None for a turn."""
    kind = (event.headers or {}).get(CONTROL_HEADER)
    if kind not in (b"erase", b"purge"):
        return None
    value = orjson.loads(raw)
    return value if isinstance(value, dict) and value.get("control") == kind.decode() else None
