"""Train the heading reader (stream/core/heading.py): how much a user turn reads like a turn of a person heading towards harm.

Rows: the user turns of the people bench's written batches (bench/people/batch<N>, default `TRAIN_BATCHES`):
an escalating person's turns from their `harm_from` on are 1, every turn of a benign person 0 (the benign
people were written to be hard: the same vocabulary for ordinary reasons); an escalating person's turns
before `harm_from` are left out (what a careful reader could not yet infer is no label either way).
Two logistic models (scikit-learn, C `C`, classes balanced): one over MiniLM's embedding for the turns
that are not Chinese or Korean, one over the multilingual USE embedding for those that are.

A second head, `self` (session 56), reads whether a turn sounds like someone heading towards themselves rather
than towards another person: the same two logistic models' form, fitted on every user turn of the written
escalating people, labelled by the person's category (self-harm 1, violence 0); the case policy's
`self_direction` routes a person whose recent turns read so to support (stream/core/policy.py `towards_self`).
Reported out of batch: the share of each category's people whose mean reading reaches `SELF_CUT`.

Reported, and the figure to trust: **out of batch**, each batch's turns (five writers nobody else read)
read by a reader fitted without that batch; per person, recall at 2 / 5 / 10 % of benign people flagged
ranking people by their highest reading and by their second highest (a reading corroborated by another
turn). The same out-of-batch readings are what the case confidence model is fitted on
(models/train/case_confidence.py `heading_out_of_batch`), so that it does not learn to trust readings of
people the reader was fitted on. The heading rule's `pattern_threshold` (policy `heading_cases`) is read off
them too: the lowest at which at most 1 % of the benign people would have two kept turns apart that reach it.

    python -m models.train.heading_reader [--models-dir models] [--batches 6,...,26]
    (part of `make models`, before the case confidence model)
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.bench_people import RATES, _uid, batch_files, layout, load, recall_at
from models.train.embed import reader_inputs
from stream.core import heading
from stream.core.heading import FILE_NAME, HeadingReader
from stream.core.policy import PolicyConfig
from stream.core.timeutil import parse_rfc3339
from stream.core.window import UserWindow

REPO = Path(__file__).resolve().parents[2]
# Written batches that had decided a change (measured whole before anyone read them) when the reader was
# fitted (session 55); newer ones stay out until a change is decided on them
# (bench/people/batch5/PREREGISTRATION.md).
TRAIN_BATCHES = tuple(str(b) for b in range(6, 27))
C = 1.0  # L2 (inverse): the middle of 0.1 / 1 / 10 out of batch (session 55 probe, PREREGISTRATION.md)


def turn_rows(batches: tuple[str, ...]) -> dict[str, list]:
    """The user turns of the batches' people: text, event id (as `bench_people.layout` lays them out),
    person, batch, label (1 / 0; -1: an escalating person's turn before `harm_from`)."""
    out: dict[str, list] = defaultdict(list)
    for b in batches:
        people = load(batch_files(b), "all")
        ts = {t["event_id"]: parse_rfc3339(t["ts"]) for t in layout(people)[0]}
        for p in people:
            for ci, conv in enumerate(p["conversations"]):
                for ti, turn in enumerate(conv["turns"]):
                    if turn["role"] != "user":
                        continue
                    if p["kind"] == "benign":
                        label = 0
                    else:
                        label = 1 if [ci, ti] >= list(p["harm_from"]) else -1
                    out["text"].append(turn["text"])
                    out["person"].append(p["id"])
                    out["batch"].append(b)
                    out["label"].append(label)
                    out["kind"].append(p["kind"])
                    out["category"].append(p["category"])
                    out["pos"].append((p["id"], ci, ti))
                    out["ts"].append(ts[_uid(p["id"], str(ci), str(ti))])
    return out


def event_ids(rows: dict[str, list]) -> list[str]:
    """The event id `bench_people.layout` gives each row's turn (it depends on the person, the
    conversation and the turn only)."""
    return [_uid(pid, str(ci), str(ti)) for pid, ci, ti in rows["pos"]]


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y)
    return m.coef_.astype(np.float32), m.intercept_.astype(np.float32)


def _fit_heads(x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray, y: np.ndarray) -> tuple:
    """(MiniLM weights, bias, USE weights, bias) of one label on the rows `y` labels (>= 0): English rows
    MiniLM's, zh / ko rows USE's."""
    known = y >= 0
    return _fit(x_en[known & en], y[known & en]) + _fit(x_use[known & ~en], y[known & ~en])


