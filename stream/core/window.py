"""Per-user window state: decayed risk per category, a bounded evidence ring, the open case.

State is a plain dataclass that round-trips through a JSON-able dict, so the same value lives in
a Python dict (replay), a Faust table (worker) or a RocksDB store without adapters. It holds turn
references and redacted excerpts, never unbounded raw text.

Stored size (every active person's window sits in RocksDB and its changelog): the stored form is
compact (`FORMAT` 2). Every id (event, conversation, account) is written once in a table and
referred to by position, every (event, time) pair once; categories and stages by their index;
times as milliseconds from `updated` where that is exact; hashes as base64; fields at their
default are left out. The redelivery ring holds 8-byte hashes of event ids (11 base64 characters,
not a 36-character UUID), and a context turn's excerpt that equals its evidence excerpt is written
once. All of it is lossless (the window read back is the window written) except the ring, which
holds the hashes in memory too. `from_dict` still reads the first format (field names as keys,
full ids), which windows already in tables and changelogs hold.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from dataclasses import dataclass, field

from stream.core.stages import STAGES
from stream.taxonomy import CATEGORIES

FORMAT = 2


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
    recent_ids: list[str] = field(default_factory=list)  # redelivery ring: `redelivery_key` of event ids
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
        """The window as stored (tables, changelogs): the compact format (`FORMAT`), written by hand
        (no dataclass reflection per turn). Lossless for everything but the redelivery ring, which
        holds short hashes of event ids in memory already."""
        return _encode(self)

    @classmethod
    def from_dict(cls, d: dict) -> "UserWindow":
        """Read a stored window: the compact format, or the first format (field names as keys, full
        event ids in the redelivery ring) that windows written by earlier versions hold."""
        if d.get("v") == FORMAT:
            return _decode(d)
        case = d.get("case")
        return cls(
            user_id=d["user_id"],
            updated=d.get("updated", 0.0),
            risk={c: v for c, v in d.get("risk", {}).items() if c in CATEGORIES},
            evidence=[Evidence(**e) for e in d.get("evidence", [])],
            recent_ids=[redelivery_key(i) for i in d.get("recent_ids", [])],
            case=OpenCase(**case) if case else None,
            turns=d.get("turns", 0),
            stages={k: list(v) for k, v in d.get("stages", {}).items()},
            context=[dict(c) for c in d.get("context", [])],
            peaks={c: [list(p) for p in v] for c, v in d.get("peaks", {}).items() if c in CATEGORIES},
        )


def push_bounded(items: list, item, limit: int) -> None:
    """Append `item` and drop the oldest entries beyond `limit` (the ring buffers of the window)."""
    items.append(item)
    if len(items) > limit:
        del items[: len(items) - limit]


def redelivery_key(event_id: str) -> str:
    """What the redelivery ring keeps of an event id: 8 bytes of its BLAKE2b hash as 11 base64
    characters (a new turn mistaken for a redelivery: about 64 in 2^64)."""
    return base64.b64encode(hashlib.blake2b(event_id.encode(), digest_size=8).digest())[:11].decode()


# -- the compact stored form -----------------------------------------------------------------------
_CI = {c: i for i, c in enumerate(CATEGORIES)}
_STAGE_KEYS = tuple(f"{st.pathway}:{st.name}" for st in STAGES)
_SI = {k: i for i, k in enumerate(_STAGE_KEYS)}
_SIGNAL_KEYS = ("kind", "source_id", "category", "detail")
_CONTEXT_KEYS = ("event_id", "conversation_id", "ts", "text", "scores", "stages")
_HEX = frozenset("0123456789abcdef")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # as str(uuid.UUID) writes it


class _Ids:
    """Reads references written by `_Writer.id`."""

    __slots__ = ("uuids", "others")

    def __init__(self, uuids: list[str], others: list[str]):
        self.uuids, self.others = uuids, others

    def __getitem__(self, i: int) -> str:
        return self.uuids[i] if i >= 0 else self.others[-i - 1]


def _ms(t: float) -> int | None:
    """`t` in whole milliseconds, if that is exactly `t` (event times are parsed to the microsecond)."""
    try:
        ms = round(t * 1000)
    except (TypeError, ValueError, OverflowError):
        return None
    return ms if ms / 1000 == t else None


class _Writer:
    """Interns strings and (event id, time) pairs; times relative to the window's `updated`."""

    __slots__ = ("base_ms", "ids", "uuids", "id_index", "turns", "turn_index")

    def __init__(self, base: float):
        self.base_ms = _ms(base)
        self.ids: list[str] = []
        self.uuids: list[str] = []
        self.id_index: dict[str, int] = {}
        self.turns: list[list] = []
        self.turn_index: dict[tuple, int] = {}

    def id(self, s: str) -> int:
        """A reference to `s`: k >= 0 is the k-th UUID of the packed table, -k-1 the k-th other string."""
        i = self.id_index.get(s)
        if i is None:
            if _UUID.fullmatch(s):
                i = len(self.uuids)
                self.uuids.append(s)
            else:
                i = -len(self.ids) - 1
                self.ids.append(s)
            self.id_index[s] = i
        return i

    def time(self, ts: float):
        """Milliseconds from `updated` (an int) where that reads back exactly, else the time (a float)."""
        if self.base_ms is not None and type(ts) is float:
            d = round(ts * 1000) - self.base_ms
            if (self.base_ms + d) / 1000 == ts:
                return d
        return float(ts)

    def turn(self, event_id: str, ts: float) -> int:
        key = (event_id, ts)
        i = self.turn_index.get(key)
        if i is None:
            i = self.turn_index[key] = len(self.turns)
            self.turns.append([self.id(event_id), self.time(ts)])
        return i


