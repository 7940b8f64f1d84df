"""Honest exits and flags: a command that processed nothing valid exits non-zero, replay warns
when it writes nothing, outputs never create directories, --models-dir is honoured."""

from __future__ import annotations

import json
from pathlib import Path

from dev.harness import REPO, run_cli

TURN = {"event_id": "e1", "user_id": "u1", "conversation_id": "c1", "turn_index": 0, "role": "user",
        "text": "hello there", "ts": "2026-10-01T09:00:00Z"}


def _jsonl(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_score_refuses_to_create_output_directories(tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", [{"event_id": "x", "text": "hi"}])
    target = tmp_path / "missing" / "deeper" / "out.jsonl"
    proc = run_cli("score", "--input", str(src), "--output", str(target))
    assert proc.returncode != 0 and b"output directory does not exist" in proc.stderr
    assert not (tmp_path / "missing").exists()


def test_replay_of_only_rejected_lines_exits_non_zero(tmp_path):
    src = _jsonl(tmp_path / "bad.jsonl", ["{not json", json.dumps({**TURN, "role": "robot"})])
    proc = run_cli("replay", "--input", str(src), "--cases", str(tmp_path / "cases.jsonl"), "--no-progress")
    assert proc.returncode == 1, proc.stderr
    assert b"no valid turn was replayed (2 rejected" in proc.stderr


def test_replay_without_outputs_warns_but_runs(tmp_path):
    src = _jsonl(tmp_path / "ok.jsonl", [TURN])
    proc = run_cli("replay", "--input", str(src), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert b"warning: no output requested" in proc.stderr and b"replayed 1 turns" in proc.stderr
    with_cases = run_cli("replay", "--input", str(src), "--no-progress", "--cases", str(tmp_path / "c.jsonl"))
    assert b"warning" not in with_cases.stderr


def test_evaluate_with_only_invalid_decisions_exits_non_zero(tmp_path):
    cases = _jsonl(tmp_path / "cases.jsonl", [])
    decisions = _jsonl(tmp_path / "decisions.jsonl", [{"decision_id": "d1", "action": "frobnicate"}, "{oops"])
    proc = run_cli("evaluate", "--cases", str(cases), "--decisions", str(decisions))
    assert proc.returncode != 0 and b"every one of the 2 decision record(s)" in proc.stderr


def test_models_dir_flag_and_environment_are_honoured(tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", [{"event_id": "x", "text": "hi"}])
    for cmd in (["score", "--input", str(src), "--output", "-"], ["replay", "--input", str(src), "--no-progress"]):
        proc = run_cli(*cmd, "--models-dir", str(tmp_path / "no-models"))
        assert proc.returncode != 0 and b"models directory not found" in proc.stderr, cmd
    ok = run_cli("score", "--input", str(src), "--output", "-", "--models-dir", str(REPO / "models"))
    assert ok.returncode == 0 and json.loads(ok.stdout)["event_id"] == "x"
    broken = run_cli("score", "--input", str(src), "--output", "-", env={"RISKSTREAM_MODELS_DIR": str(tmp_path)})
    assert broken.returncode != 0 and b"cannot load the models in " + str(tmp_path).encode() in broken.stderr


def test_the_command_line_runs_one_blas_thread_per_process_unless_told_otherwise():
    """Parallelism is processes (`replay --workers`); a second BLAS thread in each spun for about
    17 % of a one-process replay's CPU-seconds (session 59). numpy loaded after `stream.cli` starts
    no thread of its own; a thread count the caller set is kept."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    code = ("import os, stream.cli, numpy; print(len(os.listdir('/proc/self/task')), os.environ['OPENBLAS_NUM_THREADS'], "
            "os.environ['OMP_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["1", "1", "1", "1"], out.stdout
    mine = subprocess.run([sys.executable, "-c", code], env={**env, "OPENBLAS_NUM_THREADS": "3"}, capture_output=True,
                          text=True, cwd=REPO, check=True)
    assert mine.stdout.split()[1:] == ["3", "1", "1"], mine.stdout
