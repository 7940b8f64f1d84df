"""Evaluation without a broker: decision join rules, metrics, recalibration, truth mode, report, shadow config."""

from __future__ import annotations

import json

import orjson
import pytest

from stream.cli import main
from stream.evaluation.cases import collapse, redacted_view
from stream.evaluation.labels import Decision, final_decisions, join_decisions, parse_truth
from stream.evaluation.metrics import decision_report, pr_curve, truth_report
from stream.evaluation.recalibrate import propose_thresholds
from stream.evaluation.report import render
from stream.evaluation.shadow import BatchMemo, ThresholdScorer, parse_shadow_config
from tests.fakes import TagScorer

DAY = 86400.0
T0 = 1_790_000_000.0  # 2026-09-21


def iso(ts: float) -> str:
    from stream.core.timeutil import format_rfc3339

    return format_rfc3339(ts)


def case_event(cid: str, user: str, ts: float, cats=("violence",), severity=0.6, priority=3, event="open",
               scores=None, tenant=None, excerpt="he said [EMAIL]", accounts=None) -> dict:
    ev = {"case_id": cid, "event": event, "user_id": user, "trigger_event_id": f"t-{cid}", "opened_at": iso(ts),
          "updated_at": iso(ts), "categories": list(cats), "severity": severity, "priority": priority,
          "route": "enforcement", "rule": "severe-turn", "reason": "r",
          "evidence": [{"event_id": f"t-{cid}", "ts": iso(ts - 3600), "top_category": cats[0], "score": 0.9,
                        "excerpt": excerpt}],
          "trajectory": {}, "scores": scores or {c: 0.9 for c in cats}}
    if tenant:
        ev["tenant_id"] = tenant
    if accounts:
        ev["accounts"] = accounts
    return ev


def dec(i: int, case: str, user: str, action: str, ts: float, **kw) -> Decision:
    return Decision(f"d{i}", case, user, action, ts, tuple(kw.get("categories", ())), kw.get("appeal_of"))


def test_join_by_case_id_then_by_user_within_the_window_and_misses():
    cases = collapse([case_event("c1", "alice", T0), case_event("c2", "bob", T0 + DAY),
                      case_event("c3", "carol", T0 + DAY), case_event("c4", "dave", T0 + 2 * DAY),
                      case_event("c5", "p-acct-b", T0, accounts=["acct-a", "p-acct-b"])])
    decisions = [dec(1, "c1", "alice", "ban", T0 + 3600),
                 dec(2, "live-x", "bob", "dismiss", T0 + DAY + 7200),
                 dec(3, "live-y", "carol", "warn", T0 + 9 * DAY),  # outside the 7-day window: no join, a miss
                 dec(4, "live-z", "erin", "suspend", T0, categories=["hate"]),  # never replayed: a miss
                 dec(5, "live-w", "acct-a", "warn", T0 + 600)]  # another account of the same person
    joined, missed = join_decisions(cases, decisions, 7 * DAY)
    how = {j.case.case_id: (j.how, j.label) for j in joined}
    assert how == {"c1": ("case_id", "confirmed"), "c2": ("user+time", "dismissed"), "c3": ("none", "unreviewed"),
                   "c4": ("none", "unreviewed"), "c5": ("user+time", "confirmed")}
    assert [d.decision_id for d in missed] == ["d4", "d3"], "in decision time order"
    rep = decision_report(joined, missed)
    o = rep["overall"]
    assert (o["confirmed"], o["dismissed"], o["unreviewed"], o["missed_confirmed"]) == (2, 1, 2, 2)
    assert o["precision"] == pytest.approx(2 / 3, abs=1e-4) and o["recall"] == 0.5
    assert rep["per_category"]["hate"]["missed_confirmed"] == 1 and rep["per_category"]["hate"]["cases"] == 0
    assert o["delay_from_first_evidence_hours"]["median"] == 1.0
    assert o["lead_before_decision_hours"]["n"] == 2
    assert sum(d["cases"] for d in rep["load"]["days"].values()) == 5


