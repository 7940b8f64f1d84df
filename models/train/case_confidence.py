"""Train the case confidence model (stream/core/confidence.py): how likely a case's person is heading towards harm.

Rows: every case event (open and update) riskstream emits on the people bench's written batches
(bench/people/batch<N>, default `TRAIN_BATCHES`), replayed with the model set being built; the label is
the person's (escalating 1, benign 0); each person weighs one in total, however many events they have.
Features: what the event's payload shows (`confidence.case_features`: evidence roles, conversations
and span, rule, route, pathway, stages, the assistant's voiced concern, farewell acts, readings'
peaks), never its text; one logistic model over them, standardised, L2-regularised.

Reported, and the figure to trust: **out of batch**, each batch's people (five writers nobody else
read) scored by a model fitted without that batch, a person's confidence being the highest of their
events; the recall at 2 / 5 / 10 % of benign people flagged beside the ranking riskstream had without it
(a person's strongest case by its evidence count, then severity: `bench_people.at_benign_rates`).
The cuts stored with the model (`cuts`: the floor for a case policy's `min_confidence` at each share of
benign people) are read off those out-of-batch scores. The fresh batches not trained on (`--unseen`,
default the newest) are read by the fitted model and reported alone and pooled with the out-of-batch
readings (the README's headline figure).

    python -m models.train.case_confidence [--models-dir models] [--batches 6,...,24] [--unseen 25,26] [--cases-from DIR]
    (part of `make models`, after the trajectory model: the cases depend on every other model)
"""

from __future__ import annotations

import argparse
import os
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.bench_people import FRESH, RATES, _uid, batch_files, layout, load, owner_of, recall_at, strongest_case
from bench.bench_timelines import RS, _lines
from stream.core.confidence import BASE_FEATURES, FILE_NAME, CaseConfidence, case_features
from stream.core.heading import FILE_NAME as HEADING_FILE
from stream.jsonl import dumps_line

REPO = Path(__file__).resolve().parents[2]
# The written batches measured whole before anyone read them, less the newest (kept unread to decide
# with, bench/people/batch5/PREREGISTRATION.md).
TRAIN_BATCHES = tuple(str(b) for b in range(6, 25))
C = 0.1  # L2 strength (inverse): chosen out of batch among 0.01, 0.1, 1 (the three read within a point or two)
MIN_STAGE_EVENTS = 5  # a stage becomes a feature when at least this many training events carry it


# The policy the people are replayed with: the defaults, with every case a pathway short of its weight
# would open let through (`short_pathways`: its gate is this model's own cut, and the model must not
# depend on the one it replaces), and no case of the trajectory rule (`trajectory_cases`: gated by this
# model's cut likewise; fitted on the other rules' cases as since session 55, the model reads a
# trajectory case by what the case shows, change 39), nor of the person reader (`person_cases`: it is trained
# after this model, on windows this model's cases do not change; change 40).
TRAIN_POLICY = {"short_pathway_confidence": 0.0, "trajectory_cases": False, "person_cases": False}


def replay_cases(people: list[dict], models_dir: Path) -> tuple[list[dict], list[dict]]:
    """(truth, case events) of written people, replayed with `models_dir`'s model set (`TRAIN_POLICY`)."""
    turns, truth = layout(people)
    with tempfile.TemporaryDirectory(prefix="rs-confidence-") as tmp:
        d = Path(tmp)
        (d / "turns.jsonl").write_bytes(b"".join(dumps_line(t) for t in turns))
        (d / "policy.json").write_text(json.dumps(TRAIN_POLICY))
        env = {"RISKSTREAM_MODELS_DIR": str(models_dir)}
        subprocess.run(RS + ["replay", "--input", str(d / "turns.jsonl"), "--cases", str(d / "cases.jsonl"), "--no-progress",
                             "--policy", str(d / "policy.json")],
                       check=True, cwd=REPO, env={**os.environ, **env})
        return truth, _lines(d / "cases.jsonl")


def events_by_person(owner: dict[str, str], cases: list[dict]) -> tuple[list[str], list[dict]]:
    """(person, event) of every case event of an account in `owner`, as two aligned lists."""
    pairs = [(owner[c["user_id"]], c) for c in cases if c["user_id"] in owner]
    return [p for p, _ in pairs], [c for _, c in pairs]


def design(events: list[dict], names: list[str]) -> np.ndarray:
    return np.array([[f.get(n, 0.0) for n in names] for f in map(case_features, events)], float)


# Signs the model may not reverse: more evidence of harm (a stage, a higher reading, more turns, more
# conversations, a longer span, the assistant's concern, a more urgent priority) never lowers a case's
# confidence. Fitted freely, the written batches taught the opposite for the plainest signals (an
# ideation or intent stage, a higher peak: -1.5, -1.0, -0.3 on the standardised features), because the
# writers were asked to make escalating people indirect, so plain words were more often a benign
# person's hyperbole; the issue's own three-turn threat ("I bought a gun yesterday and I'm going to
# her place tonight to end this") then read 0.27-0.31, below most benign people's cases.
NON_NEGATIVE = ("stage:", "peak:", "user_turns_over_half", "staged_turns", "severity", "trajectory", "voiced", "farewell",
                "evidence", "conversations", "span_days", "stages", "priority:1", "heading:")
