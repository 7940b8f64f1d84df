"""Per-user window state: decayed risk per category, a bounded evidence ring, the open case.

State is a plain dataclass stored as bytes (`to_stored`, `stream/core/window_codec.py`), so the
same value lives in a Python dict (replay), a Faust table (worker) or a RocksDB store without
adapters. It holds turn references and redacted excerpts, never unbounded raw text. The stored
form is compact (every active person's window sits in RocksDB and its changelog) and lossless
but for risk (6 decimals) and the redelivery ring, which holds short hashes of event ids in memory
already.
"""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass, field


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
    # explicit-harm categories among `scores` whose explicitness the turn's words did not carry
    # (`framing.unsaid`): read there, they need corroboration, later as on the turn itself
    unsaid: list[str] = field(default_factory=list)


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
    recent_ids: list[str] = field(default_factory=list)  # redelivery ring: `redelivery_key` of event ids
    case: OpenCase | None = None
    turns: int = 0
    stages: dict[str, list] = field(default_factory=dict)  # "pathway:stage" -> [last ts, event_id]
    context: list[dict] = field(default_factory=list)  # last user turns of the latest conversation (redacted)
    peaks: dict[str, list] = field(default_factory=dict)  # category -> top K [score, ts, event_id] (trajectory model)
    # Turns of a forming pattern the stage tagger read a later stage in, without the classifiers'
    # support it needs to count then: no evidence, but cited in hindsight if the pattern becomes a case
    # (`stages` holds what the tagger read). Bounded (`PolicyConfig.hindsight_limit`).
    hindsight: list[Evidence] = field(default_factory=list)
    # The heading reader's three highest readings of the person's user turns (stream/core/heading.py):
    # [reading, ts, event_id], plus the account when it is not the window's own
    heading: list[list] = field(default_factory=list)
    # The heading reader's direction (stream/core/heading.py `lean`): [sum, weight] of the person's user
    # turns' readings of heading towards themselves, decayed with the risk; [] before any was read
    direction: list[float] = field(default_factory=list)

    def kept_entry(self, value: float, ts: float, event_id: str, user_id: str) -> list:
        """A turn's kept reading (trajectory peaks, heading readings): [value, ts, event_id], plus the
        account when it is not the window's own (a person's window spans linked accounts; deleting one
        must find its entries)."""
        return [value, ts, event_id] + ([user_id] if user_id and user_id != self.user_id else [])

    def entry_account(self, entry: list) -> str:
        """The account a `kept_entry` came from."""
        return entry[3] if len(entry) > 3 else self.user_id

    def decay_to(self, now: float, half_life_s: float) -> None:
        """Exponentially decay risk to event time `now` (never backwards: late turns add at par)."""
        if now > self.updated:
            if self.risk or self.direction:
                factor = decay_factor(now - self.updated, half_life_s)
                self.risk = {c: v * factor for c, v in self.risk.items() if v * factor >= RISK_FLOOR}
                if self.direction:
                    self.direction = [self.direction[0] * factor, self.direction[1] * factor]
            self.updated = now

    def to_stored(self) -> bytes:
        """The window as stored (tables, changelogs): the compact format, written by hand (no
        dataclass reflection per turn)."""
        return _codec.encode(self)

    @classmethod
    def from_stored(cls, value: bytes | dict) -> "UserWindow":
        """Read a stored window: the current format, or an earlier one (JSON; field names as keys in
        the first) that windows already in tables and changelogs hold."""
        return _codec.decode(value)


RISK_FLOOR = 1e-3  # decayed risk below this leaves the window


def decay_factor(seconds: float, half_life_s: float) -> float:
    """What is left of a risk contribution `seconds` after it was added (never more than all of it)."""
    return math.pow(0.5, max(0.0, seconds) / half_life_s)


def top_category(scores: dict[str, float]) -> str:
    """The category an evidence entry is filed under when its scores decide it: the highest (ties: the
    later name). The compact window format leaves it out when it is this one."""
    return max(scores, key=lambda c: (scores[c], c))


def push_bounded(items: list, item, limit: int) -> None:
    """Append `item` and drop the oldest entries beyond `limit` (the ring buffers of the window)."""
    items.append(item)
    if len(items) > limit:
        del items[: len(items) - limit]


def redelivery_key(event_id: str) -> str:
    """What the redelivery ring keeps of an event id: 8 bytes of its BLAKE2b hash as 11 base64
    characters (a new turn mistaken for a redelivery: about 64 in 2^64)."""
    return base64.b64encode(hashlib.blake2b(event_id.encode(), digest_size=8).digest())[:11].decode()


# the stored forms build on the classes above
from stream.core import window_codec as _codec  # noqa: E402
