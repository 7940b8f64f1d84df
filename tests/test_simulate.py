"""Synthetic timelines and the stateless baseline, on a tiny dataset directory written by the test."""

import json

from stream.datasplit import split_of
from stream.simulate.baseline import stateless_cases, threshold_for_rate, user_turn_peaks
from stream.simulate.pools import load_pools
from stream.simulate.timelines import build


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _write_dialogues(tmp_path, dev):
    for name in ("sgd_dialogues_benign.jsonl", "chatterbot_benign.jsonl"):
        _write(tmp_path / name, [{"id": f"{name}{i}", "turns": [{"role": "user", "content": f"hi {name} {i}"}], "labels": dev}
                                 for i in range(10)])


def _datasets(tmp_path):
    dev = {"split": "test"}
    _write(tmp_path / "threatgram_threats.jsonl",
           [{"id": f"tg{i}", "text": f"threat {i}", "labels": {"threat_level": i % 3, **dev}} for i in range(30)]
           + [{"id": "tg-train", "text": "TRAIN ROW", "labels": {"threat_level": 2, "split": "train"}}])
    _write(tmp_path / "reddit_cssrs_users.jsonl", [
        {"id": f"u{i}", "labels": {"cssrs": c, **dev}, "turns": [{"role": "user", "content": f"{c} post {j}"} for j in range(3)]}
        for i, c in enumerate(["Ideation", "Attempt", "Supportive", "Indicator"])])
    _write(tmp_path / "goemotions.jsonl", [{"id": f"g{i}", "text": f"comment {i}", "labels": {"emotions": [e], **dev}}
                                           for i, e in enumerate(["anger", "neutral"] * 10)])
    for name in ("harmful_behaviors.jsonl", "ailuminate_en.jsonl", "toxigen_prompts.jsonl", "cyber_benign_frr.jsonl",
                 "banking77_benign.jsonl", "sonos_nlu_benign.jsonl"):
        _write(tmp_path / name, [{"id": f"{name}{i}", "text": f"{name} text {i}",
                                  "labels": {"hate": 0, "hazard": "vcr" if i % 2 else "prv", **dev}} for i in range(10)])
    _write_dialogues(tmp_path, dev)
    return tmp_path


def test_pools_draw_only_dev_rows(tmp_path):
    pools = load_pools(_datasets(tmp_path))
    assert "TRAIN ROW" not in pools.threat_violent
    assert len(pools.threat_violent) == 10 and len(pools.threat_mild) == 10
    assert len(pools.self_harm_users) == 2 and len(pools.supportive_users) == 1
    assert split_of({"id": "x", "labels": {"split": "validate"}}) == "dev"


def test_pools_halve_the_dev_split_into_tune_and_report(tmp_path):
    root = _datasets(tmp_path)
    whole, tune, report = (load_pools(root, part=p) for p in ("all", "tune", "report"))
    for pool in ("threat_violent", "grievance", "benign", "harmful_requests"):
        a, b = set(getattr(tune, pool)), set(getattr(report, pool))
        assert not a & b, f"{pool}: a text in both halves"
        assert a | b == set(getattr(whole, pool))
    assert tune.threat_violent and report.threat_violent
    assert set(whole.violent_requests) == {t for t in whole.harmful_requests if t.split()[-1] in "13579"}


def test_timelines_spread_escalating_harm_over_conversations_and_are_deterministic(tmp_path):
    pools = load_pools(_datasets(tmp_path))
    turns, truth = build(pools, n_violent=6, n_benign=8, n_spike=3, seed=3)
    assert (turns, truth) == build(pools, n_violent=6, n_benign=8, n_spike=3, seed=3)
    kinds = [t["kind"] for t in truth]
    assert kinds.count("escalating") == 8 and kinds.count("benign") == 9 and kinds.count("spike") == 3
    by_user = {}
    for t in turns:
        by_user.setdefault(t["user_id"], []).append(t)
    risk_pool = set(pools.threat_violent + pools.threat_mild + pools.grievance + pools.violent_requests)
    shapes = set()
    for t in truth:
        if t["kind"] == "escalating" and t["category"] == "violence":
            shapes.add(t["shape"])
            mine = [x for a in t.get("accounts", [t["user_id"]]) for x in by_user[a]]
            risky = [x for x in mine if x["text"] in risk_pool]
            assert len({x["conversation_id"] for x in risky}) == len(risky) >= 3, "one risk turn per conversation"
            assert any(x["event_id"] == t["harm_event_id"] and x["ts"] == t["harm_inferable_at"] for x in mine)
            texts = {x["text"] for x in risky}
            if t["shape"] == "spread":
                assert not texts & set(pools.threat_violent), "spread harm has no single violent threat"
                assert texts & set(pools.violent_requests)
            if t["shape"] == "cross-account":
                assert len(t["accounts"]) == 2 and all(by_user[a] for a in t["accounts"])
                assert len({x["identity"]["device_hash"] for x in mine}) == 1, "the accounts share a device"
                assert len({x["user_id"] for x in risky}) == 2, "the harm is split over both accounts"
    assert shapes == {"explicit", "spread", "cross-account"}
    assert [t["ts"] for t in turns] == sorted(t["ts"] for t in turns)


