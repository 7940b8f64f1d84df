"""Privacy holds and time bounds applied to historical turns before they are replayed.

Deleted users stay deleted: every turn of a user with ts at or before their latest delete_user
request is dropped (a later turn under the same id is new data); with `include_person`, so are
the turns of every account linked to the same person. Retention: a replay may not
reach further back than the retention limit unless the operator names an archive they own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from stream.core.events import Turn
from stream.core.identity import DictRegistry
from stream.core.pipeline import with_person
from stream.core.timeutil import format_rfc3339, parse_rfc3339
from stream.evaluation.records import valid_records


@dataclass
class HoldReport:
    outside_range: int = 0
    deleted_turns: int = 0
    deleted_users: set = field(default_factory=set)
    requests: int = 0
    bad_requests: list[str] = field(default_factory=list)


def load_deletions(records: Iterable[tuple[object, bytes]], report: HoldReport) -> dict[str, tuple[float, bool]]:
    """user_id -> (ts of their latest delete_user request, whether it covers the whole person).

    Invalid requests are listed in the report, never ignored silently."""
    deleted: dict[str, tuple[float, bool]] = {}
    for _, req in valid_records(records, "privacy-request", report.bad_requests):
        report.requests += 1
        ts, person = parse_rfc3339(req["ts"]), bool(req.get("include_person"))
        old_ts, old_person = deleted.get(req["user_id"], (ts, person))
        deleted[req["user_id"]] = (max(ts, old_ts), person or old_person)
    return deleted


def merge_deletions(into: dict[str, tuple[float, bool]], more: dict[str, tuple[float, bool]]) -> None:
    for user, (ts, person) in more.items():
        old_ts, old_person = into.get(user, (ts, person))
        into[user] = (max(ts, old_ts), person or old_person)


def persons_by_user(turns: Iterable[Turn]) -> dict[str, str]:
    """user -> person, as the core's account linking resolves it over these turns in this order."""
    registry = DictRegistry()
    return {t.user_id: with_person(t, registry).person_id for t in turns}


def hold_back(turns: Iterable[Turn], start: float | None, end: float | None, deleted: dict[str, tuple[float, bool]],
              report: HoldReport) -> Iterator[Turn]:
    """Turns with start <= ts < end not deleted: neither their account nor (include_person) their person
    had a deletion request at or after them. Order is preserved; lazy (the report fills as it is read).
    Person-wide deletions read `turns` once more first, to link accounts: pass a re-iterable."""
    cutoff = {u: ts for u, (ts, _) in deleted.items()}
    if any(person for _, person in deleted.values()):
        persons = persons_by_user(turns)
        gone = {}
        for u, (ts, person) in deleted.items():
            if person:
                p = persons.get(u, u)
                gone[p] = max(ts, gone.get(p, ts))
        for u, p in persons.items():
            if p in gone:
                cutoff[u] = max(gone[p], cutoff.get(u, gone[p]))
    return _kept(turns, start, end, cutoff, report)


def _kept(turns, start, end, cutoff, report) -> Iterator[Turn]:
    for t in turns:
        if (start is not None and t.ts < start) or (end is not None and t.ts >= end):
            report.outside_range += 1
        elif t.user_id in cutoff and t.ts <= cutoff[t.user_id]:
            report.deleted_turns += 1
            report.deleted_users.add(t.user_id)
        else:
            yield t


def check_retention(start: float, now: float, retention_days: float, archive: bool) -> None:
    """Raise ValueError when `start` lies beyond retention and no archive was named."""
    limit = now - retention_days * 86400
    if start < limit and not archive:
        raise ValueError(f"--from {format_rfc3339(start)} is older than the retention limit of {retention_days:g} days "
                         f"({format_rfc3339(limit)}); data that old must not be replayed unless you read an archive "
                         f"you own: pass --archive to confirm")
