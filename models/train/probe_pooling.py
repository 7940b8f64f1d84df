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

import hashlib
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from models.train.minilm_onnx import export_int8, model_dir
from models.train.probes import linear_heads, load_rows, report, write_probe
from models.train.train_encoder import CACHE, MAX_TOKENS
from stream.scoring.encoder import encode_ids, id_batches, load_tokenizer
from stream.scoring.normalize import normalize_text

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
    """[N, 768] max-pooled features of the texts, read as the runtime reads them; cached by graph and ids."""
    _, int8 = export_int8(CACHE)
    graph = probe_graph(int8)
    key = hashlib.sha256(graph.read_bytes()).hexdigest()[:16]
    path = CACHE / f"maxpool_{key}.npz"
    tok = load_tokenizer(model_dir() / "tokenizer.json")
    ids = encode_ids(tok, [normalize_text(t) for t in texts], MAX_TOKENS)
    keys = [hashlib.sha1(np.asarray(i, np.int32).tobytes()).hexdigest() for i in ids]
    if path.exists():
        z = np.load(path, allow_pickle=False)
        index = {k: j for j, k in enumerate(z["keys"].tolist())}
        if all(k in index for k in keys):
            return z["vecs"][[index[k] for k in keys]]
    uniq = list(dict.fromkeys(keys))
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    todo = [ids[first[k]] for k in uniq]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(graph), so, providers=["CPUExecutionProvider"])
    vecs = np.zeros((len(todo), 2 * HIDDEN), np.float32)
    t0 = time.time()
    for n, (rows, feeds) in enumerate(id_batches(todo, 32, 2048)):
        vecs[rows] = sess.run(["maxpool"], feeds)[0]
        if n % 500 == 0:
            print(f"    maxpool: batch {n} ({time.time() - t0:.0f}s)", flush=True)
    np.savez(path, keys=np.array(uniq), vecs=vecs)
    index = {k: j for j, k in enumerate(uniq)}
    return vecs[[index[k] for k in keys]]


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
