"""Train the farewell reader (stream/core/farewell.py): a person putting their affairs in order, with finality.

Rows: `models/data/farewell_turns_*.jsonl` (written for the project by three writers who saw nothing of
it: en-1 and en-2 in English, cjk-1 in Chinese and Korean; `farewell` 1 = a farewell act with a hint
of finality, 0 = the same errand for an ordinary reason: emigrating, a late parent's estate, a will
before surgery, decluttering, leaving a job, a digital detox, ...), plus rows with no farewell in
them: user turns of task dialogues (sgd, chatterbot; train splits, every language), the project's
stage sentences (threats, plans, distress: other signals, not this one) and its safe scary prompts.

The reader is one logistic model over the multilingual USE embedding; its threshold is set out of
fold (5 folds): at least 0.5, what at most `--lookalike-read` (5 %) of the written look-alikes and
0.2 % of the other rows reach. The gate (English turns: which ones USE reads) is one logistic model
over MiniLM's embedding, its threshold what keeps 95 % of the English acts out of fold.

Reported, and the figure to trust: **out of writer**, each writer's rows read by a reader (and gate)
fitted and thresholded without them; then the share of everyday turns the gate lets through (what
USE costs on English traffic).

    python -m models.train.farewell_reader [--models-dir models]   (part of `make models`)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from models.train.data import SHARED
from models.train.embed import reader_arguments, reader_inputs
from models.train.tagger import _jsonl, _prob, fit
from stream.core.farewell import FILE_NAME, FarewellReader
from stream.datasplit import split_of

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "models" / "data"
WRITTEN = sorted(DATA.glob("farewell_turns_*.jsonl"))
EVERYDAY = {"sgd_dialogues_benign.jsonl": 1500, "chatterbot_benign.jsonl": 1500}
OTHER_PROJECT_ROWS = ("stage_sentences.jsonl", "benign_scary_prompts.jsonl", "benign_violence_talk.jsonl")
GATE_RECALL = 0.95


def rows(seed: int = 46) -> list[tuple[str, int, str]]:
    """(text, farewell 0/1, source): written rows (source = their writer), then rows with no farewell."""
    out = [(r["text"], int(r["farewell"]), r["writer"]) for path in WRITTEN for r in _jsonl(path)]
    rnd = random.Random(seed)
    for name, n in EVERYDAY.items():
        path = SHARED / name
        if path.is_file():
            got = [t["content"] for r in _jsonl(path) if split_of(r) == "train" for t in r.get("turns", ())
                   if t.get("role") == "user" and len(t.get("content", "").split()) >= 2]
            out += [(t, 0, "everyday") for t in rnd.sample(got, min(n, len(got)))]
    for name in OTHER_PROJECT_ROWS:
        out += [(r["text"], 0, "project") for r in _jsonl(DATA / name)]
    return out


def _oof(x: np.ndarray, y: np.ndarray, seed: int = 7) -> np.ndarray:
    folds = np.arange(len(x)) % 5
    np.random.default_rng(seed).shuffle(folds)
    p = np.zeros(len(x))
    for f in range(5):
        w, b = fit(x[folds != f], y[folds != f, None])
        p[folds == f] = _prob(x[folds == f], w, b)[:, 0]
    return p


def reader_threshold(p: np.ndarray, y: np.ndarray, src: np.ndarray, lookalike_read: float) -> float:
    written = np.array([s not in ("everyday", "project") for s in src])
    look, other = written & (y == 0), ~written
    return max(0.5, float(np.quantile(p[look], 1 - lookalike_read)) if look.any() else 0.5,
               float(np.quantile(p[other], 0.998)) if other.any() else 0.5)


def gate_threshold(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.quantile(p[y == 1], 1 - GATE_RECALL)) if (y == 1).any() else 0.5


def fit_all(x_use, x_en, y, src, en, lookalike_read: float, use_spec: str, minilm_id: str) -> FarewellReader:
    """Weights on every row given, thresholds out of fold."""
    t = reader_threshold(_oof(x_use, y), y, src, lookalike_read)
    w, b = fit(x_use, y[:, None])
    gt = gate_threshold(_oof(x_en[en], y[en]), y[en])
    gw, gb = fit(x_en[en], y[en, None])
    return FarewellReader(w, b, t, use_spec, gw, gb, gt, minilm_id)


def out_of_writer(x_use, x_en, y, src, en, lookalike_read: float, use_spec: str, minilm_id: str) -> dict:
    """Each writer's rows (and, for the zh / ko writer, each language) read by a reader and gate fitted
    and thresholded without them: recall of the acts, and the share of the look-alikes read so."""
    lang = np.array(["en" if e else "cjk" for e in en])
    report = {}
    for writer in sorted({s for s in src if s not in ("everyday", "project")}):
        held = src == writer
        r = fit_all(x_use[~held], x_en[~held], y[~held], src[~held], en[~held], lookalike_read, use_spec, minilm_id)
        read = r.reads(x_use[held].astype(np.float32))
        gated = np.where(en[held], r.gate(x_en[held].astype(np.float32)), True)
        hit = read & gated
        pos = y[held] == 1
        report[writer] = {"language": sorted(set(lang[held]))[0], "acts": int(pos.sum()), "look_alikes": int((~pos).sum()),
                          "recall": round(float(hit[pos].mean()), 3), "look_alikes_read": round(float(hit[~pos].mean()), 3),
                          "recall_without_gate": round(float(read[pos].mean()), 3)}
    return report


def main(argv: list[str] | None = None) -> int:
    args = reader_arguments(argv, __doc__.splitlines()[0], "--lookalike-read", 0.05,
                            "share of the written look-alikes (out of fold) read as a farewell act")
    from stream.scoring.use_stage import spec

    data = rows()
    y = np.array([lab for _, lab, _ in data], float)
    src = np.array([s for _, _, s in data])
    emb, en, x_en, x_use = reader_inputs([t for t, _, _ in data], args.models_dir)
    use_spec = spec()["encoder"]
    report = {"out_of_writer": out_of_writer(x_use, x_en, y, src, en, args.lookalike_read, use_spec, emb.model_id)}
    reader = fit_all(x_use, x_en, y, src, en, args.lookalike_read, use_spec, emb.model_id)
    every = (src == "everyday") & en
    report["everyday_english_turns_through_gate"] = round(float(reader.gate(x_en[every].astype(np.float32)).mean()), 4)
    report["everyday_turns_read"] = round(float(reader.reads(x_use[src == "everyday"].astype(np.float32)).mean()), 4)
    body = reader.to_dict(training={"rows": len(data), "acts": int(y.sum()), "lookalike_read": args.lookalike_read,
                                    "gate_recall": GATE_RECALL, "files": [p.name for p in WRITTEN], "report": report})
    out = Path(args.models_dir) / FILE_NAME
    out.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{body['version']}: {len(data)} rows -> {out}")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