def test_an_appeal_replaces_the_decision_it_appeals():
    ds = [dec(1, "c1", "u", "ban", T0), dec(2, "c1", "u", "dismiss", T0 + 10, appeal_of="d1"),
          dec(3, "c2", "v", "dismiss", T0), dec(4, "c2", "v", "warn", T0 + 5)]
    final = {d.case_id: d.action for d in final_decisions(ds)}
    assert final == {"c1": "dismiss", "c2": "warn"}


def test_updates_collapse_into_one_case_with_the_worst_priority():
    cases = collapse([case_event("c1", "u", T0, priority=3),
                      case_event("c1", "u", T0, cats=("violence", "illicit"), priority=2, event="update")])
    assert len(cases) == 1 and cases[0].priority == 2 and cases[0].categories == ["violence", "illicit"]
    assert cases[0].updates == 1


def test_pr_curve_counts_ties_together():
    curve = pr_curve([(0.9, True), (0.9, False), (0.5, True), (0.2, False)], positives=3)
    assert [(p["threshold"], p["precision"], p["recall"]) for p in curve] == [
        (0.9, 0.5, 0.3333), (0.5, 0.6667, 0.6667), (0.2, 0.5, 0.6667)]


def test_recalibration_picks_the_lowest_cut_holding_the_target_precision():
    events, decisions = [], []
    # violence: cases scoring >= 0.8 are confirmed, below are dismissed
    for i, score in enumerate([0.95, 0.9, 0.85, 0.8, 0.8, 0.7, 0.65, 0.6]):
        events.append(case_event(f"c{i}", f"u{i}", T0 + i * 3600, scores={"violence": score}))
        decisions.append(dec(i, f"c{i}", f"u{i}", "ban" if score >= 0.8 else "dismiss", T0 + i * 3600 + 60))
    joined, _ = join_decisions(collapse(events), decisions, DAY)
    prop = propose_thresholds(joined, days=2, current={"violence": 0.5}, target_precision=0.9, min_labelled=3)
    assert prop["thresholds"] == {"violence": 0.8}
    info = prop["about"]["per_category"]["violence"]
    assert info["precision"] == 1.0 and info["labelled"] == 5 and info["current"] == 0.5
    budget = propose_thresholds(joined, days=2, current={}, budget_per_day=1.5)
    assert budget["thresholds"] == {"violence": 0.85}, "3 cases (>= 0.85) in 2 days fit 1.5/day, 5 do not"
    scarce = propose_thresholds(joined, days=2, current={}, target_precision=0.9, min_labelled=50)
    assert scarce["thresholds"] == {} and "need 50" in scarce["about"]["per_category"]["violence"]["note"]
    assert parse_shadow_config(prop).thresholds == {"violence": 0.8}, "a proposal is a valid shadow config"
    with pytest.raises(ValueError):
        propose_thresholds(joined, days=2, current={})


def test_recalibration_proposes_a_stricter_trajectory_cut_from_the_probabilities_cases_opened_at():
    events, decisions = [], []
    # trajectory cases opened at these model probabilities: >= 0.9 confirmed, below dismissed
    for i, prob in enumerate([0.99, 0.95, 0.93, 0.9, 0.85, 0.8, 0.78]):
        ev = case_event(f"c{i}", f"u{i}", T0 + i * 3600, cats=("hate",))
        ev.update(rule="trajectory", model_probability=prob)
        events.append(ev)
        decisions.append(dec(i, f"c{i}", f"u{i}", "ban" if prob >= 0.9 else "dismiss", T0 + i * 3600 + 60))
    joined, _ = join_decisions(collapse(events), decisions, DAY)
    prop = propose_thresholds(joined, days=2, current={}, target_precision=0.9, min_labelled=3, current_trajectory=0.75)
    assert prop["policy"] == {"trajectory_min_probability": 0.9}
    assert prop["about"]["trajectory"]["current"] == 0.75 and prop["about"]["trajectory"]["precision"] == 1.0
    assert parse_shadow_config(prop).policy == {"trajectory_min_probability": 0.9}, "a valid shadow config"
    lenient = propose_thresholds(joined, days=2, current={}, target_precision=0.5, min_labelled=3, current_trajectory=0.75)
    assert "policy" not in lenient and "keep" in lenient["about"]["trajectory"]["note"], "every case already meets 0.5"
    budget = propose_thresholds(joined, days=2, current={}, budget_per_day=1.0, current_trajectory=0.75)
    assert budget["policy"] == {"trajectory_min_probability": 0.95}, "2 cases in 2 days fit 1/day"


