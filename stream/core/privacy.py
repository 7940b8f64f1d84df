"""Deletion and retention on per-person windows: erase a user (or the whole person), purge the expired.

Pure: returns the new window (None = delete the key, which tombstones it on the changelog) and
effects: a case update with the user's excerpts removed when a case is open, and an audit record
that serves as the completion record of the request.
"""

from __future__ import annotations

from stream.core.audit import audit_record
from stream.core import heading
from stream.core.effects import Effect
from stream.core.timeutil import format_rfc3339
from stream.core.trajectory import drop_account
from stream.core.window import UserWindow


def erase(window: UserWindow | None, request: dict, now: float) -> tuple[UserWindow | None, list[Effect]]:
    """Apply a delete_user request to the person's window."""
    user = request["user_id"]
    details = {"window": "absent", "evidence_removed": 0, "open_case_redacted": False}
    effects: list[Effect] = []
    if window is not None:
        mine = [e for e in window.evidence if (e.user_id or window.user_id) == user]
        others = [e for e in window.evidence if e not in mine]
        details["evidence_removed"] = len(mine)
        # turns kept to cite in hindsight (stream/core/hindsight.py); a case may have shown them
        later = {e.event_id for e in window.hindsight if (e.user_id or window.user_id) == user}
        shown = [e.event_id for e in mine] + [i for i in (window.case.evidence_ids if window.case else []) if i in later]
        if window.case is not None and shown:
            details["open_case_redacted"] = True
            effects.append(Effect("case_redaction", window.case.case_id, {
                "case_id": window.case.case_id, "event": "redact", "user_id": user, "ts": format_rfc3339(now),
                "request_id": request["request_id"], "redacted_event_ids": shown,
                "reason": "deletion request: this user's evidence text is erased"}))
        if request.get("include_person") or not others:
            window, details["window"] = None, "erased"
        else:
            window.evidence = others
            window.hindsight = [e for e in window.hindsight if e.event_id not in later]
            window.context = []
            details["peaks_removed"] = drop_account(window, user)
            details["heading_removed"] = heading.drop_account(window, user)
            window.direction = []  # (a mean cannot give back one account's share: it starts again)
            gone = {e.event_id for e in mine} | later
            window.stages = {k: v for k, v in window.stages.items() if v[1] not in gone}
            if window.case:
                window.case.evidence_ids = [i for i in window.case.evidence_ids if i not in gone]
            details["window"] = "pruned"
    effects.append(Effect("audit", user, audit_record("riskstream", "service", "deletion",
                                                      {"request_id": request["request_id"], "user_id": user},
                                                      "applied", "delete_user request", now, details)))
    return window, effects


def purge(window: UserWindow | None, key: str, now: float, retention_days: float) -> tuple[UserWindow | None, list[Effect]]:
    """Drop a window idle beyond retention (by event time); audited."""
    if window is None or now - window.updated <= retention_days * 86400:
        return window, []
    details = {"idle_days": round((now - window.updated) / 86400, 2), "retention_days": retention_days}
    return None, [Effect("audit", key, audit_record("riskstream", "service", "purge", {"person_id": key}, "applied",
                                                    "retention window passed", now, details))]
