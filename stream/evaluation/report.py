"""A self-contained HTML report (inline SVG, no scripts, no external assets) a reviewer lead can read.

Renders the dicts from `metrics.decision_report` / `metrics.truth_report`; plain words first,
numbers in tables, then the plots. All values are escaped.
"""

from __future__ import annotations

from html import escape

from stream.evaluation.svg import bar_chart, line_chart

# Label colours mean the same everywhere: confirmed = harm (red), dismissed = blue, unreviewed = grey.
LABEL_COLORS = {"confirmed": "#c62828", "dismissed": "#1f77b4", "unreviewed": "#9e9e9e", "cases": "#1f77b4"}
CSS = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
       ".grid{display:flex;flex-wrap:wrap;gap:8px}.panel{border:1px solid #eee;padding:4px}"
       ".empty{width:300px;height:230px;display:flex;align-items:center;justify-content:center;text-align:center;"
       "color:#555;font-size:.9em}header{background:#f5f5f5;padding:.6em 1em;border-radius:4px}"
       "blockquote{margin:.2em 0 .2em 1em;color:#333;font-size:.92em}"
       "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
       "th:first-child,td:first-child{text-align:left}.note{color:#555;font-size:.9em}"
       ".big{font-size:1.4em;font-weight:bold}")


def _v(x, pct: bool = False) -> str:
    if x is None:
        return "—"
    if pct:
        return f"{100 * x:.1f}%"
    return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}"


