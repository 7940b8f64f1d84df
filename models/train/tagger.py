"""Train the stage tagger (stream/core/tagger.py): one logistic model per stage over the encoder's
sentence embedding.

    python -m models.train.tagger [--models-dir models] [--holdout threatgram,goemotions]

Rows: the project's labelled stage sentences (models/data/stage_sentences.jsonl, written and
labelled for riskstream, en plus some zh/ko), its first-person threats (violence ideation) and its
safe look-alikes (models/data/*benign*.jsonl), plus train-split rows of sources that carry such
signals: ThreatGram violent threats (ideation) and non-threats; GoEmotions comments, task
requests and dialogues, benign security questions, neutral statements (no stage). Dev-split rows are never used (timelines draw from them), nor the families in
`--holdout` (the benchmark's out-of-family rotation). Thresholds are set out of fold (5 folds):
per label, at least 0.5 and high enough that at most 0.5 % of the safe rows read as that stage
(`--safe-read`; 0.2 % until session 14, chosen on the escalation benchmark's tune half: out of
family 66.5 % of escalating people at 5.7 benign per 1,000 with 0.2 %, 78.0 % at 12.3 with 0.5 %).

The Chinese / Korean reader (`fit_cjk`) is fitted on the same rows over multilingual USE embeddings,
plus zh / ko safe rows of several families (`CJK_SAFE`), which alone set its thresholds; its report
says how it reads zh / ko labelled rows it was not trained on, and zh / ko safe families left out.
Out of family, the English reader is measured on the English chat turns of
models/data/stage_turns.jsonl (written blind, never trained on: `blind_turns_report`), stored in
the file's `training.out_of_family_blind_turns` and printed.
Runs in the runtime venv (numpy + onnxruntime + the USE package), about three minutes.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.train.data import SHARED as DATASETS
from stream.core.tagger import FILE_NAME, LABELS, THIRD_PARTY, StageTagger
from stream.datasplit import split_of
from stream.scoring import load_default_scorer
from stream.scoring.embedding import Embedder
from stream.scoring.encoder import is_cjk

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "models" / "data"
SHARED = DATASETS  # ../shared/datasets, or RISKSTREAM_DATASETS (as every trainer reads it)
LI = {k: i for i, k in enumerate(LABELS)}


def _jsonl(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# Task-dialogue user turns per corpus (sgd, chatterbot), short ones too: closers and bookings with a time
# in them ("I'm fine for now, thanks", "when will the cab be here tonight") sit close to short stage
# sentences; 600 turns of at least four words until session 17.
EVERYDAY_ROWS = 1500


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
                   for t in r.get("turns", []) if t.get("role") == "user" and len(t.get("content", "").split()) >= 2]
            rnd.shuffle(got)
            out.extend(got[:EVERYDAY_ROWS])
    return out


# Chinese / Korean rows that carry no stage (train splits): what sets the USE reader's thresholds.
# Offensive-speech corpora's safe rows, questions on sensitive topics, and small talk. Not the
# over-refusal look-alikes (OR-Bench Korean, K-OverRefusal idioms): the escalation benchmark's
# benign people draw on them, so no tagger reads them (tests/test_simulate.py).
CJK_SAFE = (  # (file, family, keep row?)
    ("cold_zh.jsonl", "cold", lambda r: r["labels"].get("label") == 0),
    ("swsr_zh.jsonl", "swsr", lambda r: r["labels"].get("label") == 0),
    ("korean_hate_ko.jsonl", "korean_hate", lambda r: r["labels"].get("hate") == "none"),
    ("square_questions_ko.jsonl", "square", lambda r: True),
    ("cvalues_prompts_zh.jsonl", "cvalues", lambda r: True),
)
CJK_SAFE_PER_FAMILY = 1500


def cjk_safe_rows(holdout: frozenset[str] = frozenset(), seed: int = 15) -> list[tuple[str, set[str], str]]:
    """Safe Chinese / Korean rows (train splits, families in `holdout` left out), small talk included."""
    rnd = random.Random(seed)
    out = []
    for name, family, keep in CJK_SAFE + (("chatterbot_benign.jsonl", "chatterbot", None),):
        path = SHARED / name
        if family in holdout or not path.is_file():
            continue
        if keep is None:  # dialogues: the user turns of the zh / ko conversations
            got = [(t["content"], set(), family) for r in _jsonl(path) if split_of(r) == "train" and r.get("lang") in ("zh", "zh-Hant", "ko")
                   for t in r.get("turns", []) if t.get("role") == "user" and t.get("content", "").strip()]
        else:
            got = [(r["text"], set(), family) for r in _jsonl(path) if r.get("text") and split_of(r) == "train" and keep(r)]
        rnd.shuffle(got)
        out.extend(got[:CJK_SAFE_PER_FAMILY])
    return out


EVERYDAY = ("sgd", "chatterbot", "banking77", "sonos")  # task requests: nothing scary in them


EVERYDAY_CJK = ("chatterbot", "square")  # zh / ko small talk and everyday questions


def everyday_support(scorer, data, quantile: float = 0.9, n: int = 1500, cjk: bool = False) -> dict[str, float]:
    """Per pathway, the `quantile` of the support `scorer` (this models directory's classifiers) lends it on
    everyday task requests (train-split rows of the task corpora; with `cjk`, zh / ko small talk and
    everyday questions, which other classifiers read): the classifiers' noise floor. A learned stage
    counts at runtime only on a turn whose own reading is above it."""
    from stream.core.policy import support
    from stream.core.stages import PATHWAY_CATEGORY

    texts = [t for t, labs, fam in data if fam in (EVERYDAY_CJK if cjk else EVERYDAY) and not labs
             and is_cjk(t) == cjk][:n]
    if not texts:
        return {}
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


def _labels(data) -> np.ndarray:
    y = np.zeros((len(data), len(LABELS)))
    for i, (_, labs, _) in enumerate(data):
        for lab in labs:
            y[i, LI[lab]] = 1
    return y


def _prob(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ w.T.astype(np.float64) + b)))


def _thresholds(p: np.ndarray, safe_read: float = 0.002) -> np.ndarray:
    """Per label: at least 0.5, and what at most `safe_read` of the safe readings `p` reach."""
    return np.array([max(0.5, float(np.quantile(p[:, j], 1.0 - safe_read))) for j in range(len(LABELS))])


def _out_of_fold(x: np.ndarray, y: np.ndarray, seed: int = 5) -> np.ndarray:
    folds = np.arange(len(x)) % 5
    np.random.default_rng(seed).shuffle(folds)
    oof = np.zeros_like(y)
    for f in range(5):
        w, b = fit(x[folds != f], y[folds != f])
        oof[folds == f] = _prob(x[folds == f], w, b)
    return oof


def _per_label(oof: np.ndarray, y: np.ndarray, thr: np.ndarray, safe: np.ndarray) -> dict:
    report = {}
    for j, lab in enumerate(LABELS):
        hit = oof[:, j] >= thr[j]
        tp = int((hit & (y[:, j] > 0)).sum())
        report[lab] = {"positives": int(y[:, j].sum()), "recall": round(tp / max(1, y[:, j].sum()), 3),
                       "precision": round(tp / max(1, hit.sum()), 3), "safe_rows_read": round(float(hit[safe].mean()), 4)}
    return report


def _read_as_at_run_time(tagger: StageTagger, embed, texts: list[str]) -> np.ndarray:
    """(texts, labels) bool: the labels `tagger` reads in each text as the runtime reads a user turn,
    the text and its clauses (`pieces`), a label read when any of them reaches its threshold;
    `embed` maps a list of texts to their embeddings."""
    from stream.core.tagger import pieces

    split = [pieces(t) for t in texts]
    found = tagger.tags(embed([p for parts in split for p in parts]), [k for k, parts in enumerate(split) for _ in parts])
    return np.array([[lab in f for lab in LABELS] for f in found], bool)


def blind_turns_report(emb: Embedder, tagger: StageTagger) -> dict:
    """How the English reader reads the English turns of models/data/stage_turns.jsonl: chat turns
    written and labelled by writers who saw neither the repository nor these training rows, never
    trained on (out of family). Each turn read with its clauses as at run time (`pieces`, and
    `StageTagger.tags`, where the highest reading of a turn's pieces counts). Per label, and per
    pathway (any of its stages): precision, recall, and the share of the turns labelled safe
    (look-alikes: hunting, games, idioms, pest control, goodbyes, ...) read so. The in-family
    out-of-fold figures above flatter; these do not."""
    turns = [r for r in _jsonl(DATA / "stage_turns.jsonl") if not is_cjk(r["text"])]
    if not turns:
        return {}
    hit = _read_as_at_run_time(tagger, emb.embed, [r["text"] for r in turns])
    y = _labels([(r["text"], set(r["stages"]) | ({THIRD_PARTY} if r.get("third_party") else set()), "") for r in turns]) > 0
    safe = ~y.any(1)

    def figures(g: np.ndarray, h: np.ndarray) -> dict:
        tp = int((g & h).sum())
        return {"positives": int(g.sum()), "precision": round(tp / max(1, int(h.sum())), 3),
                "recall": round(tp / max(1, int(g.sum())), 3), "safe_turns_read": round(float(h[safe].mean()), 3)}

    report = {"turns": len(turns), "safe_turns": int(safe.sum()),
              "labels": {lab: figures(y[:, j], hit[:, j]) for j, lab in enumerate(LABELS)}}
    for pathway in ("violence", "self-harm"):
        cols = [j for j, lab in enumerate(LABELS) if lab.startswith(pathway + ":")]
        report[pathway] = figures(y[:, cols].any(1), hit[:, cols].any(1))
    stage_cols = [j for j, lab in enumerate(LABELS) if ":" in lab]
    report["safe_turns_read_as_any_stage"] = round(float(hit[safe][:, stage_cols].any(1).mean()), 3)
    return report


def blind_cjk_report(reader: StageTagger) -> dict:
    """How the zh / ko reader reads the zh / ko turns of models/data/stage_turns.jsonl (written blind,
    never trained on): per pathway, the share of its stage turns read with a stage of that pathway,
    and the share of the look-alikes and of the third-party turns read so (out of family for the
    writer). Each turn is read as the runtime reads a user turn: the text and its clauses (`pieces`),
    a label read when any of them reaches its threshold (before session 39 the text alone was read,
    which left out the clauses of 96 of the 499 turns). Session 37 measured readers trained on
    `models/data/stage_turns_cjk.jsonl` with it (README, "Chinese and Korean people")."""
    from stream.scoring.normalize import normalize_text
    from stream.scoring.use_stage import encode

    turns = [r for r in _jsonl(DATA / "stage_turns.jsonl") if is_cjk(r["text"])]
    if not turns:
        return {}
    hit = _read_as_at_run_time(reader, lambda texts: encode([normalize_text(t) for t in texts]), [r["text"] for r in turns])
    third = np.array([bool(r.get("third_party")) for r in turns])
    safe = np.array([not r["stages"] for r in turns]) & ~third
    report: dict = {"turns": len(turns), "look_alikes": int(safe.sum())}
    for pathway in ("violence", "self-harm"):
        cols = [j for j, lab in enumerate(LABELS) if lab.startswith(pathway + ":")]
        pos = np.array([any(s.startswith(pathway + ":") for s in r["stages"]) for r in turns])
        read = hit[:, cols].any(1)
        share = lambda m: round(float(read[m].sum() / max(1, m.sum())), 3)  # noqa: E731
        report[pathway] = {"positives": int(pos.sum()), "recall": share(pos), "look_alikes_read": share(safe),
                           "third_party_read": share(third)}
    return report


def fit_cjk(data, safe_rows) -> tuple[StageTagger, dict]:
    """The Chinese / Korean reader: the same labelled rows (every language) plus zh / ko safe rows
    (`cjk_safe_rows`),
    over USE embeddings. Its thresholds are set out of family: each zh / ko safe family is read by a
    reader fitted without it, and per label the threshold (at least 0.5) is what at most 0.2 % of
    those readings reach (set in family, 0.2 % became 1-8 % of a left-out family's rows). Reported:
    per family, the share of its rows read as a stage at thresholds set on the other families alone;
    the labelled zh / ko rows read out of fold; and how the reader reads them when none of them is
    trained on (what the English rows teach it about other languages)."""
    from stream.scoring.normalize import normalize_text
    from stream.scoring.use_stage import encode, spec

    rows_all = data + safe_rows
    x = encode([normalize_text(t) for t, _, _ in rows_all]).astype(np.float64)
    y = _labels(rows_all)
    fam = np.array([f for _, _, f in rows_all])
    cj = np.array([is_cjk(t) for t, _, _ in rows_all])
    cj_safe = cj & (y.sum(1) == 0) & (fam != "written")
    families = sorted(set(fam[cj_safe]))
    lofo: dict[str, np.ndarray] = {}
    for family in families:
        out = fam == family
        w, b = fit(x[~out], y[~out])
        lofo[family] = _prob(x[out & cj_safe], w, b)

    def thresholds(fams) -> np.ndarray:
        return _thresholds(np.vstack([lofo[f] for f in fams]))

    thr = thresholds(families)
    report: dict = {"zh_ko_safe_family_left_out_read_as_a_stage": {
        f: round(float((lofo[f] >= thresholds([g for g in families if g != f])).any(1).mean()), 4) for f in families}}
    written_cj = cj & (fam == "written")
    oof = _out_of_fold(x, y)
    report["out_of_fold_zh_ko_written"] = _per_label(oof[written_cj], y[written_cj], thr, y[written_cj].sum(1) == 0)
    w, b = fit(x[~written_cj], y[~written_cj])  # no zh / ko labelled row trained on
    hit = _prob(x[written_cj], w, b) >= thr
    pos = y[written_cj] > 0
    report["zh_ko_written_not_trained_on"] = {
        "rows": int(written_cj.sum()), "stage_rows": int(pos.any(1).sum()),
        "stage_rows_read_with_their_stage": round(float((hit & pos).any(1).sum() / max(1, pos.any(1).sum())), 3),
        "safe_rows_read_as_a_stage": int(hit[~pos.any(1)].any(1).sum()), "safe_rows": int((~pos.any(1)).sum())}
    w, b = fit(x, y)
    return StageTagger(w, b, thr.astype(np.float32), spec()["encoder"]), report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", default=str(REPO / "models"))
    ap.add_argument("--holdout", default="", help="source families left out (comma-separated)")
    ap.add_argument("--safe-read", type=float, default=0.005,
                    help="the English reader's thresholds: share of safe rows (out of fold) read as each stage")
    args = ap.parse_args(argv)
    holdout = frozenset(h for h in args.holdout.split(",") if h)
    data = rows(holdout)
    emb = Embedder(args.models_dir)
    x = emb.embed([t for t, _, _ in data]).astype(np.float64)
    y = _labels(data)
    safe = y.sum(1) == 0
    oof = _out_of_fold(x, y)
    thr = _thresholds(oof[safe], args.safe_read)
    # reported on the rows it reads: with a zh / ko reader beside it, it never reads zh / ko text
    en = np.array([not is_cjk(t) for t, _, _ in data])
    report = _per_label(oof[en], y[en], thr, safe[en])
    w, b = fit(x, y)
    safe_cjk = cjk_safe_rows(holdout)
    cjk, cjk_report = fit_cjk(data, safe_cjk)
    cjk_report["zh_ko_blind_turns"] = blind_cjk_report(cjk)
    scorer = load_default_scorer(models_dir=Path(args.models_dir))
    cjk = replace(cjk, min_support=everyday_support(scorer, safe_cjk, cjk=True))
    tagger = StageTagger(w, b, thr.astype(np.float32), emb.model_id, min_support=everyday_support(scorer, data), cjk=cjk)
    blind = blind_turns_report(emb, tagger)
    families = sorted({f for _, _, f in data})
    body = tagger.to_dict(training={"rows": len(data), "safe_rows": int(safe.sum()), "families": families,
                                    "holdout": sorted(holdout), "out_of_fold": report, "cjk": cjk_report,
                                    "out_of_family_blind_turns": blind})
    out = Path(args.models_dir) / FILE_NAME
    out.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{body['version']}: {len(data)} rows ({int(safe.sum())} safe), families {families} -> {out}; "
          f"everyday support (90th pct) {tagger.min_support}")
    for lab, r in report.items():
        print(f"  {lab:22s} n={r['positives']:4d} recall {r['recall']:.2f} precision {r['precision']:.2f} "
              f"safe read {r['safe_rows_read']:.3f} (threshold {thr[LI[lab]]:.2f})")
    if blind:
        print(f"out of family, the {blind['turns']} English turns of stage_turns.jsonl (never trained on; "
              f"{blind['safe_turns']} look-alikes): {blind['safe_turns_read_as_any_stage']:.0%} of the look-alikes read as a stage")
        for key in ("violence", "self-harm"):
            r = blind[key]
            print(f"  {key:22s} n={r['positives']:4d} recall {r['recall']:.2f} precision {r['precision']:.2f} "
                  f"look-alikes read {r['safe_turns_read']:.3f}")
    print("zh / ko reader (USE):")
    for lab, r in cjk_report["out_of_fold_zh_ko_written"].items():
        print(f"  {lab:22s} n={r['positives']:4d} recall {r['recall']:.2f} precision {r['precision']:.2f} "
              f"(threshold {cjk.thresholds[LI[lab]]:.2f})")
    print(f"  everyday support of zh / ko small talk and questions (90th pct) {cjk.min_support}")
    print(f"  zh / ko labelled rows not trained on: {cjk_report['zh_ko_written_not_trained_on']}")
    print(f"  zh / ko safe family left out, share read as a stage: {cjk_report['zh_ko_safe_family_left_out_read_as_a_stage']}")
    print(f"  zh / ko turns of stage_turns.jsonl (never trained on): {cjk_report['zh_ko_blind_turns']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
