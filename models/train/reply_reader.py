"""Train the reply reader (stream/core/reply_reader.py): concern an assistant's reply voices about the user.

Rows: `models/data/assistant_replies.jsonl` (written and labelled for the project: `others` =
concern that the user may harm someone, `self` = concern for the user's own life, `none` = hard
look-alikes: plain refusals, safety advice, boilerplate crisis lines, concern for a victim's safety
or for someone the user supports, answers on dark topics, sympathy), plus everyday assistant turns
of task dialogues (sgd, chatterbot in ../shared/datasets) as `none`. English replies are read over
MiniLM embeddings, Chinese / Korean ones by a second set of weights over USE embeddings fitted on
every row (USE places a sentence and its translation close together).

Each pathway's threshold is set out of fold (5 folds): at least 0.5, and what at most `--none-read`
(2 %) of the written look-alikes and 0.2 % of the everyday replies reach. Reported: out-of-fold
recall and precision per pathway and language, and the look-alikes read as concern.

    python -m models.train.reply_reader [--models-dir models]   (part of `make models`)

Its reading counts in the core only beside a word of concern or refusal in the reply
(`stream/core/replies.py` `marks_concern`): alone, it read plain sympathy ("I'm sorry to hear that, I
hope you feel better soon") as concern for the user's life, and on the escalation benchmark's fold B,
whose assistant turns come from a dialogue corpus it never saw, the benign people flagged went from
2.67 to 24.2 per 1,000; beside such a word, 2.67 (README).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from models.train.data import ASSISTANT_REPLIES
from models.train.embed import reader_arguments, reader_inputs
from models.train.tagger import _jsonl, _out_of_fold, fit
from stream.core.reply_reader import FILE_NAME, PATHWAYS, ReplyReader

REPO = Path(__file__).resolve().parents[2]
DATA = ASSISTANT_REPLIES
LABEL_PATHWAY = {"others": "violence", "self": "self-harm"}
EVERYDAY = {"sgd_dialogues_benign.jsonl": 1500, "chatterbot_benign.jsonl": 1500}


def rows(seed: int = 29) -> list[tuple[str, str, str]]:
    """(text, label, source) rows: the written replies, then everyday assistant turns (`none`)."""
    from models.train.data import SHARED

    out = [(r["text"], r["label"], "written") for r in _jsonl(DATA)]
    rnd = random.Random(seed)
    for name, n in EVERYDAY.items():
        path = SHARED / name
        if not path.is_file():
            continue
        replies = [t["content"] for r in _jsonl(path) for t in r.get("turns", ()) if t.get("role") == "assistant"
                   and t.get("content") and (name != "chatterbot_benign.jsonl" or r.get("lang") in ("en", "zh", "ko", "zh-Hant"))]
        out += [(t, "none", "everyday") for t in rnd.sample(replies, min(n, len(replies)))]
    return out


def _targets(data) -> np.ndarray:
    y = np.zeros((len(data), len(PATHWAYS)))
    for i, (_, label, _) in enumerate(data):
        if label in LABEL_PATHWAY:
            y[i, PATHWAYS.index(LABEL_PATHWAY[label])] = 1
    return y


def _thresholds(oof: np.ndarray, hard_none: np.ndarray, everyday: np.ndarray, none_read: float) -> np.ndarray:
    return np.array([max(0.5, float(np.quantile(oof[hard_none, j], 1 - none_read)) if hard_none.any() else 0.5,
                         float(np.quantile(oof[everyday, j], 0.998)) if everyday.any() else 0.5)
                     for j in range(len(PATHWAYS))])


def _report(oof: np.ndarray, y: np.ndarray, thr: np.ndarray, data, mask: np.ndarray) -> dict:
    hit = oof >= thr[None, :]
    label = np.array([lab for _, lab, _ in data])
    src = np.array([s for _, _, s in data])
    out = {}
    for j, p in enumerate(PATHWAYS):
        pos, h = (y[:, j] > 0) & mask, hit[:, j] & mask
        out[p] = {"positives": int(pos.sum()), "recall": round(float((h & pos).sum() / max(1, pos.sum())), 3),
                  "precision": round(float((h & pos).sum() / max(1, h.sum())), 3)}
    hard = mask & (label == "none") & (src == "written")
    every = mask & (src == "everyday")
    out["written_look_alikes_read_as_concern"] = round(float(hit[hard].any(1).mean()), 4) if hard.any() else None
    out["everyday_replies_read_as_concern"] = round(float(hit[every].any(1).mean()), 4) if every.any() else None
    return out


def fit_reader(x: np.ndarray, data, mask: np.ndarray, none_read: float, embedding: str) -> tuple[ReplyReader, dict, np.ndarray]:
    """Weights on every row of `mask`, thresholds and report out of fold."""
    y = _targets(data)
    xs, ys = x[mask], y[mask]
    sub = [d for d, m in zip(data, mask) if m]
    oof = _out_of_fold(xs, ys)
    label = np.array([lab for _, lab, _ in sub])
    src = np.array([s for _, _, s in sub])
    thr = _thresholds(oof, (label == "none") & (src == "written"), src == "everyday", none_read)
    w, b = fit(xs, ys)
    return ReplyReader(w, b, thr.astype(np.float32), embedding), {"rows": int(mask.sum()), "thresholds": [
        round(float(t), 4) for t in thr]}, oof


def main(argv: list[str] | None = None) -> int:
    args = reader_arguments(argv, __doc__.splitlines()[0], "--none-read", 0.02,
                            "share of the written look-alikes (out of fold) read as each pathway's concern")
    from stream.scoring.use_stage import spec

    data = rows()
    emb, en, x_en, x_use = reader_inputs([t for t, _, _ in data], args.models_dir)
    cjk = ~en
    y = _targets(data)
    reader, en_info, oof_en = fit_reader(x_en, data, ~cjk, args.none_read, emb.model_id)
    cjk_reader, cjk_info, oof_use = fit_reader(x_use, data, np.ones(len(data), bool), args.none_read, spec()["encoder"])
    full = ReplyReader(reader.weights, reader.bias, reader.thresholds, reader.embedding, cjk=cjk_reader)
    en_sub = [d for d, c in zip(data, cjk) if not c]
    report = {"en (MiniLM), out of fold": _report(oof_en, y[~cjk], reader.thresholds, en_sub, np.ones(len(en_sub), bool)),
              "zh / ko (USE), out of fold": _report(oof_use, y, cjk_reader.thresholds, data, cjk)}
    body = full.to_dict(training={"rows": len(data), "written": sum(s == "written" for _, _, s in data),
                                  "everyday": sum(s == "everyday" for _, _, s in data), "none_read": args.none_read,
                                  "en": en_info, "cjk": cjk_info, "report": report})
    out = Path(args.models_dir) / FILE_NAME
    out.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{body['version']}: {len(data)} rows -> {out}")
    for name, r in report.items():
        print(f"  {name}: " + json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
