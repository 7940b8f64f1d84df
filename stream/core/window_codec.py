"""The stored forms of a window (RocksDB and the changelog hold one per active person).

Format 3 (written): bytes. A header (the format, flags, `updated` as a double, so a purge or sweep
reads it without decoding), then a skeleton, the excerpts and a binary tail:

* skeleton: the structure as compact JSON (orjson), deflated with a preset dictionary (a typical
  skeleton) when that is shorter (flag bit 0). Every id (event, conversation, account, the
  person's own) is written once and referred to by position, every (event, time) pair once;
  categories and stages by their index; times as milliseconds from `updated` where that is exact;
  fields at their default are left out.
* excerpts: the redacted excerpts and context texts as plain UTF-8, in order (their byte lengths
  are in the skeleton). Kept out of the deflated part on purpose: a byte search of a changelog or
  store finds an excerpt, so privacy audits (and the ZDR / deletion suites) see what is stored.
* tail: canonical UUIDs as 16 raw bytes, the redelivery ring as raw 8-byte hashes, text SHA-256s
  as 32 raw bytes.

Lossless (the window read back is the window written) but for risk, kept to 6 decimals (it
decays continuously and is dropped below 1e-3); the ring holds hashes in memory too. Measured on
the realistic mix (bench/bench_replay.py, UUID ids): 810 bytes a person on average, against 1,423
for format 2 (863 since the assistant's replies are kept with the turns they answer). Measured and left out: fixed-point scores (11 bytes less after deflate), deflating
the excerpts too (76 bytes less, but hidden from a byte search).

Format 2 (the same skeleton as a JSON object, with base64 in place of raw bytes) and format 1
(field names as keys, full ids) are still read: windows already in tables and changelogs hold them.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib

import orjson

from stream.core.stages import STAGES
from stream.core.window import Evidence, OpenCase, UserWindow, redelivery_key, top_category
from stream.taxonomy import CATEGORIES

FORMAT = 3
_HEADER = struct.Struct(">BBd")  # format, flags, updated
RISK_DECIMALS = 6  # risk is stored rounded to this (`_skeleton`), and `settle` rounds a window alike
_DEFLATED = 1
# Preset dictionary of the deflated skeleton: a typical skeleton (its keys, categories and stages by
# index, a signal, a case). Part of format 3: blobs written with it need it byte for byte to be read
# (another dictionary would be another flag). Measured on the realistic mix: skeletons deflate to
# 205 bytes on average with it, 283 without.
_ZDICT = (b'{"turns":1,"u":["p:",0],"risk":[0,0.0,1,0.0,11,0.0,6,0.],"nr":1,"ev":[{"t":0,"c":2,"i":0,"sc":[0,0.,1,0.,11,0.],'
          b'"x":1,"h":1,"g":[["model",-1,"self-harm","self-harm:ideation"]],"a":0,"sg":[6]},{"t":1,"c":4,"i":1,"sc":[6,0.],'
          b'"x":,"h":1,"a":0}],"case":["",0,0,0,[],0.,1,"enforcement","escalation",[]],"st":[[6,3],[5,3]],"cx":[{"t":4,"c":2,'
          b'"sc":[]},{"t":5,"c":2,"sc":[],"x":},{"t":3,"c":2,"sc":[6,0.,7,0.],"xe":1,"sg":[5,6]}],"pk":[[0,[0.,1,0],[0.,4,0],'
          b'[0.,6,0]],[1,[0.,1,0],[0.,4,0]],[6,[0.,3,0],[0.,2,0]],[11,[0.,1,0],[0.,4,0]]],"ids":["tagger-"],"nu":1,'
          b'"tt":[[1,-],[3,-],[5,-],[7,0],[9,-]]}')

_CI = {c: i for i, c in enumerate(CATEGORIES)}
_STAGE_KEYS = tuple(f"{st.pathway}:{st.name}" for st in STAGES)
_SI = {k: i for i, k in enumerate(_STAGE_KEYS)}
_SIGNAL_KEYS = ("kind", "source_id", "category", "detail")
_CONTEXT_KEYS = ("event_id", "conversation_id", "ts", "text", "scores", "stages", "reply", "reply_scores")
_HEX = frozenset("0123456789abcdef")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # as str(uuid.UUID) writes it
_UUID_END = re.compile(r"(.*?)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.S)


def encode(win: UserWindow) -> bytes:
    """The window in format 3."""
    w = _Writer(win.updated)
    skeleton = orjson.dumps(_skeleton(win, w))
    packed = _deflate(skeleton)
    flags = _DEFLATED if len(packed) < len(skeleton) else 0
    body = packed if flags else skeleton
    return b"".join([_HEADER.pack(FORMAT, flags, win.updated), _varint(len(body)), body, *w.texts,
                     bytes.fromhex("".join(u.replace("-", "") for u in w.uuids)), w.ring, *w.shas])


def settle(win: UserWindow) -> UserWindow:
    """`win` as it reads back from `encode` (in place): risk to the 6 decimals it is stored with,
    everything else is stored as it is. A window just written can then be stepped again without
    reading its bytes back (`stream/core/pipeline.py`); tests/test_core_window.py checks, field by
    field and type by type, that the two are the same."""
    win.risk = {c: round(v, RISK_DECIMALS) for c, v in win.risk.items()}
    return win


def decode(value) -> UserWindow:
    """A window from any stored form: format-3 bytes, or a format 1/2 object (as JSON bytes or a dict)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
        if value[:1] == bytes([FORMAT]):
            return _decode3(value)
        value = orjson.loads(value)
    if value.get("v") == 2:
        return _decode(value, _Sections2())
    return _decode1(value)


