"""Metrics a reviewer lead reads: precision against decisions, misses, delay, review load, PR curves.

Two label sources, two reports: `decision_report` (replayed cases joined to reviewer decisions)
and `truth_report` (simulated users with known harm onset; user-level detection). Everything is
a plain JSON-able dict; numbers are rounded so reports are stable across runs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

import numpy as np

from stream.evaluation.cases import CaseSummary
from stream.evaluation.labels import Decision, Joined, TruthUser
from stream.taxonomy import CATEGORIES


def spread(values: list[float]) -> dict:
    """n, mean, median, p90, max of a list (None entries when empty)."""
    if not values:
        return {"n": 0, "mean": None, "median": None, "p90": None, "max": None}
    a = np.asarray(values, dtype=float)
    return {"n": int(a.size), "mean": _r(a.mean()), "median": _r(np.median(a)), "p90": _r(np.percentile(a, 90)),
            "max": _r(a.max())}


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def _ratio(a: int, b: int) -> float | None:
    return _r(a / b) if b else None


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")


def load_per_day(cases: list[tuple[float, str]], span: tuple[float, float] | None = None) -> dict:
    """Cases opened per UTC day with their label mix; days without cases count as 0."""
    if not cases and span is None:
        return {"days": {}, "per_day": spread([])}
    first = span[0] if span else min(t for t, _ in cases)
    last = span[1] - 1e-3 if span else max(t for t, _ in cases)  # a span's end is exclusive
    days: dict[str, dict] = {}
    day = datetime.fromtimestamp(first, tz=timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    while day.timestamp() <= last:
        days[day.strftime("%Y-%m-%d")] = {"cases": 0}
        day = datetime.fromtimestamp(day.timestamp() + 86400, tz=timezone.utc)
    for ts, label in cases:
        bucket = days.setdefault(day_of(ts), {"cases": 0})
        bucket["cases"] += 1
        bucket[label] = bucket.get(label, 0) + 1
    days = dict(sorted(days.items()))
    return {"days": days, "per_day": spread([d["cases"] for d in days.values()])}


def pr_curve(points: list[tuple[float, bool]], positives: int) -> list[dict]:
    """Precision/recall when only items scoring >= t are kept, for each distinct score t (high to low)."""
    curve: list[dict] = []
    tp = fp = 0
    pts = sorted(points, key=lambda p: -p[0])
    for i, (score, pos) in enumerate(pts):
        tp += pos
        fp += not pos
        if i + 1 == len(pts) or pts[i + 1][0] != score:
            curve.append({"threshold": _r(score), "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, positives),
                          "kept": tp + fp})
    return curve


# --------------------------------------------------------------------------- reviewer decisions
def decision_report(joined: list[Joined], missed: list[Decision], span: tuple[float, float] | None = None) -> dict:
    cats = [c for c in CATEGORIES if any(c in j.case.categories for j in joined)
            or any(c in d.categories for d in missed)]
    per_category = {c: _decision_bucket(joined, missed, c) for c in cats}
    uncategorised = [d for d in missed if not d.categories]
    return {
        "mode": "decisions",
        "about": _about(joined, missed, span),
        "overall": _decision_bucket(joined, missed, None),
        "per_category": per_category,
        "missed_without_category": len(uncategorised),
        "join": {"by_case_id": sum(j.how == "case_id" for j in joined),
                 "by_user_and_time": sum(j.how == "user+time" for j in joined),
                 "unreviewed": sum(j.how == "none" for j in joined)},
        "load": load_per_day([(j.case.opened_at, j.label) for j in joined], span),
        "pr_curves": _decision_curves(joined, missed, cats),
        "missed_examples": [{"decision_id": d.decision_id, "case_id": d.case_id, "user_id": d.user_id,
                             "action": d.action, "categories": list(d.categories), "ts": _iso(d.ts)}
                            for d in missed[:20]],
        "dismissed_examples": _dismissed_examples(joined),
    }


def _about(joined: list[Joined], missed: list[Decision], span: tuple[float, float] | None) -> dict:
    """What the report covers: the models and policies that opened the cases, and the time range."""
    times = [j.case.opened_at for j in joined] + [d.ts for d in missed]
    start, end = span if span else ((min(times), max(times)) if times else (None, None))
    return {"model_versions": sorted({j.case.model_version for j in joined if j.case.model_version}),
            "policy_versions": sorted({j.case.policy_version for j in joined if j.case.policy_version}),
            "from": _iso(start) if start is not None else None, "to": _iso(end) if end is not None else None,
            "range_given": span is not None}


def _dismissed_examples(joined: list[Joined], limit: int = 10) -> list[dict]:
    """The most severe cases reviewers dismissed, as reviewers saw them (redacted excerpts only)."""
    from stream.evaluation.cases import redacted_view

    dismissed = sorted((j for j in joined if j.label == "dismissed"),
                       key=lambda j: (-j.case.severity, j.case.opened_at, j.case.case_id))
    return [{**redacted_view(j.case), "decision": j.decision.action, "decided_at": _iso(j.decision.ts)}
            for j in dismissed[:limit]]


def _decision_bucket(joined: list[Joined], missed: list[Decision], cat: str | None) -> dict:
    sel = [j for j in joined if cat is None or cat in j.case.categories]
    confirmed = [j for j in sel if j.label == "confirmed"]
    dismissed = sum(j.label == "dismissed" for j in sel)
    miss = [d for d in missed if cat is None or cat in d.categories]
    found = {j.decision.decision_id for j in confirmed}
    return {
        "cases": len(sel),
        "confirmed": len(confirmed),
        "dismissed": dismissed,
        "unreviewed": len(sel) - len(confirmed) - dismissed,
        "precision": _ratio(len(confirmed), len(confirmed) + dismissed),
        "missed_confirmed": len(miss),
        "recall": _ratio(len(found), len(found) + len(miss)),
        "delay_from_first_evidence_hours": spread([(j.case.opened_at - j.case.first_evidence_ts) / 3600 for j in sel]),
        "lead_before_decision_hours": spread([(j.decision.ts - j.case.opened_at) / 3600 for j in confirmed]),
    }


def _decision_curves(joined: list[Joined], missed: list[Decision], cats: list[str]) -> dict:
    """Overall curve over case severity; per category over the case's peak score in that category."""
    labelled = [j for j in joined if j.label != "unreviewed"]
    total = sum(j.label == "confirmed" for j in labelled) + len(missed)
    curves = {"overall (severity)": pr_curve([(j.case.severity, j.label == "confirmed") for j in labelled], total)}
    if any(j.case.confidence is not None for j in labelled):
        curves["overall (confidence)"] = pr_curve([(j.case.confidence or 0.0, j.label == "confirmed") for j in labelled], total)
    for c in cats:  # every category, even one without reviewed cases (its curve is then empty)
        pts = [(j.case.scores.get(c, 0.0), j.label == "confirmed") for j in labelled if c in j.case.categories]
        pos = sum(p for _, p in pts) + sum(c in d.categories for d in missed)
        curves[c] = pr_curve(pts, pos)
    return curves