def test_stateless_baseline_matches_the_benign_rate():
    def row(u, e, ts, v):
        return {"user_id": u, "event_id": e, "ts": ts, "role": "user",
                "category_scores": {"violence": v, "harassment": v / 2}}
    rows = [row("b1", "x1", "1", 0.9), row("b2", "x2", "1", 0.5), row("b3", "x3", "1", 0.2), row("b4", "x4", "1", 0.1),
            row("e1", "y1", "1", 0.3), row("e1", "y2", "2", 0.95)]
    peaks = user_turn_peaks(rows)
    thr = threshold_for_rate(peaks, ["b1", "b2", "b3", "b4"], 0.25)
    assert 0.5 < thr <= 0.9 + 1e-6
    cases = stateless_cases(peaks, thr)
    assert {c["user_id"] for c in cases} == {"b1", "e1"}
    assert next(c for c in cases if c["user_id"] == "e1")["trigger_event_id"] == "y2"


def test_benchmark_summary_gives_each_seed_its_sampling_interval():
    from bench.bench_timelines import _summary, wilson

    lo, hi = wilson(121, 171)
    assert lo < 121 / 171 < hi and (lo, hi) == (0.6355, 0.7706)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    head = {"riskstream": {"recall": 0.7076, "benign_flagged_per_1000": 23.15}, "stateless_same_fpr": {"recall": 0.41},
            "recall_gain_points": 29.8}
    out = _summary({"12": head}, {"12": {"escalating": 171, "benign": 1512}})
    assert out["targets_met_by_seed"] == {"12": False}, "23.15 per 1,000 breaks the 20 budget"
    assert out["ci95_by_seed"]["12"] == {"recall": [0.6355, 0.7706], "benign_flagged_per_1000": [16.7, 32.0]}


def test_benchmark_pools_every_seed_people_and_judges_the_targets_on_the_pool():
    from bench.bench_timelines import _summary

    def head(recall, rate, stateless):
        return {"riskstream": {"recall": recall, "benign_flagged_per_1000": rate},
                "stateless_same_fpr": {"recall": stateless}, "recall_gain_points": round(100 * (recall - stateless), 1)}

    users = {s: {"escalating": 171, "benign": 1512} for s in ("1", "2", "3")}
    # 121 + 137 + 133 of 513 found; 25 + 35 + 28 of 4,536 benign people flagged; baseline 70 + 87 + 85
    runs = {"1": head(0.7076, 16.53, 0.4094), "2": head(0.8012, 23.15, 0.5088), "3": head(0.7778, 18.52, 0.4971)}
    out = _summary(runs, users)
    assert out["targets_met_by_seed"] == {"1": True, "2": False, "3": True}
    pooled = out["pooled"]
    assert (pooled["seeds"], pooled["escalating"], pooled["benign"]) == (3, 513, 4536)
    assert pooled["recall"] == round(391 / 513, 4) and pooled["benign_flagged_per_1000"] == round(88_000 / 4536, 2)
    assert pooled["recall_gain_points"] == round(100 * (391 - 242) / 513, 1)
    assert pooled["targets_met"] is True
    assert pooled["ci95"]["benign_flagged_per_1000"][1] > 20, "4,536 people do not yet pin the rate under 2 %"
    assert pooled["targets_met_beyond_ci95"] is False
    wider = _summary({**runs, "4": head(0.7076, 16.53, 0.4094)}, {**users, "4": users["1"]})["pooled"]
    assert wider["benign"] == 6048 and wider["benign_flagged_per_1000"] == round(113_000 / 6048, 2)