def updated_of(value) -> float:
    """The event time a stored window was last updated at, without decoding the rest."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        if value[:1] == bytes([FORMAT]):
            return _HEADER.unpack_from(value)[2]
        value = orjson.loads(value)
    return value.get("updated", 0.0)


# -- writing -----------------------------------------------------------------------------------------
def _ms(t: float) -> int | None:
    """`t` in whole milliseconds, if that is exactly `t` (event times are parsed to the microsecond)."""
    try:
        ms = round(t * 1000)
    except (TypeError, ValueError, OverflowError):
        return None
    return ms if ms / 1000 == t else None


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _deflate(raw: bytes) -> bytes:
    """Raw deflate with the preset dictionary. A 4 KB window covers a whole skeleton (at most 1.7 KB
    on the realistic mix: the same bytes out as with 32 KB) and has less state to set up."""
    c = zlib.compressobj(6, zlib.DEFLATED, -12, 8, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    return c.compress(raw) + c.flush()


class _Writer:
    """Interns ids and (event id, time) pairs, times relative to the window's `updated`; collects
    the excerpts and raw hashes that go after the skeleton."""

    __slots__ = ("base_ms", "ids", "uuids", "id_index", "turns", "turn_index", "texts", "shas", "ring")

    def __init__(self, base: float):
        self.base_ms = _ms(base)
        self.ids: list[str] = []
        self.uuids: list[str] = []
        self.id_index: dict[str, int] = {}
        self.turns: list[list] = []
        self.turn_index: dict[tuple, int] = {}
        self.texts: list[bytes] = []
        self.shas: list[bytes] = []
        self.ring = b""

    def id(self, s: str) -> int:
        """A reference to `s`: k >= 0 is the k-th UUID of the tail, -k-1 the k-th other string."""
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

    def text(self, s: str) -> int:
        """The excerpt goes after the skeleton; the skeleton holds its length in bytes."""
        b = s.encode("utf-8", "surrogatepass")
        self.texts.append(b)
        return len(b)


def _scores_out(scores: dict[str, float]):
    """{category: v} as [index, v, ...]; a dict (kept as it is) if any key is not a category."""
    out = []
    for c, v in scores.items():
        i = _CI.get(c)
        if i is None:
            return dict(scores)
        out += (i, v)
    return out


def _stages_out(keys) -> list:
    return [_SI.get(k, k) for k in keys]


def _evidence_out(e: Evidence, w: _Writer) -> dict:
    out = {"t": w.turn(e.event_id, e.ts), "c": w.id(e.conversation_id), "i": e.turn_index, "sc": _scores_out(e.scores)}
    if not e.scores or top_category(e.scores) != e.top_category:  # else: the highest contributing score's category
        out["k"] = _CI.get(e.top_category, e.top_category)
    if e.scores.get(e.top_category) != e.score or type(e.score) is not type(e.scores[e.top_category]):
        out["s"] = e.score
    if e.role != "user":
        out["r"] = e.role
    if e.excerpt is not None:
        out["x"] = w.text(e.excerpt)
    if e.redactions:
        out["rd"] = e.redactions
    if len(e.text_sha256) == 64 and _HEX.issuperset(e.text_sha256):
        w.shas.append(bytes.fromhex(e.text_sha256))
        out["h"] = 1
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
    if e.unsaid:
        out["us"] = [_CI.get(c, c) for c in e.unsaid]
    return out


def _context_out(c: dict, w: _Writer, excerpts: dict[str, str]):
    if not (c.keys() <= set(_CONTEXT_KEYS) and "event_id" in c and "conversation_id" in c and "ts" in c
            and "scores" in c and isinstance(c["ts"], float) and isinstance(c.get("text", ""), (str, type(None)))):
        return {"raw": c}
    out = {"t": w.turn(c["event_id"], c["ts"]), "c": w.id(c["conversation_id"]), "sc": _scores_out(c["scores"])}
    if "text" in c:
        if c["text"] is not None and excerpts.get(c["event_id"]) == c["text"]:
            out["xe"] = 1  # the same excerpt as the turn's evidence: written once
        elif c["text"] is None:
            out["xn"] = 1
        else:
            out["x"] = w.text(c["text"])
    if "stages" in c:
        out["sg"] = _stages_out(c["stages"])
    if isinstance(c.get("reply"), str):  # the assistant's reply to the turn (context.remember_reply)
        out["rx"] = w.text(c["reply"])
        out["rs"] = _scores_out(c.get("reply_scores", {}))
    return out


def _ring_out(ring: list[str]) -> bytes | None:
    """The ring's keys as their 8 raw bytes, if every key reads back from them (as `redelivery_key`
    writes: 11 base64 characters, the last one's two unused bits zero). All keys in one call: a key
    and an "A" are 12 characters, its 8 bytes and a ninth that holds those two bits."""
    if not all(len(k) == 11 for k in ring):
        return None
    try:
        raw = bytearray(base64.b64decode("".join(k + "A" for k in ring), validate=True))
    except ValueError:
        return None
    if any(raw[8::9]):
        return None
    del raw[8::9]
    return bytes(raw)


def _ring_in(raw: bytes) -> list[str]:
    """The keys of a ring written by `_ring_out`: each 8 bytes and a zero byte are 12 base64
    characters, the key and an "A"."""
    padded = bytearray(len(raw) // 8 * 9)
    for k in range(8):
        padded[k::9] = raw[k::8]
    text = base64.b64encode(padded).decode()
    return [text[k:k + 11] for k in range(0, len(text), 12)]


def _skeleton(win: UserWindow, w: _Writer) -> dict:
    out: dict = {"turns": win.turns}
    m = _UUID_END.fullmatch(win.user_id)
    out["u"] = [m.group(1), w.id(m.group(2))] if m else win.user_id  # the person's id mostly is "p:" + an account's
    if win.risk:
        out["risk"] = [x for c, v in win.risk.items() for x in (_CI[c], round(v, RISK_DECIMALS))]
    if win.recent_ids:
        ring = _ring_out(win.recent_ids)
        if ring is None:
            out["recent"] = list(win.recent_ids)
        else:
            w.ring, out["nr"] = ring, len(win.recent_ids)
    if win.evidence:
        out["ev"] = [_evidence_out(e, w) for e in win.evidence]
    if win.hindsight:  # (after the evidence: their excerpts and hashes follow the evidence's)
        out["hs"] = [_evidence_out(e, w) for e in win.hindsight]
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
    if win.heading:
        out["hd"] = [[h[0], w.turn(h[2], h[1])] + [w.id(a) for a in h[3:]] for h in win.heading]
    if win.direction:
        out["dr"] = [round(v, 4) for v in win.direction]
    if w.ids:
        out["ids"] = w.ids
    if w.uuids:
        out["nu"] = len(w.uuids)
    if w.turns:
        out["tt"] = w.turns
    return out


# -- reading -----------------------------------------------------------------------------------------
class _Ids:
    """Reads references written by `_Writer.id`."""

    __slots__ = ("uuids", "others")

    def __init__(self, uuids: list[str], others: list[str]):
        self.uuids, self.others = uuids, others

    def __getitem__(self, i: int) -> str:
        return self.uuids[i] if i >= 0 else self.others[-i - 1]


def _uuid_str(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"  # as str(uuid.UUID) writes it


def _uuids(packed: bytes) -> list[str]:
    return [_uuid_str(packed[k:k + 16].hex()) for k in range(0, len(packed), 16)]


class _Sections2:
    """Format 2: the skeleton is the whole window (base64 where format 3 has raw bytes)."""

    def ids(self, d: dict) -> _Ids:
        return _Ids(_uuids(base64.b64decode(d.get("uuids", ""))), d.get("ids", []))

    def ring(self, d: dict) -> list[str]:
        ring = d.get("recent", "")
        return [ring[k:k + 11] for k in range(0, len(ring), 11)]

    def user_id(self, d: dict, ids: _Ids) -> str:
        return d["user_id"]

    def text(self, x) -> str:
        return x

    def sha(self, h) -> str:
        return base64.b64decode(h + "=").hex()


class _Sections3:
    """Format 3: excerpts and raw hashes after the skeleton, read in the order they were written."""

    def __init__(self, data: bytes, at: int, d: dict):
        refs = [*d.get("ev", ()), *d.get("hs", ())]
        n_text = sum(e.get("x", 0) for e in refs) + sum(c.get("x", 0) + c.get("rx", 0) for c in d.get("cx", ()))
        self.data, self.at = data, at
        self.tail = at + n_text
        n_sha = 32 * sum(1 for e in refs if "h" in e)
        if self.tail + 16 * d.get("nu", 0) + 8 * d.get("nr", 0) + n_sha != len(data):
            raise ValueError("format-3 window: the sections do not add up to its length")

    def _take_tail(self, n: int) -> bytes:
        out = self.data[self.tail:self.tail + n]
        self.tail += n
        return out

    def ids(self, d: dict) -> _Ids:
        return _Ids(_uuids(self._take_tail(16 * d.get("nu", 0))), d.get("ids", []))

    def ring(self, d: dict) -> list[str]:
        if "recent" in d:
            return list(d["recent"])
        return _ring_in(self._take_tail(8 * d.get("nr", 0)))

    def user_id(self, d: dict, ids: _Ids) -> str:
        u = d["u"]
        return u if isinstance(u, str) else u[0] + ids[u[1]]

    def text(self, n: int) -> str:
        s = self.data[self.at:self.at + n].decode("utf-8", "surrogatepass")
        self.at += n
        return s

    def sha(self, _flag) -> str:
        return self._take_tail(32).hex()


def _decode3(data: bytes) -> UserWindow:
    version, flags, updated = _HEADER.unpack_from(data)
    at, n, shift = _HEADER.size, 0, 0
    while True:
        b = data[at]
        at += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    body = data[at:at + n]
    if flags & _DEFLATED:
        z = zlib.decompressobj(-15, zdict=_ZDICT)
        body = z.decompress(body) + z.flush()
    d = orjson.loads(body)
    d["updated"] = updated
    return _decode(d, _Sections3(data, at + n, d))


def _scores_in(raw) -> dict[str, float]:
    if isinstance(raw, dict):
        return dict(raw)
    return {CATEGORIES[raw[k]]: raw[k + 1] for k in range(0, len(raw), 2)}


def _stages_in(raw) -> list[str]:
    return [_STAGE_KEYS[k] if isinstance(k, int) else k for k in raw]


def _evidence_in(d: dict, ids: _Ids, turns: list[tuple[str, float]], s) -> Evidence:
    event_id, ts = turns[d["t"]]
    scores = _scores_in(d["sc"])
    k = d.get("k")
    top = top_category(scores) if k is None else CATEGORIES[k] if isinstance(k, int) else k
    return Evidence(
        event_id=event_id, conversation_id=ids[d["c"]], turn_index=d["i"], ts=ts, role=d.get("r", "user"),
        top_category=top, score=d["s"] if "s" in d else scores[top], scores=scores,
        excerpt=s.text(d["x"]) if "x" in d else None, redactions=d.get("rd", []),
        text_sha256=s.sha(d["h"]) if "h" in d else d.get("H", ""),
        signals=[{"kind": g[0], "source_id": ids[g[1]], "category": g[2], "detail": g[3]} if isinstance(g, list) else g
                 for g in d.get("g", [])],
        user_id=ids[d["a"]] if "a" in d else "", stages=_stages_in(d.get("sg", [])), contextual=bool(d.get("cx")),
        unsaid=[CATEGORIES[k] if isinstance(k, int) else k for k in d.get("us", [])])


def _context_in(d: dict, ids: _Ids, turns: list[tuple[str, float]], excerpts: dict[str, str], s) -> dict:
    if "raw" in d:
        return d["raw"]
    event_id, ts = turns[d["t"]]
    out = {"event_id": event_id, "conversation_id": ids[d["c"]], "ts": ts}
    if "xe" in d:
        out["text"] = excerpts[event_id]
    elif "x" in d:
        out["text"] = s.text(d["x"])
    elif "xn" in d:
        out["text"] = None
    out["scores"] = _scores_in(d["sc"])
    if "sg" in d:
        out["stages"] = _stages_in(d["sg"])
    if "rx" in d:
        out["reply"] = s.text(d["rx"])
        out["reply_scores"] = _scores_in(d["rs"])
    return out


def _decode(d: dict, s) -> UserWindow:
    """Formats 2 and 3 (`s` reads what they hold differently: ids, ring, excerpts, hashes)."""
    base = d["updated"]
    base_ms = _ms(base)
    ids = s.ids(d)
    time = (lambda t: (base_ms + t) / 1000 if type(t) is int else t)  # noqa: E731
    turns = [(ids[i], time(t)) for i, t in d.get("tt", [])]
    win = UserWindow(user_id=s.user_id(d, ids), updated=base, turns=d.get("turns", 0))
    raw = d.get("risk", [])
    win.risk = {CATEGORIES[raw[k]]: raw[k + 1] for k in range(0, len(raw), 2)}
    win.recent_ids = s.ring(d)
    win.evidence = [_evidence_in(e, ids, turns, s) for e in d.get("ev", [])]
    win.hindsight = [_evidence_in(e, ids, turns, s) for e in d.get("hs", [])]
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
        win.context = [_context_in(c, ids, turns, excerpts, s) for c in d["cx"]]
    for group in d.get("pk", []):
        peaks = win.peaks.setdefault(CATEGORIES[group[0]], [])
        for p in group[1:]:
            event_id, ts = turns[p[1]]
            peaks.append([p[0], ts, event_id] + [ids[a] for a in p[2:]])
    for h in d.get("hd", []):
        event_id, ts = turns[h[1]]
        win.heading.append([h[0], ts, event_id] + [ids[a] for a in h[2:]])
    win.direction = [float(v) for v in d.get("dr", [])]
    return win


def _decode1(d: dict) -> UserWindow:
    """The first format: field names as keys, full event ids in the redelivery ring."""
    case = d.get("case")
    return UserWindow(
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
