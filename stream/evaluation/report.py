"""A self-contained HTML report (inline SVG, no scripts, no external assets) a reviewer lead can read.

Renders the dicts from `metrics.decision_report` / `metrics.truth_report`; plain words first,
numbers in tables, then the plots. All values are escaped.
"""

from __future__ import annotations

from html import escape

from stream.evaluation.svg import bar_chart, line_chart

CSS = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
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


def _render_decisions(rep: dict) -> str:
    o = rep["overall"]
    load = rep["load"]["per_day"]
    parts = [
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
        "per category: the case's peak score). Up and to the right is better.</p>",
    ]
    curves = sorted(rep["pr_curves"].items(), key=lambda kv: -len(kv[1]))[:6]
    parts.append(line_chart([(name, [(p["recall"] or 0.0, p["precision"] or 0.0) for p in pts]) for name, pts in curves],
                             "Precision vs recall", "recall", "precision"))
    parts += ["<h2>Review load over time</h2>", _load_chart(rep["load"]["days"])]
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
    return bar_chart(labels, series, "Cases opened per day", "cases")


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
        "<h2>Cases opened per day</h2>",
    ]
    all_days = sorted({d for n in names for d in systems[n]["load"]["days"]})
    for n in names:
        days = systems[n]["load"]["days"]
        parts.append(bar_chart(all_days, [(n, [float(days.get(d, {}).get("cases", 0)) for d in all_days])],
                               f"Cases per day ({n})", "cases"))
    return _page("riskstream evaluation: detection timeline benchmark", parts)
