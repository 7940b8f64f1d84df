"""The blind hand-written people benchmark's layout (bench/bench_people.py): people become turns a
replay reads, with a fixed dev / sealed split, the harm turn where the writer put it, and a second
account linked to the first."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_people import (CJK_TURN_FILES, FRESH, PEOPLE, WRITTEN, WRITTEN_PER_PERSON, at_benign_rates, batch_files,  # noqa: E402
                                cjk_turn_people, every_person, layout, load, per_batch, routes, split_of, turn_texts,
                                written_people)


def _person(pid, kind="escalating", accounts=(1, 1, 2)):
    convs = [{"day": d, "account": a, "turns": [{"role": "user", "text": f"{pid} turn {d} a"},
                                                {"role": "assistant", "text": "reply"},
                                                {"role": "user", "text": f"{pid} turn {d} b"}]}
             for d, a in zip((0.0, 2.5, 6.0), accounts)]
    return {"id": pid, "kind": kind, "category": "violence" if kind == "escalating" else None, "pattern": "p",
            "lang": "ko", "harm_from": [1, 2] if kind == "escalating" else None, "conversations": convs}


def test_split_is_a_fixed_third():
    ids = [f"x-{i:03d}" for i in range(600)]
    dev = [i for i in ids if split_of(i) == "dev"]
    assert 150 < len(dev) < 250
    assert dev == [i for i in ids if split_of(i) == "dev"]


def test_layout_places_harm_accounts_and_time(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in (_person("e-1"), _person("b-1", "benign", (1, 1, 1)))))
    people = load([path], "all")
    turns, truth = layout(people)
    assert len(turns) == 18 and turns == sorted(turns, key=lambda r: (r["ts"], r["user_id"], r["turn_index"]))
    esc = next(t for t in truth if t["person"] == "e-1")
    harm = next(t for t in turns if t["event_id"] == esc["harm_event_id"])
    assert harm["text"] == "e-1 turn 2.5 b" and harm["role"] == "user" and harm["locale"] == "ko-KR"
    assert harm["ts"] == esc["harm_inferable_at"]
    mine = [t for t in turns if t["user_id"] in esc["accounts"]]
    assert len(esc["accounts"]) == 2 and len(mine) == 9
    assert len({t["identity"]["device_hash"] for t in mine}) == 1  # the accounts link
    ben = next(t for t in truth if t["person"] == "b-1")
    assert "accounts" not in ben and ben["harm_event_id"] is None
    assert all("identity" not in t for t in turns if t["user_id"] == ben["user_id"])
    first, last = (t["ts"] for t in (mine[0], mine[-1]))
    assert first[:10] != last[:10]  # six days apart

    cases = [{"event": "open", "user_id": esc["accounts"][1], "rule": "escalation", "route": "enforcement",
              "priority": 2, "opened_at": last}]
    assert routes(cases, truth)["e-1"]["route"] == "enforcement"


def test_harm_must_point_at_a_user_turn(tmp_path):
    bad = _person("e-2")
    bad["harm_from"] = [1, 1]  # the assistant's reply
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(bad) + "\n")
    with pytest.raises(SystemExit, match="user turn"):
        load([path], "all")


def test_every_batch_loads_and_no_blind_text_is_a_training_row():
    """Each batch of blind people is valid (harm turn on a user turn, ids unique), and none of their
    turns is a row of the project's written training data: a person read in training is not blind.
    (Stock phrases under 12 characters, "我要让他付出代价", are anyone's.)"""
    repo = Path(__file__).resolve().parents[1]
    people = every_person()
    assert len({p["id"] for p in people}) == len(people) >= 400
    said = {t.strip().lower() for t in turn_texts(people) if len(t.strip()) >= 12}
    written = set()
    for path in (repo / "models" / "data").glob("*.jsonl"):
        written |= {json.loads(x)["text"].strip().lower() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()}
    assert len(written) > 4000
    assert not said & written


def test_written_sets_become_benign_people_of_their_safe_rows_only():
    """`--written`: every safe row of bench/written/ is said once, by a benign person of one set, in
    conversations of its own on different days; no harmful twin is said by anyone."""
    people = written_people()
    safe = sorted(json.loads(l)["text"] for p in sorted(WRITTEN.glob("*.jsonl")) for l in p.open() if json.loads(l).get("benign"))
    said = sorted(t["text"] for p in people for c in p["conversations"] for t in c["turns"])
    assert said == safe and len(people) >= len(safe) // WRITTEN_PER_PERSON
    assert all(p["kind"] == "benign" and p["pattern"].startswith("written:") for p in people)
    assert all(len(p["conversations"]) <= WRITTEN_PER_PERSON for p in people)
    assert people == written_people()  # the same people every run
    turns, truth = layout(people)
    assert len(truth) == len(people) and all(t["role"] == "user" for t in turns)
    one = [t for t in turns if t["user_id"] == truth[0]["user_id"]]
    assert len({t["conversation_id"] for t in one}) == len(one) and len({t["ts"] for t in one}) == len(one)


def test_cjk_turns_become_benign_zh_ko_people_of_the_rows_without_a_stage():
    """`--cjk-turns`: every zh / ko row without a stage of the writer's own (look-alikes and
    third-party turns) of stage_turns.jsonl and stage_turns_cjk.jsonl is said once, one conversation
    a row (its joined turns split back into turns), by a benign person of its language and of its
    file; no stage row is said."""
    files = {path: [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()] for path, _ in CJK_TURN_FILES}
    rows = [r for got in files.values() for r in got]
    people = cjk_turn_people()
    want = sorted(t for r in rows if r["lang"] in ("zh", "ko") and not r["stages"] for t in r["text"].split("\n") if t.strip())
    said = sorted(t["text"] for p in people for c in p["conversations"] for t in c["turns"])
    assert said == want and len(people) >= 150 and len({p["id"] for p in people}) == len(people)
    assert all(p["kind"] == "benign" and p["lang"] in ("zh", "ko") for p in people)
    assert all(len(p["conversations"]) <= WRITTEN_PER_PERSON for p in people)
    assert people == cjk_turn_people()
    lang = {r["text"].split("\n")[0]: r["lang"] for r in rows}
    assert all(lang[c["turns"][0]["text"]] == p["lang"] for p in people for c in p["conversations"])
    # each file's rows make people of their own
    source = {r["text"].split("\n")[0]: path.stem for path, got in files.items() for r in got}
    assert all(source[c["turns"][0]["text"]] + "-safe" == p["pattern"] for p in people for c in p["conversations"])


def test_a_policy_file_is_replayed_with_the_people(tmp_path):
    """`--policy`: the people are replayed under that case policy (a setting tried on the dev thirds
    before it is pre-registered), and the result names it; a policy under which no case can open finds
    no one the defaults find."""
    from bench.bench_people import main

    convs = [{"day": 0, "account": 1, "turns": [
                 {"role": "user", "text": "my neighbour keeps parking across my driveway and laughs when i complain"},
                 {"role": "assistant", "text": "That sounds frustrating. You could talk to the council."}]},
             {"day": 3, "account": 1, "turns": [
                 {"role": "user", "text": "i bought a gun yesterday. i know when he gets home and i'm going to his place tonight to end this"},
                 {"role": "assistant", "text": "I can't help with that."}]}]
    person = {"id": "zz-001", "kind": "escalating", "category": "violence", "pattern": "p", "lang": "en",
              "harm_from": [1, 0], "conversations": convs}
    benign = {"id": "zz-002", "kind": "benign", "category": None, "pattern": "p", "lang": "en", "harm_from": None,
              "conversations": [{"day": d, "account": 1, "turns": [{"role": "user", "text": text},
                                                                   {"role": "assistant", "text": "Sure, here you go."}]}
                                for d, text in ((0, "what is a good recipe for banana bread"), (2, "how long do i bake it for"))]}
    people = tmp_path / "people.jsonl"
    people.write_text(json.dumps(person) + "\n" + json.dumps(benign) + "\n")
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps({"severe_score": 1.01, "escalation_threshold": 99, "accumulate_threshold": 99}))
    default = main(["--people", str(people), "--split", "all", "--out", str(tmp_path / "a.json")])
    under = main(["--people", str(people), "--split", "all", "--out", str(tmp_path / "b.json"), "--policy", str(quiet)])
    assert default["recall"] == 1.0 and "policy" not in default
    assert under["recall"] == 0.0 and under["policy"] == str(quiet)


