"""Probe (issues 13 and 14): do the heads misread a person putting their affairs in order, and the
same errands done for ordinary reasons, because no classifier row says what such turns are? The
farewell sets (`models/data/farewell_turns_en*.jsonl`, written for the farewell reader and not
classifier rows) read by the production models: 21 % of the 400 ordinary errands flagged (illicit
15.5 %: a will, an insurance claim, a pet's new home), and the acts flagged violence or a threat
beside self-harm ("who usually finds somebody when they live alone" read harassment/threatening
0.89 on a blind person at risk, whose first case then went to enforcement).

    .venv-train/bin/python -m models.train.probe_farewell_rows   # encoder cache warm

Candidates, on the same rows, folds, heads, calibration and rule as the other probes (`probes`):
the production rows; and with the farewell rows added as project rows (never a test fold), the
ordinary errands benign, the acts labelled 0 in every category but the self-harm ones (unknown: an
act is a warning sign, not a statement of self-harm). Beside the out-of-family figures, what heads
fitted on every row flag at the out-of-family thresholds on two sets no candidate trains on:
`bench/written/everyday_chat.jsonl` (personal chat) and the user turns of the blind people of
batches 6-18 (benign people's turns, and at-risk people's turns read as violence or a threat).

Session 51: any-AUPRC out of family 0.772 -> 0.781 on these folds, the frontier better at every
threshold shift; everyday chat flagged 14.8 -> 11.3 %, the blind benign people's user turns 27.0 -> 23.8
%, at-risk people's turns read as harm to others 13.5 -> 9.1 %. Built as change 25 (every model
rebuilt with these rows) it was decided on unread people and not kept: two escalators fewer found
(bench/people/batch5/PREREGISTRATION.md, README "Batches 19 and 20 and change 25").
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train import data as D
from models.train import lofo
from stream.taxonomy import CATEGORIES

# the heads (scipy) and the probes' shared folds are imported where they run: the rows and the people's
# turns read in the runtime venv too (tests/test_bench_people.py)

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "farewell_rows_probe.json"
FAREWELL = ("farewell_turns_en1.jsonl", "farewell_turns_en2.jsonl")
EVERYDAY = REPO / "bench" / "written" / "everyday_chat.jsonl"
PEOPLE_BATCHES = tuple(str(b) for b in range(6, 19))
SELF_HARM = ("self-harm", "self-harm/intent", "self-harm/instructions")
HARM_TO_OTHERS = ("violence", "harassment/threatening", "illicit/violent")


def farewell_rows() -> list[D.Example]:
    """The farewell sets as classifier rows: ordinary errands benign; acts 0 but for self-harm (unknown)."""
    out = []
    for name in FAREWELL:
        for line in (D.PROJECT_DATA / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            act = bool(r.get("farewell"))
            y = np.zeros(len(CATEGORIES), np.float32) if act else D.BENIGN.copy()
            if act:
                y[[CATEGORIES.index(c) for c in SELF_HARM]] = np.nan
            out.append(D.Example(r["text"], y, f"project:{Path(name).stem}", "train", family=D.PROJECT_FAMILY,
                                 lang="en", weight=3.0, benign=not act))
    return out


def people_turns(batches=PEOPLE_BATCHES) -> dict[str, list[str]]:
    """English user turns of the blind people of `batches`: benign people's, and at-risk people's."""
    from bench.bench_people import batch_files, load, user_turns

    english = [p for p in load([f for b in batches for f in batch_files(b)], "all") if p.get("lang", "en") == "en"]
    return {"benign": user_turns([p for p in english if p["kind"] == "benign"]),
            "at_risk": user_turns([p for p in english if p["kind"] != "benign" and p.get("category") == "self-harm"])}


def with_rows(d: dict, extra: list[D.Example]) -> dict:
    """`d` with rows added (features from the same cache; weights recomputed by `source_mass`)."""
    from models.train.probes import encoder_features, row_table

    return row_table(d["rows"] + extra, np.concatenate([d["X"], encoder_features([e.text for e in extra])]))


def flagged_share(d: dict, logit: np.ndarray, sets: dict[str, np.ndarray]) -> dict:
    """Heads fitted on every row of `d`, read at the thresholds its out-of-family calibration sets:
    the share of each set's texts flagged in any category, and (`at_risk`) in harm to others."""
    from models.train.heads import fit_logistic, head_logits
    from models.train.probes import L2, _calibrated

    _, (a, c, _, thr, _, _) = _calibrated(d, logit)
    model = fit_logistic(d["X"], d["Y"], d["w"], l2=L2)
    tv = np.array([thr[k] for k in CATEGORIES])
    out = {}
    for name, X in sets.items():
        flagged = lofo.sigmoid(a * head_logits(X, model) + c) >= tv[None, :]
        out[name] = {"texts": len(X), "any": round(float(flagged.any(1).mean()), 4),
                     "harm_to_others": round(float(flagged[:, [CATEGORIES.index(k) for k in HARM_TO_OTHERS]].any(1).mean()), 4),
                     "illicit": round(float(flagged[:, CATEGORIES.index("illicit")].mean()), 4)}
    return out


def main() -> int:
    from models.train.probes import encoder_features, linear_heads, load_rows, report, write_probe

    t0 = time.time()
    base = load_rows()
    extra = farewell_rows()
    print(f"{len(extra)} farewell rows ({sum(e.benign for e in extra)} ordinary)", flush=True)
    everyday = [json.loads(line)["text"] for line in EVERYDAY.read_text().splitlines() if line.strip()]
    turns = people_turns()
    sets = {"everyday_chat": encoder_features(everyday), "people_benign_turns": encoder_features(turns["benign"]),
            "people_at_risk_turns": encoder_features(turns["at_risk"])}
    results = []
    for name, d in (("production rows", base), ("with the farewell rows", with_rows(base, extra))):
        logit = linear_heads(d)
        out = report(d, logit, name, with_frontier=True)
        out["never_trained_on_flagged"] = flagged_share(d, logit, sets)
        print(f"  {name}: {out['never_trained_on_flagged']}", flush=True)
        results.append(out)
    return write_probe(OUT, "farewell_rows", __doc__, base, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
