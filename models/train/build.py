"""One-command training pipeline: `python -m models.train.build [--stages cheap,encoder,use]`.

Reads ../shared/datasets (+ models/data/*.jsonl, project-written), trains the n-gram stage and the
USE heads (their mean scores CJK / Hangul text; the heads' calibration and the mean's thresholds are
set out of family, models/train/train_use.py) and the encoder heads (every other text; chosen,
calibrated and thresholded out of family, models/train/lofo.py), exports ONNX / JSON to models/,
writes held-out dev splits in eval-classifier format to .cache/dev/, and writes models/manifest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402

from models.train import data as D  # noqa: E402
from models.train import export, thresholds  # noqa: E402
from models.train.lofo import any_labels  # noqa: E402
from stream.scoring.metrics import auprc  # noqa: E402
from models.train.train_cheap import build_matrix, pos_weights, train_logreg  # noqa: E402
from stream.scoring import features  # noqa: E402
from stream.taxonomy import CATEGORIES  # noqa: E402

REPO = D.REPO
MODELS = REPO / "models"
CACHE = REPO / ".cache"
VERSION = "0.3.0"
CHEAP_FILE = "cheap_ngram.onnx"


def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def split_dev(ex: list[D.Example]):
    """dev -> calibration half (thresholds, Platt) and report half (model card metrics)."""
    train = [e for e in ex if e.split == "train"]
    calib, report = [], []
    for e in ex:
        if e.split != "dev":
            continue
        h = int(hashlib.md5(e.text.encode()).hexdigest()[:6], 16) % 2
        (calib if h == 0 else report).append(e)
    return train, calib, report


def write_dev(report: list[D.Example]) -> None:
    out = CACHE / "dev"
    out.mkdir(parents=True, exist_ok=True)
    by: dict[str, list] = {}
    for e in report:
        by.setdefault(e.source.replace(":", "_"), []).append(D.to_eval_row(e))
    allrows = []
    for src, rows in by.items():
        with open(out / f"{src}.jsonl", "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        allrows.extend(rows)
    with open(out / "all.jsonl", "w", encoding="utf-8") as fh:
        for r in allrows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"  wrote {len(allrows)} dev rows ({len(by)} sources) to {out}")


def labels(ex):
    return np.stack([e.labels for e in ex]).astype(np.float32)


def calibrate_and_threshold(logit_c, Yc, benign_c, name):
    cal_a = np.ones(len(CATEGORIES), np.float32)
    cal_b = np.zeros(len(CATEGORIES), np.float32)
    thr = {}
    info = {}
    for j, c in enumerate(CATEGORIES):
        known = ~np.isnan(Yc[:, j])
        y = Yc[known, j]
        if y.sum() >= 10 and (1 - y).sum() >= 10:
            a, b = export.fit_platt(logit_c[known, j], y)
            cal_a[j], cal_b[j] = a, b
        s = 1 / (1 + np.exp(-(cal_a[j] * logit_c[:, j] + cal_b[j])))
        t, inf = thresholds.choose(s, Yc[:, j], benign_c)
        thr[c] = t
        info[c] = inf
        print(f"    {name} {c:24s} thr {t:.3f} a {cal_a[j]:.2f} b {cal_b[j]:+.2f} "
              f"F1 {inf['f1']:.3f} P {inf['precision']:.3f} R {inf['recall']:.3f} npos {inf['n_pos']}")
    return cal_a, cal_b, thr, info


def report_metrics(scores: np.ndarray, Y: np.ndarray, ex, thr: dict, name: str) -> dict:
    res = {}
    benign = np.array([e.benign for e in ex])
    for j, c in enumerate(CATEGORIES):
        known = ~np.isnan(Y[:, j])
        res[c] = auprc(Y[known, j], scores[known, j])
    anyy = any_labels(Y, benign)  # binary any-category
    k = ~np.isnan(anyy)
    res["any"] = auprc(anyy[k], scores[k].max(1))
    flag = np.zeros(len(ex), bool)
    for j, c in enumerate(CATEGORIES):
        flag |= scores[:, j] >= thr[c]
    res["benign_fpr"] = float(flag[benign].mean()) if benign.any() else float("nan")
    print(f"  [{name}] any-AUPRC {res['any']:.3f} benign-FPR {res['benign_fpr']:.3f} | " +
          " ".join(f"{c}:{v:.2f}" for c, v in res.items() if c in CATEGORIES and not np.isnan(v)))
    # per source any-AUPRC
    srcs = sorted({e.source for e in ex})
    for s in srcs:
        m = np.array([e.source == s for e in ex]) & k
        if m.sum() and anyy[m].sum() and (1 - anyy[m]).sum():
            print(f"      {s:28s} n={int(m.sum()):6d} any-AUPRC {auprc(anyy[m], scores[m].max(1)):.3f}")
        elif m.sum():
            print(f"      {s:28s} n={int(m.sum()):6d} flagged {flag[m].mean():.3f} (single-class)")
    return res


def stage_cheap(train, calib, report, args):
    t0 = time.time()
    print("[cheap] featurising", flush=True)
    Xtr = build_matrix([e.text for e in train])
    Ytr = labels(train)
    wtr = np.array([e.weight for e in train], np.float32)
    pw = pos_weights(Ytr, wtr)
    print(f"  X {Xtr.shape} nnz {Xtr.nnz} ({time.time() - t0:.0f}s); pos_weight {np.round(pw, 2).tolist()}")
    W, b = train_logreg(Xtr, Ytr, wtr, epochs=args.epochs, pos_weight=pw)
    Xc = build_matrix([e.text for e in calib])
    Xr = build_matrix([e.text for e in report])
    lc = np.asarray(Xc @ W + b)
    lr = np.asarray(Xr @ W + b)
    Yc, Yr = labels(calib), labels(report)
    benign_c = np.array([e.benign for e in calib])
    cal_a, cal_b, thr, info = calibrate_and_threshold(lc, Yc, benign_c, "cheap")
    sr = 1 / (1 + np.exp(-(cal_a * lr + cal_b)))
    res = report_metrics(sr, Yr, report, thr, "cheap/report")
    meta = {
        "riskstream.stage": "cheap",
        "riskstream.model": "cheap_ngram",
        "riskstream.version": VERSION,
        "riskstream.categories": list(CATEGORIES),
        "riskstream.thresholds": thr,
        "riskstream.features": features.spec(),
        "riskstream.calibration": "platt per category: sigmoid(a*logit+b), fitted on dev calibration half",
    }
    m = export.cheap_model(W, b, cal_a, cal_b, meta)
    onnx.save(m, MODELS / CHEAP_FILE)
    print(f"[cheap] saved {MODELS / CHEAP_FILE} ({(MODELS / CHEAP_FILE).stat().st_size / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")
    return {"thresholds": thr, "threshold_info": info, "report": res}


# zh / ko families with both harmful and benign rows: each is held out in turn by `stage_cheap_oof`
CJK_OOF_FAMILIES = ("cold_zh", "swsr_zh", "korean_hate_ko", "kosbi_ko")


def stage_cheap_oof(train, ex, args) -> dict:
    """Out-of-family figures of the n-gram stage on CJK text: each family of CJK_OOF_FAMILIES is
    left out (every row of it), the stage is refitted on the other families' train rows and scores
    the held-out family's CJK rows; beside it the stage fitted on every family's train rows, scored
    on the family's dev rows (in family). Uncalibrated sigmoid scores: AUPRC only."""
    from stream.scoring.encoder import is_cjk

    t0 = time.time()
    print("[cheap-oof] featurising", flush=True)
    Xtr, Ytr = build_matrix([e.text for e in train]), labels(train)
    wtr = np.array([e.weight for e in train], np.float32)
    fam_tr = np.array([e.family for e in train])

    def fit(keep):
        return train_logreg(Xtr[keep], Ytr[keep], wtr[keep], epochs=args.epochs,
                            pos_weight=pos_weights(Ytr[keep], wtr[keep]), verbose=False)

    def figures(model, rows):
        W, b = model
        s = 1 / (1 + np.exp(-np.asarray(build_matrix([e.text for e in rows]) @ W + b)))
        Y = labels(rows)
        ya = any_labels(Y, np.array([e.benign for e in rows]))
        k = ~np.isnan(ya)
        out = {"n": len(rows), "pos": int(np.nansum(ya)), "any_auprc": auprc(ya[k], s[k].max(1))}
        for j, c in enumerate(CATEGORIES):
            known = ~np.isnan(Y[:, j])
            if known.any() and 0 < Y[known, j].sum() < known.sum():
                out[c] = auprc(Y[known, j], s[known, j])
        return out

    every = fit(np.ones(len(train), bool))
    res = {}
    for f in CJK_OOF_FAMILIES:
        rows = [e for e in ex if e.family == f and is_cjk(e.text)]
        dev = [e for e in rows if e.split == "dev"]
        res[f] = {"out_of_family": figures(fit(fam_tr != f), rows), "in_family": figures(every, dev)}
        print(f"  [cheap-oof] {f}: out of family any-AUPRC {res[f]['out_of_family']['any_auprc']:.3f} "
              f"(n {len(rows)}), in family {res[f]['in_family']['any_auprc']:.3f} (dev n {len(dev)}) "
              f"({time.time() - t0:.0f}s)", flush=True)
    return res


