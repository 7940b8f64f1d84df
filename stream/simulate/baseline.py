"""A stateless per-turn baseline: a user is flagged when any single turn scores above a threshold.

This is what a per-message moderation API plus a review queue does. For a fair comparison the
threshold is chosen so the baseline flags the same share of benign users as riskstream does
(same false-positive rate), then recall is compared.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable


def user_turn_peaks(score_rows: Iterable[dict]) -> dict[str, list[tuple[str, str, float, str]]]:
    """user -> [(ts, event_id, max category score, that category)] for user turns, in order."""
    out: dict[str, list[tuple[str, str, float, str]]] = defaultdict(list)
    for r in score_rows:
        if r.get("role", "user") != "user":
            continue
        cat, val = max(r["category_scores"].items(), key=lambda kv: kv[1])
        out[r["user_id"]].append((r["ts"], r["event_id"], val, cat))
    for turns in out.values():
        turns.sort()
    return out


def threshold_for_rate(peaks: dict[str, list], benign_users: list[str], target_rate: float) -> float:
    """Smallest threshold flagging at most `target_rate` of the benign users."""
    maxima = sorted((max((p for _, _, p, _ in peaks.get(u, [])), default=0.0) for u in benign_users), reverse=True)
    allowed = int(target_rate * len(maxima))
    if allowed >= len(maxima):
        return 0.0
    return float(maxima[allowed]) + 1e-9  # strictly above the (allowed+1)-th highest benign user


def stateless_cases(peaks: dict[str, list], threshold: float) -> list[dict]:
    """One case event per user at the first turn scoring >= threshold (review-case shaped)."""
    cases = []
    for user, turns in sorted(peaks.items()):
        hit = next((t for t in turns if t[2] >= threshold), None)
        if hit is None:
            continue
        ts, event_id, score, cat = hit
        cases.append({"case_id": f"stateless-{event_id}", "event": "open", "user_id": user, "trigger_event_id": event_id,
                      "opened_at": ts, "updated_at": ts, "categories": [cat], "severity": round(score, 4), "priority": 2,
                      "route": "enforcement", "rule": "stateless", "reason": f"single turn {event_id} scored {cat} {score:.2f}",
                      "evidence": [{"event_id": event_id, "ts": ts, "top_category": cat, "score": round(score, 4)}],
                      "trajectory": {}, "scores": {cat: round(score, 4)}})
    return cases
