"""Build ONNX graphs with the `onnx` helper API (no torch): cheap linear stage, heads, metadata."""

from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from stream.taxonomy import CATEGORIES

OPSET = 17
K = len(CATEGORIES)
# set on graphs that read every row bit for bit as they read it alone (the runtime batches such
# models freely; see stream/scoring/onnx_model.py)
BATCH_INVARIANT = "riskstream.batch_invariant"


def set_metadata(model: onnx.ModelProto, meta: dict[str, object]) -> None:
    del model.metadata_props[:]
    for k, v in meta.items():
        p = model.metadata_props.add()
        p.key = k
        p.value = v if isinstance(v, str) else json.dumps(v, sort_keys=True)


def running_sum_consts(width: int) -> dict[str, np.ndarray]:
    """The initialisers `running_sum_nodes` reads, for rows `width` wide."""
    return {"ax1": np.array([1], np.int64), "ax1_s": np.array(1, np.int64), "last1": np.array([-1], np.int64),
            "end_max": np.array([np.iinfo(np.int64).max], np.int64), "shape_rows": np.array([-1, width], np.int64)}


def running_sum_nodes(x: str, out: str) -> list:
    """x [batch, n, width] summed over n in order -> out [batch, width]: a running sum along n
    (CumSum adds position by position) read at its last position, which padding, zero, leaves
    unchanged. A ReduceSum takes another path for one row than for several (and a MatMul another
    for each padded length), so a row's last digits depended on its batch mates; this sum does not
    (tests/test_scoring_encoder.py). Reads `running_sum_consts`."""
    spec = [("CumSum", [x, "ax1_s"], out + "_cum"), ("Slice", [out + "_cum", "last1", "end_max", "ax1"], out + "_last"),
            ("Reshape", [out + "_last", "shape_rows"], out)]
    return [helper.make_node(op, ins, [o], name=o) for op, ins, o in spec]


def cheap_model(W: np.ndarray, b: np.ndarray, cal_a: np.ndarray, cal_b: np.ndarray,
                meta: dict) -> onnx.ModelProto:
    """scores = sigmoid(a * (sum_k W[idx_k] * val_k + b) + c), per category. The sum runs in feature
    order (`running_sum_nodes`), so a text scores bit for bit the same whatever it is batched with."""
    inits = [
        numpy_helper.from_array(W.astype(np.float32), "W"),
        numpy_helper.from_array(b.astype(np.float32), "bias"),
        numpy_helper.from_array(cal_a.astype(np.float32), "cal_a"),
        numpy_helper.from_array(cal_b.astype(np.float32), "cal_b"),
        numpy_helper.from_array(np.array([2], np.int64), "ax2"),
        *(numpy_helper.from_array(v, k) for k, v in running_sum_consts(K).items()),
    ]
    nodes = [
        helper.make_node("Gather", ["W", "feat_idx"], ["g"], axis=0),
        helper.make_node("Unsqueeze", ["feat_val", "ax2"], ["v3"]),
        helper.make_node("Mul", ["g", "v3"], ["gv"]),
        *running_sum_nodes("gv", "s"),
        helper.make_node("Add", ["s", "bias"], ["logits"]),
        helper.make_node("Mul", ["logits", "cal_a"], ["la"]),
        helper.make_node("Add", ["la", "cal_b"], ["lc"]),
        helper.make_node("Sigmoid", ["lc"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes, "riskstream_cheap",
        [helper.make_tensor_value_info("feat_idx", TensorProto.INT64, ["batch", "nnz"]),
         helper.make_tensor_value_info("feat_val", TensorProto.FLOAT, ["batch", "nnz"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", K]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", K])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="riskstream")
    m.ir_version = 8
    set_metadata(m, {**meta, BATCH_INVARIANT: True})
    onnx.checker.check_model(m)
    return m


def fit_platt(logit: np.ndarray, y: np.ndarray, iters: int = 200) -> tuple[float, float]:
    """1-D logistic calibration sigma(a * logit + c) by Newton's method (small L2 on a-1, c)."""
    a, c = 1.0, 0.0
    x = logit.astype(np.float64)
    y = y.astype(np.float64)
    lam = 1e-3
    for _ in range(iters):
        z = a * x + c
        p = 1 / (1 + np.exp(-z))
        g_a = np.sum((p - y) * x) + lam * (a - 1)
        g_c = np.sum(p - y) + lam * c
        w = p * (1 - p)
        h_aa = np.sum(w * x * x) + lam
        h_ac = np.sum(w * x)
        h_cc = np.sum(w) + lam
        det = h_aa * h_cc - h_ac * h_ac
        if det <= 1e-12:
            break
        da = (h_cc * g_a - h_ac * g_c) / det
        dc = (h_aa * g_c - h_ac * g_a) / det
        a -= da
        c -= dc
        if abs(da) + abs(dc) < 1e-8:
            break
    if not np.isfinite(a) or a <= 0:
        return 1.0, 0.0
    return float(a), float(c)


def rebuild_cheap(path, out=None):
    """Rebuild a cheap-stage model's graph with the current `cheap_model`, keeping its weights,
    calibration and metadata (a change of graph layout, nothing re-trained)."""
    ref = onnx.load(str(path))
    init = {t.name: numpy_helper.to_array(t) for t in ref.graph.initializer}
    meta = {p.key: p.value for p in ref.metadata_props}
    onnx.save(cheap_model(init["W"], init["bias"], init["cal_a"], init["cal_b"], meta), str(out or path))
    return out or path