# --------------------------------------------------------------------------- simulation truth
def truth_report(truth: list[TruthUser], systems: dict[str, list[CaseSummary]],
                 user_turns: dict[str, list[tuple[float, str]]] | None = None) -> dict:
    """User-level detection for each system (e.g. riskstream vs a stateless baseline), side by side."""
    kinds = {k: sum(t.kind == k for t in truth) for k in ("escalating", "benign", "spike")}
    out = {"mode": "truth", "users": kinds, "systems": {}}
    for name, cases in systems.items():
        out["systems"][name] = _truth_system(truth, cases, user_turns)
    return out


def _truth_system(truth: list[TruthUser], cases: list[CaseSummary],
                  user_turns: dict[str, list[tuple[float, str]]] | None) -> dict:
    by_account: dict[str, list[CaseSummary]] = defaultdict(list)
    for c in cases:
        by_account[c.user_id].append(c)
    by_user = {t.user_id: [c for a in t.account_ids for c in by_account.get(a, ())] for t in truth}
    by_user = {u: cs for u, cs in by_user.items() if cs}
    esc = [t for t in truth if t.kind == "escalating"]
    ben = [t for t in truth if t.kind == "benign"]
    spike = [t for t in truth if t.kind == "spike"]
    tp = sum(t.user_id in by_user for t in esc)
    fp = sum(t.user_id in by_user for t in ben)
    delays_h, delays_turns, early, timely = [], [], 0, 0
    for t in esc:
        opens = sorted(by_user.get(t.user_id, ()), key=lambda c: (c.opened_at, c.case_id))
        if t.harm_ts is None or not opens:
            continue
        if any(c.opened_at < t.harm_ts for c in opens):
            early += 1
        first = next((c for c in opens if c.opened_at >= t.harm_ts), None)
        if first is None:
            continue
        timely += 1
        delays_h.append((first.opened_at - t.harm_ts) / 3600)
        if user_turns is not None:
            mine = sorted(x for a in t.account_ids for x in user_turns.get(a, []))
            n = turns_between(mine, t, first.trigger_event_id)
            if n is not None:
                delays_turns.append(n)

    def recall_by(key) -> dict:
        out: dict[str, dict] = {}
        for k in sorted({key(t) or "(none)" for t in esc}):
            users = [t for t in esc if (key(t) or "(none)") == k]
            hit = sum(t.user_id in by_user for t in users)
            out[k] = {"users": len(users), "detected": hit, "recall": _ratio(hit, len(users))}
        return out

    score = {u: max(c.severity for c in cs) for u, cs in by_user.items()}
    sure = {u: max(c.confidence or 0.0 for c in cs) for u, cs in by_user.items()}
    with_confidence = any(c.confidence is not None for c in cases)
    return {
        "cases": len(cases),
        "true_positives": tp, "false_positives": fp,
        "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, len(esc)),
        "benign_flagged_per_1000": _r(1000 * fp / len(ben), 2) if ben else None,
        "spike": {"users": len(spike), "detected": sum(t.user_id in by_user for t in spike),
                  "rate": _ratio(sum(t.user_id in by_user for t in spike), len(spike))},
        "escalating_detected_early": early,
        "escalating_detected_timely": timely,
        "delay_hours": spread(delays_h),
        "delay_turns": spread(delays_turns),
        "per_category": recall_by(lambda t: t.category),
        "per_shape": recall_by(lambda t: t.shape),
        "load": load_per_day([(c.opened_at, "cases") for c in cases]),
        "pr_curve": pr_curve([(score.get(t.user_id, 0.0), t.kind == "escalating") for t in esc + ben], len(esc)),
        # users ranked by their cases' highest confidence instead, when the cases carry one
        **({"pr_curve_confidence": pr_curve([(sure.get(t.user_id, 0.0), t.kind == "escalating") for t in esc + ben], len(esc))}
           if with_confidence else {}),
    }


def turns_between(turns: list[tuple[float, str]], truth: TruthUser, trigger_event_id: str) -> int | None:
    """User turns after the harm turn up to and including the trigger (0 = caught on the harm turn itself)."""
    ids = [e for _, e in turns]
    if trigger_event_id not in ids:
        return None
    if truth.harm_event_id in ids:
        harm = ids.index(truth.harm_event_id)
    else:
        harm = next((i for i, (ts, _) in enumerate(turns) if ts >= truth.harm_ts), None)
        if harm is None:
            return None
    return max(0, ids.index(trigger_event_id) - harm)


def _iso(ts: float) -> str:
    from stream.core.timeutil import format_rfc3339

    return format_rfc3339(ts)
