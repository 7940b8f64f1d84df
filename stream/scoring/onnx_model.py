"""ONNX session loading + the riskstream metadata contract (categories, thresholds, version)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from stream.taxonomy import CATEGORIES

META_PREFIX = "riskstream."
REQUIRED_META = ("riskstream.stage", "riskstream.version", "riskstream.categories", "riskstream.thresholds")


def make_session(path: Path, threads: int | None = None) -> ort.InferenceSession:
    so = ort.SessionOptions()
    n = threads if threads is not None else int(os.environ.get("RISKSTREAM_ORT_THREADS", "1"))
    so.intra_op_num_threads = n
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=so, providers=["CPUExecutionProvider"])


def read_metadata(sess: ort.InferenceSession) -> dict:
    raw = sess.get_modelmeta().custom_metadata_map
    meta = {}
    for k, v in raw.items():
        if not k.startswith(META_PREFIX):
            continue
        try:
            meta[k] = json.loads(v)
        except (ValueError, TypeError):
            meta[k] = v
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"ONNX model lacks metadata {missing}")
    if tuple(meta["riskstream.categories"]) != CATEGORIES:
        raise ValueError("ONNX model category order differs from stream.taxonomy.CATEGORIES")
    thr = meta["riskstream.thresholds"]
    if set(thr) != set(CATEGORIES):
        raise ValueError("ONNX thresholds do not cover exactly the 13 categories")
    return meta


@dataclass
class OnnxStage:
    """A loaded stage: session + metadata. `run` returns calibrated scores [N, 13] float32."""

    name: str
    path: Path
    session: ort.InferenceSession
    meta: dict

    @classmethod
    def load(cls, path: Path, threads: int | None = None) -> "OnnxStage":
        path = Path(path)
        sess = make_session(path, threads)
        meta = read_metadata(sess)
        return cls(meta.get("riskstream.model", path.stem), path, sess, meta)

    @property
    def thresholds(self) -> np.ndarray:
        t = self.meta["riskstream.thresholds"]
        return np.array([float(t[c]) for c in CATEGORIES], dtype=np.float32)

    @property
    def version(self) -> str:
        return str(self.meta["riskstream.version"])

    @property
    def batch_invariant(self) -> bool:
        """Whether the graph reads every row bit for bit as it reads it alone (its sums run in a
        fixed order whatever the batch shape: models/train/export.py BATCH_INVARIANT). Older
        graphs differ in the last digits with their batch mates."""
        return self.meta.get("riskstream.batch_invariant") is True

    def run(self, feeds: dict) -> np.ndarray:
        return self.session.run(["scores"], feeds)[0]
