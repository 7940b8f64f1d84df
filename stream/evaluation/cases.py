"""Replayed case events (open/update lines) collapsed into one summary per case.

Evaluation counts cases, not events: a case is what a reviewer opens once. The summary keeps the
open (when, which rule, which turn) and the final state (categories, worst priority, evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import orjson

from stream.core.timeutil import parse_rfc3339


@dataclass
class CaseSummary:
    case_id: str
    user_id: str
    opened_at: float
    opened_at_text: str
    trigger_event_id: str
    rule: str
    categories: list[str]
    severity: float
    priority: int
    route: str
    scores: dict[str, float]
    evidence: list[dict]
    tenant_id: str | None = None
    updates: int = 0
    accounts: list[str] = field(default_factory=list)  # every account of the person the case covers
    model_probability: float | None = None  # trajectory cases: the model's probability when the case opened
    confidence: float | None = None  # the highest `confidence` of its events (stream/core/confidence.py), if any
    model_version: str = ""  # which classifiers and policy opened it (the report's header names them)
    policy_version: str = ""

    @property
    def first_evidence_ts(self) -> float:
        return min((parse_rfc3339(e["ts"]) for e in self.evidence), default=self.opened_at)


def collapse(events: Iterable[dict]) -> list[CaseSummary]:
    """One summary per case_id, ordered by (opened_at, case_id)."""
    cases: dict[str, CaseSummary] = {}
    for ev in events:
        cid = ev["case_id"]
        c = cases.get(cid)
        if c is None:
            cases[cid] = CaseSummary(
                case_id=cid, user_id=ev["user_id"], opened_at=parse_rfc3339(ev["opened_at"]),
                opened_at_text=ev["opened_at"], trigger_event_id=ev["trigger_event_id"], rule=ev.get("rule", ""),
                categories=list(ev["categories"]), severity=ev["severity"], priority=ev["priority"],
                route=ev.get("route", ""), scores=dict(ev.get("scores", {})), evidence=list(ev.get("evidence", [])),
                tenant_id=ev.get("tenant_id"), accounts=sorted(set(ev.get("accounts") or []) | {ev["user_id"]}),
                model_probability=ev.get("model_probability"), model_version=ev.get("model_version", ""),
                policy_version=ev.get("policy_version", ""), confidence=ev.get("confidence"))
            continue
        c.updates += 1
        c.categories = list(dict.fromkeys(c.categories + list(ev["categories"])))
        c.severity = max(c.severity, ev["severity"])
        c.priority = min(c.priority, ev["priority"])
        c.route = ev.get("route", c.route)
        for cat, v in ev.get("scores", {}).items():
            c.scores[cat] = max(v, c.scores.get(cat, 0.0))
        c.evidence = list(ev.get("evidence", c.evidence))
        c.accounts = sorted(set(c.accounts) | set(ev.get("accounts") or []))
        if ev.get("confidence") is not None:
            c.confidence = max(c.confidence or 0.0, ev["confidence"])
    return sorted(cases.values(), key=lambda c: (c.opened_at, c.case_id))


def load_cases(path: str) -> list[CaseSummary]:
    """Read a `riskstream replay --cases` file; a bad line is an error naming the line."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"cases file not found: {path}")
    events = []
    with p.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                ev = orjson.loads(line)
                if ev.get("event") == "reopen":
                    continue  # an appeal sending a case back to review: not a detection
                missing = [k for k in ("case_id", "user_id", "opened_at", "trigger_event_id", "categories",
                                       "severity", "priority") if k not in ev]
            except (orjson.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a case event: {exc}") from None
            if missing:
                raise ValueError(f"{path}:{n}: case event lacks {', '.join(missing)}")
            events.append(ev)
    try:
        return collapse(events)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def redacted_view(case: CaseSummary, zdr_tenants: frozenset[str] = frozenset(), evidence_limit: int = 3) -> dict:
    """What a report may show of a case: the review payload's redacted excerpts, never raw text of ZDR tenants."""
    zdr = case.tenant_id in zdr_tenants
    return {
        "case_id": case.case_id, "user_id": case.user_id, "opened_at": case.opened_at_text, "rule": case.rule,
        "categories": case.categories, "priority": case.priority, "severity": case.severity,
        "evidence": [{"event_id": e["event_id"], "ts": e["ts"], "top_category": e.get("top_category"),
                      "score": e.get("score"), "excerpt": None if zdr else e.get("excerpt")}
                     for e in case.evidence[-evidence_limit:]],
    }