def fit_reader(x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray, y: np.ndarray, minilm_id: str,
               use_spec: str) -> HeadingReader:
    """Both heads on the labelled rows given (English rows: MiniLM; zh / ko rows: USE)."""
    w, b, cw, cb = _fit_heads(x_en, x_use, en, y)
    return HeadingReader(w, b, minilm_id, cw, cb, use_spec)


def _read(reader: HeadingReader, x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray, head: int) -> np.ndarray:
    """Each row's reading by the reader's `head` (0: heading, 1: `self`)."""
    out = np.zeros(len(en))
    for rows, cjk, x in ((en, False, x_en), (~en, True, x_use)):
        if rows.any():
            out[rows] = reader.both(x[rows].astype(np.float32), cjk)[head]
    return out


def read_rows(reader: HeadingReader, x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray) -> np.ndarray:
    return _read(reader, x_en, x_use, en, 0)


def inputs(rows: dict[str, list], models_dir) -> tuple:
    emb, en, x_en, x_use = reader_inputs(rows["text"], models_dir)
    return emb, en, x_en, x_use, np.array(rows["label"])


def direction_labels(rows: dict[str, list]) -> np.ndarray:
    """The `self` head's label of each row: 1 for every user turn of a person escalating towards
    self-harm, 0 of one escalating towards harming someone else, -1 (not a row for it) for benign people."""
    return np.array([(1 if c == "self-harm" else 0) if k == "escalating" else -1 for k, c in zip(rows["kind"], rows["category"])])


def with_direction(reader: HeadingReader, x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray, d: np.ndarray) -> HeadingReader:
    """The reader with its `self` heads (MiniLM, USE) fitted on the rows `d` labels."""
    w, b, cw, cb = _fit_heads(x_en, x_use, en, d)
    return replace(reader, weights=np.vstack([reader.weights, w]), bias=np.concatenate([reader.bias, b]),
                   cjk_weights=np.vstack([reader.cjk_weights, cw]), cjk_bias=np.concatenate([reader.cjk_bias, cb]))


def read_direction(reader: HeadingReader, x_en: np.ndarray, x_use: np.ndarray, en: np.ndarray) -> np.ndarray:
    """Each row's `self` reading."""
    return _read(reader, x_en, x_use, en, 1)


def direction_out_of_batch(rows: dict[str, list], x_en, x_use, en) -> np.ndarray:
    """Each row's `self` reading by heads fitted without its batch (`out_of_batch` on the direction
    labels: a one-head reader of that label)."""
    return out_of_batch(rows, x_en, x_use, en, direction_labels(rows), "", "")


SELF_CUT = PolicyConfig().self_direction  # what the case policy routes on by default


def direction_figures(rows: dict[str, list], read: np.ndarray, cut: float = SELF_CUT) -> dict:
    """Per escalating person, the mean of their turns' `self` readings: the share of each direction's
    people whose mean reaches `cut` (read as heading towards themselves)."""
    got: dict[str, list[float]] = defaultdict(list)
    cat = {}
    for p, k, c, r in zip(rows["person"], rows["kind"], rows["category"], read):
        if k == "escalating":
            got[p].append(float(r))
            cat[p] = c
    mean = {p: sum(v) / len(v) for p, v in got.items()}
    out: dict = {"cut": cut}
    for c in ("self-harm", "violence"):
        people = [p for p in mean if cat[p] == c]
        out[c] = {"people": len(people), "read_as_self": round(sum(mean[p] >= cut for p in people) / len(people), 4)}
    return out


def out_of_batch(rows: dict[str, list], x_en, x_use, en, y, minilm_id: str, use_spec: str) -> np.ndarray:
    """Each row read by a reader fitted without its batch."""
    batch = np.array(rows["batch"])
    out = np.zeros(len(y))
    for b in sorted(set(rows["batch"])):
        held = batch == b
        r = fit_reader(x_en[~held], x_use[~held], en[~held], y[~held], minilm_id, use_spec)
        out[held] = read_rows(r, x_en[held], x_use[held], en[held])
    return out


PATTERN_BENIGN_SHARE = 0.01  # the heading rule's threshold: what this share of the benign people reach, out of batch
MIN_SPAN_S = 30 * 60.0  # (the policy's default `pattern_min_span_minutes`)


def pattern_scores(rows: dict[str, list], read: np.ndarray, min_span_s: float = MIN_SPAN_S) -> dict[str, float]:
    """Per person, the highest threshold at which the runtime's heading rule would fire on them: their
    turns recorded in time order into a window by `heading.record`, each read by `heading.pattern` at a
    threshold of 0 (the highest kept turn apart: the pair's lower reading is the threshold it passes)."""
    turns: dict[str, list] = defaultdict(list)
    for p, t, eid, r in zip(rows["person"], rows["ts"], event_ids(rows), read):
        turns[p].append((t, eid, float(r)))
    out = {}
    for p, seq in turns.items():
        window, best = UserWindow(user_id=p), 0.0
        for t, eid, r in sorted(seq):
            heading.record(window, r, t, eid, p, -math.inf)
            found = heading.pattern(window, eid, -math.inf, 0.0, min_span_s)
            best = max(best, found[1] if found else 0.0)
        out[p] = best
    return out


