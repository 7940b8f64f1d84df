"""Train the stage tagger (stream/core/tagger.py): one logistic model per stage over the encoder's
sentence embedding.

    python -m models.train.tagger [--models-dir models] [--holdout threatgram,goemotions]

Rows: the project's labelled stage sentences (models/data/stage_sentences.jsonl, written and
labelled for riskstream, en plus some zh/ko), its first-person threats (violence ideation) and its
safe look-alikes (models/data/*benign*.jsonl), plus train-split rows of sources that carry such
signals: ThreatGram violent threats (ideation) and non-threats; GoEmotions comments, task
requests and dialogues, benign security questions, neutral statements (no stage). Dev-split rows are never used (timelines draw from them), nor the families in
`--holdout` (the benchmark's out-of-family rotation). Thresholds are set out of fold (5 folds):
per label, at least 0.5 and high enough that at most 0.2 % of the safe rows read as that stage.
Runs in the runtime venv (numpy + onnxruntime), a few seconds after the embeddings.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from stream.core.tagger import FILE_NAME, LABELS, THIRD_PARTY, StageTagger
from stream.datasplit import split_of
from stream.scoring.embedding import Embedder

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "models" / "data"
SHARED = REPO.parent / "shared" / "datasets"
LI = {k: i for i, k in enumerate(LABELS)}


def _jsonl(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def rows(holdout: frozenset[str] = frozenset(), seed: int = 14) -> list[tuple[str, set[str], str]]:
    """(text, labels, family) training rows."""
    rnd = random.Random(seed)
    out = []
    for r in _jsonl(DATA / "stage_sentences.jsonl"):
        out.append((r["text"], set(r["stages"]) | ({THIRD_PARTY} if r["third_party"] else set()), "written"))
    for r in _jsonl(DATA / "threats_third_party.jsonl"):
        out.append((r["text"], {"violence:ideation"}, "written"))
    for name in ("threats_third_party_benign.jsonl", "benign_violence_talk.jsonl", "benign_scary_prompts.jsonl"):
        out += [(r["text"], set(), "written") for r in _jsonl(DATA / name)]

    def shared(name: str, family: str, pick, n: int) -> None:
        path = SHARED / name
        if family in holdout or not path.is_file():
            return
        got = [(r["text"], lab, family) for r in _jsonl(path) if r.get("text") and split_of(r) == "train"
               for lab in [pick(r)] if lab is not None]
        rnd.shuffle(got)
        out.extend(got[:n])

    lvl = lambda r: r["labels"].get("threat_level")  # noqa: E731
    shared("threatgram_threats.jsonl", "threatgram", lambda r: {"violence:ideation"} if lvl(r) == 2 else None, 400)
    shared("threatgram_threats.jsonl", "threatgram", lambda r: set() if lvl(r) == 0 else None, 400)
    shared("goemotions.jsonl", "goemotions", lambda r: set(), 600)
    shared("banking77_benign.jsonl", "banking77", lambda r: set(), 300)
    shared("sonos_nlu_benign.jsonl", "sonos", lambda r: set(), 300)
    shared("cyber_benign_frr.jsonl", "cyber_benign_frr", lambda r: set() if r.get("lang", "en") == "en" else None, 300)
    shared("davidson_hate_offensive.jsonl", "davidson", lambda r: set() if r["labels"].get("class") == 2 else None, 300)
    shared("toxigen_prompts.jsonl", "toxigen", lambda r: set() if r["labels"].get("hate") == 0 else None, 300)
    for name, family in (("sgd_dialogues_benign.jsonl", "sgd"), ("chatterbot_benign.jsonl", "chatterbot")):
        path = SHARED / name
        if family not in holdout and path.is_file():  # task dialogues: schedules, places, times (not plans)
            got = [(t["content"], set(), family) for r in _jsonl(path) if split_of(r) == "train" and r.get("lang", "en") == "en"
                   for t in r.get("turns", []) if t.get("role") == "user" and len(t.get("content", "").split()) >= 4]
            rnd.shuffle(got)
            out.extend(got[:600])
    return out


EVERYDAY = ("sgd", "chatterbot", "banking77", "sonos")  # task requests: nothing scary in them


def everyday_support(models_dir, data, quantile: float = 0.9, n: int = 1500) -> dict[str, float]:
    """Per pathway, the `quantile` of the support this models directory's classifiers lend it on
    everyday task requests (train-split rows of the task corpora): the classifiers' noise floor. A
    learned stage counts at runtime only on a turn whose own reading is above it."""
    from stream.core.policy import support
    from stream.core.stages import PATHWAY_CATEGORY
    from stream.scoring import load_default_scorer

    texts = [t for t, labs, fam in data if fam in EVERYDAY and not labs][:n]
    if not texts:
        return {}
    scorer = load_default_scorer(models_dir=Path(models_dir))
    scores = [s.category_scores for i in range(0, len(texts), 64) for s in scorer.score_batch(texts[i:i + 64])]
    return {p: float(np.quantile([support(sc, p) for sc in scores], quantile)) for p in PATHWAY_CATEGORY}


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 400, lr: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest logistic regression, class-balanced, full-batch gradient descent (Adam)."""
    n, d = x.shape
    k = y.shape[1]
    pos = y.sum(0).clip(1)
    sw = np.where(y > 0, n / (2 * pos), n / (2 * (n - pos).clip(1)))  # per (row, label) weight
    w, b = np.zeros((k, d), np.float64), np.zeros(k, np.float64)
    mw, vw, mb, vb = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(x @ w.T + b)))
        g = sw * (p - y) / n
        gw, gb = g.T @ x + l2 * w, g.sum(0)
        for m, v, gr, par in ((mw, vw, gw, w), (mb, vb, gb, b)):
            m *= 0.9
            m += 0.1 * gr
            v *= 0.999
            v += 0.001 * gr * gr
            par -= lr * 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w.astype(np.float32), b.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", default=str(REPO / "models"))
    ap.add_argument("--holdout", default="", help="source families left out (comma-separated)")
    args = ap.parse_args(argv)
    holdout = frozenset(h for h in args.holdout.split(",") if h)
    data = rows(holdout)
    emb = Embedder(args.models_dir)
    x = emb.embed([t for t, _, _ in data]).astype(np.float64)
    y = np.zeros((len(data), len(LABELS)))
    for i, (_, labs, _) in enumerate(data):
        for lab in labs:
            y[i, LI[lab]] = 1
    safe = y.sum(1) == 0
    folds = np.arange(len(data)) % 5
    np.random.default_rng(5).shuffle(folds)
    oof = np.zeros_like(y)
    for f in range(5):
        w, b = fit(x[folds != f], y[folds != f])
        oof[folds == f] = 1 / (1 + np.exp(-(x[folds == f] @ w.T.astype(np.float64) + b)))
    thr = np.array([max(0.5, float(np.quantile(oof[safe, j], 0.998))) for j in range(len(LABELS))])
    report = {}
    for j, lab in enumerate(LABELS):
        hit = oof[:, j] >= thr[j]
        tp = int((hit & (y[:, j] > 0)).sum())
        report[lab] = {"positives": int(y[:, j].sum()), "recall": round(tp / max(1, y[:, j].sum()), 3),
                       "precision": round(tp / max(1, hit.sum()), 3), "safe_rows_read": round(float(hit[safe].mean()), 4)}
    w, b = fit(x, y)
    tagger = StageTagger(w, b, thr.astype(np.float32), emb.model_id, min_support=everyday_support(args.models_dir, data))
    families = sorted({f for _, _, f in data})
    body = tagger.to_dict(training={"rows": len(data), "safe_rows": int(safe.sum()), "families": families,
                                    "holdout": sorted(holdout), "out_of_fold": report})
    out = Path(args.models_dir) / FILE_NAME
    out.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{body['version']}: {len(data)} rows ({int(safe.sum())} safe), families {families} -> {out}; "
          f"everyday support (90th pct) {tagger.min_support}")
    for lab, r in report.items():
        print(f"  {lab:22s} n={r['positives']:4d} recall {r['recall']:.2f} precision {r['precision']:.2f} "
              f"safe read {r['safe_rows_read']:.3f} (threshold {thr[LI[lab]]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