def _scores_out(scores: dict[str, float]):
    """{category: v} as [index, v, ...]; a dict (kept as it is) if any key is not a category."""
    out = []
    for c, v in scores.items():
        i = _CI.get(c)
        if i is None:
            return dict(scores)
        out += (i, v)
    return out


def _scores_in(raw) -> dict[str, float]:
    if isinstance(raw, dict):
        return dict(raw)
    return {CATEGORIES[raw[k]]: raw[k + 1] for k in range(0, len(raw), 2)}


def _top(scores: dict[str, float]) -> str:
    return max(scores, key=lambda c: (scores[c], c))


def _stages_out(keys) -> list:
    return [_SI.get(k, k) for k in keys]


def _stages_in(raw) -> list[str]:
    return [_STAGE_KEYS[k] if isinstance(k, int) else k for k in raw]


def _sha_out(h: str):
    if len(h) == 64 and _HEX.issuperset(h):
        return base64.b64encode(bytes.fromhex(h))[:43].decode()
    return None


def _evidence_out(e: Evidence, w: _Writer) -> dict:
    out = {"t": w.turn(e.event_id, e.ts), "c": w.id(e.conversation_id), "i": e.turn_index, "sc": _scores_out(e.scores)}
    if not e.scores or _top(e.scores) != e.top_category:  # else: the highest contributing score's category
        out["k"] = _CI.get(e.top_category, e.top_category)
    if e.scores.get(e.top_category) != e.score or type(e.score) is not type(e.scores[e.top_category]):
        out["s"] = e.score
    if e.role != "user":
        out["r"] = e.role
    if e.excerpt is not None:
        out["x"] = e.excerpt
    if e.redactions:
        out["rd"] = e.redactions
    sha = _sha_out(e.text_sha256)
    if sha is not None:
        out["h"] = sha
    elif e.text_sha256:
        out["H"] = e.text_sha256
    if e.signals:
        out["g"] = [[s["kind"], w.id(s["source_id"]), s["category"], s["detail"]]
                    if tuple(s) == _SIGNAL_KEYS and isinstance(s["source_id"], str) else s for s in e.signals]
    if e.user_id:
        out["a"] = w.id(e.user_id)
    if e.stages:
        out["sg"] = _stages_out(e.stages)
    if e.contextual:
        out["cx"] = 1
    return out


def _evidence_in(d: dict, ids: _Ids, turns: list[tuple[str, float]]) -> Evidence:
    event_id, ts = turns[d["t"]]
    scores = _scores_in(d["sc"])
    k = d.get("k")
    top = _top(scores) if k is None else CATEGORIES[k] if isinstance(k, int) else k
    sha = d.get("h")
    return Evidence(
        event_id=event_id, conversation_id=ids[d["c"]], turn_index=d["i"], ts=ts, role=d.get("r", "user"),
        top_category=top, score=d["s"] if "s" in d else scores[top], scores=scores,
        excerpt=d.get("x"), redactions=d.get("rd", []),
        text_sha256=base64.b64decode(sha + "=").hex() if sha is not None else d.get("H", ""),
        signals=[{"kind": s[0], "source_id": ids[s[1]], "category": s[2], "detail": s[3]} if isinstance(s, list) else s
                 for s in d.get("g", [])],
        user_id=ids[d["a"]] if "a" in d else "", stages=_stages_in(d.get("sg", [])), contextual=bool(d.get("cx")))


