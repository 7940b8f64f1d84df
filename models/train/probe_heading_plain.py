"""Probe (session 59): does the heading reader read plainly written harm when it also learns from it?

Why: the case confidence model is mostly the heading reader's two highest readings, and the reader,
fitted on the blind writers' people only (indirect escalation; benign people using plain violent
words as hyperbole), reads issue 14's plain threats 0.23-0.54 (bench/results/session59_probes.json).
This fits the reader as `heading_reader.py` does, and a variant that also learns from the project's
plainly written rows (models/data/stage_sentences.jsonl rows with a stage about harm to a person,
threats_third_party.jsonl's first-person threats, as 1; benign_violence_talk, benign_scary_prompts,
threats_third_party_benign as 0; these rows are always trained on, never read for a figure), and
reads both:

* out of batch on the written batches (each batch by a reader fitted without it): per person recall
  at 2 / 5 / 10 % of benign people by highest and second-highest reading, the reader's own figure;
* on models/data/stage_turns.jsonl (1,698 chat turns written blind in session 19, never trained on by
  any reader): turns with a stage about harm to a person (violence ideation, imminence, planning;
  self-harm ideation, intent, plan; not third party) against the safe turns, as the share of the
  harm turns read above the reading that 2 / 5 / 10 % of the safe turns reach, per language.

Nothing is written to a model set. Prints JSON (and writes it with --out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.train.embed import reader_inputs
from models.train.heading_reader import TRAIN_BATCHES, fit_reader, out_of_batch, person_figures, read_rows, turn_rows

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "models" / "data"
HARM = frozenset({"violence:ideation", "violence:imminence", "violence:planning", "self-harm:ideation",
                  "self-harm:intent", "self-harm:plan"})
SAFE_FILES = ("benign_violence_talk.jsonl", "benign_scary_prompts.jsonl", "threats_third_party_benign.jsonl")
RATES = (0.02, 0.05, 0.10)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plain_rows() -> tuple[list[str], list[int]]:
    """The plainly written rows and their labels (1: harm to a person said plainly; 0: a look-alike)."""
    texts, labels = [], []
    for r in _jsonl(DATA / "stage_sentences.jsonl"):
        if not r.get("third_party") and HARM & set(r["stages"]):
            texts.append(r["text"]), labels.append(1)
    for r in _jsonl(DATA / "threats_third_party.jsonl"):
        if (r.get("labels") or {}).get("harassment/threatening") == 1:
            texts.append(r["text"]), labels.append(1)
    for f in SAFE_FILES:
        for r in _jsonl(DATA / f):
            texts.append(r["text"]), labels.append(0)
    return texts, labels


def turn_figures(read: np.ndarray, harm: np.ndarray, safe: np.ndarray) -> dict:
    """Share of the harm turns above the reading `rate` of the safe turns reach, per rate."""
    out = {"harm_turns": int(harm.sum()), "safe_turns": int(safe.sum())}
    for rate in RATES:
        cut = np.quantile(read[safe], 1 - rate)
        out[f"{rate:.2f}"] = round(float((read[harm] > cut).mean()), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    from stream.scoring.use_stage import spec

    rows = turn_rows(TRAIN_BATCHES)
    ptexts, plabels = plain_rows()
    held = _jsonl(DATA / "stage_turns.jsonl")
    htexts = [r["text"] for r in held]
    texts = rows["text"] + ptexts + htexts
    emb, en, x_en, x_use = reader_inputs(texts, args.models_dir)
    n, m = len(rows["text"]), len(ptexts)
    w_sl, p_sl, h_sl = slice(0, n), slice(n, n + m), slice(n + m, None)
    y = np.array(rows["label"])
    use_spec = spec()["encoder"]
    harm = np.array([bool(HARM & set(r["stages"])) and not r.get("third_party") for r in held])
    safe = np.array([not r["stages"] and not r.get("third_party") for r in held])
    lang = np.array([r.get("lang", "en") for r in held])
    result = {"written_turns": n, "plain_rows": m, "plain_rows_1": int(sum(plabels)), "stage_turns": len(held)}
    for name, extra in (("as_committed", False), ("with_plain_rows", True)):
        if extra:  # the plain rows are trained on in every fold, never read
            xe, xu, e = (np.vstack([x_en[w_sl], x_en[p_sl]]), np.vstack([x_use[w_sl], x_use[p_sl]]),
                         np.concatenate([en[w_sl], en[p_sl]]))
            yy = np.concatenate([y, plabels])
            fold_rows = {k: list(v) + (["plain"] * m if k == "batch" else [None] * m) for k, v in rows.items()}
            oob = out_of_batch(fold_rows, xe, xu, e, yy, emb.model_id, use_spec)[:n]
        else:
            xe, xu, e, yy = x_en[w_sl], x_use[w_sl], en[w_sl], y
            oob = out_of_batch(rows, xe, xu, e, yy, emb.model_id, use_spec)
        reader = fit_reader(xe, xu, e, yy, emb.model_id, use_spec)
        read = read_rows(reader, x_en[h_sl], x_use[h_sl], en[h_sl])
        result[name] = {"written_out_of_batch": person_figures(rows, oob),
                        "stage_turns": {lg: turn_figures(read, harm & (lang == lg), safe & (lang == lg))
                                        for lg in ("en", "zh", "ko")}}
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