def test_truth_mode_user_level_precision_recall_delay_and_baseline():
    truth = [
        {"user_id": "esc1", "kind": "escalating", "category": "violence", "harm_inferable_at": iso(T0 + 10 * 3600),
         "harm_event_id": "e1-3"},
        {"user_id": "esc2", "kind": "escalating", "category": "self-harm", "harm_inferable_at": iso(T0),
         "harm_event_id": None},
        {"user_id": "esc3", "kind": "escalating", "category": "violence", "harm_inferable_at": iso(T0),
         "harm_event_id": None},
        {"user_id": "ben1", "kind": "benign", "category": None, "harm_inferable_at": None, "harm_event_id": None},
        {"user_id": "ben2", "kind": "benign", "category": None, "harm_inferable_at": None, "harm_event_id": None},
        {"user_id": "spk1", "kind": "spike", "category": "violence", "harm_inferable_at": None, "harm_event_id": None},
    ]
    errors: list[str] = []
    parsed = parse_truth([(i, orjson.dumps(t)) for i, t in enumerate(truth)] + [(99, b'{"user_id": 1}')], errors)
    assert len(parsed) == 6 and len(errors) == 1
    turns = {"esc1": [(T0 + h * 3600, f"e1-{h}") for h in range(0, 20, 1)]}
    ours = collapse([dict(case_event("a", "esc1", T0 + 12 * 3600), trigger_event_id="e1-12"),
                     case_event("b", "esc2", T0 - 3600),  # before harm was inferable: early, not timely
                     case_event("c", "ben1", T0)])
    base = collapse([case_event("x", "ben1", T0), case_event("y", "ben2", T0), case_event("z", "spk1", T0)])
    rep = truth_report(parsed, {"riskstream": ours, "baseline": base}, turns)
    r, b = rep["systems"]["riskstream"], rep["systems"]["baseline"]
    assert (r["true_positives"], r["false_positives"]) == (2, 1)
    assert r["precision"] == pytest.approx(2 / 3, abs=1e-4) and r["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["benign_flagged_per_1000"] == 500.0
    assert r["escalating_detected_early"] == 1 and r["escalating_detected_timely"] == 1
    assert r["delay_hours"]["median"] == 2.0 and r["delay_turns"]["median"] == 9  # harm turn e1-3 .. trigger e1-12
    assert r["per_category"]["violence"] == {"users": 2, "detected": 1, "recall": 0.5}
    assert (b["precision"], b["recall"], b["benign_flagged_per_1000"]) == (0.0, 0.0, 1000.0)
    assert b["spike"] == {"users": 1, "detected": 1, "rate": 1.0}
    html = render(rep)
    assert "riskstream" in html and "baseline" in html and html.count("<svg") == 3


def test_truth_mode_ranks_users_by_case_confidence_when_cases_carry_one():
    """Cases with `confidence` (stream/core/confidence.py): a second user-level curve, ranked by each
    user's highest confidence over all events of their cases, beside the one by severity."""
    truth = [{"user_id": u, "kind": k, "category": None, "harm_inferable_at": None, "harm_event_id": None}
             for u, k in (("esc1", "escalating"), ("esc2", "escalating"), ("ben1", "benign"))]
    parsed = parse_truth([(i, orjson.dumps(t)) for i, t in enumerate(truth)], [])
    plain = collapse([case_event("a", "esc1", T0), case_event("c", "ben1", T0)])
    assert "pr_curve_confidence" not in truth_report(parsed, {"riskstream": plain})["systems"]["riskstream"]
    events = [dict(case_event("a", "esc1", T0), confidence=0.3), dict(case_event("a", "esc1", T0 + 60), event="update",
                                                                     confidence=0.9),
              dict(case_event("b", "esc2", T0), confidence=0.6), dict(case_event("c", "ben1", T0), confidence=0.7)]
    cases = collapse(events)
    assert [c.confidence for c in cases] == [0.9, 0.6, 0.7], "a case's highest confidence over its events"
    rep = truth_report(parsed, {"riskstream": cases})
    curve = rep["systems"]["riskstream"]["pr_curve_confidence"]
    assert [(q["threshold"], q["recall"], q["precision"]) for q in curve] == [(0.9, 0.5, 1.0), (0.7, 0.5, 0.5), (0.6, 1.0, 0.6667)]
    assert render(rep).count("<svg") == 3, "precision / recall by severity and by confidence, and the load"
    joined, missed = join_decisions(cases, [dec(1, "a", "esc1", "ban", T0 + 600), dec(2, "c", "ben1", "dismiss", T0 + 600)], DAY)
    curves = decision_report(joined, missed)["pr_curves"]
    assert [(q["threshold"], q["precision"]) for q in curves["overall (confidence)"]] == [(0.9, 1.0), (0.7, 0.5)]
    assert "overall (confidence)" not in decision_report(*join_decisions(plain, [], DAY))["pr_curves"]


def test_report_escapes_what_it_shows_and_redacted_view_hides_zdr_text():
    cases = collapse([case_event("c1", "<script>alert(1)</script>", T0, tenant="zdr", excerpt="secret words")])
    joined, missed = join_decisions(cases, [dec(1, "x", "<b>u</b>", "ban", T0)], DAY)
    rep = decision_report(joined, missed)
    rep["inputs"] = {"cases": "<i>file</i>"}
    html = render(rep)
    assert "<script>" not in html and "<b>u</b>" not in html and "&lt;b&gt;u&lt;/b&gt;" in html
    view = redacted_view(cases[0], frozenset({"zdr"}))
    assert view["evidence"][0]["excerpt"] is None
    assert redacted_view(cases[0])["evidence"][0]["excerpt"] == "secret words"


def test_shadow_config_is_validated_key_by_key():
    for bad, msg in [({"polcy": {}}, "unknown key"), ({"thresholds": {"violense": 0.5}}, "unknown category"),
                     ({"thresholds": {"violence": 1.5}}, r"in \[0, 1\]"), ({"policy": {"nope": 1}}, "unknown policy"),
                     ([], "JSON object")]:
        with pytest.raises(ValueError, match=msg):
            parse_shadow_config(bad)


def test_threshold_scorer_overrides_flags_and_memo_scores_each_batch_once():
    class Counting(TagScorer):
        calls = 0

        def score_batch(self, texts):
            Counting.calls += 1
            return super().score_batch(texts)

    memo = BatchMemo(Counting())
    shadow = ThresholdScorer(memo, {"violence": 0.9})
    texts = ["[violence=0.86] x", "[violence=0.95] y"]
    base = memo.score_batch(texts)
    alt = shadow.score_batch(texts)
    assert Counting.calls == 1
    assert [s.categories["violence"] for s in base] == [True, True]
    assert [s.categories["violence"] for s in alt] == [False, True]
    assert shadow.threshold_map["violence"] == 0.9 and memo.threshold_map["violence"] == 0.5
    assert memo.version == "tag-scorer-test"


def test_evaluate_and_recalibrate_cli_on_files(tmp_path, monkeypatch):
    import stream.scoring

    monkeypatch.setattr(stream.scoring, "load_default_scorer", lambda **kw: TagScorer())
    cases = tmp_path / "cases.jsonl"
    decisions = tmp_path / "decisions.jsonl"
    evs, ds = [], []
    for i in range(10):
        evs.append(case_event(f"c{i}", f"u{i}", T0 + i * 3600, scores={"violence": 0.5 + i / 20}))
        ds.append({"decision_id": f"d{i}", "case_id": f"c{i}", "user_id": f"u{i}", "reviewer_id": "r",
                   "action": "ban" if i >= 5 else "dismiss", "ts": iso(T0 + i * 3600 + 60), "categories": ["violence"]})
    cases.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in evs))
    decisions.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in ds) + b"not json\n")
    assert main(["evaluate", "--cases", str(cases), "--decisions", str(decisions), "--json", str(tmp_path / "e.json"),
                 "--html", str(tmp_path / "e.html")]) == 0
    rep = json.loads((tmp_path / "e.json").read_text())
    assert rep["overall"]["precision"] == 0.5 and rep["join"]["by_case_id"] == 10
    out = tmp_path / "proposal.json"
    args = ["recalibrate", "--cases", str(cases), "--decisions", str(decisions), "--target-precision", "0.95",
            "--min-labelled", "3", "--output", str(out)]
    assert main(args) == 0
    proposal = json.loads(out.read_text())
    assert proposal["thresholds"] == {"violence": 0.75}
    with pytest.raises(SystemExit, match="exists; pass --force"):
        main(args)
    from stream.scoring.cascade import default_models_dir

    with pytest.raises(SystemExit, match="live models folder"):
        main(args[:-1] + [str(default_models_dir() / "thresholds.json")])
    with pytest.raises(SystemExit, match="file not found"):
        main(["evaluate", "--cases", str(cases), "--decisions", str(tmp_path / "missing.jsonl")])
    with pytest.raises(SystemExit, match="truth mode"):
        main(["evaluate", "--cases", str(cases), "--decisions", str(decisions), "--turns", str(cases)])


