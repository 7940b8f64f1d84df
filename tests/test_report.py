"""The evaluation report a reviewer lead reads: a header naming model, policy and time range,
whole-number count axes with few readable date labels, every category's precision-recall chart
with the operating point ringed, dismissed examples with redacted excerpts, label colours."""

from __future__ import annotations

import re

from stream.evaluation.cases import collapse
from stream.evaluation.labels import join_decisions
from stream.evaluation.metrics import decision_report
from stream.evaluation.report import LABEL_COLORS, render
from stream.evaluation.svg import bar_chart, nice_ticks
from tests.test_evaluate import DAY, T0, case_event, dec

CATS = ["violence", "harassment", "hate", "self-harm/intent", "sexual", "illicit", "harassment/threatening"]


def _report(days: int = 30):
    events, decisions = [], []
    for i in range(days):
        cat = CATS[i % len(CATS)]
        ev = case_event(f"c{i}", f"u{i}", T0 + i * DAY, cats=(cat,), severity=0.5 + (i % 5) / 10,
                        excerpt=f"call me at [PHONE] about {cat} {i}")
        ev["model_version"], ev["policy_version"] = "0.2.0+cascade", "policy-abc123def456"
        events.append(ev)
        if i % 3 == 0:
            decisions.append(dec(i, f"c{i}", f"u{i}", "ban", T0 + i * DAY + 3600))
        elif i % 3 == 1:
            decisions.append(dec(i, f"c{i}", f"u{i}", "dismiss", T0 + i * DAY + 3600))
    decisions.append(dec(999, "live", "someone", "suspend", T0 + 2 * DAY, categories=["sexual/minors"]))
    joined, missed = join_decisions(collapse(events), decisions, 7 * DAY)
    return decision_report(joined, missed)


def test_header_panels_for_every_category_and_the_operating_point():
    rep = _report()
    html = render(rep)
    header = re.search(r"<header>(.*?)</header>", html).group(1)
    assert "0.2.0+cascade" in header and "policy-abc123def456" in header and rep["about"]["from"] in header
    categories = set(rep["per_category"])
    assert {"self-harm/intent", "sexual/minors"} <= categories
    for cat in categories:  # a chart, or a panel saying why there is none; never dropped
        assert f'aria-label="{cat}"' in html or f'<div class="panel empty">{cat}: no reviewed cases' in html, cat
    assert '<div class="panel empty">sexual/minors: no reviewed cases<br>1 confirmed decision(s) missed' in html
    drawn = [name for name, pts in rep["pr_curves"].items() if pts]
    assert html.count("now: P ") == len(drawn) >= len(CATS)


def test_dismissed_examples_show_redacted_excerpts_most_severe_first():
    rep = _report()
    shown = rep["dismissed_examples"]
    assert shown and all(e["decision"] == "dismiss" for e in shown)
    assert [e["severity"] for e in shown] == sorted((e["severity"] for e in shown), reverse=True)
    html = render(rep)
    assert "Dismissed by reviewers" in html and "call me at [PHONE] about" in html


def test_count_axes_are_whole_numbers_dates_are_few_and_colours_mean_labels():
    html = render(_report(days=30))
    load = html[html.index("Cases opened per day"):]
    load = load[:load.index("</svg>")]
    ticks = re.findall(r'text-anchor="end">([0-9.,]+)</text>', load)
    assert ticks and all(re.fullmatch(r"[0-9,]+", t) for t in ticks), ticks
    dates = re.findall(r'rotate\(-35[^>]*>([^<]+)</text>', load)
    assert 2 <= len(dates) <= 8 and all(re.fullmatch(r"[A-Z][a-z]{2} \d\d", d) for d in dates), dates
    for label in ("confirmed", "dismissed", "unreviewed"):
        assert f'fill="{LABEL_COLORS[label]}"/><text x="' in load and f">{label}</text>" in load
    assert LABEL_COLORS["unreviewed"] == "#9e9e9e", "unreviewed is neutral grey, not a 'good' green"


def test_nice_ticks_and_a_long_legend_name_is_kept_whole():
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 47, integer=True)[-1] >= 47
    name = "a rather long series name that once was cut"
    assert f">{name}</text>" in bar_chart(["2026-10-01"], [(name, [1.0])], "t", "cases")