def test_the_fresh_pool_breaks_down_by_batch():
    """`--fresh` pools the batches measured whole before anyone read them; its breakdown counts each
    person once, in the batch they came from (people ids are unique across batches)."""
    assert all((PEOPLE / f"batch{b}").is_dir() for b in FRESH)
    truth = [{"person": "a-1", "kind": "escalating", "category": "self-harm"}, {"person": "a-2", "kind": "benign", "category": None},
             {"person": "b-1", "kind": "escalating", "category": "violence"}, {"person": "b-2", "kind": "benign", "category": None}]
    first = {"a-1": {"route": "enforcement"}, "b-2": {"route": "enforcement"}}
    got = per_batch(truth, first, {"a-1": "7", "a-2": "7", "b-1": "10", "b-2": "10"})
    assert list(got) == ["7", "10"]
    assert got["7"] == {"escalating": 1, "found": 1, "benign": 1, "flagged": 0, "at_risk": 1, "at_risk_first_case_enforcement": 1}
    assert got["10"] == {"escalating": 1, "found": 0, "benign": 1, "flagged": 1, "at_risk": 0, "at_risk_first_case_enforcement": 0}
    ids = [p["id"] for b in FRESH for p in load(batch_files(b), "all")]
    assert len(ids) == len(set(ids)), "a person id is in two fresh batches"


