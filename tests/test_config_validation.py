"""Policy and settings are checked by type when they load: one clear line, exit status 2, before
any turn is read (a mistyped value used to load, then crash the agent and lose its batch)."""

from __future__ import annotations

import pytest

from dev.harness import run_cli
from stream.config import Settings, settings_from
from stream.core.policy import PolicyConfig


@pytest.mark.parametrize("values,fragment", [
    ({"severe_score": "high"}, "severe_score must be a number, got 'high'"),
    ({"min_stages": 2.5}, "min_stages must be an integer"),
    ({"trajectory_model": "yes"}, "trajectory_model must be true or false"),
    ({"weights": {"violence": "grave"}}, "weights must be an object of numbers"),
    ({"zdr_tenants": "t1"}, "zdr_tenants must be a list of strings"),
    ({"trajectory_min_probability": [0.5]}, "trajectory_min_probability must be a number or null"),
])
def test_mistyped_policy_values_are_refused_at_load(values, fragment):
    with pytest.raises(TypeError, match=fragment):
        PolicyConfig.from_mapping(values)


def test_well_typed_policy_values_load():
    cfg = PolicyConfig.from_mapping({"severe_score": 1, "trajectory_min_probability": None, "zdr_tenants": ["a"],
                                     "weights": {"violence": 0.5}, "trajectory_model": False})
    assert cfg.severe_score == 1 and cfg.zdr_tenants == frozenset({"a"}) and cfg.weights["violence"] == 0.5


def test_mistyped_settings_are_refused(monkeypatch):
    monkeypatch.setenv("RISKSTREAM_MAX_TEXT_CHARS", "lots")
    with pytest.raises(ValueError, match="RISKSTREAM_MAX_TEXT_CHARS must be an integer, got 'lots'"):
        settings_from()
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        Settings(batch_size="64")
    with pytest.raises(ValueError, match="compaction_lag_hours <= 24"):
        Settings(compaction_lag_hours=48.0)
    monkeypatch.delenv("RISKSTREAM_MAX_TEXT_CHARS")
    monkeypatch.setenv("RISKSTREAM_REKEY_EVERY_TURN", "sometimes")
    with pytest.raises(ValueError, match="RISKSTREAM_REKEY_EVERY_TURN must be 1 or 0, got 'sometimes'"):
        settings_from()


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("0", False), ("No", False)])
def test_a_switch_reads_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("RISKSTREAM_REKEY_EVERY_TURN", value)
    assert settings_from().rekey_every_turn is expected
    monkeypatch.delenv("RISKSTREAM_REKEY_EVERY_TURN")
    assert settings_from().rekey_every_turn is False


def test_the_cli_says_what_is_wrong_in_one_line_and_exits_2(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"severe_score": "high"}')
    r = run_cli("replay", "--input", "examples/demo_turns.jsonl", "--policy", str(policy), "--no-progress")
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode().strip().splitlines() == ["riskstream: bad policy settings: severe_score must be a number, "
                                                      "got 'high'"]
    r = run_cli("worker", "--broker", "127.0.0.1:1", env={"RISKSTREAM_MAX_DEPTH": "deep"})
    assert r.returncode == 2
    assert r.stderr.decode().strip().splitlines() == ["riskstream worker: RISKSTREAM_MAX_DEPTH must be an integer, "
                                                      "got 'deep'"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_confidence_floor_the_models_have_no_cut_for_stops_replay_before_it_reads(tmp_path, workers):
    """A floor named as a share of benign people is read off the committed case confidence model's cuts;
    one it has no cut for is refused in one line, in one process or before the processes start."""
    policy = tmp_path / "policy.json"
    policy.write_text('{"min_confidence": "7%"}')
    r = run_cli("replay", "--input", "examples/demo_turns.jsonl", "--policy", str(policy), "--no-progress",
                "--workers", workers, "--cases", str(tmp_path / "cases.jsonl"))
    assert r.returncode == 2 and r.stdout == b""
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("riskstream: bad policy settings: min_confidence '7%': the case "
                                                   "confidence model") and lines[0].endswith("(it has: 2%, 5%, 10%)")


def test_the_worker_leaves_a_dead_member_behind_within_the_session_timeout():
    """kill -9 leaves no LeaveGroup: the group waits the session timeout before moving its partitions."""
    from stream.core.engine import Detector
    from stream.drivers.faust_app import create_app
    from tests.fakes import TagScorer

    app = create_app(Settings(store="memory", app_id="rs-session-test"), Detector(TagScorer()))
    assert app.conf.broker_session_timeout == 6.0 and app.conf.broker_heartbeat_interval <= 6.0 / 3
