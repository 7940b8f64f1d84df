"""Probe (issue 13): would the project's written contrast rows, weighed more or less, tell harmful
requests from their safe look-alikes better out of family?

    .venv-train/bin/python -m models.train.probe_project_weight   # about ten minutes, encoder cache warm

`encoder_rows.PROJECT_WEIGHT` (20 today) multiplies the weight of the project-written rows (contrast
pairs, look-alikes, plain harmful requests): the only rows that say where "kill" in a game ends and
"kill" in earnest begins. They are never an out-of-family test fold, so their weight cannot flatter
the figures: what moves is how the heads read the held-out look-alike and harmful-request families.
Same rows, folds, heads and calibration as the other probes (`probes`), at weights 5, 20
(production), 60 and 150, and 60 with each source capped at 700 (`probe_cap`); with each, the
production rule's figures and the frontier of look-alikes against harmful requests (`probes.frontier`).
Writes bench/results/project_weight_probe.json. Session 38 result: on the frontier, harmful requests
flagged at 8 % of look-alikes (interpolated) 29.4 / 37.7 / 41.9 / 42.8 % at weights 5 / 20 / 60 / 150,
best F1 0.602 / 0.624 / 0.632 / 0.634, any-AUPRC 0.762 / 0.772 / 0.775 / 0.776; with the cap at 700,
weight 60 reads any-AUPRC 0.790 but loses the frontier's gain (38.5 % at 8 %). A lead, not taken up.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.train import encoder_rows
from models.train.probes import linear_heads, load_rows, report, write_probe

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "project_weight_probe.json"
RUNS = ((5.0, 6000.0), (20.0, 6000.0), (60.0, 6000.0), (150.0, 6000.0), (60.0, 700.0))  # (project weight, source cap)


def main() -> int:
    t0 = time.time()
    d = load_rows()
    shipped = encoder_rows.PROJECT_WEIGHT
    results = []
    try:
        for weight, cap in RUNS:
            encoder_rows.PROJECT_WEIGHT = weight
            d["w"] = encoder_rows.source_mass(d["rows"], cap=cap).astype(np.float32)
            logit = linear_heads(d)
            name = f"project weight {weight:g}, source cap {cap:g}" + (" (production)" if (weight, cap) == (shipped, 6000.0) else "")
            results.append(report(d, logit, name, with_frontier=True))
    finally:
        encoder_rows.PROJECT_WEIGHT = shipped
    return write_probe(OUT, "project_weight", __doc__, d, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