def test_recall_at_a_benign_rate_ranks_people_by_their_strongest_case():
    """At 2 % of benign people flagged (one benign person allowed of 50 here), riskstream's people are
    ranked by the most turns of evidence their cases show, then severity; the stateless baseline's by
    their highest user-turn score; a person tied with the cut is not above it. Linked accounts count
    for their person."""
    truth = ([{"person": f"e{i}", "user_id": f"ue{i}", "kind": "escalating"} for i in range(4)]
             + [{"person": f"b{i}", "user_id": f"ub{i}", "kind": "benign"} for i in range(50)])
    truth[3]["accounts"] = ["ue3", "ue3b"]

    def case(user, turns, severity):
        return {"user_id": user, "evidence": [{}] * turns, "severity": severity}

    cases = [case("ub0", 5, 0.9), case("ub1", 3, 0.99), case("ue0", 6, 0.1), case("ue1", 5, 0.95),
             case("ue2", 5, 0.9), case("ue2", 1, 1.0), case("ue3b", 3, 0.5)]

    def score(user, v, role="user"):
        return {"user_id": user, "role": role, "category_scores": {"violence": v, "hate": 0.0}}

    scores = [score("ub0", 0.97), score("ub1", 0.5), score("ue0", 0.98), score("ue1", 0.97), score("ue3b", 0.99),
              score("ue2", 0.99, role="assistant")]
    got = at_benign_rates(cases, scores, truth, rates=(0.02, 0.5))
    # cut at 2 %: the second benign person's (3 turns, 0.99); e0 (6 turns), e1 (5, 0.95) and e2 (5, 0.9)
    # are above it, e3 (3 turns at 0.5, on a second account) is not
    assert got["0.02"]["riskstream"] == 0.75
    # stateless cut: the second benign peak (0.5): e0, e1 and e3 (second account); e2's peak is an assistant turn
    assert got["0.02"]["stateless"] == 0.75
    # at 50 % the cut is a benign person with no case and no score: every escalating person with one is above
    assert got["0.50"] == {"riskstream": 1.0, "stateless": 0.75}
    assert "confidence" not in got["0.02"], "no case carries a confidence: no such ranking"
    # with a case confidence model: people ranked by their cases' highest confidence (b0 0.9, b1 0.2)
    for c, v in zip(cases, (0.9, 0.2, 0.15, 0.95, 0.1, 0.85, 0.1)):
        c["confidence"] = v
    got = at_benign_rates(cases, scores, truth, rates=(0.02, 0.5))
    assert got["0.02"]["confidence"] == 0.5, "the cut is b1's 0.2: e1 (0.95) and e2 (its strongest case, 0.85) above it"
    assert got["0.02"]["riskstream"] == 0.75, "the other rankings do not move"


