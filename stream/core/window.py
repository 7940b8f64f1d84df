"""Per-user window state: decayed risk per category, a bounded evidence ring, the open case.

State is a plain dataclass that round-trips through a JSON-able dict, so the same value lives in
a Python dict (replay), a Faust table (worker) or a RocksDB store without adapters. It holds turn
references and redacted excerpts, never unbounded raw text.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from stream.taxonomy import CATEGORIES


@dataclass(slots=True)
class Evidence:
    """A reference to a turn that contributed risk (plus its redacted excerpt, unless ZDR)."""

    event_id: str
    conversation_id: str
    turn_index: int
    ts: float
    role: str
    top_category: str
    score: float
    scores: dict[str, float]  # contributing categories only
    excerpt: str | None = None
    redactions: list[dict] = field(default_factory=list)
    text_sha256: str = ""
    signals: list[dict] = field(default_factory=list)
    user_id: str = ""  # the account that wrote it (a person's window spans accounts)
    stages: list[str] = field(default_factory=list)  # "pathway:stage" signals of this turn
    contextual: bool = False  # scores inherited from the conversation context


@dataclass(slots=True)
class OpenCase:
    case_id: str
    opened_at: float
    updated_at: float
    last_emitted_at: float
    categories: list[str]
    severity: float
    priority: int
    route: str
    rule: str
    evidence_ids: list[str]


@dataclass(slots=True)
class UserWindow:
    user_id: str
    updated: float = 0.0  # event time the risk values are decayed to
    risk: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    conversations: list[str] = field(default_factory=list)
    recent_ids: list[str] = field(default_factory=list)
    case: OpenCase | None = None
    turns: int = 0
    stages: dict[str, list] = field(default_factory=dict)  # "pathway:stage" -> [last ts, event_id]
    context: list[dict] = field(default_factory=list)  # last user turns of the latest conversation (redacted)
    peaks: dict[str, list] = field(default_factory=dict)  # category -> top K [score, ts, event_id] (trajectory model)

    def decay_to(self, now: float, half_life_s: float) -> None:
        """Exponentially decay risk to event time `now` (never backwards: late turns add at par)."""
        if now > self.updated:
            if self.risk:
                factor = math.pow(0.5, (now - self.updated) / half_life_s)
                self.risk = {c: v * factor for c, v in self.risk.items() if v * factor >= 1e-3}
            self.updated = now

    def to_dict(self) -> dict:
        d = asdict(self)
        d["risk"] = {c: round(v, 6) for c, v in self.risk.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "UserWindow":
        case = d.get("case")
        return cls(
            user_id=d["user_id"],
            updated=d.get("updated", 0.0),
            risk={c: v for c, v in d.get("risk", {}).items() if c in CATEGORIES},
            evidence=[Evidence(**e) for e in d.get("evidence", [])],
            conversations=list(d.get("conversations", [])),
            recent_ids=list(d.get("recent_ids", [])),
            case=OpenCase(**case) if case else None,
            turns=d.get("turns", 0),
            stages={k: list(v) for k, v in d.get("stages", {}).items()},
            context=list(d.get("context", [])),
            peaks={c: [list(p) for p in v] for c, v in d.get("peaks", {}).items() if c in CATEGORIES},
        )


def push_bounded(items: list, item, limit: int) -> None:
    """Append `item` and drop the oldest entries beyond `limit` (the ring buffers of the window)."""
    items.append(item)
    if len(items) > limit:
        del items[: len(items) - limit]
