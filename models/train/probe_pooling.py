"""Probe (issue 13): do max-pooled token states, read beside the mean-pooled features, tell harmful
requests from their safe look-alikes better out of family?

    .venv-train/bin/python -m models.train.probe_pooling   # ~10 minutes: one encoder pass, then the heads

The heads read mean-pooled sentence features (the final layer and layer 4): a mean dilutes the one
token that carries a request's intent among the words it shares with its look-alike ("kill" in "how do
I kill a Python process" and in "how do I kill my neighbour quietly" sit in different contexts, and the
token states differ where the means barely do). Max pooling keeps each dimension's strongest token.
The probe graph is the production int8 graph with two more outputs: the masked max over the real
tokens of the final layer and of layer 4, each L2-normalised. Same rows, weights and protocol as the
other probes (`probes`: families dealt into `SELECT_FOLDS` folds, Platt and thresholds fitted on the
pooled out-of-family predictions by `lofo.calibrated`). Candidates: the production features, and the
production features with one or both max-pooled vectors, at two L2 strengths. Writes
bench/results/pooling_probe.json; the max-pooled vectors are cached in .cache/enc.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.train.embed import EmbeddingCache
from models.train.minilm_onnx import export_int8, model_dir
from models.train.probes import linear_heads, load_rows, report, write_probe
from models.train.train_encoder import CACHE, MAX_TOKENS

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "pooling_probe.json"
HIDDEN = 384


def probe_graph(int8: Path) -> Path:
    """The int8 graph with `maxpool` [batch, 768]: masked max over real tokens of the final layer
    (`hl`) and layer 4 (`hmid`), each L2-normalised."""
    m = onnx.load(str(int8))
    g = m.graph
    g.initializer.extend([numpy_helper.from_array(np.array(1e4, np.float32), "mp_big"),
                          numpy_helper.from_array(np.array(1.0, np.float32), "mp_one"),
                          numpy_helper.from_array(np.array(1e-12, np.float32), "mp_eps")])
    nodes = [helper.make_node("Sub", ["mask3", "mp_one"], ["mp_off"]), helper.make_node("Mul", ["mp_off", "mp_big"], ["mp_pen"])]
    outs = []
    for src in ("hl", "hmid"):
        nodes += [helper.make_node("Add", [src, "mp_pen"], [src + "_mpin"]),
                  helper.make_node("ReduceMax", [src + "_mpin"], [src + "_mx"], axes=[1], keepdims=0),
                  helper.make_node("ReduceL2", [src + "_mx"], [src + "_mxn"], axes=[-1], keepdims=1),
                  helper.make_node("Max", [src + "_mxn", "mp_eps"], [src + "_mxn2"]),
                  helper.make_node("Div", [src + "_mx", src + "_mxn2"], [src + "_mxu"])]
        outs.append(src + "_mxu")
    nodes.append(helper.make_node("Concat", outs, ["maxpool"], axis=-1))
    g.node.extend(nodes)
    g.output.append(helper.make_tensor_value_info("maxpool", TensorProto.FLOAT, ["batch", 2 * HIDDEN]))
    out = CACHE / "minilm_int8_maxpool.onnx"
    onnx.save(m, str(out))
    return out


def maxpooled(texts: list[str]) -> np.ndarray:
    """[N, 768] max-pooled features of the texts, read as the runtime reads them (cached like the heads'
    features, by graph and token ids)."""
    _, int8 = export_int8(CACHE)
    return EmbeddingCache(CACHE, probe_graph(int8), model_dir() / "tokenizer.json", MAX_TOKENS, output="maxpool",
                          dim=2 * HIDDEN).embed(texts, "maxpool")


def main() -> int:
    t0 = time.time()
    d = load_rows()
    M = maxpooled([e.text for e in d["rows"]])
    print(f"max-pooled features {M.shape} ({time.time() - t0:.0f}s)", flush=True)
    X = d["X"]
    results = [report(d, linear_heads(d), "production features (768), L2 0.0003", with_frontier=True)]
    for name, F in (("+ max-pooled final layer (1152)", np.hstack([X, M[:, :HIDDEN]])),
                    ("+ max-pooled final layer and layer 4 (1536)", np.hstack([X, M]))):
        for l2 in (3e-4, 1e-3):
            results.append(report(d, linear_heads(d, F, l2), f"{name}, L2 {l2:g}", with_frontier=True))
    return write_probe(OUT, "pooling", __doc__, d, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
