"""ONNX contract of the committed models: input/output names, shapes, dtypes, metadata."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from stream.scoring import features
from stream.scoring.cascade import CHEAP_FILE, ENCODER_FILE
from stream.scoring.encoder import TOKENIZER_FILE
from stream.scoring.onnx_model import REQUIRED_META, make_session, read_metadata
from stream.taxonomy import CATEGORIES

MODELS = Path(__file__).resolve().parents[1] / "models"
K = len(CATEGORIES)


def _io(sess):
    return ({i.name: (i.type, i.shape) for i in sess.get_inputs()},
            {o.name: (o.type, o.shape) for o in sess.get_outputs()})


@pytest.fixture(scope="module")
def cheap():
    return make_session(MODELS / CHEAP_FILE, threads=1)


@pytest.fixture(scope="module")
def encoder():
    return make_session(MODELS / ENCODER_FILE, threads=1)


def _check_meta(sess, stage):
    meta = read_metadata(sess)  # raises on missing keys / wrong category order
    for k in REQUIRED_META:
        assert k in meta
    assert meta["riskstream.stage"] == stage
    assert meta["riskstream.categories"] == list(CATEGORIES)
    thr = meta["riskstream.thresholds"]
    assert set(thr) == set(CATEGORIES) and all(0.0 < float(v) < 1.0 for v in thr.values())
    assert isinstance(meta["riskstream.version"], str) and meta["riskstream.version"]
    return meta


def test_cheap_io(cheap):
    ins, outs = _io(cheap)
    assert ins == {"feat_idx": ("tensor(int64)", ["batch", "nnz"]), "feat_val": ("tensor(float)", ["batch", "nnz"])}
    assert outs["scores"] == ("tensor(float)", ["batch", K])
    assert outs["logits"] == ("tensor(float)", ["batch", K])


def test_cheap_metadata(cheap):
    meta = _check_meta(cheap, "cheap")
    assert meta["riskstream.features"] == features.spec()


def test_cheap_runs_on_featurised_batch(cheap):
    idx, val = features.featurize(["hello there", "", "I will hurt you", "x" * 5000])
    assert idx.dtype == np.int64 and val.dtype == np.float32 and idx.shape == val.shape
    scores, logits = cheap.run(["scores", "logits"], {"feat_idx": idx, "feat_val": val})
    assert scores.shape == (4, K) and scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1)) and np.all(np.isfinite(logits))
    again = cheap.run(["scores"], {"feat_idx": idx, "feat_val": val})[0]
    assert np.array_equal(scores, again)


def test_featuriser_is_deterministic_and_bounded():
    a = features.featurize_one("Some text, 你好")
    b = features.featurize_one("Some text, 你好")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].min() >= 1 and a[0].max() < features.DIM
    assert abs(float(np.dot(a[1], a[1])) - 1.0) < 1e-5


def test_encoder_io(encoder):
    ins, outs = _io(encoder)
    assert ins == {"input_ids": ("tensor(int64)", ["batch", "seq"]),
                   "attention_mask": ("tensor(int64)", ["batch", "seq"])}
    assert outs["scores"] == ("tensor(float)", ["batch", K])
    assert outs["logits"] == ("tensor(float)", ["batch", K])
    assert outs["embedding"] == ("tensor(float)", ["batch", 384])


def test_encoder_metadata(encoder):
    meta = _check_meta(encoder, "encoder")
    for k in ("riskstream.max_tokens", "riskstream.head_share", "riskstream.head", "riskstream.base_model"):
        assert k in meta, k
    assert int(meta["riskstream.max_tokens"]) >= 128
    assert 0.5 <= float(meta["riskstream.head_share"]) < 1.0
    # no gate or stacker may sit between the encoder and the score
    for k in ("riskstream.gate", "riskstream.combine", "riskstream.cascade_thresholds"):
        assert k not in meta, k
    assert (MODELS / TOKENIZER_FILE).is_file()


def test_encoder_runs(encoder):
    ids = np.array([[101, 7592, 2045, 102, 0], [101, 1045, 2097, 3102, 102]], np.int64)
    mask = (ids != 0).astype(np.int64)
    scores, emb = encoder.run(["scores", "embedding"], {"input_ids": ids, "attention_mask": mask})
    assert scores.shape == (2, K) and np.all((scores >= 0) & (scores <= 1))
    assert emb.shape == (2, 384) and np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-3)


def test_no_torch_at_runtime():
    import stream.scoring.cascade  # noqa: F401
    import stream.scoring.encoder  # noqa: F401
    import sys

    assert "torch" not in sys.modules


def test_manifest_sha256_matches_files():
    man = json.loads((MODELS / "manifest.json").read_text())
    files = man["files"]
    assert set(files) >= {CHEAP_FILE, ENCODER_FILE}
    card = (MODELS / "MODEL_CARD.md").read_text()
    for name, digest in files.items():
        assert hashlib.sha256((MODELS / name).read_bytes()).hexdigest() == digest, name
        assert digest in card, f"model card lacks the sha256 of {name}"
