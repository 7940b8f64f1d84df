"""Build synthetic user timelines: escalating, benign and single-spike users over days.

Escalating users spread their harm: risk turns (a grievance, then threats; or an at-risk
person's posts) land in separate conversations days apart, padded with ordinary turns, so no
single conversation shows the whole pattern. Benign users include hard negatives: venting anger,
neutral statements about groups, benign security questions, people supporting someone at risk.
Spike users are benign apart from one harmful request. Deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from stream.simulate.pools import Pools

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
ASSISTANT = ("Thanks for sharing that. Could you tell me a bit more?", "Here is what I found.",
             "I can help with that. Let me walk you through it.", "I'm not able to help with that request.")


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.turns: list[dict] = []

    def user(self, user_id: str, risk: list[str], pools: Pools, span_days: float, pad: tuple[int, int] = (1, 3),
             hard: list[str] = ()) -> list[tuple[str, str]]:
        """Lay out `risk` texts one per conversation (in order) across the span; returns (text, ts) of risk turns."""
        rng = self.rng
        n_conv = max(len(risk), rng.randint(2, 5))
        base = START + timedelta(days=rng.uniform(0, 40))
        starts = sorted(base + timedelta(hours=rng.uniform(0, span_days * 24)) for _ in range(n_conv))
        slots = sorted(rng.sample(range(n_conv), len(risk))) if risk else []
        risk_at: list[tuple[str, str]] = []
        hard = list(hard)
        for j, t0 in enumerate(starts):
            texts = [rng.choice(pools.benign) for _ in range(rng.randint(*pad))]
            if hard and rng.random() < 0.6:
                texts.insert(rng.randrange(len(texts) + 1), hard.pop())
            risk_pos = None
            if j in slots:
                risk_pos = rng.randrange(len(texts) + 1)
                texts.insert(risk_pos, risk[slots.index(j)])
            t = t0
            idx = 0
            for k, text in enumerate(texts):
                eid = f"{user_id}-c{j}-t{idx}"
                self.turns.append({"event_id": eid, "user_id": user_id, "conversation_id": f"{user_id}-c{j}",
                                   "turn_index": idx, "role": "user", "text": text, "ts": _ts(t), "locale": "en-US"})
                if k == risk_pos:
                    risk_at.append((eid, _ts(t)))
                idx += 1
                t += timedelta(seconds=rng.uniform(20, 90))
                if rng.random() < 0.5:
                    self.turns.append({"event_id": f"{user_id}-c{j}-t{idx}", "user_id": user_id,
                                       "conversation_id": f"{user_id}-c{j}", "turn_index": idx, "role": "assistant",
                                       "text": rng.choice(ASSISTANT), "ts": _ts(t), "locale": "en-US"})
                    idx += 1
                    t += timedelta(seconds=rng.uniform(20, 90))
        return risk_at


def build(pools: Pools, n_violent: int = 150, n_self_harm: int | None = None, n_benign: int = 1500,
          n_spike: int = 100, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """(turns sorted by ts, truth rows) — see `riskstream evaluate --truth` for the truth format."""
    rng = random.Random(seed)
    b = _Builder(rng)
    truth: list[dict] = []
    for i in range(n_violent):
        risk = (rng.sample(pools.grievance, rng.randint(1, 2)) + rng.sample(pools.threat_mild, rng.randint(1, 2))
                + rng.sample(pools.threat_violent, 1))
        at = b.user(f"sim-v{i:04d}", risk, pools, span_days=rng.uniform(3, 14))
        first = next(ts for (eid, ts), text in zip(at, risk) if text in pools.threat_violent)
        harm_eid = next(eid for (eid, ts), text in zip(at, risk) if text in pools.threat_violent)
        truth.append({"user_id": f"sim-v{i:04d}", "kind": "escalating", "category": "violence",
                      "harm_inferable_at": first, "harm_event_id": harm_eid})
    sh_users = pools.self_harm_users if n_self_harm is None else pools.self_harm_users[:n_self_harm]
    for i, posts in enumerate(sh_users):
        at = b.user(f"sim-s{i:04d}", posts[:6], pools, span_days=rng.uniform(3, 21))
        truth.append({"user_id": f"sim-s{i:04d}", "kind": "escalating", "category": "self-harm",
                      "harm_inferable_at": at[0][1], "harm_event_id": at[0][0]})
    hard_pool = pools.hard_benign + pools.grievance
    for i in range(n_benign):
        hard = rng.sample(hard_pool, rng.randint(0, 2)) if rng.random() < 0.5 else []
        b.user(f"sim-b{i:04d}", [], pools, span_days=rng.uniform(1, 21), pad=(1, 4), hard=hard)
        truth.append({"user_id": f"sim-b{i:04d}", "kind": "benign", "category": None, "harm_inferable_at": None,
                      "harm_event_id": None})
    for i, posts in enumerate(pools.supportive_users):
        b.user(f"sim-p{i:04d}", posts[:6], pools, span_days=rng.uniform(3, 21))
        truth.append({"user_id": f"sim-p{i:04d}", "kind": "benign", "category": None, "harm_inferable_at": None,
                      "harm_event_id": None})
    for i in range(n_spike):
        at = b.user(f"sim-x{i:04d}", [rng.choice(pools.harmful_requests)], pools, span_days=rng.uniform(1, 14))
        truth.append({"user_id": f"sim-x{i:04d}", "kind": "spike", "category": None, "harm_inferable_at": at[0][1],
                      "harm_event_id": at[0][0]})
    turns = sorted(b.turns, key=lambda r: (r["ts"], r["user_id"], r["turn_index"]))
    return turns, truth
