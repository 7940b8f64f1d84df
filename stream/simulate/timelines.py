"""Build synthetic user timelines: escalating, benign and single-spike users over days.

Escalating users spread their harm: risk turns land in separate conversations days apart, padded
with ordinary turns, so no single conversation shows the whole pattern. Violence comes in three
shapes (truth field `shape`):

- explicit: grievance, then non-violent threats, then one violent threat (ThreatGram level 2);
- spread: grievance, non-violent threats and a request for violent capability (weapons, attacks),
  with no explicit violent threat: the pattern, not one message, is the harm;
- cross-account: either of the above split over two accounts of one person, linked by a hashed
  device; truth lists the `accounts` and a detection on any of them counts.

Self-harm users are the posts of at-risk Reddit users (C-SSRS Ideation/Behavior/Attempt), in order.
Benign users include hard negatives: venting anger, sadness and fear, neutral statements about
groups, benign security questions, people supporting someone at risk. Spike users are benign apart
from one harmful request. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone

from stream.simulate import scripts
from stream.simulate.pools import Pools

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
ASSISTANT = ("Thanks for sharing that. Could you tell me a bit more?", "Here is what I found.",
             "I can help with that. Let me walk you through it.", "I'm not able to help with that request.")
SHAPES = ("explicit", "spread", "cross-account")


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _turn(event_id: str, account: str, conv: str, idx: int, role: str, text: str, t: datetime,
          device: str | None) -> dict:
    turn = {"event_id": event_id, "user_id": account, "conversation_id": conv, "turn_index": idx, "role": role,
            "text": text, "ts": _ts(t), "locale": "en-US"}
    if device:
        turn["identity"] = {"device_hash": device}
    return turn


class _Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.turns: list[dict] = []

    def user(self, user_id: str, risk: list, pools: Pools, span_days: float, pad: tuple[int, int] = (1, 3),
             hard: list = (), accounts: list[str] | None = None) -> list[tuple[str, str]]:
        """Lay out `risk` items one per conversation (in order) across the span; an item is a text or
        a list of texts said in a row (a follow-up referring back), where a ("assistant", text) pair is
        the assistant's reply in between. Returns (event id, ts) of each item's first turn. With
        `accounts`, conversations alternate between those linked accounts. User turns not followed by
        a written reply get a canned one half of the time."""
        rng = self.rng
        n_conv = max(len(risk), rng.randint(2, 5))
        base = START + timedelta(days=rng.uniform(0, 40))
        starts = sorted(base + timedelta(hours=rng.uniform(0, span_days * 24)) for _ in range(n_conv))
        slots = sorted(rng.sample(range(n_conv), len(risk))) if risk else []
        risk_at: list[tuple[str, str]] = []
        hard = list(hard)
        device = hashlib.sha256(user_id.encode()).hexdigest()[:32] if accounts else None
        for j, t0 in enumerate(starts):
            account = accounts[j % len(accounts)] if accounts else user_id
            texts: list = [rng.choice(pools.benign) for _ in range(rng.randint(*pad))]
            if hard and rng.random() < 0.6:
                texts.insert(rng.randrange(len(texts) + 1), hard.pop())
            risk_pos = None
            if j in slots:
                risk_pos = rng.randrange(len(texts) + 1)
                item = risk[slots.index(j)]
                texts[risk_pos:risk_pos] = [item]
            t = t0
            idx = 0
            conv = f"{account}-c{j}"
            for k, item in enumerate(texts):
                said = [x if isinstance(x, tuple) else ("user", x) for x in (item if isinstance(item, list) else [item])]
                for n, (role, text) in enumerate(said):
                    eid = f"{conv}-t{idx}"
                    self.turns.append(_turn(eid, account, conv, idx, role, text, t, device))
                    if k == risk_pos and n == 0:
                        risk_at.append((eid, _ts(t)))
                    idx += 1
                    t += timedelta(seconds=rng.uniform(20, 90))
                    if role != "user" or (n + 1 < len(said) and said[n + 1][0] != "user"):
                        continue  # a written reply follows (or this is one)
                    if rng.random() < 0.5:
                        self.turns.append(_turn(f"{conv}-t{idx}", account, conv, idx, "assistant", rng.choice(ASSISTANT),
                                                t, device))
                        idx += 1
                        t += timedelta(seconds=rng.uniform(20, 90))
        return risk_at


def _violent_risk(rng: random.Random, pools: Pools, shape: str) -> tuple[list[str], int]:
    """(risk texts in order, index of the turn from which the harm is inferable)."""
    grievance = rng.sample(pools.grievance, rng.randint(1, 2))
    mild = rng.sample(pools.threat_mild, rng.randint(1, 2))
    if shape == "explicit":
        return grievance + mild + rng.sample(pools.threat_violent, 1), len(grievance) + len(mild)
    # spread: no single violent threat; the pattern is inferable once a threat follows the grievance
    return grievance + mild + rng.sample(pools.violent_requests, 1), len(grievance)


def truth_by_account(truth: list[dict]) -> dict[str, dict]:
    """account -> its person's truth row (a cross-account person's row lists all its `accounts`)."""
    return {a: t for t in truth for a in (t.get("accounts") or [t["user_id"]])}


def build(pools: Pools, n_violent: int = 150, n_self_harm: int | None = None, n_benign: int = 1500,
          n_spike: int = 100, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """(turns sorted by ts, truth rows) — see `riskstream evaluate --truth` for the truth format."""
    rng = random.Random(seed)
    b = _Builder(rng)
    truth: list[dict] = []
    for i in range(n_violent):
        uid = f"sim-v{i:04d}"
        shape = SHAPES[i % len(SHAPES)]
        layout = shape if shape != "cross-account" else ("explicit" if i % 2 else "spread")
        risk, harm_idx = _violent_risk(rng, pools, layout)
        accounts = [f"{uid}a", f"{uid}b"] if shape == "cross-account" else None
        at = b.user(uid, risk, pools, span_days=rng.uniform(3, 14), accounts=accounts)
        row = {"user_id": accounts[0] if accounts else uid, "kind": "escalating", "category": "violence",
               "shape": shape, "harm_inferable_at": at[harm_idx][1], "harm_event_id": at[harm_idx][0]}
        if accounts:
            row["accounts"] = accounts
        truth.append(row)
    sh_users = pools.self_harm_users if n_self_harm is None else pools.self_harm_users[:n_self_harm]
    for i, posts in enumerate(sh_users):
        at = b.user(f"sim-s{i:04d}", posts[:6], pools, span_days=rng.uniform(3, 21))
        truth.append({"user_id": f"sim-s{i:04d}", "kind": "escalating", "category": "self-harm", "shape": "posts",
                      "harm_inferable_at": at[0][1], "harm_event_id": at[0][0]})
    hard_pool = pools.hard_benign + pools.grievance
    for i in range(n_benign):
        hard = rng.sample(hard_pool, rng.randint(0, 3)) if rng.random() < 0.5 else []
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


def build_out_of_family(pools: Pools, n_benign: int = 1500, per_script: int = 12, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Timelines of people no model's training family carries (stream/simulate/pools.py
    OUT_OF_FAMILY): hand-written escalating and safe-but-scary people (stream/simulate/scripts.py,
    `per_script` people each, slots varied), at-risk people from r/SuicideWatch, and benign people
    whose hard turns come from out-of-family safe-but-scary sources. Truth `shape` names the script
    or source."""
    rng = random.Random(seed)
    b = _Builder(rng)
    truth: list[dict] = []
    for name, (harm_conv, convs) in sorted(scripts.ESCALATING.items()):
        for k in range(per_script):
            uid = f"oof-e-{name}-{k:02d}"
            risk = [[scripts.fill(t, rng) for t in conv] for conv in convs]
            at = b.user(uid, risk, pools, span_days=rng.uniform(2, 13), pad=(0, 2))
            truth.append({"user_id": uid, "kind": "escalating", "category": "self-harm" if name.startswith("self-harm") else "violence",
                          "shape": name, "harm_inferable_at": at[harm_conv][1], "harm_event_id": at[harm_conv][0]})
    for i, posts in enumerate(pools.self_harm_users):
        uid = f"oof-s{i:04d}"
        at = b.user(uid, posts, pools, span_days=rng.uniform(3, 21))
        first = 1 if len(posts) > 2 else 0  # after the distress post
        truth.append({"user_id": uid, "kind": "escalating", "category": "self-harm", "shape": "suicidewatch",
                      "harm_inferable_at": at[first][1], "harm_event_id": at[first][0]})
    benign_scripts = sorted(scripts.BENIGN.items())
    for i in range(n_benign):
        uid = f"oof-b{i:04d}"
        if i % 3 == 0:  # a hand-written safe-but-scary person
            name, convs = benign_scripts[(i // 3) % len(benign_scripts)]
            b.user(uid, [[scripts.fill(t, rng) for t in conv] for conv in convs], pools, span_days=rng.uniform(1, 14))
            shape = name
        else:
            hard = rng.sample(pools.hard_benign, rng.randint(1, 3))
            b.user(uid, [], pools, span_days=rng.uniform(1, 21), pad=(1, 4), hard=hard)
            shape = "sources"
        truth.append({"user_id": uid, "kind": "benign", "category": None, "shape": shape, "harm_inferable_at": None,
                      "harm_event_id": None})
    turns = sorted(b.turns, key=lambda r: (r["ts"], r["user_id"], r["turn_index"]))
    return turns, truth
