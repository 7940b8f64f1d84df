"""bench/bench_encoder_ceiling.py times the production graph in the scorer's own batches."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    env = dict(os.environ)  # the bench sets its thread counts in the environment: not for the rest of the suite
    spec = importlib.util.spec_from_file_location("bench_encoder_ceiling", ROOT / "bench" / "bench_encoder_ceiling.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    os.environ.clear()
    os.environ.update(env)
    return mod


def test_the_graph_is_timed_over_every_text_in_the_scorers_batches(bench, monkeypatch):
    monkeypatch.setattr(bench, "ROUNDS", 1)
    ids = [[101] + [1000] * n + [102] for n in (3, 30, 5, 120, 7, 7)]
    got = bench.time_graph(ROOT / "models" / "encoder_minilm_int8.onnx", ids, ["scores", "embedding"])
    assert got["runs"] == len(list(bench.id_batches(ids, 64, bench.TOKEN_BUDGET))) >= 3
    assert got["cpu_s"] > 0 and got["texts_per_cpu_s"] == pytest.approx(len(ids) / got["cpu_s"], rel=0.05)  # (cpu_s is rounded to 0.1 ms)
    assert got["us_per_token"] == pytest.approx(got["cpu_s"] / sum(map(len, ids)) * 1e6, rel=0.05)  # (cpu_s is rounded to 0.1 ms)