def _table(head: list[str], rows: list[list]) -> str:
    h = "".join(f"<th>{escape(str(c))}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _inputs(rep: dict) -> str:
    items = [f"{k.replace('_', ' ')}: {v}" for k, v in rep.get("inputs", {}).items() if v is not None]
    return f"<p class=\"note\">Inputs: {escape(' · '.join(items))}</p>"


def _page(title: str, parts: list[str]) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>" + "".join(parts) + "</body></html>\n")


def render(report: dict) -> str:
    return _render_truth(report) if report["mode"] == "truth" else _render_decisions(report)


def _header(about: dict) -> str:
    def names(xs: list[str]) -> str:
        return ", ".join(xs) if xs else "not recorded in the cases"

    span = f"{about['from']} to {about['to']}" if about.get("from") else "no cases or decisions"
    how = "as requested (--from/--to)" if about.get("range_given") else "first to last case or decision"
    return (f"<header><b>Model</b>: {escape(names(about['model_versions']))}<br><b>Policy</b>: "
            f"{escape(names(about['policy_versions']))}<br><b>Time range</b>: {escape(span)} "
            f"<span class=\"note\">({how})</span></header>")


def _pr_panels(curves: dict, overall: dict, per_category: dict) -> str:
    """One small precision-recall chart per category (and overall), the operating point ringed."""
    panels = []
    for name, pts in curves.items():
        bucket = overall if name.startswith("overall") else per_category.get(name, {})
        if not pts:
            panels.append(f'<div class="panel empty">{escape(name)}: no reviewed cases'
                          f'<br>{bucket.get("missed_confirmed", 0)} confirmed decision(s) missed</div>')
            continue
        now = pts[-1]  # every case this configuration opened is kept: where it operates today
        p, r = now["precision"] or 0.0, now["recall"] or 0.0
        label = f"now: P {_v(now['precision'], True)}, R {_v(now['recall'], True)}"  # recall "—": nothing confirmed
        panels.append('<div class="panel">' + line_chart(
            [(name, [(q["recall"] or 0.0, q["precision"] or 0.0) for q in pts])], name, "recall", "precision",
            marks=[(r, p, label)], size=(300, 230), legend=False) + "</div>")
    return '<div class="grid">' + "".join(panels) + "</div>"


def _dismissed(examples: list[dict]) -> list[str]:
    if not examples:
        return []
    out = ["<h2>Dismissed by reviewers: the most severe</h2>",
           "<p class=\"note\">What this configuration opens that reviewers did not act on, as reviewers saw it "
           "(excerpts are the redacted ones from the case payload).</p>"]
    for e in examples:
        cats = ", ".join(e["categories"])
        out.append(f"<p><b>{escape(e['case_id'])}</b> · user {escape(e['user_id'])} · {escape(cats)} · "
                   f"P{e['priority']} · severity {e['severity']:.2f} · rule {escape(e['rule'])} · opened "
                   f"{escape(e['opened_at'])} · {escape(e['decision'])} at {escape(e['decided_at'])}</p>")
        for ev in e["evidence"]:
            text = ev["excerpt"] if ev["excerpt"] is not None else "(text not retained)"
            score = f" {ev['score']:.2f}" if isinstance(ev.get("score"), (int, float)) else ""
            out.append(f"<blockquote>{escape(ev['ts'])} · {escape(str(ev.get('top_category')))}{score}: "
                       f"{escape(text)}</blockquote>")
    return out


def _render_decisions(rep: dict) -> str:
    o = rep["overall"]
    load = rep["load"]["per_day"]
    parts = [
        _header(rep["about"]),
        _inputs(rep),
        "<h2>In short</h2>",
        f"<p><span class=\"big\">{_v(o['precision'], True)}</span> of the reviewed cases this configuration opens "
        f"were confirmed by reviewers ({o['confirmed']} confirmed, {o['dismissed']} dismissed, {o['unreviewed']} "
        f"never reviewed). It would have missed <b>{o['missed_confirmed']}</b> case(s) reviewers confirmed "
        f"(recall {_v(o['recall'], True)}). Review load: {_v(load['mean'])} cases per day on average, "
        f"{_v(load['max'])} on the busiest day.</p>",
        "<p class=\"note\">Precision = confirmed / (confirmed + dismissed). Recall = confirmed decisions found / "
        "(found + missed). Delay = hours from the first evidence turn to the case opening. Lead = hours between "
        "the case opening and the reviewer's decision (positive: this configuration would have surfaced it "
        "earlier). A case is joined to a decision by case id, else by the same user within the match window.</p>",
        "<h2>Per category</h2>",
        _table(["category", "cases", "confirmed", "dismissed", "unreviewed", "precision", "missed", "recall",
                "median delay h", "median lead h"],
               [[c, b["cases"], b["confirmed"], b["dismissed"], b["unreviewed"], _v(b["precision"], True),
                 b["missed_confirmed"], _v(b["recall"], True), _v(b["delay_from_first_evidence_hours"]["median"]),
                 _v(b["lead_before_decision_hours"]["median"])]
                for c, b in [("all", o), *rep["per_category"].items()]]),
        f"<p class=\"note\">Join: {rep['join']['by_case_id']} by case id, {rep['join']['by_user_and_time']} by user "
        f"and time, {rep['join']['unreviewed']} without a decision. Missed decisions without categories: "
        f"{rep['missed_without_category']}.</p>",
        "<h2>Precision and recall by cut-off</h2>",
        "<p class=\"note\">Each point keeps only cases scoring at or above a cut-off (overall: case severity; "
        "per category: the case's peak score). Up and to the right is better. The ringed point is where this "
        "configuration operates (every case it opens kept); points to its left are stricter cut-offs.</p>",
        _pr_panels(rep["pr_curves"], o, rep["per_category"]),
    ]
    parts += ["<h2>Review load over time</h2>", _load_chart(rep["load"]["days"])]
    parts += _dismissed(rep.get("dismissed_examples", []))
    if rep["missed_examples"]:
        parts += ["<h2>Confirmed by reviewers, missed by this configuration</h2>",
                  _table(["decision", "case", "user", "action", "categories", "decided at"],
                         [[m["decision_id"], m["case_id"], m["user_id"], m["action"], ", ".join(m["categories"]),
                           m["ts"]] for m in rep["missed_examples"]])]
    return _page("riskstream evaluation: replay vs reviewer decisions", parts)


def _load_chart(days: dict) -> str:
    labels = list(days)
    kinds = [k for k in ("confirmed", "dismissed", "unreviewed") if any(k in d for d in days.values())]
    series = [(k, [float(d.get(k, 0)) for d in days.values()]) for k in kinds] or [
        ("cases", [float(d["cases"]) for d in days.values()])]
    return bar_chart(labels, series, "Cases opened per day", "cases", colors=[LABEL_COLORS[k] for k, _ in series])


def _render_truth(rep: dict) -> str:
    systems = rep["systems"]
    names = list(systems)
    rows = []
    for label, key, pct in [("cases opened", "cases", False), ("precision (users)", "precision", True),
                            ("recall (escalating users)", "recall", True),
                            ("benign users flagged per 1,000", "benign_flagged_per_1000", False)]:
        rows.append([label] + [_v(systems[n][key], pct) for n in names])
    rows.append(["spike users flagged"] + [f"{systems[n]['spike']['detected']} / {systems[n]['spike']['users']}"
                                          for n in names])
    rows.append(["escalating: detected before harm was inferable"] + [systems[n]["escalating_detected_early"] for n in names])
    rows.append(["escalating: detected at/after (timely)"] + [systems[n]["escalating_detected_timely"] for n in names])
    for unit in ("hours", "turns"):
        for stat in ("median", "p90"):
            rows.append([f"delay ({unit}, {stat})"] + [_v(systems[n][f"delay_{unit}"][stat]) for n in names])
    u = rep["users"]
    parts = [
        _inputs(rep),
        f"<p>{u['escalating']} escalating, {u['benign']} benign and {u['spike']} spike user(s). A user counts as "
        "detected when any case opens for them. Delay counts from the moment harm became inferable to the first "
        "case opened at or after it (in hours, and in the user's own turns); cases opened before that moment are "
        "counted separately as early.</p>",
        _table(["metric", *names], rows),
        "<h2>Recall per category</h2>",
        _table(["category", *names], [[c] + [_v(systems[n]["per_category"].get(c, {}).get("recall"), True) for n in names]
                                      for c in sorted({c for n in names for c in systems[n]["per_category"]})]),
        "<h2>Precision and recall by cut-off (users)</h2>",
        line_chart([(n, [(p["recall"] or 0.0, p["precision"] or 0.0) for p in systems[n]["pr_curve"]]) for n in names],
                   "Users: precision vs recall (cut-off on worst case severity)", "recall", "precision"),
        *([line_chart([(n, [(p["recall"] or 0.0, p["precision"] or 0.0) for p in systems[n]["pr_curve_confidence"]])
                       for n in names if "pr_curve_confidence" in systems[n]],
                      "Users: precision vs recall (cut-off on highest case confidence)", "recall", "precision")]
          if any("pr_curve_confidence" in systems[n] for n in names) else []),
        "<h2>Cases opened per day</h2>",
    ]
    all_days = sorted({d for n in names for d in systems[n]["load"]["days"]})
    for n in names:
        days = systems[n]["load"]["days"]
        parts.append(bar_chart(all_days, [(n, [float(days.get(d, {}).get("cases", 0)) for d in all_days])],
                               f"Cases per day ({n})", "cases"))
    return _page("riskstream evaluation: detection timeline benchmark", parts)