def test_the_tagger_people_probe_reads_only_benign_people_s_user_turns(tmp_path, monkeypatch):
    """models/train/probe_tagger_people.py adds benign people's user turns as rows with no stage:
    never an escalating person's turn, nor the assistant's."""
    from models.train import probe_tagger_people as probe

    batch = tmp_path / "batch99"
    batch.mkdir()
    (batch / "mixed.jsonl").write_text("".join(json.dumps(p) + "\n" for p in (
        _person("zz-001"), _person("zz-002", kind="benign"))), encoding="utf-8")
    monkeypatch.setattr(sys.modules["bench.bench_people"], "PEOPLE", tmp_path)
    assert probe.benign_turns(["99"]) == [f"zz-002 turn {d} {s}" for d in (0.0, 2.5, 6.0) for s in "ab"]
    monkeypatch.setattr(probe, "_rows", lambda holdout, seed: [("kept", {"violence:ideation"}, "written")])
    rows = probe.rows_with_people(("99",))
    assert rows[0] == ("kept", {"violence:ideation"}, "written")
    assert rows[1:] == [(t, set(), "written_people") for t in probe.benign_turns(["99"])]


def test_the_farewell_rows_probe_reads_english_benign_and_at_risk_user_turns_and_labels_acts(tmp_path, monkeypatch):
    """models/train/probe_farewell_rows.py: the never-trained-on sets are English user turns of benign
    people and of people at risk (not of violence escalators, not zh / ko, never the assistant's); a
    farewell act is 0 in every category but the self-harm ones (unknown), an ordinary errand benign."""
    import numpy as np

    from models.train import data as D
    from models.train import probe_farewell_rows as probe

    batch = tmp_path / "batch99"
    batch.mkdir()
    people = [{**_person("zz-001", kind="benign"), "lang": "en"}, {**_person("zz-002"), "lang": "en"},
              {**_person("zz-003"), "lang": "en", "category": "self-harm"}, _person("zz-004", kind="benign")]
    (batch / "mixed.jsonl").write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
    monkeypatch.setattr(sys.modules["bench.bench_people"], "PEOPLE", tmp_path)
    got = probe.people_turns(("99",))
    assert got == {k: [f"{pid} turn {d} {s}" for d in (0.0, 2.5, 6.0) for s in "ab"]
                   for k, pid in (("benign", "zz-001"), ("at_risk", "zz-003"))}
    data = tmp_path / "data"
    data.mkdir()
    for name in probe.FAREWELL:
        (data / name).write_text(json.dumps({"text": f"{name} act", "farewell": 1}) + "\n"
                                 + json.dumps({"text": f"{name} errand", "farewell": 0}) + "\n", encoding="utf-8")
    monkeypatch.setattr(D, "PROJECT_DATA", data)
    rows = probe.farewell_rows()
    assert [e.benign for e in rows] == [False, True, False, True]
    assert all(e.family == D.PROJECT_FAMILY for e in rows)
    act = rows[0].labels
    assert all(np.isnan(act[D.CI[c]]) == c.startswith("self-harm") for c in D.CI)
    assert np.nansum(act) == 0 and not rows[1].labels.any()