def _redirect_output(out: Path) -> None:
    """Models go to `out`; the blocklists and hash banks of models/ are linked in, so the set loads as is."""
    global MODELS
    from models.train import train_encoder

    out.mkdir(parents=True, exist_ok=True)
    for sub in ("lists", "banks"):
        link = out / sub
        if not link.exists():
            link.symlink_to((REPO / "models" / sub).resolve(), target_is_directory=True)
    MODELS = train_encoder.MODELS = out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="cheap,encoder,use",
                    help="comma-separated: cheap, encoder, use (USE heads for CJK turns; needs the n-gram stage's "
                         "model, ~15 min), cheap-oof (out-of-family figures of the n-gram stage on zh / ko families, "
                         "~10 min, for the model card)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--holdout", default="", metavar="SOURCES",
                    help="comma-separated loader names left out of training entirely (e.g. threatgram,reddit_cssrs), "
                         "for benchmarks on sources the models have never seen; needs --out")
    ap.add_argument("--out", metavar="DIR", help="write the models here instead of models/ (lists and banks are linked)")
    args = ap.parse_args(argv)
    stages = set(args.stages.split(","))
    holdout = {h for h in args.holdout.split(",") if h}
    if holdout and not args.out:
        ap.error("--holdout writes a benchmark-only model set: give --out DIR (never models/)")
    if holdout - set(D.LOADERS):
        ap.error(f"unknown source(s) in --holdout: {', '.join(sorted(holdout - set(D.LOADERS)))}")
    if args.out:
        _redirect_output(Path(args.out))
    print("[data] loading sources", flush=True)
    ex = D.load_all(skip=holdout)
    train, calib, report = split_dev(ex)
    print(f"  train {len(train)}  calib {len(calib)}  report {len(report)}" + (f"  (held out: {', '.join(sorted(holdout))})" if holdout else ""))
    if not args.out:
        write_dev(report)
    summary = {"version": VERSION}
    if "cheap" in stages:
        summary["cheap"] = stage_cheap(train, calib, report, args)
    if "use" in stages:
        from models.train import train_use
        summary["use"] = train_use.stage_use(ex, train, MODELS, CHEAP_FILE)
    if "cheap-oof" in stages:
        summary["cheap_oof"] = stage_cheap_oof(train, ex, args)
    if "encoder" in stages:
        from models.train import train_encoder
        summary["encoder"] = train_encoder.stage_encoder(ex, args)
    man = MODELS / "manifest.json"
    old = json.loads(man.read_text()) if man.exists() else {}
    old.update({k: v for k, v in summary.items()})
    old["files"] = {p.name: sha256(p) for p in sorted(MODELS.glob("*.onnx"))}
    man.write_text(json.dumps(old, indent=1, sort_keys=True, default=float))
    print("[done]", json.dumps(old["files"], indent=1))


if __name__ == "__main__":
    main()