NON_POSITIVE = ("priority:3",)


def _sign(name: str) -> int:
    """+1: the weight may not be negative; -1: not positive; 0: free."""
    if name.startswith(NON_POSITIVE):
        return -1
    return 1 if name.startswith(NON_NEGATIVE) else 0


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str] | None = None) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression on standardised features (C * sum of weighted log losses + half
    the squared weights, the bias free: scikit-learn's objective) under the sign constraints of `names`
    (`_sign`), by Newton's method over an active set (a weight held at 0 is freed again when the
    gradient would move it the allowed way); returns weights on the raw features (standardisation
    folded in) and the bias."""
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1.0
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    sign = np.array([_sign(n) for n in names] + [0] if names else [0] * z.shape[1])
    beta = np.zeros(z.shape[1])
    ridge = np.eye(z.shape[1]) / C
    ridge[-1, -1] = 0.0
    held = np.zeros(z.shape[1], bool)
    for _ in range(50):
        free = ~held
        for _ in range(100):
            p = 1.0 / (1.0 + np.exp(-(z @ beta)))
            grad = z.T @ (w * (p - y)) + ridge @ beta
            hess = (z * (w * p * (1 - p))[:, None]).T @ z + ridge
            step = np.zeros_like(beta)
            step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
            beta -= step
            if np.abs(step).max() < 1e-10:
                break
        wrong = ~held & (sign * beta < 0)
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + ridge @ beta
        release = held & (sign * grad < 0)  # the loss falls moving the held weight the allowed way
        if not wrong.any() and not release.any():
            break
        held = (held & ~release) | wrong
        beta[held] = 0.0
    coef = beta[:-1] / sd
    return coef, float(beta[-1] - (coef * mu).sum())


def heading_out_of_batch(people: list[dict], persons: list[str], events: list[dict], models_dir: Path) -> np.ndarray | None:
    """(n, 2): each event's `heading` features as a heading reader fitted without the person's batch reads
    them (models/train/heading_reader.py `out_of_batch`): the person's two highest readings of their user
    turns up to the event's trigger turn. Fitted on the production reader's own readings, the model would
    learn to trust readings of people that reader was fitted on. None when `models_dir` has no reader;
    a person of a batch the reader is not trained on keeps the event's own readings."""
    if not (Path(models_dir) / HEADING_FILE).is_file():
        return None
    from models.train import heading_reader as hr
    from stream.scoring.use_stage import spec

    rows = hr.turn_rows(hr.TRAIN_BATCHES)
    emb, en, x_en, x_use, y = hr.inputs(rows, models_dir)
    oob = hr.out_of_batch(rows, x_en, x_use, en, y, emb.model_id, spec()["encoder"])
    read: dict[str, list] = defaultdict(list)
    for (pid, ci, ti), r in zip(rows["pos"], oob):
        read[pid].append(((ci, ti), float(r)))
    where = {_uid(p["id"], str(ci), str(ti)): (ci, ti) for p in people
             for ci, conv in enumerate(p["conversations"]) for ti in range(len(conv["turns"]))}
    out = np.zeros((len(events), 2))
    for k, (pid, e) in enumerate(zip(persons, events)):
        if pid in read and e.get("trigger_event_id") in where:
            at = where[e["trigger_event_id"]]
            got = sorted((r for pos, r in read[pid] if pos <= at), reverse=True) + [0.0, 0.0]
            out[k] = [round(got[0], 4), round(got[1], 4)]
        else:
            out[k] = (list(e.get("heading") or []) + [0.0, 0.0])[:2]
    return out


