"""Privacy agents: deletion requests and retention purges, applied where each window lives.

A request arrives keyed by user; the agent erases the account from the identity registry, marks
it deleted (so re-delivered old turns cannot resurrect it) and sends an `erase` control record
keyed by the person to turns-by-person, the partition that holds the person's window. A timer
does the same with `purge` records for windows idle beyond retention (by event time).
"""

from __future__ import annotations

import orjson

from stream.core.identity import members
from stream.core.timeutil import parse_rfc3339
from stream.drivers.faust_app import Wiring

def deleted_key(user_id: str) -> str:
    return f"deleted:{user_id}"


def register(w: Wiring) -> None:
    reg = w.registry

    @w.app.agent(w.topics["privacy-requests"], name="privacy")
    async def privacy(stream):
        async for req in w.valid_records(stream, "privacy-request", "request_id"):
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
            control = {"control": "erase", "person_id": person, "request": req, "accounts": accounts}
            await w.topics["turns-by-person"].send(key=person.encode(), value=orjson.dumps(control))

    @w.app.timer(interval=w.settings.purge_interval_s)
    async def purge_expired():
        horizon = w.watermark - w.detector.config.retention_days * 86400
        if w.watermark <= 0:
            return
        for key, value in list(w.windows.items()):
            if value and value.get("updated", 0.0) < horizon:
                control = {"control": "purge", "person_id": key, "now": w.watermark}
                await w.topics["turns-by-person"].send(key=key.encode(), value=orjson.dumps(control))


def is_deleted(w: Wiring, user_id: str, ts: float) -> bool:
    """A turn from before its user's deletion request must not bring the user back."""
    deleted_at = w.registry.get(deleted_key(user_id))
    return deleted_at is not None and ts <= float(deleted_at)


def control_of(raw: bytes) -> dict | None:
    """The control record (erase / purge) carried on turns-by-person, or None for a turn."""
    if not raw.startswith(b'{"control"'):
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and value.get("control") in ("erase", "purge") else None