def test_truth_mode_counts_a_person_detected_on_any_of_their_accounts_and_reports_per_shape():
    truth = [
        {"user_id": "p1a", "kind": "escalating", "category": "violence", "shape": "cross-account",
         "accounts": ["p1a", "p1b"], "harm_inferable_at": iso(T0), "harm_event_id": "b-2"},
        {"user_id": "p2", "kind": "escalating", "category": "violence", "shape": "spread",
         "harm_inferable_at": iso(T0), "harm_event_id": None},
        {"user_id": "ben1", "kind": "benign", "category": None, "harm_inferable_at": None, "harm_event_id": None},
    ]
    errors: list[str] = []
    bad = {"user_id": "x", "kind": "benign", "accounts": "x"}
    parsed = parse_truth([(i, orjson.dumps(t)) for i, t in enumerate(truth + [bad])], errors)
    assert len(parsed) == 3 and errors and "accounts" in errors[0]
    turns = {"p1a": [(T0 - 60, "a-1")], "p1b": [(T0, "b-2"), (T0 + 60, "b-3")]}
    cases = collapse([dict(case_event("k", "p1b", T0 + 60), trigger_event_id="b-3")])  # on the second account
    r = truth_report(parsed, {"riskstream": cases}, turns)["systems"]["riskstream"]
    assert (r["true_positives"], r["false_positives"]) == (1, 0)
    assert r["per_shape"] == {"cross-account": {"users": 1, "detected": 1, "recall": 1.0},
                              "spread": {"users": 1, "detected": 0, "recall": 0.0}}
    assert r["delay_turns"]["median"] == 1  # counted over both accounts' turns: b-2 (harm) .. b-3 (trigger)
