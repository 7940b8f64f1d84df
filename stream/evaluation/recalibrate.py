"""Propose per-category thresholds, and the trajectory rule's cut, from reviewer decisions: hold a
target precision or a review budget.

Estimated from replayed cases: a case's peak score in a category stands in for "would this case
still open at threshold t". That is exact for severe-turn cases and approximate for trajectory and accumulated
ones, so the proposal is written as a shadow configuration to be verified with
`riskstream replay --shadow` before anyone adopts it. Nothing here touches a live config.
"""

from __future__ import annotations

from stream.evaluation.labels import Joined
from stream.taxonomy import CATEGORIES


def propose_thresholds(joined: list[Joined], days: float, current: dict[str, float],
                       target_precision: float | None = None, budget_per_day: float | None = None,
                       min_labelled: int = 5, current_trajectory: float | None = None) -> dict:
    """Shadow config {"thresholds": {...}, "about": {...}} for categories with enough evidence to move,
    plus {"policy": {"trajectory_min_probability": p}} when the trajectory rule's cases can move it
    (its cases carry the model probability they opened at; only a stricter cut can be read off them)."""
    if target_precision is None and budget_per_day is None:
        raise ValueError("give a target precision, a review budget per day, or both")
    if target_precision is not None and not 0 < target_precision <= 1:
        raise ValueError(f"target precision must be in (0, 1], got {target_precision}")
    if budget_per_day is not None and budget_per_day <= 0:
        raise ValueError(f"review budget per day must be > 0, got {budget_per_day}")
    days = max(days, 1.0)
    thresholds: dict[str, float] = {}
    detail: dict[str, dict] = {}
    for cat in CATEGORIES:
        pts = sorted(((j.case.scores[cat], j.label) for j in joined if cat in j.case.scores), key=lambda p: -p[0])
        if not pts:
            continue
        info = _category(pts, days, target_precision, budget_per_day, min_labelled)
        info["current"] = current.get(cat)
        detail[cat] = info
        if info["proposed"] is not None:
            thresholds[cat] = info["proposed"]
    out = {"thresholds": thresholds,
           "about": {"generated_by": "riskstream recalibrate", "target_precision": target_precision,
                     "budget_per_day": budget_per_day, "days": round(days, 2), "min_labelled": min_labelled,
                     "per_category": detail,
                     "note": "estimated from case peak scores; verify with riskstream replay --shadow before adopting"}}
    pts = sorted(((j.case.model_probability, j.label) for j in joined
                  if j.case.rule == "trajectory" and j.case.model_probability is not None), key=lambda p: -p[0])
    if pts:
        info = _category(pts, days, target_precision, budget_per_day, min_labelled)
        info["current"] = current_trajectory
        if info["proposed"] is not None:
            info["proposed"] = min(max(info["proposed"], 1e-4), 0.9999)  # the policy takes 0 < p < 1
            if info["proposed"] <= pts[-1][0] or (current_trajectory is not None and info["proposed"] <= current_trajectory):
                info.update(proposed=None, note="every trajectory case meets the target; keep the model's threshold")
            else:
                out["policy"] = {"trajectory_min_probability": info["proposed"]}
        out["about"]["trajectory"] = info
    return out


def _category(pts: list[tuple[float, str]], days: float, target: float | None, budget: float | None,
              min_labelled: int) -> dict:
    """Lowest score cut meeting every constraint (lowest = most recall kept)."""
    best = None
    conf = dism = total = 0
    for i, (score, label) in enumerate(pts):
        total += 1
        conf += label == "confirmed"
        dism += label == "dismissed"
        if i + 1 < len(pts) and pts[i + 1][0] == score:
            continue  # evaluate a cut only after all ties at this score
        labelled = conf + dism
        ok_precision = target is None or (labelled >= min_labelled and conf / labelled >= target)
        ok_budget = budget is None or total / days <= budget
        if ok_precision and ok_budget:
            best = {"proposed": round(score, 4), "precision": round(conf / labelled, 4) if labelled else None,
                    "labelled": labelled, "cases_per_day": round(total / days, 3)}
    labelled_all = sum(lbl != "unreviewed" for _, lbl in pts)
    if best is None:
        why = (f"only {labelled_all} labelled case(s), need {min_labelled}" if labelled_all < min_labelled
               else "no cut meets the target; keep the current threshold")
        return {"proposed": None, "note": why, "labelled": labelled_all}
    return best