def _out_of_family_datasets(tmp_path):
    dev = {"split": "test"}
    _write(tmp_path / "orbench_hard_en_ko.jsonl", [{"id": f"o{i}", "text": f"scary but safe {i}", "lang": "en",
                                                    "labels": {"category": "violence", **dev}} for i in range(10)])
    _write(tmp_path / "coconot_en.jsonl", [{"id": f"c{i}", "text": f"kill time {i}", "labels": {"should_comply": True, **dev}}
                                           for i in range(10)])
    _write(tmp_path / "mtsamples_medical.jsonl", [{"id": f"m{i}", "text": f"note {i}", "labels": dev} for i in range(10)])
    subs = ["suicidewatch"] * 6 + ["depression"] * 3 + ["guns"] * 3
    _write(tmp_path / "reddit_mh_subreddits.jsonl", [{"id": f"r{i}", "text": f"{s} post {i}", "labels": {"subreddit": s, **dev}}
                                                     for i, s in enumerate(subs)]
           + [{"id": "r-train", "text": "TRAIN ROW", "labels": {"subreddit": "suicidewatch", "split": "train"}}])
    _write_dialogues(tmp_path, dev)
    return tmp_path


def test_out_of_family_timelines_hold_scripted_and_source_people(tmp_path):
    from stream.simulate import scripts
    from stream.simulate.pools import load_out_of_family
    from stream.simulate.timelines import build_out_of_family

    pools = load_out_of_family(_out_of_family_datasets(tmp_path))
    assert "TRAIN ROW" not in json.dumps(pools.self_harm_users)
    assert pools.self_harm_users[0][0].startswith("depression") and "suicidewatch" in pools.self_harm_users[0][1]
    turns, truth = build_out_of_family(pools, n_benign=30, per_script=2, seed=3)
    by_id = {t["event_id"]: t for t in turns}
    esc = [t for t in truth if t["kind"] == "escalating"]
    assert {t["shape"] for t in esc} == set(scripts.ESCALATING) | {"suicidewatch"}
    for t in esc:  # the harm event is a turn of that person, at the time truth says
        assert by_id[t["harm_event_id"]]["user_id"] == t["user_id"] and by_id[t["harm_event_id"]]["ts"] == t["harm_inferable_at"]
    assert "{" not in json.dumps([t["text"] for t in turns]), "every slot is filled"
    assert {t["shape"] for t in truth if t["kind"] == "benign"} >= {"sources", "gamer", "bereaved"}
    assert build_out_of_family(pools, n_benign=30, per_script=2, seed=3) == (turns, truth)


def test_out_of_family_sources_can_be_held_out_and_the_tagger_never_reads_them():
    """The out-of-family run needs classifiers built without these families (`make oof-models`,
    `build --holdout`, which accepts trainer source names only); the stage tagger must not read
    them at all. Fails as soon as either stops holding."""
    from models.train import data, tagger
    from stream.simulate.pools import OUT_OF_FAMILY_SOURCES

    assert set(OUT_OF_FAMILY_SOURCES) <= set(data.LOADERS)
    assert "--holdout " + ",".join(OUT_OF_FAMILY_SOURCES) in open("Makefile", encoding="utf-8").read().replace(
        "$(OOF_FAMILIES)", ",".join(OUT_OF_FAMILY_SOURCES))
    src = open(tagger.__file__, encoding="utf-8").read()
    assert not [f for f in ("reddit_mh", "orbench", "coconot", "mtsamples") if f in src]


