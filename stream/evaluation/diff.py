"""Shadow diff: which cases a candidate configuration gains, loses or re-prioritises against the current one.

Matching rule: the same case_id (same user, same opening turn) is the same case; otherwise a
case of the same user opened within `match_window_s` of the other (closest first) is the same
case opened earlier or later. Unmatched current cases are lost, unmatched shadow cases gained.
"""

from __future__ import annotations

from collections import Counter

from stream.evaluation.cases import CaseSummary, redacted_view


def match_cases(base: list[CaseSummary], shadow: list[CaseSummary], match_window_s: float
                ) -> tuple[list[tuple[CaseSummary, CaseSummary]], list[CaseSummary], list[CaseSummary]]:
    """(matched pairs, lost = base only, gained = shadow only), all in (opened_at, case_id) order."""
    by_id = {c.case_id: c for c in shadow}
    used: set[str] = set()
    pairs: list[tuple[CaseSummary, CaseSummary]] = []
    rest: list[CaseSummary] = []
    for b in base:
        if b.case_id in by_id:
            pairs.append((b, by_id[b.case_id]))
            used.add(b.case_id)
        else:
            rest.append(b)
    by_user: dict[str, list[CaseSummary]] = {}
    for s in shadow:
        if s.case_id not in used:
            by_user.setdefault(s.user_id, []).append(s)
    lost: list[CaseSummary] = []
    for b in rest:
        near = [s for s in by_user.get(b.user_id, ()) if s.case_id not in used
                and abs(s.opened_at - b.opened_at) <= match_window_s]
        if not near:
            lost.append(b)
            continue
        s = min(near, key=lambda s: (abs(s.opened_at - b.opened_at), s.opened_at, s.case_id))
        used.add(s.case_id)
        pairs.append((b, s))
    gained = [s for s in shadow if s.case_id not in used]
    pairs.sort(key=lambda p: (p[0].opened_at, p[0].case_id))
    return pairs, lost, gained


def shadow_diff(base: list[CaseSummary], shadow: list[CaseSummary], match_window_s: float = 7 * 86400,
                zdr_tenants: frozenset[str] = frozenset(), examples: int = 5) -> dict:
    """JSON-able diff with counts overall and per category, and redacted examples of each kind of change."""
    pairs, lost, gained = match_cases(base, shadow, match_window_s)
    repri = [(b, s) for b, s in pairs if b.priority != s.priority]
    recat = [(b, s) for b, s in pairs if set(b.categories) != set(s.categories)]
    earlier = [(b, s) for b, s in pairs if s.opened_at < b.opened_at]
    later = [(b, s) for b, s in pairs if s.opened_at > b.opened_at]

    def per_category(cases: list[CaseSummary]) -> dict:
        return dict(sorted(Counter(c for case in cases for c in case.categories).items()))

    def pair_view(b: CaseSummary, s: CaseSummary) -> dict:
        return {"current": redacted_view(b, zdr_tenants), "shadow": redacted_view(s, zdr_tenants),
                "priority": [b.priority, s.priority], "opened_shift_hours": round((s.opened_at - b.opened_at) / 3600, 2)}

    return {
        "match_rule": f"same case_id, else same user opened within {match_window_s / 3600:g} h (closest first)",
        "counts": {"current_cases": len(base), "shadow_cases": len(shadow), "matched": len(pairs),
                   "gained": len(gained), "lost": len(lost), "reprioritised": len(repri),
                   "raised_priority": sum(1 for b, s in repri if s.priority < b.priority),
                   "lowered_priority": sum(1 for b, s in repri if s.priority > b.priority),
                   "recategorised": len(recat), "opened_earlier": len(earlier), "opened_later": len(later)},
        "gained_by_category": per_category(gained),
        "lost_by_category": per_category(lost),
        "examples": {
            "gained": [redacted_view(c, zdr_tenants) for c in gained[:examples]],
            "lost": [redacted_view(c, zdr_tenants) for c in lost[:examples]],
            "reprioritised": [pair_view(b, s) for b, s in repri[:examples]],
        },
    }


def format_diff(diff: dict) -> str:
    """A few readable lines for the terminal."""
    n = diff["counts"]
    lines = [f"shadow diff: {n['current_cases']} current vs {n['shadow_cases']} shadow cases: "
             f"{n['gained']} gained, {n['lost']} lost, {n['reprioritised']} re-prioritised "
             f"({n['raised_priority']} up, {n['lowered_priority']} down), {n['recategorised']} re-categorised, "
             f"{n['opened_earlier']} opened earlier, {n['opened_later']} later"]
    for kind in ("gained", "lost"):
        by_cat = diff[f"{kind}_by_category"]
        if by_cat:
            lines.append(f"  {kind} by category: " + ", ".join(f"{c} {k}" for c, k in by_cat.items()))
    return "\n".join(lines)