def pattern_threshold(rows: dict[str, list], read: np.ndarray, share: float = PATTERN_BENIGN_SHARE) -> float:
    """The lowest pattern threshold at which at most `share` of the benign people's pattern scores reach it."""
    score = pattern_scores(rows, read)
    kind = dict(zip(rows["person"], rows["kind"]))
    ranked = sorted((v for p, v in score.items() if kind[p] == "benign"), reverse=True)
    return round(ranked[int(share * len(ranked))] + 0.0001, 4)


def pattern_figures(rows: dict[str, list], read: np.ndarray, threshold: float) -> dict:
    """People the heading rule alone would find, and benign people it would flag, at `threshold`."""
    score = pattern_scores(rows, read)
    kind = dict(zip(rows["person"], rows["kind"]))
    esc = [p for p in score if kind[p] == "escalating"]
    ben = [p for p in score if kind[p] == "benign"]
    return {"threshold": threshold, "escalating_found": round(sum(score[p] >= threshold for p in esc) / len(esc), 4),
            "benign_flagged": round(sum(score[p] >= threshold for p in ben) / len(ben), 4)}


def person_figures(rows: dict[str, list], read: np.ndarray) -> dict:
    """Recall at each benign rate ranking people by their highest and second highest reading."""
    got: dict[str, list[float]] = defaultdict(list)
    kind = {}
    for p, k, r in zip(rows["person"], rows["kind"], read):
        got[p].append(float(r))
        kind[p] = k
    top = {p: sorted(v, reverse=True) + [0.0] for p, v in got.items()}
    esc = [p for p in kind if kind[p] == "escalating"]
    ben = [p for p in kind if kind[p] == "benign"]
    return {"escalating": len(esc), "benign": len(ben), **{
        f"{r:.2f}": {"highest": recall_at(lambda q: top[q][0], esc, ben, r),
                     "second_highest": recall_at(lambda q: top[q][1], esc, ben, r)} for r in RATES}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=REPO / "models", help="the model set to add the reader to (its encoder embeds)")
    ap.add_argument("--batches", default=",".join(TRAIN_BATCHES), help="written batches to train on (comma-separated)")
    ap.add_argument("--report", type=Path, default=REPO / "bench" / "results" / "heading_reader.json")
    args = ap.parse_args(argv)
    from stream.scoring.use_stage import spec

    batches = tuple(b.strip() for b in args.batches.split(",") if b.strip())
    rows = turn_rows(batches)
    emb, en, x_en, x_use, y = inputs(rows, args.models_dir)
    use_spec = spec()["encoder"]
    oob = out_of_batch(rows, x_en, x_use, en, y, emb.model_id, use_spec)
    threshold = pattern_threshold(rows, oob)
    heading_only = replace(fit_reader(x_en, x_use, en, y, emb.model_id, use_spec), threshold=threshold)
    reader = with_direction(heading_only, x_en, x_use, en, direction_labels(rows))
    report = {"batches": list(batches), "C": C, "turns": len(y), "turns_labelled_1": int((y == 1).sum()),
              "turns_labelled_0": int((y == 0).sum()), "zh_ko_turns": int((~en).sum()),
              "out_of_batch": person_figures(rows, oob), "pattern_out_of_batch": pattern_figures(rows, oob, threshold),
              "in_family": person_figures(rows, read_rows(reader, x_en, x_use, en)),
              "direction_out_of_batch": direction_figures(rows, direction_out_of_batch(rows, x_en, x_use, en)),
              "direction_in_family": direction_figures(rows, read_direction(reader, x_en, x_use, en))}
    body = reader.to_dict(training={k: report[k] for k in ("batches", "C", "turns", "turns_labelled_1", "turns_labelled_0")},
                          report={**report["out_of_batch"], "pattern": report["pattern_out_of_batch"],
                                  "direction": report["direction_out_of_batch"]})
    out = args.models_dir / FILE_NAME
    out.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps({"version": body["version"], **report}, indent=2) + "\n")
    print(f"{body['version']}: {len(y)} user turns of {len(set(rows['person']))} people -> {out}")
    print(json.dumps({k: report[k] for k in ("out_of_batch", "pattern_out_of_batch", "in_family", "direction_out_of_batch")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