def test_out_of_family_fold_b_draws_its_own_families_with_the_assistant_replies_as_said(tmp_path):
    """Fold B's people come from its held-out families only (therapy questions not about one's own
    risk, dialogue-safety turns with the chatbot's real reply, never a user disclosing risk, Korean
    idioms); written replies are
    laid out as assistant turns right after the user turn they answer."""
    from stream.simulate import scripts
    from stream.simulate.pools import FOLDS, load_out_of_family
    from stream.simulate.timelines import build_out_of_family

    dev = {"split": "test"}
    _write(tmp_path / "counsel_chat_questions.jsonl",
           [{"id": f"q{i}", "text": f"therapy question {i}", "labels": {"topics": [topic], **dev}}
            for i, topic in enumerate(["relationships", "anger-management", "depression", "self-harm"])])
    _write(tmp_path / "diasafety.jsonl", [{"id": f"d{i}", "turns": [{"role": "user", "content": f"sore throat {i}"},
                                                                     {"role": "assistant", "content": f"see a doctor {i}"}],
                                           "labels": {"category": "Unauthorized Expertise", "label": lab, **dev}}
                                          for i, lab in enumerate(["Safe", "Unsafe"])]
           + [{"id": "r0", "turns": [{"role": "user", "content": "I will end it all in a week"},
                                    {"role": "assistant", "content": "please talk to someone"}],
               "labels": {"category": "Risk Ignorance", "label": "Safe", **dev}}])
    _write(tmp_path / "k_overrefusal_ko.jsonl", [{"id": "k0", "text": "살인미소로 이기는 법", "lang": "ko",
                                                  "labels": {"set": "k_idioms", "label": "safe", **dev}}])
    _write_dialogues(tmp_path, dev)
    assert set(FOLDS["A"]) & set(FOLDS["B"]) == set()
    pools = load_out_of_family(tmp_path, fold="B")
    flat = json.dumps(pools.hard_benign, ensure_ascii=False)
    assert "therapy question 0" in flat and "therapy question 1" in flat
    assert "therapy question 2" not in flat and "therapy question 3" not in flat, "one's own risk is not a look-alike"
    assert ["sore throat 0", ["assistant", "see a doctor 0"]] in json.loads(flat) and "sore throat 1" not in flat
    assert "end it all" not in flat, "a user disclosing risk (DiaSafety's Risk Ignorance, a label of the reply) is not benign"
    assert "살인미소" in flat and pools.self_harm_users == []
    turns, truth = build_out_of_family(pools, n_benign=30, per_script=1, seed=5)
    at = {t["text"]: i for i, t in enumerate(sorted(turns, key=lambda r: (r["user_id"], r["conversation_id"], r["turn_index"])))}
    order = sorted(turns, key=lambda r: (r["user_id"], r["conversation_id"], r["turn_index"]))
    for i, t in enumerate(order):  # every written reply follows the user turn it answers, in the same conversation
        if t["role"] == "assistant" and t["text"] == "see a doctor 0":
            assert order[i - 1]["text"] == "sore throat 0" and order[i - 1]["conversation_id"] == t["conversation_id"]
    written = [r for conv in scripts.ESCALATING["bomb-making"][1] for r in conv if isinstance(r, tuple)]
    assert written and written[0][1] in at, "the hand-written people carry their assistant replies"


def test_out_of_family_headline_pools_every_fold_and_leaves_production_model_runs_out():
    """The headline takes every fold's people, each scored by the model set built without its
    families; a fold run on the production models (its set not built) is reported but not pooled."""
    from bench.bench_timelines import _pool_folds

    def head(found, stateless, flagged, shape_found):
        return {"riskstream": {"recall": found / 100, "benign_flagged_per_1000": flagged,
                               "per_shape": {"school": {"users": 10, "detected": shape_found}}},
                "stateless_same_fpr": {"recall": stateless / 100, "per_shape": {"school": {"detected": 1}}},
                "first_case_rule": {"benign": {"severe-turn": 2}}}

    block = {"users": {"A/11": {"escalating": 100, "benign": 1000}, "B/11": {"escalating": 100, "benign": 1000}},
             "runs": {"fold-A": {"11": head(70, 30, 10.0, 7)}, "fold-B": {"11": head(50, 40, 20.0, 3)},
                      "fold-C-production-models": {"11": head(99, 0, 0.0, 10)}}}
    out = _pool_folds(block)
    assert out["folds"] == ["A", "B"] and (out["escalating"], out["benign"]) == (200, 2000)
    assert out["recall"] == 0.6 and out["benign_flagged_per_1000"] == 15.0 and out["recall_gain_points"] == 25.0
    assert out["per_shape"]["school"]["recall"] == 0.5 and out["per_shape"]["school"]["stateless_detected"] == 2
    assert out["first_case_rule"] == {"benign": {"severe-turn": 4}}
    assert out["ci95"]["recall"][0] < 0.6 < out["ci95"]["recall"][1]


def test_the_hand_written_people_are_never_stage_tagger_training_rows():
    """The benchmark's hand-written people must stay out of the stage tagger's written sentences
    (models/data/stage_sentences.jsonl): a script line trained on would be read in family."""
    from pathlib import Path

    from stream.simulate import scripts

    rows = Path(__file__).resolve().parents[1] / "models" / "data" / "stage_sentences.jsonl"
    trained = {json.loads(line)["text"].lower() for line in rows.read_text(encoding="utf-8").splitlines()}
    lines = [x for _, convs in scripts.ESCALATING.values() for conv in convs for x in conv]
    lines += [x for convs in scripts.BENIGN.values() for conv in convs for x in conv]
    said = {(x[1] if isinstance(x, tuple) else x).lower() for x in lines}
    texts = {s.replace("{" + k + "}", v).lower() for s in said for k, vs in scripts.SLOTS.items() for v in vs}
    assert len(said) > 50 and not (said | texts) & trained
