"""Label sources for evaluation: reviewer decisions (real traffic) and simulation truth (benchmarks).

Decisions follow `schemas/review-decision.schema.json`. Confirmed = warn / suspend / ban /
escalate; dismissed = dismiss / deprioritise. An appeal (a decision with `appeal_of`) replaces
the decision it appeals, so the final word on a case is what counts.

Join rule (`join_decisions`): a replayed case takes the final decision with the same case_id;
failing that, the final decision for the same user (or another account linked to the same
person, per the case's `accounts`) whose ts lies within `window_s` of the replayed case's opening
(closest first; live and replayed cases of one person then describe the same behaviour). A
confirmed decision joined to no replayed case is a miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from stream.core.timeutil import parse_rfc3339
from stream.evaluation.cases import CaseSummary
from stream.evaluation.records import valid_records

CONFIRMED = frozenset({"warn", "suspend", "ban", "escalate"})
DISMISSED = frozenset({"dismiss", "deprioritise"})
TRUTH_KINDS = ("escalating", "benign", "spike")


@dataclass(frozen=True)
class Decision:
    decision_id: str
    case_id: str
    user_id: str
    action: str
    ts: float
    categories: tuple[str, ...] = ()
    appeal_of: str | None = None

    @property
    def label(self) -> str:
        return "confirmed" if self.action in CONFIRMED else "dismissed"


@dataclass(frozen=True)
class TruthUser:
    user_id: str
    kind: str
    category: str | None
    harm_ts: float | None
    harm_event_id: str | None
    shape: str | None = None  # how the harm is laid out (explicit, spread, cross-account, posts, ...)
    accounts: tuple[str, ...] = ()  # every account of the person (a case on any of them counts)

    @property
    def account_ids(self) -> tuple[str, ...]:
        return self.accounts or (self.user_id,)


def parse_decisions(records: Iterable[tuple[object, bytes]], errors: list[str]) -> list[Decision]:
    """Valid decisions (invalid ones are appended to `errors` with where they came from)."""
    return [Decision(d["decision_id"], d["case_id"], d["user_id"], d["action"], parse_rfc3339(d["ts"]),
                     tuple(d.get("categories", ())), d.get("appeal_of"))
            for _, d in valid_records(records, "review-decision", errors)]


def final_decisions(decisions: list[Decision]) -> list[Decision]:
    """The last word per case: appealed decisions are dropped, then the latest per case_id wins."""
    appealed = {d.appeal_of for d in decisions if d.appeal_of}
    latest: dict[str, Decision] = {}
    for d in sorted(decisions, key=lambda d: (d.ts, d.decision_id)):
        if d.decision_id not in appealed:
            latest[d.case_id] = d
    return sorted(latest.values(), key=lambda d: (d.ts, d.decision_id))


def parse_truth(records: Iterable[tuple[object, bytes]], errors: list[str]) -> list[TruthUser]:
    """Simulation truth lines: user_id, kind (escalating|benign|spike), category, harm_inferable_at, harm_event_id,
    and optionally shape and accounts (all accounts of one person)."""
    out: list[TruthUser] = []
    for where, t in valid_records(records, None, errors):
        uid, kind = t.get("user_id"), t.get("kind")
        if not isinstance(uid, str) or kind not in TRUTH_KINDS:
            errors.append(f"{where}: needs a string user_id and kind in {'|'.join(TRUTH_KINDS)}")
            continue
        try:
            harm = parse_rfc3339(t["harm_inferable_at"]) if t.get("harm_inferable_at") else None
        except (ValueError, TypeError) as exc:
            errors.append(f"{where}: bad harm_inferable_at: {exc}")
            continue
        accounts = t.get("accounts") or []
        if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
            errors.append(f"{where}: accounts must be a list of user ids")
            continue
        out.append(TruthUser(uid, kind, t.get("category"), harm, t.get("harm_event_id"), t.get("shape"), tuple(accounts)))
    return out


@dataclass
class Joined:
    case: CaseSummary
    decision: Decision | None
    how: str  # "case_id" | "user+time" | "none"

    @property
    def label(self) -> str:
        return self.decision.label if self.decision else "unreviewed"


def join_decisions(cases: list[CaseSummary], decisions: list[Decision], window_s: float
                   ) -> tuple[list[Joined], list[Decision]]:
    """(every case with its decision or none, confirmed final decisions no case was joined to)."""
    final = final_decisions(decisions)
    by_case = {d.case_id: d for d in final}
    by_user: dict[str, list[Decision]] = {}
    for d in final:
        by_user.setdefault(d.user_id, []).append(d)
    used: set[str] = set()
    joined: list[Joined] = []
    for c in cases:
        d = by_case.get(c.case_id)
        how = "case_id"
        if d is None:
            near = [x for u in c.accounts or [c.user_id] for x in by_user.get(u, ())
                    if abs(x.ts - c.opened_at) <= window_s]
            d = min(near, key=lambda x: (abs(x.ts - c.opened_at), x.ts, x.decision_id)) if near else None
            how = "user+time" if d else "none"
        if d is not None:
            used.add(d.decision_id)
        joined.append(Joined(c, d, how))
    missed = [d for d in final if d.label == "confirmed" and d.decision_id not in used]
    return joined, missed
