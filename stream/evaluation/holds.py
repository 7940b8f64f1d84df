"""Privacy holds and time bounds applied to historical turns before they are replayed.

Deleted users stay deleted: every turn of a user with ts at or before their latest delete_user
request is dropped (a later turn under the same id is new data). Retention: a replay may not
reach further back than the retention limit unless the operator names an archive they own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import orjson

from stream.core.events import Turn
from stream.core.timeutil import format_rfc3339, parse_rfc3339
from stream.schemas import first_error


@dataclass
class HoldReport:
    outside_range: int = 0
    deleted_turns: int = 0
    deleted_users: set = field(default_factory=set)
    requests: int = 0
    bad_requests: list[str] = field(default_factory=list)


def load_deletions(records: Iterable[tuple[object, bytes]], report: HoldReport) -> dict[str, float]:
    """user_id -> ts of their latest delete_user request. Invalid requests are listed, not ignored silently."""
    deleted: dict[str, float] = {}
    for where, raw in records:
        try:
            req = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            report.bad_requests.append(f"{where}: not valid JSON: {exc}")
            continue
        problem = first_error("privacy-request", req)
        if problem is not None:
            report.bad_requests.append(f"{where}: schema violation at {problem[1]}: {problem[0]}")
            continue
        report.requests += 1
        ts = parse_rfc3339(req["ts"])
        deleted[req["user_id"]] = max(ts, deleted.get(req["user_id"], ts))
    return deleted


def apply_holds(turns: list[Turn], start: float | None, end: float | None, deleted: dict[str, float],
                report: HoldReport) -> list[Turn]:
    """Turns with start <= ts < end whose user was not deleted after them (order preserved)."""
    kept: list[Turn] = []
    for t in turns:
        if (start is not None and t.ts < start) or (end is not None and t.ts >= end):
            report.outside_range += 1
        elif t.user_id in deleted and t.ts <= deleted[t.user_id]:
            report.deleted_turns += 1
            report.deleted_users.add(t.user_id)
        else:
            kept.append(t)
    return kept


def check_retention(start: float, now: float, retention_days: float, archive: bool) -> None:
    """Raise ValueError when `start` lies beyond retention and no archive was named."""
    limit = now - retention_days * 86400
    if start < limit and not archive:
        raise ValueError(f"--from {format_rfc3339(start)} is older than the retention limit of {retention_days:g} days "
                         f"({format_rfc3339(limit)}); data that old must not be replayed unless you read an archive "
                         f"you own: pass --archive to confirm")
