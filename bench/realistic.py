"""A realistic turn stream for the cost benchmarks: texts drawn at bench time from ../shared/datasets.

The people are `riskstream simulate` timelines (stream/simulate: benign task and small-talk turns,
safe-but-scary look-alikes, grievances, threats, harmful requests, at-risk Reddit users' posts,
cross-account people linked by a hashed device), with every id replaced by a UUID as production
ids are (event, account, conversation), so state sizes are measured at their real length. Nothing
from the datasets is written into the repository: the texts are read when the benchmark runs.
"""

from __future__ import annotations

import hashlib
import random
import uuid


def _uuid(kind: str, old: str, seed: int) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(f"{seed}\x1f{kind}\x1f{old}".encode()).digest()[:16], version=4))


def assistant_replies() -> list[str]:
    """The assistant's replies of the hh-rlhf red-team dialogues (../shared/datasets): an LLM
    assistant's own words, at their own length (median 22 words in the replay mix; today's assistants
    write longer)."""
    import orjson

    from stream.simulate.pools import datasets_dir

    with (datasets_dir() / "hh_rlhf_redteam_dialogs.jsonl").open("rb") as f:
        return [t["content"] for line in f for t in orjson.loads(line)["turns"] if t["role"] == "assistant"]


def realistic_turns(people: int = 600, seed: int = 7, busy_share: float = 0.1, replies: str = "templates") -> list[dict]:
    """Turns (sorted by event time) of about `people` simulated people with UUID ids. A share of the
    benign people (`busy_share`) are busy: several timelines folded into one account, so windows
    whose rings are full are part of the mix. `replies`: the simulator's four short assistant
    templates ("templates", the mix every committed figure so far was measured on) or an LLM
    assistant's replies drawn from a dataset ("datasets", `assistant_replies`): real replies are
    longer, and both the scoring of assistant turns and the conversation read together (which
    holds the reply) cost more with them."""
    from stream.simulate.pools import load_pools
    from stream.simulate.timelines import build

    n_violent, n_spike = max(3, people // 12), max(1, people // 25)
    n_self_harm = max(1, people // 12)
    n_benign = max(1, people - n_violent - n_spike - n_self_harm)
    turns, _truth = build(load_pools(part="all"), n_violent, n_self_harm, n_benign, n_spike, seed)
    rng = random.Random(seed)
    benign_accounts = sorted({t["user_id"] for t in turns if t["user_id"].startswith("sim-b")})
    busy = rng.sample(benign_accounts, int(len(benign_accounts) * busy_share))
    fold = {a: busy[i % max(1, len(busy) // 8)] for i, a in enumerate(busy)}  # ~8 timelines per busy account
    pool = assistant_replies() if replies == "datasets" else None
    out = []
    for t in turns:
        account = fold.get(t["user_id"], t["user_id"])
        row = dict(t, event_id=_uuid("event", t["event_id"], seed), user_id=_uuid("user", account, seed),
                   conversation_id=_uuid("conversation", t["conversation_id"], seed))
        if pool and t["role"] == "assistant":
            row["text"] = rng.choice(pool)
        out.append(row)
    out.sort(key=lambda r: (r["ts"], r["event_id"]))
    return out