def person_max(persons: list[str], p: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for q, v in zip(persons, p):
        out[q] = max(out[q], round(float(v), 4))
    return out


def cut_for(score: dict, ben: list[str], rate: float) -> float:
    """The floor at which at most `rate` of these benign people reach it (confidences have 4 decimals)."""
    ranked = sorted((score.get(p, 0.0) for p in ben), reverse=True)
    return round(ranked[int(rate * len(ben))] + 0.0001, 4)


def figures(kind: dict[str, str], rankings: dict[str, dict], only=lambda p: True) -> dict:
    """Recall at each benign rate of RATES, per ranking, over the people `only` keeps."""
    esc = [p for p, k in kind.items() if k == "escalating" and only(p)]
    ben = [p for p, k in kind.items() if k == "benign" and only(p)]
    return {f"{r:.2f}": {name: recall_at(lambda q, s=score: s.get(q, -1.0), esc, ben, r) for name, score in rankings.items()}
            for r in RATES}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=REPO / "models", help="the model set to add the model to")
    ap.add_argument("--batches", default=",".join(TRAIN_BATCHES), help="written batches to train on (comma-separated)")
    ap.add_argument("--unseen", default=",".join(b for b in FRESH if b not in TRAIN_BATCHES),
                    help="written batches never trained on, scored by the fitted model and reported beside (comma-separated)")
    ap.add_argument("--cases-from", type=Path,
                    help="a `bench_people.py --keep` directory (truth.jsonl, run/cases.jsonl) to read instead of replaying")
    ap.add_argument("--report", type=Path, default=REPO / "bench" / "results" / "case_confidence.json")
    args = ap.parse_args(argv)
    batches = tuple(b.strip() for b in args.batches.split(",") if b.strip())
    unseen = tuple(b.strip() for b in args.unseen.split(",") if b.strip() and b.strip() not in batches)
    people = {b: load(batch_files(b), "all") for b in batches + unseen}
    batch = {p["id"]: b for b, ps in people.items() for p in ps}  # a person's batch: the file they were read from
    batch_of = batch.get
    if args.cases_from:
        truth, cases = _lines(args.cases_from / "truth.jsonl"), _lines(args.cases_from / "run" / "cases.jsonl")
    else:
        truth, cases = replay_cases([p for ps in people.values() for p in ps], args.models_dir)
    truth = [t for t in truth if t["person"] in batch]
    kind = {t["person"]: t["kind"] for t in truth}
    owner = owner_of(truth)
    everyone, every_event = events_by_person(owner, cases)
    train = [i for i, p in enumerate(everyone) if batch_of(p) in batches]
    persons, events = [everyone[i] for i in train], [every_event[i] for i in train]
    if not events:
        raise SystemExit("no case events to train on")
    stage_counts: dict[str, int] = defaultdict(int)
    for e in events:
        for s in set(e.get("stages") or []):
            stage_counts[f"stage:{s}"] += 1
    names = list(BASE_FEATURES) + sorted(s for s, n in stage_counts.items() if n >= MIN_STAGE_EVENTS)
    x = design(events, names)
    heading = heading_out_of_batch([p for ps in people.values() for p in ps], persons, events, args.models_dir)
    if heading is not None:
        x[:, names.index("heading:1")], x[:, names.index("heading:2")] = heading[:, 0], heading[:, 1]
    y = np.array([kind[p] == "escalating" for p in persons], float)
    per_person: dict[str, int] = defaultdict(int)
    for p in persons:
        per_person[p] += 1
    w = np.array([1.0 / per_person[p] for p in persons])
    group = np.array([batch_of(p) for p in persons])
    oob = np.zeros(len(events))
    for b in batches:
        held = group == b
        if held.any():
            coef, bias = fit(x[~held], y[~held], w[~held], names)
            oob[held] = 1.0 / (1.0 + np.exp(-(x[held] @ coef + bias)))
    coef, bias = fit(x, y, w, names)
    out_of_batch = person_max(persons, oob)
    trained = lambda p: batch_of(p) in batches  # noqa: E731
    ben = [p for p, k in kind.items() if k == "benign" and trained(p)]
    cuts = {f"{r:.2f}": cut_for(out_of_batch, ben, r) for r in RATES}
    model = CaseConfidence(tuple(names), tuple(float(c) for c in coef), bias, cuts)
    # people never trained on, read by the fitted model, pooled with the out-of-batch readings
    rest = [i for i, p in enumerate(everyone) if batch_of(p) in unseen]
    never = person_max([everyone[i] for i in rest], np.array([model.of(every_event[i]) for i in rest]))
    without = strongest_case(every_event, owner)
    in_family = person_max(persons, 1.0 / (1.0 + np.exp(-(x @ coef + bias))))
    report = {
        "batches": list(batches), "unseen_batches": list(unseen), "people": sum(map(trained, kind)),
        "escalating": sum(kind[p] == "escalating" for p in kind if trained(p)), "benign": len(ben),
        "events": len(events), "features": len(names), "C": C,
        "recall_at_benign_rate": figures(kind, {"without_model": without, "out_of_batch": out_of_batch,
                                                "in_family": in_family}, trained),
        "per_batch_out_of_batch": {b: figures(kind, {"without_model": without, "out_of_batch": out_of_batch},
                                              lambda p, b=b: batch_of(p) == b) for b in batches},
    }
    if any(batch_of(p) in unseen for p in kind):
        report["unseen"] = figures(kind, {"without_model": without, "model": never}, lambda p: batch_of(p) in unseen)
        report["pooled_out_of_batch"] = {"people": len(kind), **figures(kind, {"without_model": without,
                                                                               "confidence": {**out_of_batch, **never}})}
    body = model.to_dict(training={k: report[k] for k in ("batches", "people", "events", "C")},
                         report=report["recall_at_benign_rate"])
    (args.models_dir / FILE_NAME).write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps({"version": body["version"], **report, "cuts": cuts,
                                       "weights": dict(zip(names, (round(float(c), 4) for c in coef)))}, indent=2) + "\n")
    print(f"{body['version']}: {len(events)} case events of {report['people']} people -> {args.models_dir / FILE_NAME}")
    print(json.dumps({k: report[k] for k in ("recall_at_benign_rate", "unseen", "pooled_out_of_batch") if k in report},
                     indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
