"""`riskstream replay --topic` on the real broker: a few days of timestamped turns across partitions.

Checks event-time ordering across partitions, the time range, deletions from the privacy topic,
ZDR text never written, byte-identical reruns (in-process and as a subprocess with the real
models), no committed consumer offsets, the shadow diff, output topics and Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

import stream.scoring
from stream.cli import main
from stream.core.timeutil import format_rfc3339
from tests.fakes import TagScorer, turn
from tests.replay_scenario import SECRET, SHADOW, ZDR_TENANT, Scenario

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CountingScorer(TagScorer):
    def __init__(self):
        super().__init__()
        self.texts = 0

    def score_batch(self, texts):
        self.texts += len(texts)
        return super().score_batch(texts)


@pytest.fixture(scope="module")
def world(kafka_bootstrap):
    """Topics under a fresh prefix holding the scenario's turns, privacy requests and decisions."""
    sc = Scenario()
    prefix = f"rp{uuid.uuid4().hex[:8]}."
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    cfg = {"retention.ms": str(30 * 86400 * 1000)}
    admin.create_topics([NewTopic(prefix + "turns", 3, 1, topic_configs=cfg),
                         NewTopic(prefix + "privacy-requests", 1, 1, topic_configs=cfg),
                         NewTopic(prefix + "review-decisions", 2, 1, topic_configs=cfg)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for key, value, ts_ms in sc.records():
        producer.send(prefix + "turns", key=key.encode(), value=value, timestamp_ms=ts_ms)
    for req in sc.privacy_requests():
        producer.send(prefix + "privacy-requests", key=req["user_id"].encode(), value=orjson.dumps(req))
    for d in sc.decisions():
        producer.send(prefix + "review-decisions", key=d["user_id"].encode(), value=orjson.dumps(d))
    producer.flush()
    producer.close()
    sc.prefix, sc.bootstrap = prefix, kafka_bootstrap
    return sc


def replay_args(sc, *extra) -> list[str]:
    return ["replay", "--topic", sc.prefix + "turns", "--from", format_rfc3339(sc.start), "--to",
            format_rfc3339(sc.end), "--broker", sc.bootstrap, "--topic-prefix", sc.prefix, "--zdr-tenants", ZDR_TENANT,
            "--no-progress", *extra]


def run_cli(monkeypatch, argv, scorer=None) -> int:
    monkeypatch.setattr(stream.scoring, "load_default_scorer", lambda **kw: scorer or TagScorer())
    return main(argv)


def _groups(admin) -> set[str]:
    return {g["group_id"] for g in admin.list_groups()}


def lines(path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


def test_topic_replay_orders_by_event_time_applies_holds_and_is_byte_identical(world, monkeypatch, tmp_path, capsys):
    admin = KafkaAdminClient(bootstrap_servers=world.bootstrap)
    groups_before = _groups(admin)
    outs = []
    for run, buffer in (("a", "200000"), ("b", "3")):  # b: the event-time sort spills runs of 3 turns and merges
        d = tmp_path / run
        d.mkdir()  # outputs never create folders
        rc = run_cli(monkeypatch, replay_args(world, "--cases", str(d / "cases.jsonl"), "--scores",
                                              str(d / "scores.jsonl"), "--dead-letter", str(d / "dead.jsonl"),
                                              "--batch-size", "7", "--sort-buffer", buffer))
        assert rc == 0
        outs.append(d)
    err = capsys.readouterr().err
    for name in ("cases.jsonl", "scores.jsonl", "dead.jsonl"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), f"{name} differs between runs"
    scores = lines(outs[0] / "scores.jsonl")
    expected = world.expected_turns()
    assert [s["event_id"] for s in scores] == [t["event_id"] for t in expected]
    users = {s["user_id"] for s in scores}
    assert "u-old" not in users and "u-future" not in users
    assert world.deleted_early["event_id"] not in {s["event_id"] for s in scores}
    late = [s["event_id"] for s in scores if s["user_id"] == "u-late"]
    assert late == [world.late_first["event_id"], world.late_second["event_id"]], "event time, not production order"
    cases = {c["user_id"]: c for c in lines(outs[0] / "cases.jsonl")}
    assert set(cases) == {"u-severe-low", "u-graphic", "u-deleted", "u-zdr"}
    assert cases["u-deleted"]["trigger_event_id"] == world.deleted_after["event_id"]
    assert "1 turn(s) of 1 deleted user(s)" in err
    assert _groups(admin) == groups_before, "replay must not create or commit to any group"
    admin.close()


def test_zdr_text_is_never_written_anywhere(world, monkeypatch, tmp_path):
    shadow = tmp_path / "shadow.json"
    shadow.write_text(json.dumps(SHADOW))
    outs = {n: tmp_path / f"{n}.jsonl" for n in ("cases", "scores", "dead-letter", "shadow-cases", "diff")}
    rc = run_cli(monkeypatch, replay_args(world, "--shadow", str(shadow), "--summary",
                                          *[a for n, p in outs.items() for a in (f"--{n}", str(p))]))
    assert rc == 0
    for name, path in outs.items():
        assert SECRET.encode() not in path.read_bytes(), f"ZDR text leaked into {name}"
        assert b"alice@example.com" not in path.read_bytes()
    zdr_case = next(c for c in lines(outs["cases"]) if c["user_id"] == "u-zdr")
    assert all(e["excerpt"] is None for e in zdr_case["evidence"])
    dead = lines(outs["dead-letter"])
    assert len(dead) == 1 and dead[0]["raw"] is None and dead[0]["source"]["topic"] == world.prefix + "turns"
    assert {"partition", "offset"} <= set(dead[0]["source"])


def test_shadow_diff_gains_loses_and_reprioritises_scoring_each_turn_once(world, monkeypatch, tmp_path):
    shadow = tmp_path / "shadow.json"
    shadow.write_text(json.dumps(SHADOW))
    plain = tmp_path / "plain.jsonl"
    alone = CountingScorer()
    assert run_cli(monkeypatch, replay_args(world, "--cases", str(plain)), alone) == 0
    assert alone.texts >= len(world.expected_turns())  # every turn, plus conversation-context readings
    scorer = CountingScorer()
    rc = run_cli(monkeypatch, replay_args(world, "--cases", str(tmp_path / "cases.jsonl"), "--shadow", str(shadow),
                                          "--shadow-cases", str(tmp_path / "shadow.jsonl"), "--diff",
                                          str(tmp_path / "diff.json")), scorer)
    assert rc == 0
    assert scorer.texts == alone.texts, "each text is scored once for both configurations"
    assert (tmp_path / "cases.jsonl").read_bytes() == plain.read_bytes(), "the shadow must not change current output"
    diff = json.loads((tmp_path / "diff.json").read_text())
    n = diff["counts"]
    assert (n["gained"], n["lost"], n["reprioritised"], n["raised_priority"]) == (1, 1, 1, 1)
    assert [c["user_id"] for c in diff["examples"]["gained"]] == ["u-accum"]
    assert [c["user_id"] for c in diff["examples"]["lost"]] == ["u-severe-low"]
    repri = diff["examples"]["reprioritised"][0]
    assert repri["current"]["user_id"] == "u-graphic" and repri["priority"] == [3, 2]
    assert diff["gained_by_category"] == {"violence": 1} and diff["lost_by_category"] == {"violence": 1}
    assert diff["examples"]["lost"][0]["evidence"][0]["excerpt"] == "[violence=0.86] I will hurt him"


def test_evaluate_joins_replayed_cases_with_decisions_from_the_topic(world, monkeypatch, tmp_path):
    cases = tmp_path / "cases.jsonl"
    assert run_cli(monkeypatch, replay_args(world, "--cases", str(cases))) == 0
    severe = next(c for c in lines(cases) if c["user_id"] == "u-severe-low")
    producer = KafkaProducer(bootstrap_servers=world.bootstrap, acks="all")
    confirm = world.decision(1, severe["case_id"], "u-severe-low", "ban", 1, 12, categories=["violence"])
    producer.send(world.prefix + "review-decisions", key=b"u-severe-low", value=orjson.dumps(confirm))
    producer.flush()
    producer.close()
    rng = ["--from", format_rfc3339(world.start), "--to", format_rfc3339(world.end)]
    rc = main(["evaluate", "--cases", str(cases), "--decisions", "review-decisions", "--broker", world.bootstrap,
               "--topic-prefix", world.prefix, *rng, "--json", str(tmp_path / "eval.json"),
               "--html", str(tmp_path / "eval.html")])
    assert rc == 0
    rep = json.loads((tmp_path / "eval.json").read_text())
    o = rep["overall"]
    assert (o["cases"], o["confirmed"], o["dismissed"], o["unreviewed"]) == (4, 1, 2, 1)
    assert o["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert o["missed_confirmed"] == 1 and o["recall"] == 0.5
    assert rep["join"] == {"by_case_id": 1, "by_user_and_time": 2, "unreviewed": 1}
    assert rep["per_category"]["harassment"]["missed_confirmed"] == 1
    assert [m["decision_id"] for m in rep["missed_examples"]] == ["d3"]
    assert len(rep["load"]["days"]) == 3 and sum(d["cases"] for d in rep["load"]["days"].values()) == 4
    html = (tmp_path / "eval.html").read_text()
    assert html.count("<svg") >= 2 and "missed by this configuration" in html


def test_cases_can_go_to_a_separate_output_topic_but_never_the_live_one(world, monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="live prefix"):
        run_cli(monkeypatch, replay_args(world, "--output-topic-prefix", world.prefix))
    out_prefix = world.prefix + "eval."
    cases = tmp_path / "cases.jsonl"
    assert run_cli(monkeypatch, replay_args(world, "--cases", str(cases), "--output-topic-prefix", out_prefix)) == 0
    consumer = KafkaConsumer(out_prefix + "review-cases", bootstrap_servers=world.bootstrap, group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=3000)
    got = sorted(orjson.loads(m.value)["case_id"] for m in consumer)
    consumer.close()
    assert got == sorted(c["case_id"] for c in lines(cases)) and len(got) == 4


def test_retention_limit_needs_an_explicit_archive(world, monkeypatch, tmp_path):
    args = replay_args(world, "--cases", str(tmp_path / "c.jsonl"))
    args[args.index("--from") + 1] = "40d"
    with pytest.raises(SystemExit, match="older than the retention limit of 30 days"):
        run_cli(monkeypatch, args)
    assert run_cli(monkeypatch, args + ["--archive"]) == 0
    assert len(lines(tmp_path / "c.jsonl")) == 5, "with --archive the too-old user is replayed too"


def test_deletions_fail_closed_when_the_privacy_topic_is_missing(world, monkeypatch, tmp_path):
    args = replay_args(world)
    args[args.index("--topic-prefix") + 1] = "no-such-prefix."
    with pytest.raises(SystemExit, match="privacy-requests topic 'no-such-prefix.privacy-requests' does not exist"):
        run_cli(monkeypatch, args)


def test_subprocess_replay_with_the_real_models_is_byte_identical(world, tmp_path):
    outs = []
    for run in ("a", "b"):
        d = tmp_path / run
        d.mkdir()  # outputs never create folders
        cmd = [sys.executable, "-m", "stream", *replay_args(world, "--cases", str(d / "cases.jsonl"), "--scores",
                                                             str(d / "scores.jsonl"))]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(d)
    assert (outs[0] / "scores.jsonl").read_bytes() == (outs[1] / "scores.jsonl").read_bytes()
    assert (outs[0] / "cases.jsonl").read_bytes() == (outs[1] / "cases.jsonl").read_bytes()
    assert len(lines(outs[0] / "scores.jsonl")) == len(world.expected_turns())


def test_ctrl_c_stops_after_the_current_batch_with_whole_lines(monkeypatch, tmp_path):
    rows = [turn(i, f"[violence=0.9] turn {i}", user=f"u{i % 5}", hour=1 + i // 60) for i in range(40)]
    src = tmp_path / "turns.jsonl"
    src.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))

    class InterruptingScorer(TagScorer):
        calls = 0

        def score_batch(self, texts):
            InterruptingScorer.calls += 1
            if InterruptingScorer.calls == 2:
                os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, in the middle of batch 2
            return super().score_batch(texts)

    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite was started in the background
    rc = run_cli(monkeypatch, ["replay", "--input", str(src), "--scores", str(tmp_path / "s.jsonl"), "--cases",
                               str(tmp_path / "c.jsonl"), "--batch-size", "5", "--no-progress"], InterruptingScorer())
    assert rc == 130
    assert len(lines(tmp_path / "s.jsonl")) == 10, "batch 2 is finished, batch 3 never starts"
    assert all(c["case_id"] for c in lines(tmp_path / "c.jsonl"))
    assert signal.getsignal(signal.SIGINT) is before  # the replay's own handler is gone again


def test_deletion_holds_cover_the_account_or_the_whole_person():
    from stream.core.events import parse_turn
    from stream.evaluation.holds import HoldReport, hold_back, load_deletions

    dev = {"device_hash": "dev-1"}
    rows = [turn(1, "a", user="acct-a", identity=dev), turn(2, "b", user="acct-b", identity=dev),
            turn(3, "c", user="acct-c"), turn(4, "later", user="acct-a", day=5)]
    turns = [parse_turn(r) for r in rows]
    req = lambda user, person: (user, orjson.dumps({"request_id": f"r-{user}", "type": "delete_user",  # noqa: E731
                                                    "user_id": user, "include_person": person,
                                                    "ts": "2026-10-02T00:00:00Z"}))
    report = HoldReport()
    account_only = load_deletions([req("acct-a", False), ("bad", b"{}")], report)
    assert [t.event_id for t in hold_back(turns, None, None, account_only, report)] == ["e2", "e3", "e4"]
    assert report.requests == 1 and len(report.bad_requests) == 1, "an invalid request is reported"
    person = load_deletions([req("acct-a", True)], HoldReport())
    report = HoldReport()
    assert [t.event_id for t in hold_back(turns, None, None, person, report)] == ["e3", "e4"]
    assert report.deleted_users == {"acct-a", "acct-b"} and report.deleted_turns == 2