def _context_out(c: dict, w: _Writer, excerpts: dict[str, str]):
    if not (c.keys() <= set(_CONTEXT_KEYS) and "event_id" in c and "conversation_id" in c and "ts" in c
            and "scores" in c and isinstance(c["ts"], float)):
        return {"raw": c}
    out = {"t": w.turn(c["event_id"], c["ts"]), "c": w.id(c["conversation_id"]), "sc": _scores_out(c["scores"])}
    if "text" in c:
        if c["text"] is not None and excerpts.get(c["event_id"]) == c["text"]:
            out["xe"] = 1  # the same excerpt as the turn's evidence: written once
        else:
            out["x"] = c["text"]
    if "stages" in c:
        out["sg"] = _stages_out(c["stages"])
    return out


def _context_in(d: dict, ids: _Ids, turns: list[tuple[str, float]], excerpts: dict[str, str]) -> dict:
    if "raw" in d:
        return d["raw"]
    event_id, ts = turns[d["t"]]
    out = {"event_id": event_id, "conversation_id": ids[d["c"]], "ts": ts}
    if "xe" in d:
        out["text"] = excerpts[event_id]
    elif "x" in d:
        out["text"] = d["x"]
    out["scores"] = _scores_in(d["sc"])
    if "sg" in d:
        out["stages"] = _stages_in(d["sg"])
    return out


def _encode(win: UserWindow) -> dict:
    w = _Writer(win.updated)
    out: dict = {"v": FORMAT, "user_id": win.user_id, "updated": win.updated, "turns": win.turns}
    if win.risk:
        out["risk"] = [x for c, v in win.risk.items() for x in (_CI[c], round(v, 6))]
    if win.recent_ids:
        out["recent"] = "".join(win.recent_ids)
    if win.evidence:
        out["ev"] = [_evidence_out(e, w) for e in win.evidence]
    if win.case is not None:
        c = win.case
        out["case"] = [c.case_id, w.time(c.opened_at), w.time(c.updated_at), w.time(c.last_emitted_at),
                       [_CI.get(x, x) for x in c.categories], c.severity, c.priority, c.route, c.rule,
                       [w.id(i) for i in c.evidence_ids]]
    if win.stages:
        out["st"] = [[_SI.get(k, k), w.turn(v[1], v[0])] for k, v in win.stages.items()]
    if win.context:
        excerpts = {e.event_id: e.excerpt for e in win.evidence if e.excerpt is not None}
        out["cx"] = [_context_out(c, w, excerpts) for c in win.context]
    if win.peaks:
        out["pk"] = [[_CI[c]] + [[p[0], w.turn(p[2], p[1])] + [w.id(a) for a in p[3:]] for p in peaks]
                     for c, peaks in win.peaks.items()]
    if w.ids:
        out["ids"] = w.ids
    if w.uuids:  # canonical UUIDs as 16 bytes each, one base64 string
        out["uuids"] = base64.b64encode(bytes.fromhex("".join(u.replace("-", "") for u in w.uuids))).decode()
    if w.turns:
        out["tt"] = w.turns
    return out


def _uuid_str(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"  # as str(uuid.UUID) writes it


def _decode(d: dict) -> UserWindow:
    base = d["updated"]
    base_ms = _ms(base)
    packed = base64.b64decode(d.get("uuids", ""))
    ids = _Ids([_uuid_str(packed[k:k + 16].hex()) for k in range(0, len(packed), 16)], d.get("ids", []))
    time = (lambda t: (base_ms + t) / 1000 if type(t) is int else t)  # noqa: E731
    turns = [(ids[i], time(t)) for i, t in d.get("tt", [])]
    win = UserWindow(user_id=d["user_id"], updated=base, turns=d.get("turns", 0))
    raw = d.get("risk", [])
    win.risk = {CATEGORIES[raw[k]]: raw[k + 1] for k in range(0, len(raw), 2)}
    ring = d.get("recent", "")
    win.recent_ids = [ring[k:k + 11] for k in range(0, len(ring), 11)]
    win.evidence = [_evidence_in(e, ids, turns) for e in d.get("ev", [])]
    if "case" in d:
        cid, opened, updated, emitted, cats, sev, prio, route, rule, evidence = d["case"]
        win.case = OpenCase(cid, time(opened), time(updated), time(emitted),
                            [CATEGORIES[x] if isinstance(x, int) else x for x in cats], sev, prio, route, rule,
                            [ids[i] for i in evidence])
    for k, t in d.get("st", []):
        event_id, ts = turns[t]
        win.stages[_STAGE_KEYS[k] if isinstance(k, int) else k] = [ts, event_id]
    if "cx" in d:
        excerpts = {e.event_id: e.excerpt for e in win.evidence if e.excerpt is not None}
        win.context = [_context_in(c, ids, turns, excerpts) for c in d["cx"]]
    for group in d.get("pk", []):
        peaks = win.peaks.setdefault(CATEGORIES[group[0]], [])
        for p in group[1:]:
            event_id, ts = turns[p[1]]
            peaks.append([p[0], ts, event_id] + [ids[a] for a in p[2:]])
    return win
