"""A few days of timestamped turns (plus privacy requests and reviewer decisions) for replay tests.

Scores are controlled with `tests.fakes.TagScorer` tags, so each user has one known fate:
    u-severe-low  one violence 0.86 turn: a case now; lost when the shadow raises violence to 0.9
    u-accum       two violence 0.5 turns: no case now; gained when the shadow accumulates at 0.9
    u-graphic      a grievance, then one violence/graphic 0.9 turn: P3 now; P2 when the shadow weighs it 1.0
    u-deleted     a severe turn before their deletion request (must vanish) and one after (kept)
    u-zdr         zero-data-retention tenant: a severe turn and a broken record, both with SECRET text
    u-late        two benign turns produced out of event-time order (the later one first)
    b0..b11       benign chatter spread over partitions; u-old / u-future lie outside the range
"""

from __future__ import annotations

import random
import time

import orjson

from stream.core.timeutil import format_rfc3339

SECRET = "SECRET-ZDR-PHRASE"
ZDR_TENANT = "zdr-tenant"
SHADOW = {"policy": {"accumulate_threshold": 0.9, "weights": {"violence/graphic": 1.0}}, "thresholds": {"violence": 0.9}}


class Scenario:
    def __init__(self, now: float | None = None):
        now = now or time.time()
        self.base = (int(now) // 86400 - 4) * 86400  # midnight UTC four days ago
        self.start, self.end = self.base, self.base + 3 * 86400
        self.rows: list[tuple[dict, float]] = []  # (turn, record timestamp) in production order
        self._n = 0
        self._build()

    def at(self, day: int, hour: float) -> float:
        return self.base + day * 86400 + hour * 3600

    def turn(self, user: str, day: int, hour: float, text: str, role: str = "user", produced_late_s: float = 0.0,
             **extra) -> dict:
        self._n += 1
        ts = self.at(day, hour)
        row = {"event_id": f"ev{self._n:04d}", "user_id": user, "conversation_id": f"{user}-c{day}",
               "turn_index": self._n, "role": role, "text": text, "ts": format_rfc3339(ts), **extra}
        self.rows.append((row, ts + produced_late_s))
        return row

    def _build(self) -> None:
        rng = random.Random(7)
        chatter = []
        for i in range(12):
            for k in range(4):
                chatter.append((f"b{i}", rng.randrange(3), rng.uniform(0, 23), f"hello number {k} [none]"))
        rng.shuffle(chatter)
        for user, day, hour, text in chatter[:24]:
            self.turn(user, day, hour, text)
        self.severe_low = self.turn("u-severe-low", 1, 10, "[violence=0.86] I will hurt him")
        self.turn("u-accum", 0, 9, "[violence=0.5] so angry")
        self.turn("u-accum", 0, 10, "[violence=0.5] still angry")
        self.turn("u-graphic", 2, 11, "[violence=0.6] he laughs at me")  # corroborates the graphic turn
        self.graphic = self.turn("u-graphic", 2, 12, "[violence/graphic=0.9] a gory scene")
        self.deleted_early = self.turn("u-deleted", 1, 9, "[violence=0.95] early threat: I will hurt him")
        self.deleted_after = self.turn("u-deleted", 2, 8, "[violence=0.95] new data after deletion: I will hurt him")
        self.zdr = self.turn("u-zdr", 1, 15, f"[violence=0.95] I will hurt him {SECRET} mail alice@example.com", tenant_id=ZDR_TENANT)
        self.late_second = self.turn("u-late", 1, 12, "later turn produced first [none]")
        self.late_first = self.turn("u-late", 1, 11, "earlier turn produced late [none]", produced_late_s=1800)
        self.turn("u-old", -2, 10, "[violence=0.95] too old: I will hurt him")
        self.turn("u-future", 3, 1, "[violence=0.95] after the range: I will hurt him")
        for user, day, hour, text in chatter[24:]:
            self.turn(user, day, hour, text)
        self.deletion_ts = self.at(2, 0)

    def records(self) -> list[tuple[str, bytes, int]]:
        """(key, value, timestamp_ms) for the turns topic, plus one broken ZDR record."""
        out = [(r["user_id"], orjson.dumps(r), int(ts * 1000)) for r, ts in self.rows]
        broken = {"event_id": "ev-broken", "user_id": "u-zdr", "tenant_id": ZDR_TENANT, "role": "user",
                  "text": f"{SECRET} broken record", "ts": format_rfc3339(self.at(1, 16))}
        out.append(("u-zdr", orjson.dumps(broken), int(self.at(1, 16) * 1000)))
        return out

    def expected_turns(self) -> list[dict]:
        """Turns the replay must process, in event-time order (range and deletions applied)."""
        keep = [r for r, _ in self.rows if self.start <= _ts(r) < self.end
                and not (r["user_id"] == "u-deleted" and _ts(r) <= self.deletion_ts)]
        return sorted(keep, key=lambda r: (_ts(r), r["user_id"], r["conversation_id"], r["turn_index"], r["event_id"]))

    def privacy_requests(self) -> list[dict]:
        return [{"request_id": "pr1", "type": "delete_user", "user_id": "u-deleted",
                 "ts": format_rfc3339(self.deletion_ts)}]

    def decision(self, i: int, case: str, user: str, action: str, day: int, hour: float, **kw) -> dict:
        return {"decision_id": f"d{i}", "case_id": case, "user_id": user, "reviewer_id": "r1", "action": action,
                "ts": format_rfc3339(self.at(day, hour)), **kw}

    def decisions(self) -> list[dict]:
        """Dismiss u-graphic by user+time, overturn u-zdr on appeal, one miss. (d1, confirming u-severe-low's
        case by its id, is produced by the test once the replay has given the id.)"""
        d = self.decision
        return [
            d(2, "live-graphic-1", "u-graphic", "dismiss", 2, 14),
            d(3, "live-missed-1", "b3", "warn", 1, 8, categories=["harassment"]),
            d(4, "live-zdr-1", "u-zdr", "ban", 1, 18, categories=["violence"]),
            d(5, "live-zdr-1", "u-zdr", "dismiss", 1, 20, appeal_of="d4"),
            d(6, "live-ancient", "u-old", "ban", -20, 0, categories=["violence"]),  # long before the range: neither joined nor missed
        ]


def _ts(row: dict) -> float:
    from stream.core.timeutil import parse_rfc3339

    return parse_rfc3339(row["ts"])
