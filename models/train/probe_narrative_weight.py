"""Probe (issue 13): do the heads misread everyday talk about other people ("update: she was at her
boyfriends and her phone broke" read harassment 0.73) because the public families' benign narrative
weighs too little? The benign rows of the families where people tell of their own lives (counsel-chat
questions, the Reddit sample, GoEmotions comments) weighed 1, 3 or 10 times.

    .venv-train/bin/python -m models.train.probe_narrative_weight   # encoder cache warm

Same rows, folds, heads, calibration and rule as the other probes (`probes`); beside the out-of-family
figures, the share of `bench/written/everyday_chat.jsonl` (personal chat no model trains on) flagged
by heads fitted on every row, at the thresholds the out-of-family calibration sets.

Session 42 (873 benign narrative rows among the encoder rows): nothing moves. Any-AUPRC out of family
0.772 / 0.770 / 0.767 at x1 / x3 / x10, look-alikes flagged 16.3 / 16.4 / 17.1 %, harmful requests
56.2 / 56.4 / 58.2 %; everyday chat flagged 14.8 / 14.5 / 14.9 % (illicit 5.5 %, sexual 3.7 %,
sexual/minors and harassment/threatening 3.0 % at x1). What the heads misread in personal chat is
not a matter of how much the public families' benign narrative weighs. Not taken up.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train import lofo
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import source_mass
from models.train.heads import fit_logistic, head_logits
from models.train.minilm_onnx import export_int8, model_dir
from models.train.probes import L2, _calibrated, linear_heads, load_rows, report, write_probe
from models.train.train_encoder import CACHE, MAX_TOKENS
from stream.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "narrative_weight_probe.json"
NARRATIVE = ("counsel_chat", "reddit_mh", "goemotions")
EVERYDAY = REPO / "bench" / "written" / "everyday_chat.jsonl"


def main() -> int:
    t0 = time.time()
    d = load_rows()
    base = source_mass(d["rows"]).astype(np.float32)
    texts = [json.loads(line)["text"] for line in EVERYDAY.read_text().splitlines() if line.strip()]
    _, int8 = export_int8(CACHE)
    xe = EmbeddingCache(CACHE, int8, model_dir() / "tokenizer.json", MAX_TOKENS).embed(texts, "minilm")
    narrative = np.isin(d["fam"], NARRATIVE) & d["benign"]
    print(f"{int(narrative.sum())} benign narrative rows of {NARRATIVE}", flush=True)
    results = []
    for mult in (1.0, 3.0, 10.0):
        d["w"] = np.where(narrative, base * mult, base).astype(np.float32)
        logit = linear_heads(d)
        out = report(d, logit, f"benign narrative weight x{mult:g}" + (" (production)" if mult == 1 else ""), with_frontier=True)
        _, (a, c, _, thr, _, _) = _calibrated(d, logit)
        model = fit_logistic(d["X"], d["Y"], d["w"], l2=L2)
        scores = lofo.sigmoid(a * head_logits(xe, model) + c)
        tv = np.array([thr[k] for k in CATEGORIES])
        flagged = scores >= tv[None, :]
        out["everyday_chat_flagged"] = round(float(flagged.any(1).mean()), 4)
        out["everyday_chat_flagged_by_category"] = {k: round(float(flagged[:, j].mean()), 4) for j, k in enumerate(CATEGORIES)
                                                    if flagged[:, j].any()}
        print(f"  x{mult:g}: everyday chat flagged {out['everyday_chat_flagged']:.3f} {out['everyday_chat_flagged_by_category']}", flush=True)
        results.append(out)
    return write_probe(OUT, "narrative_weight", __doc__, d, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
